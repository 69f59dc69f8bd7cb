"""Outline → article in the window: the Draft dialog, the live draft in a new tab, and
"Regenerate / Continue this section".

The article streams into a new tab that stays read-only (and out of the undo history) while
it is written, so nothing the user types can collide with it; other documents are never
touched. A bar at the top of the tab shows "Section 3 of 7" and a Cancel button that stops
the model at once, keeping what was written. Each section is one worker job, so inline
suggestions in other tabs wait at most one section. Regenerate and Continue replace or
extend only the section under the cursor, as one undo step, and only if the document did
not change while the model wrote.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from writer_app.config import Settings
from writer_app.drafting import DraftError, DraftOptions, DraftUpdate, RedoMode, cjk_warning
from writer_app.tasks import draft
from writer_app.tasks.outline import Outline, OutlineError, parse_outline
from writer_app.tasks.rewrite import find_style, style_names, user_styles
from writer_app.ui.editor import GhostTextEditor, utf16_len
from writer_app.ui.job_slot import JobSlot
from writer_app.ui.markdown import MarkdownHighlighter
from writer_app.worker import JobCancelled

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab
    from writer_app.ui.main_window import MainWindow

OWN_TONE = "The model's own"
CUSTOM_LENGTH = "Custom…"
DRAFT_SETTINGS_PAGE = "Draft"  # the settings page with the Draft decoding
REDO_WORDS = {
    "regenerate": ("Regenerating", "Regenerated"),
    "continue": ("Continuing", "Continued"),
}


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _position(text: str, utf16_position: int) -> int:
    """A Qt cursor position (UTF-16 code units) as an index into `text`."""
    if text.isascii():
        return min(utf16_position, len(text))
    return len(text.encode("utf-16-le")[: utf16_position * 2].decode("utf-16-le", "ignore"))


class DraftDialog(QDialog):
    """Target length, tone and readers for a draft; Draft starts it."""

    chosen = Signal(object)  # DraftOptions
    settingsRequested = Signal()

    def __init__(
        self,
        outline: Outline,
        settings: Settings,
        previous: DraftOptions | None = None,
        warning: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draft Article from Outline")
        self._styles = user_styles(settings.styles)
        previous = previous or DraftOptions()
        sections = len(outline.sections)
        title = f"“{outline.title}”" if outline.title else "An untitled article"
        summary = QLabel(
            f"{title}: {sections} section{'s' if sections != 1 else ''}, written one after "
            "another into a new document."
        )
        summary.setWordWrap(True)

        self.length = QComboBox()
        for name, words in draft.LENGTHS.items():
            self.length.addItem(f"{name.capitalize()} (about {words} words per section)", name)
        self.length.addItem(CUSTOM_LENGTH, "custom")
        self.words = QSpinBox()
        self.words.setRange(draft.MIN_WORDS, draft.MAX_WORDS)
        self.words.setSuffix(" words per section")
        self.words.setValue(previous.words)
        self.length.currentIndexChanged.connect(
            lambda _i: self.words.setEnabled(self.length.currentData() == "custom")
        )
        index = self.length.findData(previous.length if isinstance(previous.length, str) else "")
        self.length.setCurrentIndex(index if index >= 0 else self.length.count() - 1)
        self.words.setEnabled(self.length.currentData() == "custom")

        self.tone = QComboBox()
        self.tone.addItem(OWN_TONE)
        self.tone.addItems(style_names(self._styles))
        if previous.tone is not None:
            self.tone.setCurrentText(previous.tone.name)
        self.tone.setToolTip("The rewrite styles, and your own (Settings → Rewrite styles)")

        self.audience = QLineEdit(previous.audience)
        self.audience.setPlaceholderText("e.g. beginners, busy parents, engineers (optional)")

        self.settings_button = QPushButton("Decoding Settings…")
        self.settings_button.setToolTip("Temperature, top-p and the other Draft settings")
        self.settings_button.clicked.connect(self.settingsRequested)

        form = QFormLayout()
        form.addRow("Length:", self.length)
        form.addRow("", self.words)
        form.addRow("Tone:", self.tone)
        form.addRow("Readers:", self.audience)
        form.addRow("", self.settings_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.draft_button = self.buttons.addButton("Draft", QDialogButtonBox.ButtonRole.AcceptRole)
        self.draft_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(summary)
        if warning:
            note = QLabel(warning)
            note.setWordWrap(True)
            column.addWidget(note)
        column.addLayout(form)
        column.addWidget(self.buttons)

    def options(self) -> DraftOptions:
        """The choices as DraftOptions."""
        length: str | int = self.length.currentData()
        if length == "custom":
            length = self.words.value()
        name = self.tone.currentText()
        tone = None if name == OWN_TONE else find_style(name, self._styles)
        return DraftOptions(length, tone, " ".join(self.audience.text().split()))

    def accept(self) -> None:
        self.chosen.emit(self.options())
        super().accept()


class DraftBar(QFrame):
    """Progress of a draft or of a section being rewritten, with Cancel, above the editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop now and keep what was written")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)

    def show_update(self, update: DraftUpdate) -> None:
        total = update.total
        index = min(update.section, total - 1)
        name = draft.section_name(update.outline, index) if total else ""
        self.progress.setRange(0, total)
        self.progress.setValue(update.section)
        self.progress.setFormat(update.label)
        self.label.setText(f"Drafting: {name}" if not update.done else "Draft finished")

    def show_busy(self, text: str) -> None:
        self.progress.setRange(0, 0)
        self.label.setText(text)


