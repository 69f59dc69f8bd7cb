"""Outline → article in the window: the Draft dialog, the live draft in a new tab, and
"Regenerate / Continue this section".

The article streams into a new tab, named after the article's title, that stays read-only
(and out of the undo history) while it is written, so nothing the user types can collide
with it; other documents are never touched. A bar at the top of the tab shows "Section 3 of
7" and a Cancel button that stops the model at once, keeping what was written; when the
draft ends, a notice in its place says how it went (and the window asks for attention if it
is in the background). Each section is one worker job, so inline suggestions in other tabs
wait at most one section. Regenerate and Continue show the new text as it is written, in a
pane under the bar, then replace or extend only the section under the cursor, as one undo
step, and only if the document did not change while the model wrote.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from writer_app.config import Settings
from writer_app.features.draft import (
    DraftError,
    DraftOptions,
    DraftUpdate,
    RedoMode,
    SectionRedo,
    cjk_warning,
)
from writer_app.tasks import draft
from writer_app.tasks.outline import Outline, OutlineError, parse_outline
from writer_app.tasks.rewrite import BUILTIN_STYLES, find_style, style_names, user_styles
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.actions import Action
from writer_app.ui.editor import py_index, replace_range, utf16_len
from writer_app.ui.job_bar import JobBar, show_streaming
from writer_app.ui.job_slot import JobSlot
from writer_app.ui.markdown import MarkdownHighlighter
from writer_app.ui.word_count import count_words

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab
    from writer_app.ui.window_api import WindowApi

OWN_TONE = QT_TRANSLATE_NOOP("DraftDialog", "The model's own")
CUSTOM_LENGTH = QT_TRANSLATE_NOOP("DraftDialog", "Custom…")
DRAFT_SETTINGS_PAGE = "Draft"  # the settings page with the Draft decoding
UNTITLED_DRAFT = QT_TRANSLATE_NOOP("DraftFeature", "Draft")  # an article without a title
SECTION_PREVIEW_LINES = 8  # the height of the pane that shows a section as it is written


def name_tab(tab: DocumentTab, name: str) -> None:
    """Call an untitled document `name` (its tab, the window title, the save questions)
    until it is saved under a file name."""
    tab.name_hint = name
    tab.changed.emit()


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
        self.setWindowTitle(self.tr("Draft Article from Outline"))
        self._styles = user_styles(settings.styles)
        previous = previous or DraftOptions()
        sections = len(outline.sections)
        title = (
            self.tr("“{title}”").format(title=outline.title)
            if outline.title
            else self.tr("An untitled article")
        )
        count = (
            self.tr("%n section", "", sections)
            if sections == 1
            else self.tr("%n sections", "", sections)
        )
        summary = QLabel(
            self.tr("{title}: {sections}, written one after another into a new document.").format(
                title=title, sections=count
            )
        )
        summary.setWordWrap(True)

        self.length = QComboBox()
        names = {"short": self.tr("Short"), "medium": self.tr("Medium"), "long": self.tr("Long")}
        for name, words in draft.LENGTHS.items():
            self.length.addItem(
                self.tr("{length} (about {words} words per section)").format(
                    length=names.get(name, name.capitalize()), words=words
                ),
                name,
            )
        self.length.addItem(QCoreApplication.translate("DraftDialog", CUSTOM_LENGTH), "custom")
        self.words = QSpinBox()
        self.words.setRange(draft.MIN_WORDS, draft.MAX_WORDS)
        self.words.setSuffix(self.tr(" words per section"))
        self.words.setValue(previous.words)
        self.length.currentIndexChanged.connect(
            lambda _i: self.words.setEnabled(self.length.currentData() == "custom")
        )
        index = self.length.findData(previous.length if isinstance(previous.length, str) else "")
        self.length.setCurrentIndex(index if index >= 0 else self.length.count() - 1)
        self.words.setEnabled(self.length.currentData() == "custom")

        # Built-in style names are shown translated; an item's data is the style's id (name).
        self.tone = QComboBox()
        self.tone.addItem(QCoreApplication.translate("DraftDialog", OWN_TONE), "")
        builtin = {s.name for s in BUILTIN_STYLES}
        for name in style_names(self._styles):
            shown = QCoreApplication.translate("Style", name) if name in builtin else name
            self.tone.addItem(shown, name)
        if previous.tone is not None:
            self.tone.setCurrentIndex(max(0, self.tone.findData(previous.tone.name)))
        self.tone.setToolTip(
            self.tr("The rewrite styles, and your own (Settings → Rewrite styles)")
        )

        self.audience = QLineEdit(previous.audience)
        self.audience.setPlaceholderText(
            self.tr("e.g. beginners, busy parents, engineers (optional)")
        )

        self.settings_button = QPushButton(self.tr("Decoding Settings…"))
        self.settings_button.setToolTip(self.tr("Temperature, top-p and the other Draft settings"))
        self.settings_button.clicked.connect(self.settingsRequested)

        form = QFormLayout()
        form.addRow(self.tr("Length:"), self.length)
        form.addRow("", self.words)
        form.addRow(self.tr("Tone:"), self.tone)
        form.addRow(self.tr("Readers:"), self.audience)
        form.addRow("", self.settings_button)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.draft_button = self.buttons.addButton(
            self.tr("Draft"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.draft_button.setDefault(True)
        # Enter drafts, wherever the focus was before: no other button may become the default.
        for button in (self.settings_button, *self.buttons.buttons()):
            if isinstance(button, QPushButton):
                button.setAutoDefault(button is self.draft_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        column = QVBoxLayout(self)
        column.addWidget(summary)
        if warning:
            note = QLabel(QCoreApplication.translate("DraftDialog", warning))
            note.setWordWrap(True)
            column.addWidget(note)
        column.addLayout(form)
        column.addWidget(self.buttons)

    def options(self) -> DraftOptions:
        """The choices as DraftOptions."""
        length: str | int = self.length.currentData()
        if length == "custom":
            length = self.words.value()
        name = str(self.tone.currentData() or "")
        tone = find_style(name, self._styles) if name else None
        return DraftOptions(length, tone, " ".join(self.audience.text().split()))

    def accept(self) -> None:
        self.chosen.emit(self.options())
        super().accept()


class DraftBar(JobBar):
    """Progress of a draft or of a section being rewritten, with Cancel, above the editor."""

    def show_update(self, update: DraftUpdate) -> None:
        """The section being written, and "Section 3 of 7" on the bar."""
        # Explicit contexts, not self.tr (in PySide6 it takes the runtime class's name).
        translate = QCoreApplication.translate
        total = update.total
        index = min(update.section, total - 1)
        heading = update.outline.sections[index].heading if total else ""
        name = heading or translate("DraftBar", "Introduction")
        if update.done:
            text = translate("DraftBar", "Draft finished")
        else:
            text = translate("DraftBar", "Drafting: {section}").format(section=name)
        label = translate("DraftBar", "Section {current} of {total}").format(
            current=min(update.section + 1, total), total=total
        )
        self.show_step(text, update.section, total, label)


class DraftNotice(QFrame):
    """How a draft ended, at the top of its tab until closed (a status-bar message is
    easily missed after minutes of waiting)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Close this notice"))
        self.close_button.clicked.connect(self.dismiss)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()


