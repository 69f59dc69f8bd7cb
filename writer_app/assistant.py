"""What the editor asks of the model, run on the model worker thread.

Each feature is a plain function of a loaded model (used directly by the CLI), and a method
of `Assistant` that runs it on the worker thread and returns a `Job` for the GUI. The
engine (torch) is imported only inside those functions, so importing this module is cheap
and the window can appear before torch has loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from writer_app.config import Decoding, Model
from writer_app.tasks import continuation, rewrite
from writer_app.worker import Job, JobContext, ModelWorker, Priority

if TYPE_CHECKING:
    from writer_app.coding import CodeResult
    from writer_app.drafting import DraftOptions, DraftUpdate, RedoMode, SectionRedo
    from writer_app.engine.loader import LoadedModel
    from writer_app.engine.prefix_cache import PrefixCache
    from writer_app.tasks.outline import Outline

WARM_UP_PROMPT = "Writing is"


@dataclass(frozen=True)
class Progress:
    """A step of a long job, for the status bar."""

    message: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not an error (e.g. a fallback to the CPU)."""

    message: str


@dataclass(frozen=True)
class ModelStatus:
    """The loaded model, as the status bar shows it."""

    name: str
    device: str
    summary: str
    load_seconds: float
    tokens_per_second: float
    notices: tuple[str, ...] = ()
    devices: tuple[str, ...] = ("cpu",)  # what this machine offers, best first


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


class ModelNotReady(RuntimeError):
    """A request arrived before a model was loaded."""


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects created inside out of later garbage collections.

    torch and transformers create millions of long-lived objects; a full collection over them
    holds the GIL, and with it the GUI thread, for 100-200 ms. Loading runs without the
    collector, then everything it made is frozen (never scanned again).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def warm_up(lm: LoadedModel) -> float:
    """Run one short generation so the first real request is fast; returns tokens/s."""
    from writer_app.engine.generation import generate

    result = generate(lm, WARM_UP_PROMPT, Decoding(max_new_tokens=12), heal=False)
    return result.tokens_per_second


