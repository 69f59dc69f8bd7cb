"""Rewrite speed on the built-in model with and without prompt-lookup decoding, side by side.

    .venv/bin/python tools/measure_rewrite.py [--rounds N] [--precision P]

Each round rewrites the same passages both ways (alternating which goes first), greedy, so
the texts must match; it prints seconds, new tokens per second and the speed-up.
"""

from __future__ import annotations

import argparse
import statistics
import time

from writer_app.config import task_defaults
from writer_app.engine.loader import load_model
from writer_app.engine.local import LocalBackend
from writer_app.features.rewrite import rewrite_text
from writer_app.tasks.rewrite import find_style

PASSAGES = [
    ("Formal", "hey, so the meeting got moved to friday cause the boss is out sick lol."),
    (
        "Fix grammar and spelling",
        "Their going to the libary tomorow to study for there exams, but they dont have "
        "there books yet. The teacher said it were fine to borrow some from the class.",
    ),
    (
        "Concise",
        "In my personal opinion, I think that we should probably consider the possibility "
        "of maybe moving the deadline to a later date, because at this point in time the "
        "team is not really ready to finish all of the work that still needs to be done.",
    ),
    (
        "Professional",
        "The new release fixes the crash when you open big files, makes saving faster, "
        "and adds a dark theme. Update when you can, it's worth it.",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="auto", help="auto, float32, bfloat16, int4, …")
    args = parser.parse_args()
    lm = load_model("builtin", "cpu", precision=args.precision)
    backend = LocalBackend(lm)
    decoding = task_defaults("rewrite")
    decoding.max_time = 0.0
    times: dict[int, list[float]] = {0: [], 10: []}
    tokens: dict[int, int] = {0: 0, 10: 0}
    same = True
    for round_no in range(args.rounds):
        order = (0, 10) if round_no % 2 == 0 else (10, 0)
        for style, text in PASSAGES:
            outputs = {}
            for lookup in order:
                started = time.perf_counter()
                backend.prompt_lookup = lambda _copies, n=lookup: n  # type: ignore[method-assign]
                result = rewrite_text(backend, text, find_style(style), decoding)
                times[lookup].append(time.perf_counter() - started)
                outputs[lookup] = result.text
                tokens[lookup] += len(lm.tokenizer(result.text).input_ids)
            same = same and outputs[0] == outputs[10]
    plain, lookup = sum(times[0]), sum(times[10])
    print(f"passages: {len(PASSAGES)} × {args.rounds} rounds, greedy, {lm.describe()}")
    print(f"{'':22}{'total s':>9}{'median s':>10}{'tok/s':>8}")
    for name, key in (("plain", 0), ("prompt lookup (10)", 10)):
        t = times[key]
        print(f"{name:22}{sum(t):9.2f}{statistics.median(t):10.2f}{tokens[key] / sum(t):8.1f}")
    print(f"speed-up with prompt lookup: {plain / lookup:.2f}x; same text: {same}")


if __name__ == "__main__":
    main()