class DraftFeature(QObject):
    """The Draft menu's actions for one main window."""

    finished = Signal(object)  # a DraftUpdate: a draft ended (done, cancelled or failed)
    redone = Signal(bool)  # a section was regenerated or continued (True) or not (False)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.options = DraftOptions()  # the last choices, offered again
        self._outlines: dict[str, tuple[Outline, DraftOptions]] = {}  # by document id
        self._jobs = JobSlot()  # one job per section, in turn
        self._cancelled = False
        self.bar: DraftBar | None = None
        self.tab: DocumentTab | None = None  # the document being drafted into, or redone

    # ------------------------------------------------------------------ menu

    def build_menu(self, menu: QMenu) -> None:
        w = self.window
        self.draft_action = w._action(
            menu, "&Draft Article from Outline…", self.open_dialog, "Ctrl+Shift+D"
        )
        self.draft_action.setToolTip(
            "Turn the outline in this document (or the selection) into an article"
        )
        menu.addSeparator()
        self.regenerate_action = w._action(
            menu, "&Regenerate This Section", lambda: self.redo("regenerate")
        )
        self.continue_action = w._action(
            menu, "&Continue This Section", lambda: self.redo("continue")
        )

    @property
    def busy(self) -> bool:
        return self._jobs.running

    def cancel(self) -> None:
        """Stop the draft or section now; what was written stays."""
        self._cancelled = True
        self._jobs.stop()

    def _refuse(self) -> bool:
        """Say why nothing can start now, if so."""
        if self.busy:
            self.window.show_notice("The model is writing a draft; wait for it or cancel it first")
            return True
        if self.window.model_error:
            self.window.show_notice(f"No drafts: {self.window.model_error}")
            return True
        return False

    # ---------------------------------------------------------------- drafts

    def open_dialog(self) -> DraftDialog | None:
        """Parse the outline (the selection, or the whole document) and ask how to draft."""
        if self._refuse():
            return None
        editor = self.window.editor
        cursor = editor.textCursor()
        text = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else ""
        text = text or editor.text()
        try:
            outline = parse_outline(text)
        except OutlineError as exc:
            self.window.show_error("Nothing to draft", str(exc))
            return None
        status = self.window.assistant.status
        dialog = DraftDialog(
            outline,
            self.window.settings,
            self.options,
            cjk_warning(outline, status.name if status else ""),
            self.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(lambda options: self.start(outline, options))
        dialog.settingsRequested.connect(lambda: self.window.open_settings(DRAFT_SETTINGS_PAGE))
        dialog.open()
        return dialog

    def start(self, outline: Outline, options: DraftOptions) -> DocumentTab | None:
        """Draft `outline` into a new tab; returns the tab."""
        if self._refuse():
            return None
        self.options = options
        tab = self.window.new_tab()
        editor = tab.editor
        if editor.highlighter is None:
            editor.highlighter = MarkdownHighlighter(editor.document())
        editor.setReadOnly(True)
        editor.document().setUndoRedoEnabled(False)
        self._outlines[tab.doc_id] = (outline, options)
        tab.destroyed.connect(lambda _o=None, d=tab.doc_id: self._outlines.pop(d, None))
        self._begin(tab)
        decoding = copy.deepcopy(self.window.settings.draft)
        self._jobs.start(None, self._draft(tab, outline, options, decoding))
        return tab

    def _begin(self, tab: DocumentTab) -> DraftBar:
        self.tab, self._cancelled, self._jobs.job = tab, False, None
        bar = DraftBar(tab)
        bar.cancel_button.clicked.connect(self.cancel)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, bar)
        bar.show()
        self.bar = bar
        return bar

    def _end(self) -> None:
        if self.bar is not None and isValid(self.bar):
            self.bar.hide()
            self.bar.deleteLater()
        self.bar = self.tab = self._jobs.job = None

    def _alive(self, tab: DocumentTab) -> bool:
        return isValid(tab) and self.window.tabs.indexOf(tab) >= 0

    async def _draft(
        self, tab: DocumentTab, outline: Outline, options: DraftOptions, decoding: Any
    ) -> None:
        update = DraftUpdate(outline, (), 0, False)
        shown = ""
        failure = ""
        try:
            while len(update.proses) < len(outline.sections) and not self._cancelled:
                job = self._jobs.job = self.window.assistant.draft(
                    outline, options, decoding, written=update.proses, sections=1
                )
                async for event in job:
                    if not self._alive(tab):
                        job.cancel()
                        return
                    if isinstance(event, DraftUpdate):
                        shown = self._show(tab.editor, shown, event.text)
                        if self.bar is not None:
                            self.bar.show_update(event)
                try:
                    update = await job.result()
                except JobCancelled:
                    break
                if update.cancelled:
                    break
        except Exception as exc:  # the model failed: keep what was written, say why
            failure = str(exc) or type(exc).__name__
        finally:
            stopped = self._cancelled or update.cancelled or bool(failure)
            final = DraftUpdate(outline, update.proses, update.section, True, stopped)
            if self._alive(tab):
                self._finish_tab(tab, final.text if final.text.strip() else shown, shown)
            self._end()
        if failure:
            self.window.show_error("Drafting stopped", f"{failure}\n\nWhat was written is kept.")
        elif stopped:
            partial = final.section < len(final.proses) and final.proses[final.section]
            self.window.show_notice(
                f"Drafting cancelled: kept {final.section} of {final.total} sections"
                + (" and the start of the next" if partial else "")
            )
        else:
            words = len(final.text.split())
            self.window.show_notice(f"Draft finished: {final.total} sections, about {words} words")
        self.finished.emit(final)

    def _finish_tab(self, tab: DocumentTab, text: str, shown: str) -> None:
        editor = tab.editor
        self._show(editor, shown, text)
        document = editor.document()
        document.setUndoRedoEnabled(True)  # the draft is where undo starts
        document.setModified(True)
        editor.setReadOnly(False)
        editor.moveCursor(QTextCursor.MoveOperation.Start)

    @staticmethod
    def _show(editor: GhostTextEditor, shown: str, text: str) -> str:
        """Make the editor, which holds `shown`, hold `text`, touching only what differs."""
        if text == shown:
            return shown
        keep = _common_prefix(shown, text)
        bar = editor.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(editor.document())
        cursor.setPosition(utf16_len(shown[:keep]))
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text[keep:])
        if at_bottom:
            bar.setValue(bar.maximum())
        return text

    # -------------------------------------------------------------- sections

    def redo(self, mode: RedoMode) -> bool:
        """Regenerate or continue the section under the cursor (one undo step)."""
        if self._refuse():
            return False
        tab = self.window.tab
        editor = tab.editor
        if editor.isReadOnly():
            self.window.show_notice("This document cannot be changed right now")
            return False
        article = tab.text()
        at = _position(article, editor.textCursor().position())
        span = draft.find_section(article, at)
        if span is None:
            self.window.show_notice("Put the cursor in a section (its heading or its text) first")
            return False
        outline, options = self._outlines.get(tab.doc_id, (None, self.options))
        name = span.heading or draft.LEAD_NAME
        verb, done = REDO_WORDS[mode]
        bar = self._begin(tab)
        bar.show_busy(f"{verb} “{name}”…")
        decoding = copy.deepcopy(self.window.settings.draft)
        if mode == "regenerate":  # another version: a fixed seed would write the same again
            decoding.do_sample, decoding.seed = True, None
        job = self.window.assistant.redraft_section(
            article, at, mode, options, decoding, outline=outline
        )
        self._jobs.start(job, self._redo(tab, job, article, f"{verb} “{name}”", f"{done} “{name}”"))
        return True

    async def _redo(self, tab: DocumentTab, job: Any, article: str, what: str, done: str) -> None:
        applied = False
        try:
            async for text in job:
                if not self._alive(tab):
                    job.cancel()
                    return
                if self.bar is not None and isinstance(text, str):
                    words = len(text.split())
                    self.bar.show_busy(f"{what}… {words} word{'s' if words != 1 else ''}")
            edit = await job.result()
        except JobCancelled:
            self.window.show_notice(f"{what} cancelled; nothing was changed")
            return
        except DraftError as exc:
            self.window.show_notice(str(exc))
            return
        except Exception as exc:
            self.window.show_error("The section could not be written", str(exc))
            return
        else:
            if not self._alive(tab):
                return
            if edit.cancelled or self._cancelled:
                self.window.show_notice(f"{what} cancelled; nothing was changed")
            elif tab.text() != article:
                self.window.show_notice(
                    "The document changed while the model was writing; nothing was replaced. "
                    "Try again."
                )
            elif not edit.text.strip():
                self.window.show_notice("The model wrote nothing usable; the section is unchanged")
            else:
                self._apply(tab.editor, article, edit.start, edit.end, edit.text)
                applied = True
                self.window.show_notice(f"{done} (Undo takes it back)")
        finally:
            self._end()
            self.redone.emit(applied)

    @staticmethod
    def _apply(editor: GhostTextEditor, article: str, start: int, end: int, text: str) -> None:
        """Replace article[start:end] with `text` as one undo step; the cursor after it."""
        editor.end_session()
        cursor = QTextCursor(editor.document())
        cursor.setPosition(utf16_len(article[:start]))
        cursor.setPosition(utf16_len(article[:end]), QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.insertText(text)
        cursor.endEditBlock()
        editor.setTextCursor(cursor)
