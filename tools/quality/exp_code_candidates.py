"""Experiment (issue 14): best-of-N code candidates, stopping at the first that passes its
doctests, with the candidate count and temperature schedule as knobs.

    .venv/bin/python tools/quality/exp_code_candidates.py [--candidates 12] [--temperature T]
        [--ceiling C] [--seed S] [--kinds completion chat begun] [--only NAME ...] [--json OUT]

Runs the app's pipeline (`generate_body`, verification on, the code task's default decoding
with no time limit and seed 0, as `score.py` does) on `code_set.toml`, and prints per function
whether a candidate passed, after how many, and the seconds it took; then the pass count and
the median and longest time per function. `--temperature` is where the sampled candidates'
temperatures start, `--ceiling` where they end, `--kinds` the prompt's forms that take turns
(`writer_app.tasks.code.schedule`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import decoding_for, dev_set, load, pipeline

from writer_app.tasks.code import schedule


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, help="default: the code task's setting")
    parser.add_argument("--only", nargs="*", help="these functions")
    parser.add_argument("--temperature", type=float, help="the first sampled candidate's")
    parser.add_argument("--ceiling", type=float, help="the last sampled candidate's temperature")
    parser.add_argument("--seed", type=int, default=0, help="for the sampled candidates")
    parser.add_argument(
        "--kinds", nargs="+", choices=["completion", "chat", "begun"], help="the prompt's forms"
    )
    parser.add_argument("--json", type=Path, help="write each function's outcome here")
    args = parser.parse_args()
    lm = load()
    decoding = dataclasses.replace(decoding_for("code"), seed=args.seed)
    if args.temperature is not None:
        decoding = dataclasses.replace(decoding, temperature=args.temperature)
    if args.ceiling is not None:
        schedule.CEILING = args.ceiling
    if args.kinds:
        schedule.KINDS = tuple(args.kinds)
    count = args.candidates or decoding.alternatives
    functions = [f for f in dev_set("code")["function"] if not args.only or f["name"] in args.only]
    outcomes = []
    for item in functions:
        result = pipeline("generate_body")(
            lm, item["source"].lstrip("\n"), item["name"], decoding,
            candidates=count, verify_doctests=True,
        )  # fmt: skip
        distinct = len({c.body for c in result.candidates if c.body is not None})
        outcomes.append({
            "name": item["name"], "passed": result.passed, "candidates": len(result.candidates),
            "distinct": distinct, "seconds": result.seconds, "message": result.message,
        })  # fmt: skip
        print(
            f"{item['name']:24} {'pass' if result.passed else 'FAIL'} after "
            f"{len(result.candidates):2} candidates ({distinct} distinct usable), "
            f"{result.seconds:5.1f} s  {result.message[:70]}",
            flush=True,
        )
    passed = sum(o["passed"] for o in outcomes)
    seconds = [o["seconds"] for o in outcomes]
    print(
        f"candidates={count} temperature={decoding.temperature}→{schedule.CEILING} "
        f"seed={args.seed} forms={','.join(schedule.KINDS)}: "
        f"{passed}/{len(outcomes)} pass; median {statistics.median(seconds):.1f} s, "
        f"max {max(seconds):.1f} s per function"
    )
    if args.json:
        args.json.write_text(json.dumps(outcomes, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
