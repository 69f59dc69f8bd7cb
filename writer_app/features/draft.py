"""Outline → article on a loaded model: section by section, streaming, cancellable.

The prompts and the cleaning live in `tasks/draft.py`; this module runs them on the model.
`draft_article` writes every section in order (each prompt carries the title, the outline and
the end of the previous section), reporting a `DraftUpdate` as the text grows; `redo_section`
regenerates or continues one section of a finished article and returns the edit to apply.
The window's side is `ui/draft.py`. torch is imported only inside the functions, so
importing this module is cheap.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from writer_app.cli_context import CliContext
from writer_app.features.base import Command, Feature
from writer_app.tasks import draft, draft_anchor, quality
from writer_app.tasks.outline import Outline, Section
from writer_app.tasks.rewrite import Style
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.backend import Backend, Prompt
    from writer_app.options import Decoding

RedoMode = Literal["regenerate", "continue"]
REDO_MODES: tuple[RedoMode, ...] = ("regenerate", "continue")
# A section is retried once when its prose is unusable (see tasks.draft.needs_retry); so is
# a passage that does not cover its point.
ATTEMPTS = 2
# Drafting point by point, list in each passage's prompt only the section's points up to the
# one being written? Measured off for the first try (rooftop-bees, score.py): the points to
# come make the built-in model rush on (the cleaner cuts that), but without them it wrote
# run-on lines and chatted to the reader ("I'll be happy to support you"). A passage that
# came out short is tried again that way.
FOCUS_PROMPT = False
CJK_NOTICE = QT_TRANSLATE_NOOP(
    "DraftDialog",
    "The built-in model writes Chinese, Japanese and Korean poorly; "
    "a larger model (Model & Device settings) drafts these much better.",
)


def cjk_warning(outline: Outline, model_name: str) -> str:
    """A warning for a Chinese, Japanese or Korean outline drafted on the built-in model."""
    small = model_name.startswith("SmolLM2-135M") or not model_name
    return CJK_NOTICE if small and draft.is_cjk(outline.to_markdown()) else ""


class DraftError(ValueError):
    """A request that cannot be drafted; the message is meant for the user."""


@dataclass(frozen=True)
class DraftOptions:
    """What the user chose for a draft: words per section, tone and readers."""

    length: str | int = "medium"  # short, medium, long, or words per section
    tone: Style | None = None  # a rewrite style; None = the model's own tone
    audience: str = ""

    @property
    def words(self) -> int:
        """Words per section (raises ValueError for a length that makes no sense)."""
        return draft.words_for(self.length)


@dataclass(frozen=True)
class DraftUpdate:
    """A draft in progress: the prose of each section so far (the last one may be partial)."""

    outline: Outline
    proses: tuple[str, ...]
    section: int  # index of the section being written; == total when all are written
    done: bool  # nothing more will come (finished or cancelled)
    cancelled: bool = False
    # Per written section: what it still lacks by the quality checks ("" = it passes them).
    problems: tuple[str, ...] = ()

    @property
    def flagged(self) -> list[str]:
        """ "Heading: problem" for each written section that fails the quality checks."""
        return [
            f"{draft.section_name(self.outline, i)}: {problem}"
            for i, problem in enumerate(self.problems)
            if problem
        ]

    @property
    def total(self) -> int:
        return len(self.outline.sections)

    @property
    def text(self) -> str:
        """The article so far as Markdown: the title, then each started section (all of
        them once finished), ending with one newline once done."""
        if self.done and not self.cancelled:
            return draft.assemble(self.outline, self.proses)
        text = article_so_far(self.outline, self.proses)
        return text.rstrip() + "\n" if self.done else text

    @property
    def label(self) -> str:
        """Progress as a user reads it: "Section 3 of 7"."""
        return f"Section {min(self.section + 1, self.total)} of {self.total}"


@dataclass(frozen=True)
class SectionRedo:
    """A regenerated or continued section: the edit to apply to the article."""

    start: int
    end: int
    text: str  # replaces article[start:end]
    heading: str
    cancelled: bool = False
    problem: str = ""  # what the section still lacks by the quality checks ("" = none)

    def apply(self, article: str) -> str:
        return article[: self.start] + self.text + article[self.end :]


def article_so_far(outline: Outline, proses: Sequence[str]) -> str:
    """The title, then the heading and prose of each section in `proses` (possibly partial);
    a prefix of what `assemble` gives once everything is written, up to its final blank."""
    parts = [draft.article_start(outline)]
    for section, prose in zip(outline.sections, proses, strict=False):
        parts.append(draft.section_header(section))
        if prose.strip():
            parts.append(prose.strip() + "\n\n")
    return "".join(parts)


_REWRITE_VERB = re.compile(r"(?i)^(?:rewrite|expand)\s+the\s+text\s*")


def tone_sentence(style: Style | None) -> str:
    """A rewrite style's instruction as a drafting one: "Rewrite the text in a formal tone."
    becomes "Write in a formal tone."; a user's own instruction is used as written."""
    if style is None:
        return ""
    text = " ".join(style.instruction.split())
    match = _REWRITE_VERB.match(text)
    return "Write " + text[match.end() :] if match else text


