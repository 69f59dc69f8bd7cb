"""Score the app's generating features on their dev sets: the numbers every change to prompts,
decoding or cleaning is judged by (issue 14).

    .venv/bin/python tools/quality/score.py [rewrite|draft|code|all] [--limit N] [--json OUT]

Each task runs the app's real pipeline (the adapter below) on the built-in model with the
task's default decoding settings (`max_time` off, so a busy machine does not change the text;
a fixed seed where the task samples), then judges every output with the plain-text rules of
`writer_app.tasks.quality`:

- rewrite (`rewrite_set.toml`): every fact kept and none invented, commentary about the text,
  copies of the input, length within the style's band, and the overall pass rate;
- draft (`draft_set.toml`): outline points covered in their own section, chatter and leaked
  prompt sentences, section words against the requested length (±30%);
- code (`code_set.toml`): doctests passed with verification on, and of those, how many also
  pass the set's hidden examples (never shown to the model); seconds per function.

It prints a compact table per task and the time taken; `--json` writes every output with its
verdict, for comparing runs. `--show` prints each failure with its reasons.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import statistics
import sys
import textwrap
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run from anywhere in the checkout

from writer_app.tasks import quality  # noqa: E402
from writer_app.tasks.outline import parse_outline  # noqa: E402

# --- adapter: the app's pipelines -----------------------------------------------------------
# The only place that knows where the pipelines live. Each name is looked up in the modules
# listed, first match wins: when a pipeline moves, add (or replace) its module here.

PIPELINES = {
    "rewrite_text": ("writer_app.features.rewrite", "writer_app.assistant"),
    "draft_article": ("writer_app.features.draft", "writer_app.drafting"),
    "DraftOptions": ("writer_app.features.draft", "writer_app.drafting"),
    "generate_body": ("writer_app.features.code", "writer_app.coding"),
    "task_defaults": ("writer_app.config",),
    "load_model": ("writer_app.engine.loader",),
    "LocalBackend": ("writer_app.engine.local",),
    "RemoteBackend": ("writer_app.engine.remote",),
}


def pipeline(name: str) -> Any:
    """The app's function or class `name`, from the first module in PIPELINES that has it."""
    errors = []
    for module in PIPELINES[name]:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            errors.append(f"{module}: {exc}")
    raise ImportError(f"{name} not found ({'; '.join(errors)}); update PIPELINES in {__file__}")


def load(server: str = "", model: str = "") -> Any:
    """The built-in model as the app loads it (behind its backend interface where the
    checkout has one), or a model on a server."""
    if server:
        return pipeline("RemoteBackend").connect(server, model, timeout=120.0)
    lm = pipeline("load_model")("builtin", "auto")
    try:
        return pipeline("LocalBackend")(lm)
    except ImportError:  # a checkout from before the backend interface
        return lm


def decoding_for(task: str) -> Any:
    """The task's default decoding: no time limit (results must not depend on machine load),
    and a fixed seed, so sampled tasks repeat."""
    decoding = pipeline("task_defaults")(task)
    return dataclasses.replace(decoding, max_time=0.0, seed=0)


def run_rewrite(lm: Any, text: str, style_name: str, decoding: Any) -> tuple[str, bool]:
    """The rewrite of `text` in a built-in style, or a custom instruction, and whether the
    app held it back (its own checks failed it: the panel says why instead of offering it)."""
    from writer_app.tasks import rewrite

    try:
        style = rewrite.find_style(style_name)
    except KeyError:
        style = rewrite.custom_style(style_name)
    result = pipeline("rewrite_text")(lm, text, style, decoding)
    held = bool(getattr(result, "held", None))
    if held:
        return rewrite.join_pieces(result.pieces, result.rewritten), True
    return str(result.text), False


def run_draft(lm: Any, markdown: str, length: str, decoding: Any) -> list[str]:
    """The prose of each section of the article drafted from an outline."""
    outline = parse_outline(markdown)
    options = pipeline("DraftOptions")(length=length)
    update = pipeline("draft_article")(lm, outline, options, decoding)
    return [str(p) for p in update.proses]


