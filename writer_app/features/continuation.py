"""Inline continuation ("ghost text"): the text after the cursor, as the writer pauses.

The rules (where a suggestion ends, how it is cleaned) live in `tasks/continuation.py`; the
window's side in `ui/continuation.py`. torch is imported only inside the pipeline.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from writer_app.cli_context import CliContext, add_source_arguments
from writer_app.features.base import Command, Feature, Notice
from writer_app.tasks import continuation
from writer_app.tasks.continuation import STOP_CHOICES, ContinuationRequest
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.loader import LoadedModel
    from writer_app.engine.prefix_cache import PrefixCache
    from writer_app.options import Decoding


def suggest(
    lm: LoadedModel,
    request: ContinuationRequest,
    decoding: Decoding,
    *,
    context_tokens: int = 512,
    cancel: threading.Event | None = None,
    on_update: Callable[[Any], None] | None = None,
    prefix_cache: PrefixCache | None = None,
) -> list[str]:
    """Continuations of the text before the cursor: cleaned, distinct, best first.

    `on_update` gets the candidate list as it grows, and a `Notice` (e.g. a fallback to the
    CPU) when there is one. `prefix_cache` defaults to the model's own.
    """
    from writer_app.engine.generation import generate

    def cleaned(raw: list[str]) -> list[str]:
        return continuation.distinct(
            [continuation.clean(request.prefix, text, request.stop_at) for text in raw]
        )

    def publish(raw: list[str]) -> None:
        if on_update is not None:
            on_update(cleaned(raw))

    def notice(message: str) -> None:
        if on_update is not None:
            on_update(Notice(message))

    result = generate(
        lm,
        request.prefix,
        decoding,
        candidates=decoding.alternatives,
        max_context=context_tokens,
        is_done=lambda text: continuation.is_complete(text, request.stop_at, request.prefix),
        cancel=cancel,
        on_update=publish,
        on_notice=notice,
        prefix_cache=prefix_cache if prefix_cache is not None else lm.prefix_cache,
    )
    return cleaned(result.texts)


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser, "continue")
    parser.add_argument(
        "--until",
        choices=STOP_CHOICES,
        default="length",
        help="stop at the end of a sentence or paragraph, or only at the length limit",
    )


def _cli(ctx: CliContext) -> int:
    if ctx.args.alternatives is None:
        ctx.args.alternatives = 1  # one continuation, unless more are asked for
    decoding = ctx.decoding()
    text = ctx.read_source()
    if not text.strip():
        ctx.fail("There is no text to continue")
    lm = ctx.load()
    request = ContinuationRequest(text, ctx.args.until)
    results = suggest(lm, request, decoding, context_tokens=ctx.settings.editor.context_tokens)
    sys.stdout.write("\n---\n".join(results or [""]) + "\n")
    return 0


FEATURE = Feature(
    name="continuation",
    title="Continuation",
    help="Grey text that continues yours when you pause",
    defaults={"max_new_tokens": 32, "max_time": 5.0, "alternatives": 3},
    priority=Priority.INTERACTIVE,
    command=Command("continue", "print a continuation of some text", _arguments, _cli),
)
