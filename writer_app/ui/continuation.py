"""Inline continuation in the window: when to ask for ghost text, and where it goes.

After the writer pauses (debounce), the controller starts a suggestion session in the editor
and streams candidates from the assistant into it. Any edit that ends the session cancels the
running generation at once; the next pause starts a new one. `preparing` says when a
suggestion is on its way and nothing shows yet, for a subtle sign in the window.

While an input method composes, the editor starts no suggestion (`start_session` says so),
and what it commits is typing like any other. A document in Chinese on the built-in model
gets a notice, once, that a larger model writes Chinese much better.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from writer_app.config import Decoding, Settings
from writer_app.features.continuation import CJK_NOTICE
from writer_app.tasks.continuation import ContinuationRequest
from writer_app.tasks.language import is_chinese
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.job_slot import JobSlot


class ContinuationSource(Protocol):
    """What the controller needs from the assistant."""

    @property
    def ready(self) -> bool: ...

    def continue_text(
        self, request: ContinuationRequest, decoding: Decoding, context_tokens: int
    ) -> Any: ...


class SuggestionController(QObject):
    """Debounces typing, requests continuations and feeds them to the editor."""

    failed = Signal(str)  # a request failed; the message is for the status bar
    notice = Signal(str)  # something the user should know (e.g. a CPU fallback)
    firstGhost = Signal(float)  # seconds from the request to the first visible suggestion
    preparing = Signal(bool)  # True: a suggestion is being prepared; False: shown or given up

    def __init__(
        self,
        editor: GhostTextEditor,
        source: ContinuationSource,
        settings: Callable[[], Settings],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or editor)  # it lives and dies with its editor
        self.editor = editor
        self.source = source
        self.settings = settings
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: self.request(explicit=False))
        self._jobs = JobSlot()
        self._preparing = False
        self._told_cjk = False  # the notice that the built-in model writes Chinese poorly
        self.code_mode = False  # a code file: suggestions end with the line or block
        editor.edited.connect(self._on_edited)
        editor.sessionEnded.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self._jobs.running

    @property
    def is_preparing(self) -> bool:
        """A suggestion was asked for and none shows yet."""
        return self._preparing

    def _set_preparing(self, on: bool) -> None:
        if on != self._preparing:
            self._preparing = on
            self.preparing.emit(on)

    def _on_edited(self) -> None:
        self.cancel()
        editor = self.settings().editor
        if editor.suggestions and self.source.ready:
            self.timer.start(editor.delay_ms)
        else:
            self.timer.stop()

    def request(self, *, explicit: bool = True) -> bool:
        """Ask for a suggestion at the cursor now; False if none can be made here."""
        self.timer.stop()
        if not self.source.ready:
            return False
        settings = self.settings()
        editor = settings.editor
        if not explicit and not editor.suggestions:
            return False
        session = self.editor.start_session(explicit=explicit, context_tokens=editor.context_tokens)
        if session is None:
            return False
        self.cancel()
        stop_at = editor.suggestion_length
        if self.code_mode and stop_at != "length":
            stop_at = "code"
        job = self.source.continue_text(
            ContinuationRequest(session.prefix, stop_at),
            settings.decoding("continuation"),
            editor.context_tokens,
        )
        started = time.perf_counter()
        shown = False

        def offer(candidates: list[str]) -> None:
            nonlocal shown
            self.editor.offer(session, candidates)
            if not shown and self.editor.session is session and self.editor.ghost_text():
                shown = True
                self._set_preparing(False)
                self.firstGhost.emit(time.perf_counter() - started)

        self._set_preparing(True)
        self._jobs.run(
            job,
            on_event=offer,
            on_progress=lambda message: self._say_once(message, session.prefix),
            on_result=offer,
            on_error=lambda exc: self.failed.emit(
                self.tr("Suggestion failed: {error}").format(error=exc)
            ),
            on_done=lambda: self._set_preparing(False),
        )
        return True

    _said: ClassVar[set[str]] = set()  # notices given (in this run of the app): said once

    def _say_once(self, message: str, prefix: str = "") -> None:
        if message == CJK_NOTICE:  # the pipeline's word: CJK text on the built-in model
            if not self._told_cjk:  # once per document
                self._told_cjk = True
                self.notice.emit(self._cjk_notice(prefix))
            return
        if message not in SuggestionController._said:
            SuggestionController._said.add(message)
            self.notice.emit(message)

    def _cjk_notice(self, prefix: str) -> str:
        """That the built-in model writes this document's language poorly, and what helps."""
        if is_chinese(prefix[-400:]):
            return self.tr(
                "The built-in model writes Chinese poorly, so suggestions here may make little "
                "sense. For better ones, download a larger model (Settings → Model & Device → "
                "Get Models…) or use a model server."
            )
        return self.tr(
            "The built-in model writes Chinese, Japanese and Korean poorly, so suggestions "
            "here may make little sense. For better ones, download a larger model (Settings → "
            "Model & Device → Get Models…) or use a model server."
        )

    def stop(self) -> None:
        """No more requests (the window is closing)."""
        self.timer.stop()
        self.cancel()

    def cancel(self) -> None:
        """Stop the running request, if any (its results are dropped)."""
        self._jobs.cancel()
        self._set_preparing(False)
