"""Rewrite a selection in a style: passage by passage, streaming, cancellable.

The styles, prompts, passage splitting and cleaning live in `tasks/rewrite.py`; the window's
side (the style picker and the diff panel) in `ui/rewrite.py`. torch is imported only
inside the pipeline.
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

from writer_app.cli_context import CliContext, add_source_arguments
from writer_app.features.base import Command, Feature
from writer_app.options import Decoding, setting
from writer_app.tasks import quality, rewrite
from writer_app.tasks.language import is_chinese
from writer_app.translatable import QT_TRANSLATE_NOOP, Message
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.backend import Backend, Chat


@dataclass(frozen=True)
class RewriteUpdate:
    """A rewrite in progress: the passages done, and the text of each so far."""

    pieces: tuple[rewrite.Piece, ...]
    rewritten: dict[int, str]  # piece index -> cleaned rewrite ("" = keep the original)
    done: int  # passages finished
    total: int  # passages to rewrite
    # Finished passages whose best version failed the checks, and why: they keep their
    # original text unless the user asks to see the attempt (which is in `rewritten`).
    held: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    version: int = 1  # the version of the current passage being written (1 = the first)
    versions: int = 1  # how many versions a passage may get

    def accepted(self, with_held: bool = False) -> dict[int, str]:
        """Finished passages with usable text (held ones only `with_held`)."""
        finished = rewrite.passage_indices(self.pieces)[: self.done]
        return {
            i: self.rewritten[i]
            for i in finished
            if self.rewritten.get(i) and (with_held or i not in self.held)
        }

    @property
    def text(self) -> str:
        """The whole selection as it reads with the rewrites so far (held ones left out)."""
        shown = {i: t for i, t in self.rewritten.items() if i not in self.held}
        return rewrite.join_pieces(self.pieces, shown)

    @property
    def failed(self) -> int:
        """Passages the model gave nothing usable for (they keep their original text)."""
        return sum(1 for i in rewrite.passage_indices(self.pieces) if not self.rewritten.get(i))

    def why_held(self) -> str:
        """What went wrong, in a sentence: the first held passage's reasons (a `Message`)."""
        if not self.held:
            return ""
        index, reasons = next(iter(self.held.items()))
        why: str = reasons[0] if reasons else ""
        if len(reasons) > 1:
            why = Message(
                QT_TRANSLATE_NOOP("Messages", "{first}; {second}"), first=why, second=reasons[1]
            )
        where: str = ""
        if self.total > 1:
            n = rewrite.passage_indices(self.pieces).index(index) + 1
            where = Message(QT_TRANSLATE_NOOP("Messages", " (passage {n})"), n=n)
        return Message(
            QT_TRANSLATE_NOOP("Messages", "its best version {why}{where}"), why=why, where=where
        )


@dataclass
class RewriteSettings(Decoding):
    """The Rewrite task's decoding, and how many versions it may try."""

    versions: int = setting(
        13,
        "Rewrite: the most versions of a passage to write. The first is the one the decoding "
        "settings give; while none keeps every fact of the original (names, numbers, days, "
        "times) and reads as a rewrite in the style, more are written, a few at a time: "
        "sampled, then asked with the names and numbers to keep listed, then begun with the "
        'passage\'s first words (a question with "Is it true that"). A passage whose '
        "versions all fail keeps its text, and the panel says why.",
        label="Versions to try",
        minimum=1,
        maximum=24,
    )


BATCH = 3  # versions sampled together after the first

# How versions are asked for, in turn, while none passes (the dev set's experiments chose
# them: tools/quality/BASELINE.md): the request as it is; then with the details to keep
# listed after it ("keep"); then with the answer begun with the passage's opening words
# ("begun"), which holds a small model to the text.
ROUNDS: tuple[tuple[str, int], ...] = (
    ("plain", 1),  # as the decoding settings say (greedy by default)
    ("plain", BATCH),
    ("keep", 1),
    ("keep", BATCH - 1),
    ("begun", BATCH),
)
# Then in turn; "question" is begun with `rewrite.QUESTION_OPENING` for a rewrite that must
# be a question, and is the request as it is for any other.
LATER_ROUNDS = (("question", BATCH), ("plain", BATCH), ("keep", BATCH), ("begun", BATCH))


