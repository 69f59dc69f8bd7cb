"""The model, owned by one worker thread, and the jobs the GUI can ask of it.

Each feature's pipeline is a plain function of a loaded model (in `writer_app.features`,
also used directly by the CLI); `Assistant.run` runs one on the worker thread as that
feature's job (its priority and group; a newer job of the group supersedes the older) and
returns a `Job` for the GUI. The engine (torch) is imported only on the worker thread, so
importing this module is cheap and the window can appear before torch has loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import gc
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from writer_app.config import Decoding, Model
from writer_app.features import FEATURES, Notice, Progress
from writer_app.features import code as code_feature
from writer_app.features import continuation as continuation_feature
from writer_app.features import draft as draft_feature
from writer_app.features import rewrite as rewrite_feature
from writer_app.features import summarize as summarize_feature
from writer_app.tasks import rewrite as rewrite_rules
from writer_app.tasks.continuation import ContinuationRequest
from writer_app.translatable import QT_TRANSLATE_NOOP, Message
from writer_app.worker import Job, JobContext, ModelWorker, Priority

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from writer_app.engine.backend import Backend
    from writer_app.features.code import CodeResult
    from writer_app.tasks.outline import Outline

__all__ = ["Assistant", "ModelNotReady", "ModelStatus", "Notice", "Progress"]

T = TypeVar("T")


@dataclass(frozen=True)
class ModelStatus:
    """The loaded model, as the status bar shows it."""

    name: str
    device: str  # "cpu", "cuda", "mps", or "server"
    summary: str  # the model, where it runs, how (the measured speed: Assistant.summary)
    load_seconds: float
    notices: tuple[str, ...] = ()
    devices: tuple[str, ...] = ("cpu",)  # what this machine offers, best first
    refused: tuple[tuple[str, str], ...] = ()  # decoding knobs the backend cannot take, why


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


class Assistant:
    """The model, owned by one worker thread, and the jobs the GUI can ask of it."""

    def __init__(self) -> None:
        self.worker = ModelWorker()
        # Touched only on the worker thread: the backend (the model, local or on a server).
        self._backend: Backend | None = None
        self.status: ModelStatus | None = None
        # Called on the GUI thread when a job ends (the measured speed may have changed).
        self.on_job_done: Callable[[], None] | None = None
        self._model: Model | None = None  # the settings the backend was opened with
        # Called on the GUI thread as a job is asked for: the adapter chosen for the document
        # it is for (a name, "" for none), or None for the one the settings name.
        self.document_adapter: Callable[[], str | None] = lambda: None
        self._unusable: set[str] = set()  # adapters the loaded model could not use

    def start(self) -> None:
        self.worker.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        self.worker.shutdown(timeout)

    @property
    def ready(self) -> bool:
        return self.status is not None

    @staticmethod
    def prefetch(model: Model) -> None:
        """Start building the model's tokenizer on a thread now, as the app starts: its one
        long hold of the GIL (25-45 ms) then falls before the window is on screen, not while
        the user types. Nothing for a server, or for a model not prepared before."""
        if model.backend == "server":
            return
        from writer_app import paths
        from writer_app.engine import models, tokenizer_files

        try:
            info = models.resolve_model(model.model)
        except (models.ModelNotFoundError, ValueError, OSError):
            return  # (the load says what is wrong)
        if info.is_gguf:
            tokenizer_files.prefetch(paths.converted_model_dir(info.path))

    def load(self, model: Model) -> Job[ModelStatus]:
        """Load (or switch to) a model; emits Progress events, returns its ModelStatus."""
        self.status = None
        model = copy.deepcopy(model)

        def run(ctx: JobContext) -> ModelStatus:
            if self._backend is not None:  # release the old model first
                self._backend.close()
                self._backend = None
            with frozen_heap():  # the first load imports torch and transformers too
                from writer_app.engine import native_libs

                native_libs.preload_torch()  # so that importing torch leaves the GUI the GIL
                from writer_app.engine.backends import open_backend
                from writer_app.engine.devices import available_devices

                backend = open_backend(model, lambda m: ctx.emit(Progress(m)))
                warming = QT_TRANSLATE_NOOP("Messages", "Warming up {name}…")
                ctx.emit(Progress(Message(warming, name=backend.name)))
                backend.warm_up()
                devices = tuple(available_devices())
            self._backend, self._model = backend, model
            self._unusable = set()
            return ModelStatus(
                name=backend.name,
                device=backend.device,
                summary=backend.describe(),
                load_seconds=backend.load_seconds,
                notices=tuple(backend.notices),
                devices=devices,
                refused=tuple(backend.refused_knobs().items()),
            )

        job = self.worker.submit(run, priority=Priority.LOAD, group="load")
        job.add_done_callback(self._on_loaded)
        return job

    def _on_loaded(self, future: asyncio.Future[ModelStatus]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.status = future.result()

    def summary(self) -> str:
        """The status bar's line: the model, where it runs, and its speed measured on real
        generations (none until there is one)."""
        backend = self._backend
        if self.status is None or backend is None:
            return ""
        return backend.summary()

    def run(self, feature: str, pipeline: Callable[..., T], /, *args: Any, **kwargs: Any) -> Job[T]:
        """Run `pipeline(backend, *args, cancel=, on_update=, **kwargs)` on the worker thread as
        `feature`'s job: its priority, and its group (a newer job supersedes this one).

        The arguments are copied now, so the GUI may change its settings meanwhile; the
        pipeline's updates become the job's events. `ModelNotReady` if no model is loaded.
        """
        declared = FEATURES[feature]
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        adapter = self.document_adapter()

        def work(ctx: JobContext) -> T:
            if self._backend is None:
                raise ModelNotReady("No model is loaded")
            self._use_adapter(adapter)
            if "between" in kwargs:
                kwargs["between"] = ctx.checkpoint
            try:
                return pipeline(self._backend, *args, cancel=ctx.cancel, on_update=ctx.emit,
                                **kwargs)  # fmt: skip
            except Exception as exc:
                if not self._fall_back(exc, ctx):
                    raise
            return pipeline(self._backend, *args, cancel=ctx.cancel, on_update=ctx.emit, **kwargs)

        job = self.worker.submit(work, priority=declared.priority, group=declared.name)
        job.add_done_callback(self._job_done)
        return job

    def _use_adapter(self, chosen: str | None) -> None:
        """On the worker thread: the local model generates with the document's adapter (None:
        the settings'; one that cannot be used, say deleted since, is passed over for the
        settings' and then none, once per loaded model)."""
        from writer_app.engine.adapters import AdapterError

        backend, model = self._backend, self._model
        use = getattr(backend, "use_adapter", None)  # a server has no adapters
        if use is None or model is None:
            return
        wanted = model.adapter if chosen is None else chosen
        for name in (wanted, model.adapter, ""):
            if name in self._unusable:
                continue
            attached = getattr(backend, "adapter", None)
            if name == (attached.name if attached is not None else ""):
                return
            try:
                use(name or None, model.adapter_scope)
                return
            except AdapterError as exc:
                log.warning("Adapter %r: %s", name, exc)
                self._unusable.add(name)

    def _fall_back(self, exc: Exception, ctx: JobContext) -> bool:
        """On the worker thread: after the server became unreachable, switch to the local
        model if the settings allow it (the job then runs again there)."""
        from writer_app.engine.backends import open_local
        from writer_app.engine.http_api import Unreachable

        model, backend = self._model, self._backend
        if not isinstance(exc, Unreachable) or model is None or backend is None:
            return False
        if backend.kind != "server" or not model.server_fallback:
            return False
        ctx.emit(Notice(f"{exc} Switching to the local model…"))
        with frozen_heap():
            local = open_local(model, lambda m: ctx.emit(Progress(m)))
        backend.close()
        self._backend = local
        if self.status is not None:
            self.status = dataclasses.replace(
                self.status, name=local.name, device=local.device, summary=local.describe(),
                refused=(),
            )  # fmt: skip
        return True

    def _job_done(self, _future: Any) -> None:
        if self.on_job_done is not None:
            self.on_job_done()

    # The features, one line each.

    def continue_text(
        self, request: ContinuationRequest, decoding: Decoding, context_tokens: int
    ) -> Job[list[str]]:
        """Ghost-text candidates; emits the candidate list as it grows."""
        return self.run("continuation", continuation_feature.suggest, request, decoding,
                        context_tokens=context_tokens)  # fmt: skip

    def rewrite(
        self, text: str, style: rewrite_rules.Style, decoding: Decoding
    ) -> Job[rewrite_feature.RewriteUpdate]:
        """Rewrite a selection; emits RewriteUpdate as it streams."""
        return self.run("rewrite", rewrite_feature.rewrite_text, text, style, decoding)

    def generate_code(
        self, source: str, where: int | str, decoding: Decoding, *,
        candidates: int | None = None, verify: bool = False,
    ) -> Job[CodeResult]:  # fmt: skip
        """Write the body of the function at `where` (offset or name) from its docstring;
        emits Progress. `verify` runs its doctests in the sandbox."""
        return self.run("code", code_feature.generate_body, source, where, decoding,
                        candidates=candidates, verify_doctests=verify)  # fmt: skip

    def draft(
        self, outline: Outline, options: draft_feature.DraftOptions, decoding: Decoding
    ) -> Job[draft_feature.DraftUpdate]:
        """Draft an article from an outline; emits DraftUpdate as the text streams. Waiting
        interactive requests run between its sections."""
        return self.run("draft", draft_feature.draft_article, outline, options, decoding,
                        between=None)  # fmt: skip

    def redraft_section(
        self,
        article: str,
        cursor: int,
        mode: draft_feature.RedoMode,
        options: draft_feature.DraftOptions,
        decoding: Decoding,
        *,
        outline: Outline | None = None,
    ) -> Job[draft_feature.SectionRedo]:
        """Regenerate or continue the section at `cursor`; emits its new prose as a str."""
        redo = draft_feature.redo_section
        return self.run("draft", redo, article, cursor, mode, options, decoding, outline=outline)

    def summarize(self, text: str, decoding: Decoding) -> Job[summarize_feature.SummaryUpdate]:
        """Summarize a text; emits SummaryUpdate as it streams, Progress between parts."""
        return self.run("summarize", summarize_feature.summarize, text, decoding)