def draft_instructions(markdown: str, index: int, words: int) -> list[str]:
    """The instruction lines of a section's prompt (not its title, outline or points), for
    spotting sentences that echo them; [] if the prompt builder has changed shape."""
    from writer_app.tasks import draft

    try:
        messages = draft.build_section_messages(parse_outline(markdown), index, words=words)
    except (TypeError, AttributeError):
        return []
    lines = [messages[0]["content"]]
    for line in messages[-1]["content"].splitlines():
        bare = line.strip()
        skip = ("Title:", "Readers:", "Parts:", "Previous part ends:", "- ")
        if bare and not bare.startswith(skip) and not bare[:1].isdigit():
            lines.append(bare)
    return lines


@dataclasses.dataclass
class CodeRun:
    passed: bool  # the docstring's doctests pass, as the app says
    candidates: int
    seconds: float
    status: str
    hidden: bool = False  # the set's hidden examples pass too (`passed` and right beyond them)
    body: str = ""


def run_code(lm: Any, source: str, name: str, decoding: Any, hidden: str = "") -> CodeRun:
    """The function's body written with verification on (the task's default candidates),
    then checked against the `hidden` examples (doctest text) in the sandbox."""
    from writer_app.sandbox import run_doctests

    result = pipeline("generate_body")(lm, source, name, decoding, verify_doctests=True)
    right = False
    if result.passed and result.edit is not None:
        checks = f'\n\ndef _hidden_examples():\n    """\n{textwrap.indent(hidden, "    ")}    """\n'
        right = run_doctests(result.edit.source + checks, "_hidden_examples").passed
    return CodeRun(
        bool(result.passed), len(result.candidates), result.seconds, result.message, right,
        result.body.strip(),
    )  # fmt: skip


# --- dev sets -------------------------------------------------------------------------------


SETS = "set"  # "heldout" with --held-out: the sets no change was tuned on


def dev_set(name: str) -> dict[str, Any]:
    with (HERE / f"{name}_{SETS}.toml").open("rb") as f:
        return tomllib.load(f)


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for k, row in enumerate([header, *rows]):
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in
                 enumerate(zip(row, widths, strict=True))]  # fmt: skip
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- rewrite --------------------------------------------------------------------------------


def score_rewrite(lm: Any, limit: int | None, show: bool, cached: Cache) -> dict[str, Any]:
    decoding = decoding_for("rewrite") if lm is not None else None
    stored = {(r["style"], r["source"]): r for r in cached.get("rewrite", [])}
    jobs = [
        (item, style)
        for item in dev_set("rewrite")["item"]
        for style in item["styles"]
    ]  # fmt: skip
    jobs = jobs[:limit] if limit else jobs
    results = []
    for k, (item, style) in enumerate(jobs, 1):
        started = time.perf_counter()
        if lm is None:
            earlier = stored[style, item["text"]]
            output, seconds = earlier["output"], earlier["seconds"]
            held = earlier.get("held", False)
        else:
            output, held = run_rewrite(lm, item["text"], style, decoding)
            seconds = time.perf_counter() - started
        correct = item.get("correct", False)
        verdict = quality.judge_rewrite(item["text"], output, style, source_is_correct=correct)
        results.append({
            "style": style, "source": item["text"], "output": output, "seconds": seconds,
            "passed": verdict.passed, "reasons": list(verdict.reasons), "score": verdict.score,
            "checks": verdict.checks, "recall": verdict.recall, "held": held,
        })  # fmt: skip
        mark = "held" if held else "pass" if verdict.passed else "FAIL"
        print(f"  rewrite {k}/{len(jobs)} {style[:24]:24} {mark} {seconds:5.1f} s", file=sys.stderr)
        if show and not verdict.passed:
            print(f"    {item['text']}\n    -> {output.strip()}\n    {'; '.join(verdict.reasons)}")
    by_style: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_style[r["style"] if r["style"] in _BUILTIN_NAMES else "(custom)"].append(r)
    rows = [_rewrite_row(name, rs) for name, rs in sorted(by_style.items())]
    rows.append(_rewrite_row("all", results))
    header = ["style", "n", "pass", "facts ok", "commentary", "copies", "length ok", "recall",
              "held", "bad offered", "median s"]  # fmt: skip
    return {"table": _table(header, rows), "results": results, "summary": rows[-1]}