def rounds(versions: int) -> list[tuple[str, int]]:
    """The rounds of up to `versions` versions: (how they are asked for, how many)."""
    plan: list[tuple[str, int]] = []
    left = versions
    later = iter(LATER_ROUNDS * (versions // BATCH + 1))
    for how, rows in [*ROUNDS, *later]:
        if left <= 0:
            break
        plan.append((how, min(rows, left)))
        left -= rows
    return plan


@dataclass(frozen=True)
class _Asking:
    """One way of asking for a version: the prompt, the words its answer is begun with, and
    the hint the checks must not find repeated."""

    prompt: Chat
    begun: str = ""
    hint: str = ""


def _own(style: rewrite.Style) -> str:
    """A user's or custom style's instruction ("" for a built-in style: known by name)."""
    return "" if style in rewrite.BUILTIN_STYLES else style.instruction


def _ways(style: rewrite.Style, original: str) -> dict[str, _Asking]:
    from writer_app.engine.backend import Chat

    details = quality.details(original)
    plain = _Asking(Chat(rewrite.build_messages(style, original)))
    ways = {"plain": plain, "keep": plain, "begun": plain, "question": plain}
    if details:
        messages = rewrite.build_messages(style, original, keep=details)
        ways["keep"] = _Asking(Chat(messages), hint=rewrite.keep_line(original, details))
    question = quality.style_rules(style.name, _own(style)).question and not is_chinese(original)
    # A question begun with the passage's own first words would not be a question.
    start = rewrite.QUESTION_OPENING if question else rewrite.opening(original, details)
    if start:
        answer = {"role": "assistant", "content": start}
        messages = [*rewrite.build_messages(style, original), answer]
        ways["begun"] = _Asking(Chat(messages, begun=True), begun=start)
    if question:
        ways["question"] = ways["begun"]
    return ways


def judge(original: str, version: str, style: rewrite.Style, hint: str = "") -> quality.Verdict:
    """The quality checks of a rewrite in `style` (a user's or custom style by its words)."""
    example = rewrite.example_text(style, original)
    return quality.judge_rewrite(
        original, version, style.name, instruction=_own(style), example=example, hint=hint
    )


class _Cancelled(Exception):
    pass


def _stops(text: str, *, begun: str, original: str, style: rewrite.Style) -> bool:
    return rewrite.should_stop(begun + text, original, style)


def _best_version(
    backend: Backend,
    original: str,
    style: rewrite.Style,
    decoding: Decoding,
    versions: int,
    cancel: threading.Event | None,
    on_text: Callable[[str], None],
    on_version: Callable[[int], None],
) -> tuple[str, quality.Verdict]:
    """Write versions of one passage until one passes the checks (or `versions` are spent),
    asking in turn as `rounds` says; the best one and its verdict. Raises _Cancelled if
    stopped before a version was done."""
    from writer_app.engine.backend import GenerationCancelled

    ways = _ways(style, original)
    trim = quality.style_rules(style.name, _own(style)).low <= 1.0  # not for styles that lengthen
    judged: list[tuple[str, quality.Verdict]] = []
    tried = 0
    started = time.monotonic()
    for how, rows in rounds(versions):
        if any(v.passed for _t, v in judged):
            break
        way = ways[how]
        d = decoding
        if tried:
            left = decoding.max_time - (time.monotonic() - started)
            if decoding.max_time and left < 1.0:  # the passage's time is spent
                break
            # A new way's first version as the settings say; the rest sampled.
            sample = rows > 1 or way is ways["plain"]
            # Greedy settings give the same versions each run; sampling ones, new versions.
            seed = decoding.seed if decoding.seed is not None or decoding.do_sample else 0
            d = replace(
                decoding, do_sample=decoding.do_sample or sample,
                seed=None if seed is None else seed + tried,
                max_time=left if decoding.max_time else 0.0,
            )  # fmt: skip
        on_version(tried + 1)

        def stream(raw: list[str], first: bool = not tried, begun: str = way.begun) -> None:
            if first:
                on_text(rewrite.clean_output(begun + raw[0], original))

        try:
            result = backend.generate(
                way.prompt, d, candidates=rows, cancel=cancel, on_update=stream,
                is_done=functools.partial(_stops, begun=way.begun, original=original, style=style),
                copies_prompt=True,
            )  # fmt: skip
        except GenerationCancelled:
            result = None
        if result is None or result.cancelled:  # half a version is no rewrite
            if judged:
                break
            raise _Cancelled
        tried += rows
        for raw in result.texts:
            # A begun answer goes on from its words (the model's text brings its own space).
            text = rewrite.clean_output(way.begun + raw, original)
            for version in quality.trimmed_versions(original, text) if trim else [text]:
                judged.append((version, judge(original, version, style, way.hint)))
    best = max(range(len(judged)), key=lambda i: (judged[i][1].passed, judged[i][1].score, -i))
    return judged[best]


def rewrite_text(
    backend: Backend,
    text: str,
    style: rewrite.Style,
    decoding: Decoding,
    *,
    cancel: threading.Event | None = None,
    on_update: Callable[[RewriteUpdate], None] | None = None,
) -> RewriteUpdate:
    """Rewrite `text` in `style`, paragraph by paragraph (a small model keeps its quality).

    Each passage gets versions until one keeps every fact and reads as a rewrite in the
    style (`quality.judge_rewrite`); one that never does is held back with the reasons.
    """
    versions = max(1, int(getattr(decoding, "versions", 1)))
    pieces = tuple(rewrite.split_passages(text))
    todo = rewrite.passage_indices(list(pieces))
    rewritten: dict[int, str] = {}
    held: dict[int, tuple[str, ...]] = {}
    version = 1

    def report(done: int) -> RewriteUpdate:
        update = RewriteUpdate(
            pieces, dict(rewritten), done, len(todo), dict(held), version, versions
        )
        if on_update is not None:
            on_update(update)
        return update

    for done, index in enumerate(todo):
        original = pieces[index].text

        def show(partial: str, index: int = index, done: int = done) -> None:
            rewritten[index] = partial
            report(done)

        def trying(n: int, index: int = index, done: int = done) -> None:
            nonlocal version
            version = n
            if n > 1:  # a failed version is not shown while others are written
                rewritten.pop(index, None)
                report(done)

        try:
            best, verdict = _best_version(
                backend, original, style, decoding, versions, cancel, show, trying
            )
        except _Cancelled:
            rewritten.pop(index, None)
            break
        rewritten[index] = best
        if not verdict.passed and best.strip():
            held[index] = verdict.reasons
        version = 1
        if cancel is not None and cancel.is_set():
            return report(done + 1)
    return report(sum(1 for i in todo if i in rewritten))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--style", required=True, help="a style name (see `writer-cli styles`; any case)"
    )
    parser.add_argument(
        "--versions",
        type=int,
        metavar="N",
        help="the most versions of a passage to write while none passes the checks "
        "(default: the saved setting)",
    )
    add_source_arguments(parser, "rewrite")


def _cli(ctx: CliContext) -> int:
    try:
        style = rewrite.find_style(ctx.args.style, rewrite.user_styles(ctx.settings.styles))
    except KeyError as exc:
        ctx.usage(exc.args[0])
    decoding = ctx.decoding()
    if ctx.args.versions is not None:
        if not 1 <= ctx.args.versions <= 24:
            ctx.usage("--versions must be between 1 and 24")
        decoding = replace(cast(RewriteSettings, decoding), versions=ctx.args.versions)
    text = ctx.read_source()
    if not text.strip():
        ctx.fail("There is no text to rewrite")
    backend = ctx.load()
    result = rewrite_text(backend, text, style, decoding)
    if len(result.held) + result.failed >= result.total:
        why = result.why_held() or "the model gave nothing back"
        ctx.fail(
            f"Could not rewrite the text faithfully: {why}. Try another style, more versions "
            "(--versions) or a larger model (--model)"
        )
    if result.held:
        ctx.note(
            f"{len(result.held)} of {result.total} passages kept as they were: {result.why_held()}"
        )
    if result.failed:
        ctx.note(
            f"{result.failed} of {result.total} passages came back empty and were kept as they were"
        )
    sys.stdout.write(result.text if result.text.endswith("\n") else result.text + "\n")
    return 0


FEATURE = Feature(
    name="rewrite",
    title="Rewrite",
    help="Rewrite the selection in a style",
    defaults={  # greedy: the most faithful rewrite; "Try again" samples at this temperature
        "temperature": 0.7,
        "top_p": 0.9,
        "repetition_penalty": 1.05,
        "max_new_tokens": 512,
        "max_time": 90.0,
    },
    settings=RewriteSettings,
    priority=Priority.INTERACTIVE,
    command=Command("rewrite", "print text rewritten in a style", _arguments, _cli),
)
