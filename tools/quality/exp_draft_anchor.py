"""Experiment (issue 14, phase 2 input): anchoring each draft section on the user's points.

    .venv/bin/python tools/quality/exp_draft_anchor.py [--variant first|each] [--limit N]

Variants, on the draft dev set, each section prompted as the app does
(`tasks.draft.build_section_messages`, cleaned by `clean_section`):

- first: the answer starts from the section's first point, turned into the start of a
  sentence (the assistant message is continued), as in the issue's quick experiment;
- each: point by point: for each point, the prose so far plus the point as the start of the
  next sentence is continued for one or two sentences.

Scored like `score.py draft`: points covered in their own section, chatter sentences, words
against the length (±30%), seconds.

Outcome: "each" won (all points covered, short fast sections) and became the app's pipeline
(`features/draft.py` `_Anchored`, rules in `tasks/draft_anchor.py`), with the passage
cleaning, the length fitting and the user's spelling added; measure it with `score.py draft`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from writer_app.tasks import draft, quality
from writer_app.tasks.outline import parse_outline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import dev_set, draft_instructions, load


def continue_ids(lm: Any, messages: list[dict[str, str]]) -> Any:
    text = lm.tokenizer.apply_chat_template(messages, continue_final_message=True, tokenize=False)
    return lm.tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids[0]


def anchor(point: str) -> str:
    """A point as the start of a sentence: "buy a nucleus colony in May" -> "Buy a nucleus
    colony in May"."""
    text = point.strip().rstrip(".;:")
    return text[:1].upper() + text[1:]


def sentences_done(n: int) -> Any:
    def done(text: str) -> bool:
        return len(re.findall(r"[.!?](?:\s|$)", text)) >= n or draft.should_stop(text)

    return done


def write_section(lm: Any, outline: Any, index: int, words: int, variant: str, dec: Any) -> str:
    from writer_app.engine.generation import generate

    section = outline.sections[index]
    messages = draft.build_section_messages(outline, index, words=words)
    points = [p.text for p in section.points]
    others = [s.heading for i, s in enumerate(outline.sections) if i != index and s.heading]
    last = index == len(outline.sections) - 1

    def clean(raw: str) -> str:
        return draft.clean_section(raw, section, last=last, other_headings=others)

    budget = draft.max_new_tokens_for(words)
    if variant == "first" or not points:
        start = anchor(points[0]) if points else ""
        msgs = [*messages, {"role": "assistant", "content": start}]
        out = generate(
            lm, continue_ids(lm, msgs), dataclasses.replace(dec, max_new_tokens=budget),
            heal=False, is_done=draft.should_stop,
        )  # fmt: skip
        return clean(start + out.texts[0])
    prose = ""
    per_point = max(24, budget // len(points))
    for point in points:
        start = (prose + " " if prose else "") + anchor(point)
        msgs = [*messages, {"role": "assistant", "content": start}]
        out = generate(
            lm, continue_ids(lm, msgs), dataclasses.replace(dec, max_new_tokens=per_point),
            heal=False, is_done=sentences_done(2),
        )  # fmt: skip
        added = clean(anchor(point) + out.texts[0])
        prose = f"{prose} {added}".strip()
    return prose


def main() -> int:
    from writer_app.config import task_defaults

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=["first", "each"], default="first")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    lm = load().lm  # the engine-level model: these experiments call generate directly
    dec = dataclasses.replace(task_defaults("draft"), max_time=0.0, seed=0)
    outlines = dev_set("draft")["outline"][: args.limit or None]
    covered: list[bool] = []
    chatter = 0
    lengths: list[int] = []
    in_band = 0
    started = time.perf_counter()
    for item in outlines:
        outline = parse_outline(item["markdown"])
        words = draft.words_for(item["length"])
        t0 = time.perf_counter()
        for index, section in enumerate(outline.sections):
            prose = write_section(lm, outline, index, words, args.variant, dec)
            verdict = quality.judge_section(
                prose, [p.text for p in section.points], words,
                instructions=draft_instructions(item["markdown"], index, words),
                allowed=f"{outline.title} {section.heading}",
            )  # fmt: skip
            covered += verdict.covered
            chatter += len(verdict.chatter)
            lengths.append(verdict.words)
            in_band += verdict.length_ok
            print(f"[{item['name']} / {section.heading}] {verdict.words} words, "
                  f"covered {sum(verdict.covered)}/{len(verdict.covered)}, "
                  f"chatter {list(verdict.chatter)}\n  {prose[:300]}", file=sys.stderr)  # fmt: skip
        print(f"{item['name']}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    n = len(lengths)
    print(f"variant={args.variant} outlines={len(outlines)} sections={n}")
    print(
        f"points covered {sum(covered)}/{len(covered)} ({100 * sum(covered) / len(covered):.0f}%)"
    )
    print(f"chatter sentences {chatter}")
    print(f"words median {statistics.median(lengths):g}; within ±30%: {in_band}/{n}")
    print(f"seconds {time.perf_counter() - started:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
