"""Experiment (issue 14, phase 4): what wins on the passages whose versions all fail?

    .venv/bin/python tools/quality/exp_rewrite_repair.py --from-json RUN.json [--versions 6]
        [--variants more,facts,anchor,both] [--json OUT]

RUN.json is a `score.py rewrite --json` run; its held rewrites are tried again with
`--versions` more versions each (greedy, then sampled at the app's temperature, seeds 100+),
in each variant of the prompt:

- more:   the app's prompt as it is (just more versions);
- facts:  the request also lists the details to keep ("Keep these details exactly: …",
          `quality.extract_facts` of the passage);
- anchor: the answer begun with the passage's first words up to its first fact, carried on;
- both:   facts listed and the answer anchored.

Reported per variant: how many held rewrites now have a version that passes the app's checks
(`features.rewrite.judge`), and the mean versions to the first pass.
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

from writer_app.features.rewrite import judge
from writer_app.tasks import quality, rewrite

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import decoding_for, load


def facts_line(text: str) -> str:
    facts = [f.text for f in quality.extract_facts(text)]
    return "Keep these details exactly: " + "; ".join(facts) + "." if facts else ""


def anchor(text: str) -> str:
    """The passage's opening words, up to (not including) its first fact, else two words."""
    facts = quality.extract_facts(text)
    words = text.split()
    first = min((text.find(f.text) for f in facts if text.find(f.text) > 0), default=-1)
    if first > 0:
        head = text[:first].split()
        return " ".join(head[:4])
    return " ".join(words[:2])


def messages(style: rewrite.Style, text: str, variant: str) -> tuple[list[dict[str, str]], str]:
    msgs = rewrite.build_messages(style, text)
    begun = ""
    if variant in ("facts", "both"):
        line = facts_line(text)
        if line:
            msgs[-1] = {"role": "user", "content": msgs[-1]["content"] + "\n\n" + line}
    if variant in ("anchor", "both"):
        begun = anchor(text)
        msgs = [*msgs, {"role": "assistant", "content": begun}]
    return msgs, begun


def main() -> int:
    from writer_app.engine.backend import Chat

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", type=Path, required=True)
    parser.add_argument("--versions", type=int, default=6)
    parser.add_argument("--variants", default="more,facts,anchor,both")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = json.loads(args.from_json.read_text())["tasks"]["rewrite"]["results"]
    held = [r for r in rows if r.get("held") or not r["passed"]]
    backend = load()
    decoding = decoding_for("rewrite")
    out: list[dict[str, Any]] = []
    for variant in args.variants.split(","):
        wins, firsts, started = 0, [], time.perf_counter()
        for r in held:
            text, name = r["source"], r["style"]
            try:
                style = rewrite.find_style(name)
            except KeyError:
                style = rewrite.custom_style(name)
            msgs, begun = messages(style, text, variant)
            prompt = Chat(msgs, begun=bool(begun))
            first = 0
            outputs = []
            for k in range(args.versions):
                d = (
                    decoding
                    if k == 0
                    else dataclasses.replace(decoding, do_sample=True, seed=100 + k)
                )

                def done(t: str, text: str = text, style: Any = style, begun: str = begun) -> bool:
                    return rewrite.should_stop((begun + " " + t) if begun else t, text, style)

                result = backend.generate(prompt, d, is_done=done, copies_prompt=True)
                raw = result.texts[0]
                if begun:
                    raw = begun + ("" if raw[:1] in (" ", ",", ".") else " ") + raw
                o = rewrite.clean_output(raw, text)
                v = judge(text, o, style)
                outputs.append((o, v.passed, list(v.reasons)))
                if v.passed:
                    first = k + 1
                    break
            wins += bool(first)
            if first:
                firsts.append(first)
            print(
                f"  {variant:6} {name[:20]:20} {'PASS@' + str(first) if first else 'fail'}  "
                f"{outputs[-1][0][:90]!r} {outputs[-1][2][:1]}",
                file=sys.stderr,
            )
            out.append({"variant": variant, "style": name, "source": text, "outputs": outputs})
        mean = sum(firsts) / len(firsts) if firsts else 0
        print(
            f"{variant:6} rescued {wins}/{len(held)}  mean versions to pass {mean:.1f}  "
            f"{time.perf_counter() - started:.0f} s"
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
