"""Summarize the selection (or the whole document): part by part for a long text, checked
before it is offered.

The prompt, splitting, cleaning and checks live in `tasks/summarize.py`; the window's side
in `ui/summarize.py`. The model writes the summary greedily; when the checks find a problem
(not shorter than the text, its key terms left out, talk about the text, a number or name
the text does not have), it samples a few more side by side and keeps the best. A result
that still fails comes back with its problems, for the caller to say so.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from writer_app.cli_context import CliContext, add_source_arguments
from writer_app.features.base import Command, Feature, Progress
from writer_app.options import Decoding, setting
from writer_app.tasks import summarize as rules
from writer_app.translatable import QT_TRANSLATE_NOOP, Message
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.backend import Backend

TOKENS_PER_WORD = 2.0  # a generous budget: the checks, not the cap, keep a summary short
RETRIES = 3  # sampled summaries when the greedy one fails the checks
RETRY_TEMPERATURE = 0.5


@dataclass
class SummarizeSettings(Decoding):
    """The Summarize task's decoding, and the form of the summary."""

    form: str = setting(
        "paragraph",
        "What the summary looks like: one sentence, a short paragraph, or bullet points.",
        label="Summary form",
        choices=rules.FORMS,
    )


@dataclass(frozen=True)
class SummaryUpdate:
    """A summary in progress, or finished (`done`), with what the checks found."""

    text: str
    part: int  # the part being summarized (1-based), of `parts`
    parts: int
    done: bool = False
    cancelled: bool = False
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.done and not self.cancelled and not self.problems and bool(self.text)


def _write(
    backend: Backend,
    text: str,
    form: str,
    decoding: Decoding,
    cancel: threading.Event | None,
    on_text: Callable[[str], None],
) -> tuple[str, bool]:
    """One checked summary of `text`: the greedy one if it passes the checks, else the best
    of it and `RETRIES` sampled ones (written side by side, sharing the prompt). Returns
    the summary and whether it was cancelled."""
    from writer_app.engine.backend import Chat, GenerationCancelled

    prompt = Chat(rules.build_messages(text, form), begun=True)
    budget = int(rules.TARGET_WORDS[form] * TOKENS_PER_WORD * 2)
    first = dataclasses.replace(decoding, max_new_tokens=min(decoding.max_new_tokens, budget))
    session = backend.session()  # the text is read once for both rounds
    best, best_score = "", float("-inf")
    # Calm sampling, seeded (the same text gets the same summary) unless the user set a seed.
    retry = dataclasses.replace(
        first, do_sample=True, temperature=RETRY_TEMPERATURE, top_p=0.9, top_k=50,
        seed=first.seed if first.seed is not None else 0,
    )  # fmt: skip

    def stream(raw: list[str]) -> None:
        on_text(rules.clean_summary(raw[0], text, form))

    for how, rows in ((first, 1), (retry, RETRIES)):
        try:
            result = backend.generate(
                prompt, how, candidates=rows, cancel=cancel, session=session,
                on_update=stream if rows == 1 else None,
            )  # fmt: skip
        except GenerationCancelled:
            return best, True
        for raw in result.texts:
            summary = rules.clean_summary(raw, text, form)
            if (value := rules.score(summary, text)) > best_score:
                best, best_score = summary, value
        if result.cancelled:
            return best, True
        if rules.check(best, text).ok:
            break
    on_text(best)
    return best, False


def summarize(
    backend: Backend,
    text: str,
    decoding: Decoding,
    *,
    form: str | None = None,
    cancel: threading.Event | None = None,
    on_update: Callable[[Any], None] | None = None,
) -> SummaryUpdate:
    """A summary of `text` in `form` (default: the settings' form), checked against it.

    A text longer than one part is summarized part by part, and the parts' summaries are
    then summarized together. `on_update` gets a SummaryUpdate as the text grows, and
    Progress between parts.
    """
    form = form or getattr(decoding, "form", "paragraph")
    if form not in rules.FORMS:
        raise ValueError(f"Unknown summary form {form!r}; choose one of: {', '.join(rules.FORMS)}")
    parts = rules.split_parts(text)
    if not parts:
        raise ValueError("There is no text to summarize")
    steps = len(parts) + (1 if len(parts) > 1 else 0)
    done: list[str] = []

    def report(update: Any) -> None:
        if on_update is not None:
            on_update(update)

    def shown(step: int, current: str) -> None:
        report(SummaryUpdate("\n\n".join([*done, current]).strip(), step, steps))

    for step, part in enumerate(parts, 1):
        if steps > 1:
            part = QT_TRANSLATE_NOOP("Messages", "Summarizing part {step} of {count}…")
            report(Progress(Message(part, step=step, count=len(parts))))
        summary, cancelled = _write(
            backend, part, "paragraph" if steps > 1 else form, decoding, cancel,
            functools.partial(shown, step),
        )  # fmt: skip
        done.append(summary)
        if cancelled:
            return _finish(text, "\n\n".join(done), step, steps, cancelled=True, report=report)
    result = "\n\n".join(s for s in done if s)
    if steps > 1:
        report(Progress("Summarizing the parts together…"))
        done.clear()

        def last(current: str) -> None:
            shown(steps, current)

        result, cancelled = _write(backend, result, form, decoding, cancel, last)
        if cancelled:
            return _finish(text, result, steps, steps, cancelled=True, report=report)
    return _finish(text, result, steps, steps, cancelled=False, report=report)


def _finish(
    source: str, summary: str, step: int, steps: int, *, cancelled: bool, report: Any
) -> SummaryUpdate:
    problems = () if cancelled else rules.check(summary, source).problems
    update = SummaryUpdate(summary, step, steps, True, cancelled, problems)
    report(update)
    return update


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser, "summarize")
    parser.add_argument(
        "--form", choices=rules.FORMS, help="one sentence, a paragraph or bullet points"
    )


def _cli(ctx: CliContext) -> int:
    decoding = ctx.decoding()
    text = ctx.read_source()
    if not text.strip():
        ctx.fail("There is no text to summarize")
    backend = ctx.load()
    with ctx.interrupt_event() as cancel:
        result = summarize(backend, text, decoding, form=ctx.args.form, cancel=cancel)
    if result.cancelled:
        ctx.fail("interrupted; no summary")
    if result.problems:
        ctx.fail("the model could not summarize this well: " + "; ".join(result.problems))
    sys.stdout.write(result.text.rstrip("\n") + "\n")
    return 0


FEATURE = Feature(
    name="summarize",
    title="Summarize",
    help="Summarize the selection, or the whole document",
    defaults={"repetition_penalty": 1.1, "max_new_tokens": 200, "max_time": 60.0},
    settings=SummarizeSettings,
    priority=Priority.INTERACTIVE,
    command=Command("summarize", "print a summary of some text", _arguments, _cli),
)
