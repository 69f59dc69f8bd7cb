"""Summarize in the window: the selection (or, with none, the whole document) is summarized
into a new tab, streaming, with progress and Cancel above it.

A summary the checks call bad (not shorter than the text, its key terms left out) is not
left in the tab: the tab closes and a message says what went wrong and what to try.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QVBoxLayout
from shiboken6 import isValid

from writer_app.features.summarize import SummaryUpdate
from writer_app.ui.actions import Action
from writer_app.ui.job_bar import JobBar, show_streaming
from writer_app.ui.job_slot import JobSlot

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab
    from writer_app.ui.window_api import WindowApi

SETTINGS_PAGE = "Summarize"


class SummarizeFeature(QObject):
    """Summarize for one main window: at most one summary at a time."""

    finished = Signal(object)  # the final SummaryUpdate (or None if it failed)

    def __init__(self, window: WindowApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self._jobs = JobSlot()
        self.tab: DocumentTab | None = None
        self.bar: JobBar | None = None

    def actions(self) -> list[Action]:
        return [
            Action(
                "summarize",
                self.tr("Su&mmarize"),
                "&Suggestions",
                self.start,
                "Ctrl+Shift+M",
                self.tr("Summarize the selection, or the whole document, into a new document"),
                toolbar=True,
            )
        ]

    @property
    def busy(self) -> bool:
        return self._jobs.running

    def cancel(self) -> None:
        self._jobs.stop()

    def start(self) -> DocumentTab | None:
        """Summarize the selection (or the whole document) into a new tab."""
        if self.busy:
            self.window.notify(
                self.tr("The model is writing a summary; wait for it or cancel it first")
            )
            return None
        if not self.window.require_model(self.tr("summaries")):
            return None
        source_tab = self.window.current_tab()
        editor = source_tab.editor
        cursor = editor.textCursor()
        text = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else ""
        text = text or editor.text()
        if not text.strip():
            self.window.notify(self.tr("There is no text to summarize"))
            return None
        title = source_tab.title()
        tab = self.window.new_tab()
        tab.editor.setReadOnly(True)
        tab.editor.document().setUndoRedoEnabled(False)
        bar = JobBar(tab)
        bar.cancel_button.clicked.connect(self.cancel)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, bar)
        busy = self.tr("Summarizing {title}…").format(title=title)
        bar.show_busy(busy)
        self.tab, self.bar = tab, bar
        shown = ""
        final: SummaryUpdate | None = None
        failure = ""

        def update(event: SummaryUpdate) -> None:
            nonlocal shown, final
            if not (isValid(tab) and self.window.is_open(tab)):
                self._jobs.stop()
                return
            shown = show_streaming(tab.editor, shown, event.text)
            bar.show_step(busy, event.part - 1, event.parts)
            if event.done:
                final = event

        def failed(exc: Exception) -> None:
            nonlocal failure
            failure = str(exc) or type(exc).__name__

        def done() -> None:
            self._finish(tab, bar, final, failure)

        job = self.window.assistant.summarize(text, self.window.settings.decoding("summarize"))
        self._jobs.run(
            job,
            on_event=update,
            on_progress=bar.show_busy,
            on_result=update,
            on_error=failed,
            on_done=done,
        )
        return tab

    def _finish(
        self, tab: DocumentTab, bar: JobBar, final: SummaryUpdate | None, failure: str
    ) -> None:
        self.tab = self.bar = None
        if isValid(bar):
            bar.hide()
            bar.deleteLater()
        alive = isValid(tab) and self.window.is_open(tab)
        ok = final is not None and final.ok
        if alive and ok:
            editor = tab.editor
            editor.document().setUndoRedoEnabled(True)
            editor.document().setModified(True)
            editor.setReadOnly(False)
            editor.moveCursor(QTextCursor.MoveOperation.Start)
            self.window.notify(self.tr("Summary written (a new, unsaved document)"))
        elif alive:
            tab.editor.document().setModified(False)
            self.window.close_tab(tab)
        if failure:
            self.window.error(
                self.tr("No summary"), self.tr("The model failed: {reason}").format(reason=failure)
            )
        elif final is None or final.cancelled:
            self.window.notify(self.tr("Summary cancelled"))
        elif not ok:
            why = "; ".join(final.problems) or self.tr("nothing usable came back")
            self.window.error(
                self.tr("No summary"),
                self.tr(
                    "The model could not summarize this well: {why}.\n\nTry again, or choose a "
                    "larger model in Settings → Model & Device."
                ).format(why=why),
            )
        self.finished.emit(final if ok else None)
