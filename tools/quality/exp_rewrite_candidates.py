"""Experiment (issue 14, phase 2 input): several rewrite candidates per passage, judged by the
quality rules, against the greedy rewrite alone.

    .venv/bin/python tools/quality/exp_rewrite_candidates.py [--candidates 4] [--limit N]
        [--json OUT] [--prompt plain|fewshot|after]

Each passage of the rewrite dev set gets one greedy and N-1 sampled candidates in one call
(they share the prompt's cache), the way the rewrite pipeline asks the model
(`tasks.rewrite.build_messages`, cleaned by `clean_output`). Reported: the greedy pass rate,
the rate with the best candidate by `quality.best_rewrite` (passing first, then score), and how
often no candidate passes (the panel would then say so instead of offering a bad rewrite).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from writer_app.tasks import quality, rewrite

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import dev_set, load

# One worked example per message pair: a small model copies the shape of an answer.
FEW_SHOT = [
    (
        "Rewrite the text in a formal tone.",
        "hi all, the printer on floor 2 is broken again, use the one by the kitchen til friday.",
        "The printer on the second floor is out of order again. Until Friday, please use the "
        "one by the kitchen.",
    ),
]


def messages(style: rewrite.Style, text: str, prompt: str) -> list[dict[str, str]]:
    if prompt == "plain":
        return rewrite.build_messages(style, text)
    if prompt == "after":  # the text first, the instruction after it (as summaries do)
        ask = style.instruction.replace("the text", "the text above")
        return [
            {"role": "system", "content": rewrite.SYSTEM_PROMPT},
            {"role": "user", "content": f"{text.strip()}\n\n{ask}"},
        ]
    shots: list[dict[str, str]] = [{"role": "system", "content": rewrite.SYSTEM_PROMPT}]
    for instruction, source, answer in FEW_SHOT:
        shots.append({"role": "user", "content": f"{instruction}\n\n{source}"})
        shots.append({"role": "assistant", "content": answer})
    return [*shots, rewrite.build_messages(style, text)[-1]]


def main() -> int:
    from writer_app.config import task_defaults
    from writer_app.engine.generation import chat_ids, generate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--prompt", choices=["plain", "fewshot", "after"], default="plain")
    args = parser.parse_args()

    lm = load().lm  # the engine-level model: these experiments call generate directly
    decoding = dataclasses.replace(task_defaults("rewrite"), max_time=0.0, seed=0)
    jobs = [(item, s) for item in dev_set("rewrite")["item"] for s in item["styles"]]
    jobs = jobs[: args.limit] if args.limit else jobs
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for k, (item, style_name) in enumerate(jobs, 1):
        text = item["text"]
        try:
            style = rewrite.find_style(style_name)
        except KeyError:
            style = rewrite.custom_style(style_name)
        t0 = time.perf_counter()
        result = generate(
            lm, chat_ids(lm, messages(style, text, args.prompt)), decoding,
            candidates=args.candidates, heal=False,
            is_done=lambda partial, text=text, style=style: rewrite.should_stop(
                partial, text, style
            ),
        )  # fmt: skip
        outs = [rewrite.clean_output(raw, text) for raw in result.texts]
        correct = item.get("correct", False)
        verdicts = [
            quality.judge_rewrite(text, o, style_name, source_is_correct=correct) for o in outs
        ]
        best = quality.best_rewrite(text, outs, style_name, source_is_correct=correct)
        assert best is not None
        rows.append({
            "style": style_name, "source": text, "outputs": outs,
            "passed": [v.passed for v in verdicts], "reasons": [list(v.reasons) for v in verdicts],
            "best": best[0], "seconds": time.perf_counter() - t0,
        })  # fmt: skip
        print(
            f"{k}/{len(jobs)} {style_name[:22]:22} "
            f"greedy={'pass' if verdicts[0].passed else 'FAIL'}"
            f" passing={sum(v.passed for v in verdicts)}/{len(outs)} "
            f"{time.perf_counter() - t0:5.1f} s",
            file=sys.stderr,
        )
    n = len(rows)
    greedy = sum(r["passed"][0] for r in rows)
    best = sum(r["passed"][r["best"]] for r in rows)
    per_candidate = sum(sum(r["passed"]) for r in rows) / (n * args.candidates)
    print(f"prompt={args.prompt} candidates={args.candidates} items={n}")
    print(f"greedy pass        {greedy}/{n} ({100 * greedy / n:.0f}%)")
    print(f"best-of-{args.candidates} pass      {best}/{n} ({100 * best / n:.0f}%)")
    print(f"no candidate passes {n - best}/{n}")
    print(f"per-candidate pass rate {100 * per_candidate:.0f}%")
    seconds = [r["seconds"] for r in rows]
    print(
        f"seconds per passage: mean {sum(seconds) / n:.1f}; "
        f"total {time.perf_counter() - started:.0f}"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