def suggest(
    lm: LoadedModel,
    request: continuation.ContinuationRequest,
    decoding: Decoding,
    *,
    context_tokens: int = 512,
    cancel: threading.Event | None = None,
    on_update: Callable[[list[str]], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    prefix_cache: PrefixCache | None = None,
) -> list[str]:
    """Continuations of the text before the cursor: cleaned, distinct, best first."""
    from writer_app.engine.generation import generate

    def cleaned(raw: list[str]) -> list[str]:
        return continuation.distinct(
            [continuation.clean(request.prefix, text, request.stop_at) for text in raw]
        )

    def publish(raw: list[str]) -> None:
        if on_update is not None:
            on_update(cleaned(raw))

    result = generate(
        lm,
        request.prefix,
        decoding,
        candidates=decoding.alternatives,
        max_context=context_tokens,
        is_done=lambda text: continuation.is_complete(text, request.stop_at, request.prefix),
        cancel=cancel,
        on_update=publish,
        on_notice=on_notice,
        prefix_cache=prefix_cache,
    )
    return cleaned(result.texts)


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


class Assistant:
    """The model, owned by one worker thread, and the jobs the GUI can ask of it."""

    def __init__(self) -> None:
        self.worker = ModelWorker()
        # Touched only on the worker thread: the model and the cache of the last prompt.
        self._lm: LoadedModel | None = None
        self._prefix_cache: PrefixCache | None = None
        self.status: ModelStatus | None = None

    def start(self) -> None:
        self.worker.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.worker.shutdown(timeout)

    @property
    def ready(self) -> bool:
        return self.status is not None

    def load(self, model: Model) -> Job[ModelStatus]:
        """Load (or switch to) a model; emits Progress events, returns its ModelStatus."""
        self.status = None
        model = copy.deepcopy(model)

        def run(ctx: JobContext) -> ModelStatus:
            from writer_app.engine.devices import available_devices
            from writer_app.engine.loader import load_model
            from writer_app.engine.prefix_cache import PrefixCache

            self._lm = self._prefix_cache = None  # release the old model first
            with frozen_heap():
                lm = load_model(
                    model.model,
                    model.device,
                    progress=lambda m: ctx.emit(Progress(m)),
                    precision=model.precision,
                    threads=model.threads,
                )
                ctx.emit(Progress(f"Warming up {lm.info.name}…"))
                speed = warm_up(lm)
            self._lm, self._prefix_cache = lm, PrefixCache()
            return ModelStatus(
                name=lm.info.name,
                device=lm.device,
                summary=f"{lm.describe()} · {speed:.0f} tok/s",
                load_seconds=lm.load_seconds,
                tokens_per_second=speed,
                notices=tuple(lm.notices),
                devices=tuple(available_devices()),
            )

        job = self.worker.submit(run, priority=Priority.LOAD, group="load")
        job.add_done_callback(self._on_loaded)
        return job

    def _on_loaded(self, future: asyncio.Future[ModelStatus]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.status = future.result()

    def continue_text(
        self, request: continuation.ContinuationRequest, decoding: Decoding, context_tokens: int
    ) -> Job[list[str]]:
        """Ghost-text candidates; emits the candidate list as it grows. Supersedes older ones."""
        decoding = copy.deepcopy(decoding)

        def run(ctx: JobContext) -> list[str]:
            if self._lm is None:
                raise ModelNotReady("No model is loaded")
            return suggest(
                self._lm,
                request,
                decoding,
                context_tokens=context_tokens,
                prefix_cache=self._prefix_cache,
                cancel=ctx.cancel,
                on_update=ctx.emit,
                on_notice=lambda m: ctx.emit(Notice(m)),
            )

        return self.worker.submit(run, priority=Priority.INTERACTIVE, group="continuation")

    def rewrite(self, text: str, style: rewrite.Style, decoding: Decoding) -> Job[RewriteUpdate]:
        """Rewrite a selection; emits RewriteUpdate as it streams. Supersedes older rewrites."""
        decoding = copy.deepcopy(decoding)

        def run(ctx: JobContext) -> RewriteUpdate:
            if self._lm is None:
                raise ModelNotReady("No model is loaded")
            return rewrite_text(
                self._lm, text, style, decoding, cancel=ctx.cancel, on_update=ctx.emit
            )

        return self.worker.submit(run, priority=Priority.INTERACTIVE, group="rewrite")

    def generate_code(
        self,
        source: str,
        where: int | str,
        decoding: Decoding,
        *,
        candidates: int | None = None,
        verify: bool = False,
    ) -> Job[CodeResult]:
        """Write the body of the function at `where` (offset or name) from its docstring; emits
        Progress, returns a `coding.CodeResult`. `verify` runs its doctests in the sandbox."""
        decoding = copy.deepcopy(decoding)

        def run(ctx: JobContext) -> CodeResult:
            from writer_app.coding import generate_body

            if self._lm is None:
                raise ModelNotReady("No model is loaded")
            return generate_body(
                self._lm, source, where, decoding, candidates=candidates,
                verify_doctests=verify, cancel=ctx.cancel,
                on_update=lambda m: ctx.emit(Progress(m)),
            )  # fmt: skip

        return self.worker.submit(run, priority=Priority.INTERACTIVE, group="code")

    def draft(
        self,
        outline: Outline,
        options: DraftOptions,
        decoding: Decoding,
        *,
        written: Sequence[str] = (),
        sections: int | None = None,
    ) -> Job[DraftUpdate]:
        """Draft an article from an outline (resuming after the prose `written`, at most
        `sections` sections per job); emits DraftUpdate as the text streams."""
        decoding = copy.deepcopy(decoding)

        def run(ctx: JobContext) -> DraftUpdate:
            from writer_app.drafting import draft_article

            if self._lm is None:
                raise ModelNotReady("No model is loaded")
            return draft_article(
                self._lm, outline, options, decoding, cancel=ctx.cancel, on_update=ctx.emit,
                written=written, sections=sections,
            )  # fmt: skip

        return self.worker.submit(run, priority=Priority.BACKGROUND, group="draft")

    def redraft_section(
        self,
        article: str,
        cursor: int,
        mode: RedoMode,
        options: DraftOptions,
        decoding: Decoding,
        *,
        outline: Outline | None = None,
    ) -> Job[SectionRedo]:
        """Regenerate or continue the section at `cursor`; emits its new prose as a str as
        it streams, returns the edit to apply (a SectionRedo)."""
        decoding = copy.deepcopy(decoding)

        def run(ctx: JobContext) -> SectionRedo:
            from writer_app.drafting import redo_section

            if self._lm is None:
                raise ModelNotReady("No model is loaded")
            return redo_section(
                self._lm, article, cursor, mode, options, decoding, outline=outline,
                cancel=ctx.cancel, on_text=ctx.emit,
            )  # fmt: skip

        return self.worker.submit(run, priority=Priority.BACKGROUND, group="draft")