def section_budget(decoding: Decoding, words: int, outline: Outline) -> Decoding:
    """The decoding for one section: the token budget its words need (`max_new_tokens_for`),
    never more than the Draft settings' max new tokens."""
    budget = draft.max_new_tokens_for(words, outline.to_markdown())
    return dataclasses.replace(decoding, max_new_tokens=min(budget, decoding.max_new_tokens))


def _retry_decoding(decoding: Decoding) -> Decoding:
    """A second try must differ from the first: sample, with a new seed."""
    seed = None if decoding.seed is None else decoding.seed + 1
    return dataclasses.replace(decoding, do_sample=True, num_beams=1, length_penalty=1.0, seed=seed)


def _streaming_prose(clean: Callable[[str], str], raw: str) -> str:
    """Cleaned prose of a partial answer, keeping the sentence still being written (the
    cleaner drops an unfinished last sentence, right for a final answer, jumpy for a live
    one): a full stop is added for cleaning and taken off again."""
    if not raw.strip():
        return ""
    text = clean(raw.rstrip() + " .")
    return text[:-2] if text.endswith(" .") else text


def _others(outline: Outline, index: int) -> list[str]:
    return [s.heading for i, s in enumerate(outline.sections) if i != index and s.heading]


def _run(
    backend: Backend,
    prompt: Prompt,
    decoding: Decoding,
    clean: Callable[[str], str],
    retry: Callable[[str], bool],
    cancel: threading.Event | None,
    on_text: Callable[[str], None] | None,
    heal: bool = False,
) -> tuple[str, bool]:
    """Generate, clean, and generate once more if `retry` says the text is unusable (the
    better of the two tries is kept). Returns the text and whether it was cancelled."""
    from writer_app.engine.backend import GenerationCancelled

    best = ""
    for attempt in range(ATTEMPTS):

        def partial(texts: list[str]) -> None:
            if on_text is not None:
                on_text(_streaming_prose(clean, texts[0]))

        try:
            result = backend.generate(
                prompt, decoding if attempt == 0 else _retry_decoding(decoding), heal=heal,
                is_done=draft.should_stop, cancel=cancel, on_update=partial,
            )  # fmt: skip
        except GenerationCancelled:
            return best, True
        text = clean(result.texts[0])
        if attempt == 0 or (retry(best) and (not retry(text) or len(text) > len(best))):
            best = text
        if result.cancelled:
            return best, True
        if not retry(best):
            break
        if on_text is not None:
            on_text(best)  # what is kept while the second try streams
    return best, False


def write_section(
    backend: Backend,
    outline: Outline,
    index: int,
    previous: Sequence[str],
    options: DraftOptions,
    decoding: Decoding,
    *,
    cancel: threading.Event | None = None,
    on_text: Callable[[str], None] | None = None,
) -> tuple[str, bool]:
    """The prose of section `index`, given the prose of the sections before it. Returns the
    cleaned prose ("" for a heading that only groups subsections) and whether it was
    cancelled (the prose is then what was written so far)."""
    if not outline.needs_prose(index):
        return "", False
    previous_tail = next((p for p in reversed(previous) if p.strip()), "")
    return _write_prose(backend, outline, index, previous_tail, options, decoding, cancel, on_text)


