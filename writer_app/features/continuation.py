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
    from writer_app.engine.backend import Backend
    from writer_app.options import Decoding


def suggest(
    backend: Backend,
    request: ContinuationRequest,
    decoding: Decoding,
    *,
    context_tokens: int = 512,
    cancel: threading.Event | None = None,
    on_update: Callable[[Any], None] | None = None,
    session: Any = None,
) -> list[str]:
    """Continuations of the text before the cursor: cleaned, distinct, best first.

    `on_update` gets the candidate list as it grows, and a `Notice` (e.g. a fallback to the
    CPU) when there is one. `session` defaults to the backend's shared one (the editor's).
    """

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

    if cjk_warning(request.prefix, backend.name):
        notice(CJK_NOTICE)

    result = backend.generate(
        request.prefix,
        decoding,
        candidates=decoding.alternatives,
        max_context=context_tokens,
        is_done=lambda text: continuation.is_complete(text, request.stop_at, request.prefix),
        cancel=cancel,
        on_update=publish,
        on_notice=notice,
        heal=True,
        session=session if session is not None else backend.shared_session,
    )
    return cleaned(result.texts)


CJK_NOTICE = (
    "The built-in model writes Chinese, Japanese and Korean poorly, so suggestions here "
    "are often gibberish; a larger model (Model & Device settings) does much better."
)


def cjk_warning(text: str, model_name: str) -> bool:
    """Whether to warn that suggestions for this text will be poor: the end of the text is
    Chinese, Japanese or Korean, and the model is the small built-in one."""
    from writer_app.tasks.draft import is_cjk

    small = model_name.startswith("SmolLM2-135M") or not model_name
    return small and is_cjk(text[-400:])


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser, "continue")
    parser.add_argument(
        "--until",
        choices=STOP_CHOICES,
        default="length",
        help="stop at the end of a sentence or paragraph, or only at the length limit",
    )


# The model reads only the last `context_tokens` tokens: reading this many bytes per token of
# the end of the text is plenty (a token is a few characters) and keeps a huge file cheap.
TAIL_BYTES_PER_TOKEN = 32


def _cli(ctx: CliContext) -> int:
    if ctx.args.alternatives is None:
        ctx.args.alternatives = 1  # one continuation, unless more are asked for
    decoding = ctx.decoding()
    context_tokens = ctx.settings.editor.context_tokens
    text = ctx.read_source(tail_bytes=context_tokens * TAIL_BYTES_PER_TOKEN)
    if not text.strip():
        ctx.fail("There is no text to continue")
    backend = ctx.load()
    if cjk_warning(text, backend.name):
        ctx.note(CJK_NOTICE)
    request = ContinuationRequest(text, ctx.args.until)
    results = suggest(backend, request, decoding, context_tokens=context_tokens)
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
