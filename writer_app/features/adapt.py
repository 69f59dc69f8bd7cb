"""Learn my writing: train an adapter on the user's own documents, and manage adapters.

`writer-cli adapt DOCS... --name NAME [--minutes N | --steps N] [--rank R]` reads the
documents (files, or the .txt/.md/.py… files in folders), trains a LoRA adapter in a child
process with a progress bar (Ctrl+C stops it at once and keeps its last checkpoint: the
same command again resumes), and stores it. `writer-cli adapters` lists them (and renames
or deletes one). `--adapter NAME` on a generating command uses one (see `cli_context`).

The documents never leave the machine: they go to the training child over a pipe, and the
adapter's manifest keeps their names, sizes and hashes, never their text.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, Any

from writer_app.features.base import Command

if TYPE_CHECKING:
    from writer_app.cli_context import CliContext

DEFAULT_MINUTES = 10.0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _adapt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "documents",
        nargs="+",
        metavar="DOCS",
        help="your writing: files, or folders (their .txt, .md, .py … files are read)",
    )
    parser.add_argument("--name", required=True, help="the adapter's name")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--minutes",
        type=_positive_float,
        help=f"train at most this long (default {DEFAULT_MINUTES:g}; it may stop sooner "
        "when the held-out text stops improving)",
    )
    budget.add_argument("--steps", type=_positive_int, help="train this many steps")
    parser.add_argument(
        "--rank",
        type=_positive_int,
        default=16,
        help="the adapter's rank (default 16): higher learns more, and is larger and slower",
    )
    parser.add_argument(
        "--replace", action="store_true", help="replace an adapter of the same name"
    )
    parser.add_argument("--model", help="the model to adapt (default: the one in your settings)")
    parser.add_argument(
        "--threads",
        type=_positive_int,
        help="CPU threads for training (default: all cores but one)",
    )


def _fmt_time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _postfix(event: dict[str, Any]) -> str:
    parts = [f"{event['tokens']:,} tokens", f"loss {event['loss']:.2f}"]
    before, now = event.get("perplexity_before"), event.get("perplexity")
    if before is not None and now is not None:
        parts.append(f"perplexity {before:.1f} → {now:.1f}")
    parts.append(f"{_fmt_time(event.get('left'))} left")
    return ", ".join(parts)


def _adapt(ctx: CliContext) -> int:
    from tqdm import tqdm

    from writer_app.engine import adapters
    from writer_app.engine.adapters import AdapterError
    from writer_app.engine.training_process import (
        DocumentsError,
        TrainingRun,
        TrainSettings,
        job,
        read_corpus,
    )

    args = ctx.args
    try:
        name = adapters.check_name(args.name)
    except AdapterError as exc:
        ctx.usage(str(exc))
    if adapters.adapter_dir(name).exists() and not args.replace:
        ctx.fail(f"An adapter named {name!r} exists already (--replace replaces it)")
    try:
        corpus = read_corpus(args.documents)
    except DocumentsError as exc:
        ctx.fail(str(exc))
    for skipped in corpus.skipped:
        ctx.note(f"left out: {skipped}")
    model = ctx.model_settings()
    seconds = 0.0 if args.steps else (args.minutes or DEFAULT_MINUTES) * 60
    settings = TrainSettings(rank=args.rank, max_steps=args.steps or 0, max_seconds=seconds)
    docs = len(corpus.documents)
    budget = f"{args.steps} steps" if args.steps else f"at most {seconds / 60:g} minutes"
    ctx.say(
        f"Learning from {docs} document{'s' * (docs != 1)} (about {corpus.estimated_tokens:,} "
        f"tokens), {budget}, on {model.model}; Ctrl+C stops and keeps a checkpoint"
    )
    run = TrainingRun(
        job(name, model.model, corpus, settings, threads=args.threads or 0, replace=args.replace)
    )
    total = args.steps or int(seconds)
    unit = "step" if args.steps else "s"
    with (
        tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False) as bar,
        ctx.interrupt_event() as cancel,
    ):
        run.start()
        while run.outcome is None:
            if cancel.is_set():
                run.cancel()
                break
            for event in run.events(0.25):
                kind = event.get("event")
                if kind == "status":
                    bar.set_description_str(str(event["message"]).rstrip("…"))
                elif kind == "start" and event.get("resumed_step"):
                    ctx.note(f"resuming from the checkpoint at step {event['resumed_step']}")
                elif kind == "progress":
                    bar.set_description_str(f"step {event['step']}")
                    done = event["step"] if args.steps else int(event["elapsed"])
                    bar.update(max(0, min(total, done) - bar.n))
                    bar.set_postfix_str(_postfix(event))
    outcome = run.outcome
    assert outcome is not None
    if outcome.cancelled:
        step = run.last_progress["step"] if run.last_progress else 0
        ctx.say(
            f"writer-cli: interrupted at step {step}; run the same command again to resume "
            "from the last checkpoint"
        )
        return 130
    if outcome.manifest is None:
        ctx.fail(outcome.message)
    print(summary(outcome.manifest))
    return 0


def summary(manifest: dict[str, Any]) -> str:
    """One line about a new adapter: its name, perplexity before and after, time, speed."""
    ppl = manifest.get("perplexity", {})
    run = manifest.get("training", {})
    before, after = ppl.get("before") or 0.0, ppl.get("after") or 0.0
    change = (after / before - 1) * 100 if before else 0.0
    stopped = {"early": ", stopped early (no further improvement)"}.get(run.get("stopped"), "")
    verdict = "" if after < before else " (no improvement: the model's own is as good)"
    return (
        f"Adapter {manifest['name']!r} saved: held-out perplexity {before:.1f} → {after:.1f} "
        f"({change:+.0f}%){verdict}; {manifest['tokens']['seen']:,} tokens in "
        f"{run.get('seconds', 0) / 60:.1f} min ({run.get('tokens_per_second', 0):.0f} "
        f"tokens/s){stopped}"
    )


def _adapters_arguments(parser: argparse.ArgumentParser) -> None:
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--delete", metavar="NAME", help="delete this adapter")
    action.add_argument(
        "--rename", nargs=2, metavar=("OLD", "NEW"), help="give an adapter another name"
    )


def _adapters(ctx: CliContext) -> int:
    from writer_app.engine import adapters
    from writer_app.engine.adapters import AdapterError

    args = ctx.args
    try:
        if args.delete:
            adapters.delete(args.delete)
            ctx.say(f"Deleted the adapter {args.delete!r}")
            return 0
        if args.rename:
            adapters.rename(*args.rename)
            ctx.say(f"Renamed the adapter {args.rename[0]!r} to {args.rename[1]!r}")
            return 0
    except AdapterError as exc:
        ctx.fail(str(exc))
    except OSError as exc:
        ctx.fail(f"Could not change the adapters: {exc.strerror or exc}")
    found = adapters.list_adapters()
    for adapter in found:
        print(adapter.describe())
    if not found:
        ctx.note("no adapters yet; make one with: writer-cli adapt DOCS... --name NAME")
    return 0


ADAPT = Command(
    "adapt",
    "learn your writing: train an adapter on your documents (a resumable checkpoint is kept)",
    _adapt_arguments,
    _adapt,
)
ADAPTERS = Command(
    "adapters", "list the adapters learned from your writing (rename, delete)",
    _adapters_arguments, _adapters,
)  # fmt: skip
COMMANDS = (ADAPT, ADAPTERS)