def _section_messages(
    outline: Outline,
    index: int,
    previous_tail: str,
    options: DraftOptions,
    points_upto: int | None = None,
) -> list[dict[str, str]]:
    return draft.build_section_messages(
        outline, index, tone=tone_sentence(options.tone), audience=options.audience,
        words=options.words, previous_tail=previous_tail, points_upto=points_upto,
    )  # fmt: skip


def _write_prose(
    backend: Backend,
    outline: Outline,
    index: int,
    previous_tail: str,
    options: DraftOptions,
    decoding: Decoding,
    cancel: threading.Event | None,
    on_text: Callable[[str], None] | None,
) -> tuple[str, bool]:
    """A section's prose, written point by point (`_Anchored`); a section without points
    is written whole, then cleaned and fitted the same way."""
    from writer_app.engine.backend import Chat

    section = outline.sections[index]
    words = options.words
    writer = _Anchored(backend, outline, index, previous_tail, options, decoding, cancel, on_text)
    messages = writer.messages
    if section.points:
        return writer.write()
    last = index == len(outline.sections) - 1

    def clean(raw: str) -> str:
        text = draft.clean_section(raw, section, last=last, other_headings=_others(outline, index))
        return writer.tidy(text)

    prose, cancelled = _run(
        backend, Chat(messages), section_budget(decoding, words, outline), clean,
        lambda text: draft.needs_retry(text, section, words), cancel, on_text,
    )  # fmt: skip
    if cancelled or not prose:
        return prose, cancelled
    return writer.finish([prose])