_BUILTIN_NAMES = {
    "Formal", "Casual", "Concise", "Expand", "Simplify", "Fix grammar and spelling",
    "Academic", "Friendly", "Persuasive", "Professional", "Confident", "Active voice",
}  # fmt: skip


def _rewrite_row(name: str, rs: list[dict[str, Any]]) -> list[str]:
    n = len(rs)

    def count(check: str, ok: bool = True) -> int:
        return sum(1 for r in rs if r["checks"].get(check, False) == ok)

    recall = statistics.mean(r["recall"] for r in rs) if rs else 0.0
    return [
        name, str(n), _pct(sum(r["passed"] and not r.get("held") for r in rs), n),
        _pct(count("facts"), n),
        _pct(count("commentary", False), n), _pct(count("copy", False), n),
        _pct(count("length"), n), f"{recall:.2f}", _pct(sum(r.get("held", 0) for r in rs), n),
        _pct(sum(not r["passed"] and not r.get("held") for r in rs), n),
        f"{statistics.median(r['seconds'] for r in rs):.1f}" if rs else "-",
    ]  # fmt: skip


# --- draft ----------------------------------------------------------------------------------


def score_draft(lm: Any, limit: int | None, show: bool, cached: Cache) -> dict[str, Any]:
    from writer_app.tasks import draft

    decoding = decoding_for("draft") if lm is not None else None
    stored = {r["name"]: r for r in cached.get("draft", [])}
    outlines = dev_set("draft")["outline"]
    outlines = outlines[:limit] if limit else outlines
    results = []
    rows = []
    for item in outlines:
        started = time.perf_counter()
        if lm is None:
            proses = [sec["prose"] for sec in stored[item["name"]]["sections"]]
            seconds = stored[item["name"]]["seconds"]
        else:
            proses = run_draft(lm, item["markdown"], item["length"], decoding)
            seconds = time.perf_counter() - started
        outline = parse_outline(item["markdown"])
        words = draft.words_for(item["length"])
        sections = []
        for index, (section, prose) in enumerate(zip(outline.sections, proses, strict=False)):
            bullets = [p.text for p in section.points]
            verdict = quality.judge_section(
                prose, bullets, words,
                instructions=draft_instructions(item["markdown"], index, words),
                allowed=f"{outline.title} {section.heading}",
            )  # fmt: skip
            sections.append({
                "heading": section.heading, "prose": prose, "bullets": bullets,
                "covered": list(verdict.covered), "chatter": list(verdict.chatter),
                "words": verdict.words, "length_ok": verdict.length_ok,
            })  # fmt: skip
            if show and not verdict.passed:
                missed = [b for b, c in zip(bullets, verdict.covered, strict=True) if not c]
                print(f"  [{item['name']} / {section.heading}] {verdict.words} words")
                print(f"    missed: {missed}\n    chatter: {list(verdict.chatter)}")
                print(f"    {' '.join(prose.split())[:400]}")
        print(f"  draft {item['name']} {seconds:5.1f} s", file=sys.stderr)
        results.append({"name": item["name"], "seconds": seconds, "sections": sections})
        rows.append(_draft_row(item["name"], sections, words, seconds))
    every = [s for r in results for s in r["sections"]]
    total_seconds = sum(r["seconds"] for r in results)
    rows.append(_draft_row("all", every, draft.words_for("short"), total_seconds))
    header = ["outline", "sections", "points covered", "chatter", "words (median)",
              "length ±30%", "seconds"]  # fmt: skip
    return {"table": _table(header, rows), "results": results, "summary": rows[-1]}


def _draft_row(name: str, sections: list[dict[str, Any]], words: int, seconds: float) -> list[str]:
    points = [c for s in sections for c in s["covered"]]
    median = statistics.median(s["words"] for s in sections) if sections else 0
    return [
        name, str(len(sections)), f"{sum(points)}/{len(points)} ({_pct(sum(points), len(points))})",
        str(sum(len(s["chatter"]) for s in sections)), f"{median:g} / {words}",
        f"{sum(s['length_ok'] for s in sections)}/{len(sections)}", f"{seconds:.0f}",
    ]  # fmt: skip


