"""Experiment (issue 14, phase 2 input): more code candidates, stopping at the first that
passes its doctests.

    .venv/bin/python tools/quality/exp_code_candidates.py [--candidates 12] [--only NAME ...]

Runs the app's pipeline (`score.run_code`'s `generate_body`, verification on) with more
candidates than the default, and prints per function whether one passed, after how many
candidates, and the seconds it took.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import decoding_for, dev_set, load, pipeline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--only", nargs="*", help="these functions")
    parser.add_argument("--temperature", type=float, help="for the sampled candidates")
    args = parser.parse_args()
    lm = load()
    decoding = decoding_for("code")
    if args.temperature is not None:
        decoding = dataclasses.replace(decoding, temperature=args.temperature)
    functions = [f for f in dev_set("code")["function"] if not args.only or f["name"] in args.only]
    passed, seconds = 0, []
    for item in functions:
        result = pipeline("generate_body")(
            lm, item["source"].lstrip("\n"), item["name"], decoding,
            candidates=args.candidates, verify_doctests=True,
        )  # fmt: skip
        passed += bool(result.passed)
        distinct = len({c.body for c in result.candidates if c.body is not None})
        seconds.append(result.seconds)
        print(
            f"{item['name']:24} {'pass' if result.passed else 'FAIL'} after "
            f"{len(result.candidates)} candidates ({distinct} distinct usable), "
            f"{result.seconds:5.1f} s  {result.message[:70]}",
            flush=True,
        )
    n = len(functions)
    print(
        f"candidates={args.candidates}: {passed}/{n} pass; "
        f"median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s per function"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