class _Anchored:
    """One section written point by point on a model: each point begins a passage (its
    anchor) that the model carries on from the prose so far; see `tasks/draft_anchor`."""

    def __init__(
        self,
        backend: Backend,
        outline: Outline,
        index: int,
        previous_tail: str,
        options: DraftOptions,
        decoding: Decoding,
        cancel: threading.Event | None,
        on_text: Callable[[str], None] | None,
    ) -> None:
        self.backend, self.words, self.decoding = backend, options.words, decoding
        self.messages = _section_messages(outline, index, previous_tail, options)

        def ask(points_upto: int) -> list[dict[str, str]]:
            return _section_messages(outline, index, previous_tail, options, points_upto)

        self.ask = ask
        self.cancel, self.on_text = cancel, on_text
        self.section = outline.sections[index]
        self.points = [p.text for p in self.section.points]
        self.last = index == len(outline.sections) - 1
        self.others = _others(outline, index)
        self.instructions = draft_anchor.instruction_lines(self.messages)
        self.allowed = draft_anchor.allowed_text(outline, index)
        self.written = ""  # prose before this section's new text (Continue)
        self.pieces: list[str] = []
        self.session: Any = None

    def tidy(self, text: str) -> str:
        """Prose without chatter or echoed instructions, the user's terms spelt as written."""
        text = quality.strip_chatter(text, self.instructions, self.allowed)
        return draft_anchor.respell(text, self.allowed)

    def prose(self, extra: str = "") -> str:
        return draft_anchor.join_pieces([*self.pieces, extra], self.words)

    def write(
        self, points: Sequence[str] | None = None, words: int | None = None
    ) -> tuple[str, bool]:
        """Passages for `points` (all the section's by default) sharing `words` words, then
        more if the section is still short; returns the new prose and whether cancelled."""
        points = self.points if points is None else list(points)
        words = self.words if words is None else words
        for k, (point, target) in enumerate(
            zip(points, draft_anchor.point_targets(words, len(points)), strict=True)
        ):
            later = points[k + 1 :]
            earlier = [p for p in self.points if p not in later and p != point]
            shown = self.points.index(point) + 1
            piece, cancelled = self._piece(
                draft_anchor.anchor(point), target, point, later, earlier, shown
            )
            if piece:
                self.pieces.append(piece)
            if cancelled:
                return self.prose(), True
        return self.finish(self.pieces, words)

    def finish(self, pieces: list[str], words: int | None = None) -> tuple[str, bool]:
        """Write on while the prose is short of `words` (twice at most), then trim it."""
        words = self.words if words is None else words
        self.pieces = pieces
        for _ in range(2):
            count = quality.word_count(self.prose())
            if count >= draft_anchor.EXTEND_BELOW * words:
                break
            piece, cancelled = self._piece("", max(draft_anchor.MIN_PIECE_WORDS, words - count))
            if piece:
                self.pieces.append(piece)
            if cancelled:
                return self.prose(), True
            if not piece:
                break
        return draft_anchor.fit_length(self.prose(), words, self.points), False

    def _piece(
        self,
        start: str,
        target: int,
        point: str = "",
        later: Sequence[str] = (),
        earlier: Sequence[str] = (),
        shown: int | None = None,
    ) -> tuple[str, bool]:
        """One passage: `start` carried on for about `target` words, cleaned; tried once
        more (sampled) if it does not cover its `point` or adds nothing. Falls back to the
        anchor alone as a sentence, so a point is never left out."""
        from writer_app.engine.backend import Chat, GenerationCancelled

        if self.session is None:  # the section's prompt is read once for all its passages
            self.session = self.backend.session()

        before = " ".join(filter(None, [self.written, *self.pieces]))
        if not start and not before.strip():
            return "", False
        answer = {"role": "assistant", "content": f"{before} {start}".strip()}
        budget = math.ceil(target * draft.TOKENS_PER_WORD * 1.6) + 8
        decoding = dataclasses.replace(
            self.decoding, max_new_tokens=min(budget, self.decoding.max_new_tokens)
        )
        max_words = math.ceil(target * draft_anchor.PIECE_SLACK)

        def clean(raw: str) -> str:
            return draft_anchor.clean_piece(
                raw, start, later=later, earlier=earlier, before=before,
                instructions=self.instructions, allowed=self.allowed, max_words=max_words,
                last=self.last, other_headings=self.others,
            )  # fmt: skip

        def partial(texts: list[str]) -> None:
            if self.on_text is not None:
                self.on_text(self.prose(_streaming_prose(clean, texts[0])))

        best = ""
        enough = max(quality.word_count(start) + 3, target // 2)
        for attempt in range(ATTEMPTS):
            # A passage that came out short (the model rushed on to the next point, which
            # the cleaner cuts) is tried again, sampled, shown only the points so far.
            focus = shown is not None and (FOCUS_PROMPT or attempt > 0)
            messages = self.ask(shown) if shown is not None and focus else self.messages
            prompt = Chat([*messages, answer], begun=True)
            try:
                result = self.backend.generate(
                    prompt, decoding if attempt == 0 else _retry_decoding(decoding),
                    heal=False, is_done=draft_anchor.piece_done(start, target),
                    cancel=self.cancel, on_update=partial, session=self.session,
                )  # fmt: skip
            except GenerationCancelled:
                return best, True
            text = clean(result.texts[0])
            covered = not point or draft_anchor.covers(text, point)
            good = covered and quality.word_count(text) >= enough
            if covered and quality.word_count(text) > quality.word_count(best):
                best = text
            best = best or text
            if result.cancelled:
                return best, True
            if good:
                break
        if point and not draft_anchor.covers(best, point):
            best = draft_anchor.clean_piece("", start, allowed=self.allowed)
        return best, False


def draft_article(
    backend: Backend,
    outline: Outline,
    options: DraftOptions,
    decoding: Decoding,
    *,
    cancel: threading.Event | None = None,
    on_update: Callable[[DraftUpdate], None] | None = None,
    written: Sequence[str] = (),
    sections: int | None = None,
    between: Callable[[], None] | None = None,
) -> DraftUpdate:
    """Write the article, section after section, reporting a DraftUpdate as the text grows.

    `written` is the prose of sections already done (to resume); `sections` limits how many
    are written in this call. `between` is called before each section after the first (the
    worker runs waiting interactive requests there, so a long draft never holds up a
    suggestion for more than a section). On cancel, the partial prose of the current
    section is kept.
    """
    options.words  # noqa: B018 -- a bad length fails before any model work
    proses = list(written)
    problems = [""] * len(proses)
    total = len(outline.sections)
    stop_at = total if sections is None else min(total, len(proses) + sections)

    def report(section: int, done: bool, cancelled: bool = False) -> DraftUpdate:
        update = DraftUpdate(outline, tuple(proses), section, done, cancelled, tuple(problems))
        if on_update is not None:
            on_update(update)
        return update

    while len(proses) < stop_at:
        index = len(proses)
        if between is not None and index > len(written):
            between()
        proses.append("")

        def partial(text: str, index: int = index) -> None:
            proses[index] = text
            report(index, False)

        report(index, False)
        prose, cancelled = write_section(
            backend, outline, index, proses[:index], options, decoding, cancel=cancel,
            on_text=partial,
        )  # fmt: skip
        proses[index] = prose
        if cancelled:
            return report(index, True, cancelled=True)
        needs = outline.needs_prose(index)
        problems.append(_problem(outline, index, prose, options) if needs else "")
    finished = len(proses) == total
    return report(len(proses) if finished else len(proses) - 1, finished)


# --- one section of a finished article -----------------------------------------------------

_TITLE = re.compile(r"^ {0,3}# +(.+?)(?:[ \t]+#+)?[ \t]*$")


def article_outline(article: str, outline: Outline | None = None) -> Outline:
    """The outline of an article: its title and one section per section of its text, in
    order; a section that matches one of `outline` (the outline it was drafted from) gets
    that section's points."""
    first = next((line for line in article.splitlines() if line.strip()), "")
    match = _TITLE.match(first)
    title = match.group(1).strip() if match else (outline.title if outline else "")
    sections = []
    for span in draft.article_sections(article):
        known = draft.outline_index(outline, span) if outline is not None else None
        points = outline.sections[known].points if outline is not None and known is not None else ()
        sections.append(Section(span.heading, span.level, points))
    return Outline(title, tuple(sections))


def redo_section(
    backend: Backend,
    article: str,
    cursor: int,
    mode: RedoMode,
    options: DraftOptions,
    decoding: Decoding,
    *,
    outline: Outline | None = None,
    cancel: threading.Event | None = None,
    on_update: Callable[[str], None] | None = None,
) -> SectionRedo:
    """Regenerate, or continue, the section of `article` that `cursor` is in.

    Returns the edit that puts the new prose in (regenerate) or adds the continuation after
    the section's prose (continue); nothing else in the article changes. `outline` is the
    outline the article was drafted from (its points guide the model); without it, the
    headings are the outline. Raises DraftError when the cursor is not in a section.
    """
    if mode not in REDO_MODES:
        raise ValueError(f"Unknown mode {mode!r}")
    span = draft.find_section(article, cursor)
    if span is None:
        raise DraftError("Put the cursor in a section (its heading or its text) first.")
    shape = article_outline(article, outline)
    words = options.words
    written = article[span.prose_start : span.prose_end]
    name = draft.section_name(shape, span.index)
    if mode == "regenerate" or not written.strip():
        previous = draft.section_context(article, span)
        prose, cancelled = _write_prose(
            backend, shape, span.index, previous, options, decoding, cancel, on_update
        )
        problem = _problem(shape, span.index, prose, options) if not cancelled else ""
        if not prose:
            return SectionRedo(span.prose_start, span.prose_start, "", name, cancelled, problem)
        start, end, text = draft.prose_edit(article, span, prose)
        return SectionRedo(start, end, text, name, cancelled, problem)

    # Continue: the points the prose does not cover yet, each as an anchored passage; when
    # it covers them all, half a section more, carried on from its end.
    previous = draft.section_context(article, span)
    writer = _Anchored(backend, shape, span.index, previous, options, decoding, cancel, on_update)
    writer.written = written.strip()
    missing = [p for p in writer.points if not draft_anchor.covers(written, p)]
    more = max(draft.MIN_WORDS, words // 2)
    if missing:
        added, cancelled = writer.write(
            missing, max(more, words * len(missing) // max(1, len(writer.points)))
        )
    else:
        added, cancelled = writer.finish([], more)
    added = added.strip()
    if added:
        joiner = "\n\n" if "\n\n" in added or quality.word_count(written) >= 100 else " "
        added = joiner + added
    problem = _problem(shape, span.index, written + added, options) if not cancelled else ""
    return SectionRedo(span.prose_end, span.prose_end, added, name, cancelled, problem)


def _problem(outline: Outline, index: int, prose: str, options: DraftOptions) -> str:
    """What a written section lacks by the quality checks ("" when it passes them)."""
    messages = _section_messages(outline, index, "", options)
    return draft_anchor.section_problem(
        prose, outline.sections[index], options.words,
        instructions=draft_anchor.instruction_lines(messages),
        allowed=draft_anchor.allowed_text(outline, index),
    )  # fmt: skip


# --- writer-cli draft ----------------------------------------------------------------------


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "outline", type=Path, metavar="OUTLINE", help="the outline (Markdown; '-' = stdin)"
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the article here (default: stdout)"
    )
    parser.add_argument(
        "--length",
        default="medium",
        metavar="LENGTH",
        help="short, medium, long, or a number of words per section (default: medium)",
    )
    parser.add_argument("--tone", metavar="STYLE", help="a rewrite style (see `writer-cli styles`)")
    parser.add_argument("--audience", metavar="TEXT", help="who the article is for")


def _cli(ctx: CliContext) -> int:
    from tqdm import tqdm

    from writer_app.cli_context import read_stdin
    from writer_app.documents import (
        DocumentError,
        TextFormat,
        check_can_save,
        read_document,
        write_document,
    )
    from writer_app.tasks.outline import OutlineError, parse_outline
    from writer_app.tasks.rewrite import find_style, user_styles

    args = ctx.args
    try:
        tone = find_style(args.tone, user_styles(ctx.settings.styles)) if args.tone else None
        options = DraftOptions(args.length, tone, args.audience or "")
        options.words  # noqa: B018 -- checks the length
    except KeyError as exc:
        ctx.usage(exc.args[0])
    except ValueError as exc:
        ctx.usage(str(exc))
    decoding = ctx.decoding()
    try:
        if args.output is not None:  # before any work: a result with nowhere to go is lost
            check_can_save(args.output)
        text = read_stdin() if str(args.outline) == "-" else read_document(args.outline)[0]
        outline = parse_outline(text)
    except (DocumentError, OutlineError) as exc:
        ctx.fail(str(exc))
    backend = ctx.load()
    if warning := cjk_warning(outline, backend.name):
        ctx.note(warning)

    def save(update: DraftUpdate) -> None:
        if args.output is not None:
            try:
                write_document(args.output, update.text, TextFormat())
            except DocumentError as exc:
                ctx.fail(str(exc))

    finished: list[int] = [0]

    def progress(update: DraftUpdate) -> None:
        bar.set_description_str(update.label, refresh=False)
        if update.section > finished[0]:  # sections before it are done: keep them on disk
            bar.update(update.section - finished[0])
            finished[0] = update.section
            save(DraftUpdate(outline, update.proses[: update.section], update.section, True))

    total = len(outline.sections)
    with tqdm(total=total, unit="section", file=sys.stderr, dynamic_ncols=True) as bar:
        with ctx.interrupt_event() as cancel:
            result = draft_article(
                backend, outline, options, decoding, cancel=cancel, on_update=progress
            )
        if not result.cancelled:
            bar.update(total - finished[0])
    save(result)
    if args.output is None:
        sys.stdout.write(result.text)
    if result.cancelled:
        kept = f"kept {result.section} of {total} sections"
        if result.proses[result.section :] and result.proses[result.section].strip():
            kept += " and the start of the next"
        where = f" in {args.output}" if args.output is not None else ""
        print(f"writer-cli: interrupted: {kept}{where}", file=sys.stderr)
        return 130
    for flagged in result.flagged:  # the quality checks found a weak section
        ctx.note(f"check {flagged}")
    if args.output is not None:
        ctx.say(f"writer-cli: wrote {args.output}")
    return 0


FEATURE = Feature(
    name="draft",
    title="Draft",
    help="Draft an article from an outline, section by section",
    defaults={
        "do_sample": True,
        "temperature": 0.55,  # a small model keeps to the outline better when calmer
        "top_p": 0.9,
        "repetition_penalty": 1.1,
        "no_repeat_ngram_size": 4,
        "max_new_tokens": 480,  # per section, a cap: the draft's length sets the budget
        "max_time": 120.0,
    },
    priority=Priority.BACKGROUND,
    command=Command(
        "draft", "write an article from a Markdown outline, section by section", _arguments, _cli
    ),
)