# --- code -----------------------------------------------------------------------------------


def score_code(lm: Any, limit: int | None, show: bool, cached: Cache) -> dict[str, Any]:
    decoding = decoding_for("code") if lm is not None else None
    stored = {r["name"]: r for r in cached.get("code", [])}
    functions = dev_set("code")["function"]
    functions = functions[:limit] if limit else functions
    results = []
    for item in functions:
        if lm is None:  # doctest results cannot be judged again without running the code
            fields = [f.name for f in dataclasses.fields(CodeRun)]
            run = CodeRun(**{k: v for k, v in stored[item["name"]].items() if k in fields})
        else:
            source = item["source"].lstrip("\n")
            run = run_code(lm, source, item["name"], decoding, item.get("hidden", ""))
        results.append({"name": item["name"], **dataclasses.asdict(run)})
        mark = ("pass" if run.hidden else "pass, hidden FAIL") if run.passed else "FAIL"
        print(f"  code {item['name']:24} {mark} {run.candidates} candidates "
              f"{run.seconds:5.1f} s  {run.body[:70]!r}", file=sys.stderr)  # fmt: skip
        if show and not (run.passed and run.hidden):
            print(f"  {item['name']}: {run.status}")
    n = len(results)
    passed = sum(r["passed"] for r in results)
    right = sum(r["passed"] and r["hidden"] for r in results)
    seconds = [r["seconds"] for r in results]
    rows = [[
        "all", str(n), f"{passed}/{n} ({_pct(passed, n)})", f"{right}/{n} ({_pct(right, n)})",
        f"{statistics.median(seconds):.1f}" if seconds else "-",
        f"{max(seconds):.1f}" if seconds else "-",
        f"{statistics.mean(r['candidates'] for r in results):.1f}" if results else "-",
    ]]  # fmt: skip
    header = [
        "functions", "n", "doctests pass", "and hidden pass", "median s", "max s",
        "candidates (mean)",
    ]  # fmt: skip
    return {"table": _table(header, rows), "results": results, "summary": rows[-1]}


# --- main -----------------------------------------------------------------------------------

SCORERS = {"rewrite": score_rewrite, "draft": score_draft, "code": score_code}
Cache = dict[str, list[dict[str, Any]]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", nargs="?", default="all", choices=[*SCORERS, "all"])
    parser.add_argument("--limit", type=int, help="only the first N items of each dev set")
    parser.add_argument("--json", type=Path, help="write every output and verdict here")
    parser.add_argument("--show", action="store_true", help="print each failure and why")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="judge the outputs stored by an earlier --json run again (no model: for changes "
        "to the rules; code results are shown as stored)",
    )
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="score the held-out sets (*_heldout.toml: written once, never tuned on) instead",
    )
    parser.add_argument("--server", default="", help="score a model on this server (/v1 URL)")
    parser.add_argument("--server-model", default="", help="the server's model to score")
    args = parser.parse_args(argv)
    global SETS
    SETS = "heldout" if args.held_out else "set"

    started = time.perf_counter()
    cached: Cache = {}
    if args.from_json:
        earlier = json.loads(args.from_json.read_text())
        lm, model = None, f"{earlier['model']} (outputs of {args.from_json})"
        cached = {task: data["results"] for task, data in earlier["tasks"].items()}
    else:
        lm = load(args.server, args.server_model)
        model = lm.describe()
        print(f"model: {model} (loaded in {time.perf_counter() - started:.0f} s)")
    report: dict[str, Any] = {"model": model, "tasks": {}}
    for task in SCORERS if args.task == "all" else [args.task]:
        if lm is None and task not in cached:
            print(f"\n{task}: no outputs in {args.from_json}")
            continue
        task_started = time.perf_counter()
        scored = SCORERS[task](lm, args.limit, args.show, cached)
        seconds = time.perf_counter() - task_started
        print(f"\n{task} ({seconds:.0f} s)\n{scored['table']}", flush=True)
        report["tasks"][task] = {**scored, "seconds": seconds}
        if args.json:  # after each task, so a long run can be looked at while it goes on
            args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    total = time.perf_counter() - started
    print(f"\ntotal {total:.0f} s")
    if args.json:
        report["seconds"] = total
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