class SectionPreview(QPlainTextEdit):
    """A section as the model writes it, under the bar, before it goes into the document."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setPlaceholderText(self.tr("The new text appears here as it is written…"))
        lines = self.fontMetrics().lineSpacing() * SECTION_PREVIEW_LINES
        self.setFixedHeight(lines + 2 * int(self.document().documentMargin()) + 4)

    def show_text(self, text: str) -> None:
        if text != self.toPlainText():
            self.setPlainText(text)
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())


class DraftFeature(QObject):
    """The Draft menu's actions for one main window."""

    finished = Signal(object)  # a DraftUpdate: a draft ended (done, cancelled or failed)
    redone = Signal(bool)  # a section was regenerated or continued (True) or not (False)

    def __init__(self, window: WindowApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.options = DraftOptions()  # the last choices, offered again
        self._outlines: dict[str, tuple[Outline, DraftOptions]] = {}  # by document id
        self._jobs = JobSlot()
        self.bar: DraftBar | None = None
        self.tab: DocumentTab | None = None  # the document being drafted into, or redone
        self.section_preview: SectionPreview | None = None  # a section being redone

    def actions(self) -> list[Action]:
        menu = "&Draft"
        return [
            Action(
                "draft", self.tr("&Draft Article from Outline…"), menu, self.open_dialog,
                "Ctrl+Shift+D",
                self.tr("Turn the outline in this document (or the selection) into an article"),
                toolbar=True,
            ),
            Action("regenerate_section", self.tr("&Regenerate This Section"), menu,
                   lambda: self.redo("regenerate"), separator=True),
            Action("continue_section", self.tr("&Continue This Section"), menu,
                   lambda: self.redo("continue")),
        ]  # fmt: skip

    @property
    def busy(self) -> bool:
        return self._jobs.running

    def cancel(self) -> None:
        """Stop the draft or section now; what was written stays."""
        self._jobs.stop()

    def _refuse(self) -> bool:
        """Say why nothing can start now, if so."""
        if self.busy:
            self.window.notify(
                self.tr("The model is writing a draft; wait for it or cancel it first")
            )
            return True
        return not self.window.require_model(self.tr("drafts"))

    # ---------------------------------------------------------------- drafts

    def open_dialog(self) -> DraftDialog | None:
        """Parse the outline (the selection, or the whole document) and ask how to draft."""
        if self._refuse():
            return None
        editor = self.window.current_tab().editor
        cursor = editor.textCursor()
        text = cursor.selectedText().replace("\u2029", "\n") if cursor.hasSelection() else ""
        text = text or editor.text()
        try:
            outline = parse_outline(text)
        except OutlineError as exc:
            self.window.error(self.tr("Nothing to draft"), str(exc))
            return None
        status = self.window.assistant.status
        dialog = DraftDialog(
            outline,
            self.window.settings,
            self.options,
            cjk_warning(outline, status.name if status else ""),
            editor.window(),
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
        name_tab(tab, outline.title or QCoreApplication.translate("DraftFeature", UNTITLED_DRAFT))
        editor = tab.editor
        if editor.highlighter is None:
            editor.highlighter = MarkdownHighlighter(editor.document())
        editor.setReadOnly(True)
        editor.document().setUndoRedoEnabled(False)
        self._outlines[tab.doc_id] = (outline, options)
        tab.destroyed.connect(lambda _o=None, d=tab.doc_id: self._outlines.pop(d, None))
        bar = self._begin(tab)
        job = self.window.assistant.draft(outline, options, self.window.settings.decoding("draft"))
        shown = ""
        latest = DraftUpdate(outline, (), 0, False)
        failure = ""

        def update(event: DraftUpdate) -> None:
            nonlocal shown, latest
            if not self._alive(tab):
                self._jobs.stop()
                return
            latest = event
            shown = show_streaming(tab.editor, shown, event.text)
            bar.show_update(event)

        def failed(exc: Exception) -> None:
            nonlocal failure
            failure = str(exc) or type(exc).__name__

        def done() -> None:
            stopped = latest.cancelled or bool(failure) or not latest.done
            final = DraftUpdate(
                outline, latest.proses, latest.section, True, stopped, latest.problems
            )
            if self._alive(tab):
                self._finish_tab(tab, final.text if final.text.strip() else shown, shown)
            self._end()
            if failure:
                message = self.tr("Drafting stopped: {reason}. What was written is kept.").format(
                    reason=failure
                )
                self.window.error(
                    self.tr("Drafting stopped"),
                    self.tr("{reason}\n\nWhat was written is kept.").format(reason=failure),
                )
            elif stopped:
                partial = final.section < len(final.proses) and final.proses[final.section]
                message = (
                    self.tr(
                        "Drafting cancelled: kept {done} of {total} sections and the start of "
                        "the next"
                    )
                    if partial
                    else self.tr("Drafting cancelled: kept {done} of {total} sections")
                ).format(done=final.section, total=final.total)
                self.window.notify(message)
            else:
                message = self.tr("Draft finished: {total} sections, about {words} words").format(
                    total=final.total, words=count_words(final.text)
                )
                if flagged := final.flagged:  # the checks found a weak section: say which
                    message = self.tr("{message}. Check before use — {problems}").format(
                        message=message, problems="; ".join(flagged)
                    )
                    self.window.notify(message, 0)
                else:
                    self.window.notify(message)
                message = self.tr(
                    "{message}. To write a section again, put the cursor in it and choose "
                    "Draft → Regenerate This Section."
                ).format(message=message)
            if self._alive(tab):
                self._tell(tab, message)
            self.finished.emit(final)

        self._jobs.run(job, on_event=update, on_result=update, on_error=failed, on_done=done)
        return tab

    def _tell(self, tab: DocumentTab, message: str) -> DraftNotice:
        """Say at the top of the tab how the draft ended; ask for attention if the window
        is not the active one."""
        notice = DraftNotice(message, tab)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, notice)
        notice.show()
        if not tab.window().isActiveWindow():
            QApplication.alert(tab.window())
        return notice

    def _begin(self, tab: DocumentTab) -> DraftBar:
        self.tab = tab
        for old in tab.findChildren(DraftNotice):
            old.dismiss()
        bar = DraftBar(tab)
        bar.cancel_button.clicked.connect(self.cancel)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, bar)
        bar.show()
        self.bar = bar
        return bar

    def _end(self) -> None:
        for widget in (self.bar, self.section_preview):
            if widget is not None and isValid(widget):
                widget.hide()
                widget.deleteLater()
        self.bar = self.tab = self.section_preview = None

    def _alive(self, tab: DocumentTab) -> bool:
        return isValid(tab) and self.window.is_open(tab)

    def _finish_tab(self, tab: DocumentTab, text: str, shown: str) -> None:
        editor = tab.editor
        show_streaming(editor, shown, text)
        document = editor.document()
        document.setUndoRedoEnabled(True)  # the draft is where undo starts
        document.setModified(True)
        editor.setReadOnly(False)
        editor.moveCursor(QTextCursor.MoveOperation.Start)

    # -------------------------------------------------------------- sections

    def redo(self, mode: RedoMode) -> bool:
        """Regenerate or continue the section under the cursor (one undo step)."""
        if self._refuse():
            return False
        tab = self.window.current_tab()
        editor = tab.editor
        if editor.isReadOnly():
            self.window.notify(self.tr("This document cannot be changed right now"))
            return False
        article = tab.text()
        at = py_index(article, editor.textCursor().position())
        span = draft.find_section(article, at)
        if span is None:
            self.window.notify(
                self.tr("Put the cursor in a section (its heading or its text) first")
            )
            return False
        outline, options = self._outlines.get(tab.doc_id, (None, self.options))
        name = span.heading or self.tr("Introduction")
        if mode == "regenerate":
            what = self.tr("Regenerating “{section}”").format(section=name)
            done = self.tr("Regenerated “{section}”").format(section=name)
        else:
            what = self.tr("Continuing “{section}”").format(section=name)
            done = self.tr("Continued “{section}”").format(section=name)
        bar = self._begin(tab)
        bar.show_busy(f"{what}…")
        preview = SectionPreview(tab)
        layout = tab.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(bar) + 1, preview)
        preview.show()
        self.section_preview = preview
        decoding = copy.deepcopy(self.window.settings.decoding("draft"))
        if mode == "regenerate":  # another version: a fixed seed would write the same again
            decoding.do_sample, decoding.seed = True, None
        job = self.window.assistant.redraft_section(
            article, at, mode, options, decoding, outline=outline
        )
        applied = False
        cancelled = self.tr("{what} cancelled; nothing was changed").format(what=what)

        def progress(text: str) -> None:
            if not self._alive(tab):
                self._jobs.stop()
            elif self.bar is not None and isinstance(text, str):
                words = count_words(text)
                self.bar.show_busy(
                    self.tr("{what}… %n word", "", words).format(what=what)
                    if words == 1
                    else self.tr("{what}… %n words", "", words).format(what=what)
                )
                if self.section_preview is not None and isValid(self.section_preview):
                    self.section_preview.show_text(text.strip())

        def finished(edit: SectionRedo) -> None:
            nonlocal applied
            if not self._alive(tab):
                return
            if edit.cancelled:
                self.window.notify(cancelled)
            elif tab.text() != article:
                self.window.notify(
                    self.tr(
                        "The document changed while the model was writing; nothing was "
                        "replaced. Try again."
                    )
                )
            elif not edit.text.strip():
                self.window.notify(
                    self.tr("The model wrote nothing usable; the section is unchanged")
                )
            else:
                replace_range(
                    tab.editor,
                    utf16_len(article[: edit.start]),
                    utf16_len(article[: edit.end]),
                    edit.text,
                )
                applied = True
                if edit.problem:  # kept, but not presented as good
                    self.window.notify(
                        self.tr("{done}, but it {problem} (Undo takes it back)").format(
                            done=done, problem=edit.problem
                        ),
                        0,
                    )
                else:
                    self.window.notify(self.tr("{done} (Undo takes it back)").format(done=done))

        def failed(exc: Exception) -> None:
            if isinstance(exc, DraftError):
                self.window.notify(str(exc))
            else:
                self.window.error(self.tr("The section could not be written"), str(exc))

        def ended() -> None:
            self._end()
            self.redone.emit(applied)

        self._jobs.run(
            job,
            on_event=progress,
            on_result=finished,
            on_cancelled=lambda: self.window.notify(cancelled),
            on_error=failed,
            on_done=ended,
        )
        return True
