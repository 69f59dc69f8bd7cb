"""Experiment (issue 14, phase 4): do solved example functions in the prompt help the model
write bodies that pass their doctests?

    .venv/bin/python tools/quality/exp_code_examples.py [--seeds 0,1,2] [--only f,g]
        [--variants plain,examples,builtins,c24]

Each function of `code_set.toml` is written by the app's pipeline (`generate_body`, verification
on, the task's default candidates) with its module as it is (plain), with a few short solved
functions placed before it (examples: `EXAMPLES`, none of them a dev-set function), with a
system prompt naming built-ins (builtins: `BUILTINS_SYSTEM`; it stays for the variants after
it), or with N candidates (cN), at each seed. Reported: functions passed and mean candidates,
per variant and seed. Results: BASELINE.md ("Code: what did not help").
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import decoding_for, dev_set, load, pipeline

EXAMPLES = '''
def shout(text: str) -> str:
    """Return the text in upper case, followed by an exclamation mark.

    >>> shout("hi there")
    'HI THERE!'
    """
    return text.upper() + "!"


def evens(values: list[int]) -> list[int]:
    """Return the even numbers of the list, in order.

    >>> evens([1, 2, 3, 4])
    [2, 4]
    """
    return [v for v in values if v % 2 == 0]


def sign(x: int) -> int:
    """Return 1 for a positive number, -1 for a negative one and 0 for zero.

    >>> sign(-7)
    -1
    """
    if x > 0:
        return 1
    return -1 if x < 0 else 0
'''


BUILTINS_SYSTEM = (
    "You are an expert Python programmer. You write short, correct code that passes the "
    "examples in the docstring, using Python's built-in functions and string and list "
    "methods (min, max, sum, sorted, set, split, join, upper) where they fit."
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", default="plain,examples")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--only", default="", help="these functions only (comma-separated)")
    args = parser.parse_args()
    backend = load()
    functions = dev_set("code")["function"][: args.limit]
    generate_body = pipeline("generate_body")
    for variant in args.variants.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            decoding = dataclasses.replace(decoding_for("code"), seed=seed)
            passed, tried, started, failed = 0, 0, time.perf_counter(), []
            if variant == "builtins":
                import writer_app.tasks.code.prompt as prompt

                prompt.SYSTEM = BUILTINS_SYSTEM
            if variant.startswith("c"):
                decoding = dataclasses.replace(decoding, alternatives=int(variant[1:]))
            for f in functions:
                if args.only and f["name"] not in args.only.split(","):
                    continue
                source = EXAMPLES + "\n" + f["source"] if variant == "examples" else f["source"]
                result = generate_body(backend, source, f["name"], decoding, verify_doctests=True)
                passed += bool(result.passed)
                tried += len(result.candidates)
                if not result.passed:
                    failed.append(f["name"])
            print(
                f"{variant:9} seed {seed}: {passed}/{len(functions)} pass, "
                f"{tried / len(functions):.1f} candidates, {time.perf_counter() - started:.0f} s;"
                f" failed {', '.join(failed)}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
