"""Rewrite a selection in a style: passage by passage, streaming, cancellable.

The styles, prompts, passage splitting and cleaning live in `tasks/rewrite.py`; the window's
side (the style picker and the diff panel) in `ui/rewrite.py`. torch is imported only
inside the pipeline.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from writer_app.cli_context import CliContext, add_source_arguments
from writer_app.features.base import Command, Feature
from writer_app.tasks import rewrite
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.loader import LoadedModel
    from writer_app.options import Decoding


@dataclass(frozen=True)
class RewriteUpdate:
    """A rewrite in progress: the passages done, and the text of each so far."""

    pieces: tuple[rewrite.Piece, ...]
    rewritten: dict[int, str]  # piece index -> cleaned rewrite ("" = keep the original)
    done: int  # passages finished
    total: int  # passages to rewrite

    @property
    def text(self) -> str:
        """The whole selection as it reads with the rewrites so far."""
        return rewrite.join_pieces(self.pieces, self.rewritten)

    @property
    def failed(self) -> int:
        """Passages the model gave nothing usable for (they keep their original text)."""
        return sum(1 for i in rewrite.passage_indices(self.pieces) if not self.rewritten.get(i))


# Rewrites copy much of their input; prompt lookup checks such copied runs in one model pass.
# That pays where a pass over 10 tokens costs about one over 1 (a GPU). On a CPU it does not:
# `tools/measure_rewrite.py` gave 0.86x (int4) and 0.88x (float32) of plain decoding speed.
PROMPT_LOOKUP_TOKENS = 10


def prompt_lookup_for(lm: LoadedModel) -> int:
    """Prompt-lookup tokens for rewrites on this model's device (0 = off)."""
    return 0 if lm.device == "cpu" else PROMPT_LOOKUP_TOKENS


def rewrite_text(
    lm: LoadedModel,
    text: str,
    style: rewrite.Style,
    decoding: Decoding,
    *,
    cancel: threading.Event | None = None,
    on_update: Callable[[RewriteUpdate], None] | None = None,
    prompt_lookup: int | None = None,
) -> RewriteUpdate:
    """Rewrite `text` in `style`, paragraph by paragraph (a small model keeps its quality)."""
    from writer_app.engine.generation import GenerationCancelled, chat_ids, generate

    if prompt_lookup is None:
        prompt_lookup = prompt_lookup_for(lm)
    pieces = tuple(rewrite.split_passages(text))
    todo = rewrite.passage_indices(list(pieces))
    rewritten: dict[int, str] = {}

    def report(done: int) -> RewriteUpdate:
        update = RewriteUpdate(pieces, dict(rewritten), done, len(todo))
        if on_update is not None:
            on_update(update)
        return update

    for done, index in enumerate(todo):
        original = pieces[index].text

        def partial(raw: list[str], index: int = index, done: int = done) -> None:
            rewritten[index] = rewrite.clean_output(raw[0], pieces[index].text)
            report(done)

        def finished(text: str, original: str = original) -> bool:
            return rewrite.should_stop(text, original, style)

        ids = chat_ids(lm, rewrite.build_messages(style, original))
        try:
            result = generate(
                lm, ids, decoding, heal=False, is_done=finished, cancel=cancel,
                on_update=partial, prompt_lookup=prompt_lookup,
            )  # fmt: skip
        except GenerationCancelled:
            rewritten.pop(index, None)
            break
        if result.cancelled:  # half a passage is no rewrite: it keeps its original text
            rewritten.pop(index, None)
            break
        rewritten[index] = rewrite.clean_output(result.texts[0], original)
    return report(sum(1 for i in todo if i in rewritten))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--style", required=True, help="a style name (see `writer-cli styles`; any case)"
    )
    add_source_arguments(parser, "rewrite")


def _cli(ctx: CliContext) -> int:
    try:
        style = rewrite.find_style(ctx.args.style, rewrite.user_styles(ctx.settings.styles))
    except KeyError as exc:
        ctx.usage(exc.args[0])
    decoding = ctx.decoding()
    text = ctx.read_source()
    if not text.strip():
        ctx.fail("There is no text to rewrite")
    lm = ctx.load()
    result = rewrite_text(lm, text, style, decoding)
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
    priority=Priority.INTERACTIVE,
    command=Command("rewrite", "print text rewritten in a style", _arguments, _cli),
)
