"""Generate code from docstring, in the window: run the job, preview the body, accept or reject.

Ctrl+Shift+G asks the assistant for the body of the function at the cursor. While the model
writes, a panel under the editor says which candidate it is on ("candidate 5 of 12"; Esc or
Cancel stops it). The proposal then appears in the panel with its status ("doctests pass",
"doctests failed: …", "not verified"); Tab or Accept puts it in place as one undo step, Esc or
Reject drops it. A proposal is never applied to a document that has changed since it was
asked for.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app.features.code import CodeResult, CodeTaskError, find_target
from writer_app.tasks.code import Edit, replace_body
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.code_editor import PythonHighlighter, monospace_font
from writer_app.ui.editor import GhostTextEditor, py_index, replace_range, utf16_len
from writer_app.ui.job_slot import JobSlot
from writer_app.ui.window_api import WindowApi

PREVIEW_LINES = 12  # the preview grows up to this many lines, then scrolls

STALE = QT_TRANSLATE_NOOP(
    "CodeGeneration",
    "The document has changed since this code was written, so it cannot be put in; "
    "press Ctrl+Shift+G to write it again.",
)


class CodePreview(QFrame):
    """The proposed body of one function, its status, and Accept / Next / Reject."""

    accepted = Signal()
    rejected = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code = QPlainTextEdit(self)
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.code.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.code.setFont(monospace_font(0))
        self.highlighter = PythonHighlighter(self.code.document())
        self.accept_button = QPushButton(self.tr("Accept (Tab)"), self)
        self.next_button = QPushButton(self.tr("Next Candidate"), self)
        self.reject_button = QPushButton(self.tr("Reject (Esc)"), self)
        for button in (self.accept_button, self.next_button, self.reject_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the editor
        self.accept_button.clicked.connect(self.accepted)
        self.reject_button.clicked.connect(self.rejected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.code)
        layout.addLayout(buttons)

    def show_body(self, title: str, body: str, status: str, *, more: bool) -> None:
        self.title.setText(title)
        self.code.setPlainText(body.rstrip("\n"))
        lines = min(PREVIEW_LINES, max(1, body.rstrip("\n").count("\n") + 1))
        height = self.code.fontMetrics().lineSpacing() * lines
        self.code.setFixedHeight(height + 2 * self.code.frameWidth() + 10)
        self.code.show()
        self.status.setText(status)
        self.accept_button.setEnabled(True)
        self.accept_button.show()
        self.next_button.setVisible(more)
        self.reject_button.setText(self.tr("Reject (Esc)"))
        self.show()

    def show_progress(self, title: str, message: str) -> None:
        """The model is writing: what it is on, and Cancel."""
        self._show_message(title, message, self.tr("Cancel (Esc)"))

    def show_problem(self, title: str, message: str) -> None:
        """Nothing to insert: say why."""
        self._show_message(title, message, self.tr("Close (Esc)"))

    def _show_message(self, title: str, message: str, dismiss: str) -> None:
        self.title.setText(title)
        self.code.clear()
        self.code.hide()
        self.status.setText(message)
        self.accept_button.hide()
        self.next_button.hide()
        self.reject_button.setText(dismiss)
        self.show()

    def mark_stale(self) -> None:
        self.status.setText(QCoreApplication.translate("CodeGeneration", STALE))
        self.accept_button.setEnabled(False)


class CodeGeneration(QObject):
    """Generate code from docstring for one editor: the running job and the proposal.

    `window` is the main window, seen through its narrow API.
    """

    def __init__(self, window: WindowApi, editor: GhostTextEditor, panel_parent: QWidget) -> None:
        super().__init__(editor)
        self.window = window
        self.editor = editor
        self.panel = CodePreview(panel_parent)
        self.panel.hide()
        layout = panel_parent.layout()
        if layout is not None:
            layout.addWidget(self.panel)
        self.panel.accepted.connect(self.accept)
        self.panel.rejected.connect(self.reject)
        self.panel.next_button.clicked.connect(self.next_candidate)
        self.result: CodeResult | None = None
        self.index = 0
        self._jobs = JobSlot()
        # A busy indicator of its own: status messages hide the bar's other widgets.
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(100)
        self.busy_bar.setTextVisible(False)
        window.add_status_widget(self.busy_bar)
        self.busy_bar.hide()
        self._closed = False  # the editor is gone (its tab was closed)
        editor.destroyed.connect(self._on_editor_destroyed)
        editor.installEventFilter(self)
        editor.edited.connect(self._on_edited)

    # --------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self._jobs.running

    @property
    def pending(self) -> bool:
        """A proposal is on show."""
        return self.result is not None and self.result.ok and self.panel.isVisible()

    def proposal(self) -> Edit | None:
        """The edit on show (the candidate chosen with Next), if any."""
        result = self.result
        if result is None or not result.ranked:
            return None
        return replace_body(result.source, result.target, result.ranked[self.index].body)

    def _say(self, message: str, ms: int = 8000) -> None:
        self.window.notify(message, ms)

    # -------------------------------------------------------------- start

    def start(self) -> bool:
        """Write the body of the function at the cursor; False (with a message) if it can't."""
        window = self.window
        if not window.require_model(self.tr("code")):
            return False
        source = self.editor.text()
        cursor = py_index(source, self.editor.textCursor().position())
        try:
            target = find_target(source, cursor)
        except CodeTaskError as exc:
            self.close_panel()
            self.panel.show_problem(self.tr("Generate code from docstring"), str(exc))
            self._say(str(exc))
            return False
        self.cancel()
        self.close_panel()
        # Tab and Esc come here before code mode's own Tab (which indents).
        self.editor.removeEventFilter(self)
        self.editor.installEventFilter(self)
        decoding = window.settings.decoding("code")
        job = window.assistant.generate_code(
            source,
            cursor,
            decoding,
            candidates=decoding.alternatives,
            verify=bool(getattr(decoding, "run_generated_code", False)),
        )
        self.busy_bar.show()
        name = target.name
        title = self.tr("Generate code from docstring: {name}()").format(name=name)
        writing = self.tr("Writing {name}() from its docstring…").format(name=name)
        self.panel.show_progress(title, writing)
        self._say(self.tr("{message} (Esc cancels)").format(message=writing), 0)

        def progress(message: str) -> None:
            if not self._closed and self.result is None:  # no other result on show
                self.panel.status.setText(message)
                self._say(self.tr("{message} (Esc cancels)").format(message=message), 0)

        def finished(result: CodeResult) -> None:
            if self._closed:
                return
            if self.editor.text() != source:
                self.close_panel()
                self._say(
                    self.tr(
                        "The document changed while {name}() was being written; nothing was "
                        "put in. Press Ctrl+Shift+G to write it again."
                    ).format(name=name),
                    10000,
                )
                return
            self.show_result(result)

        def failed(exc: Exception) -> None:
            if not self._closed:
                message = (
                    str(exc)
                    if isinstance(exc, CodeTaskError)
                    else self.tr("Code generation failed: {reason}").format(reason=exc)
                )
                self.panel.show_problem(title, message)
                self._say(message)  # no model, out of memory…

        def done() -> None:
            if not self._closed:
                self.busy_bar.hide()

        self._jobs.run(
            job,
            on_progress=progress,
            on_result=finished,
            on_cancelled=lambda: None if self._closed else self._cancelled(),
            on_error=failed,
            on_done=done,
        )
        return True

    def show_result(self, result: CodeResult) -> None:
        """Show what the model wrote: the best body, or why there is none."""
        self.result, self.index = result, 0
        title = self.tr("Generate code from docstring: {name}()").format(name=result.target.name)
        if not result.ok:
            self.panel.show_problem(title, result.message)
            self._say(result.message, 10000)
            return
        self._show_current()
        self._say(
            self.tr("{message} — Tab inserts it, Esc rejects it").format(message=result.message),
            10000,
        )

    def _show_current(self) -> None:
        result = self.result
        assert result is not None and result.ranked
        ranked = result.ranked[self.index]
        status = result.message if self.index == 0 else f"{result.target.name}(): {ranked.status}"
        if len(result.ranked) > 1:
            status = self.tr("{status}  (candidate {index} of {count})").format(
                status=status, index=self.index + 1, count=len(result.ranked)
            )
        title = self.tr("Proposed body for {name}()").format(name=result.target.name)
        self.panel.show_body(title, ranked.body, status, more=len(result.ranked) > 1)
        if self.editor.text() != result.source:
            self.panel.mark_stale()

    def next_candidate(self) -> None:
        if self.result is not None and len(self.result.ranked) > 1:
            self.index = (self.index + 1) % len(self.result.ranked)
            self._show_current()

    # ------------------------------------------------------------- answer

    def accept(self) -> bool:
        """Put the proposal in place (one undo step); refused if the document changed."""
        edit, result = self.proposal(), self.result
        if edit is None or result is None or not self.panel.isVisible():
            return False
        source = self.editor.text()
        if source != result.source:
            self.panel.mark_stale()
            self._say(QCoreApplication.translate("CodeGeneration", STALE), 10000)
            return False
        start = utf16_len(source[: edit.start])
        cursor = replace_range(self.editor, start, utf16_len(source[: edit.end]), edit.text)
        cursor.setPosition(start + utf16_len(edit.text.rstrip("\n")))
        self.editor.setTextCursor(cursor)
        self.editor.ensureCursorVisible()
        status = result.ranked[self.index].status
        self.close_panel()
        self._say(
            self.tr("Wrote the body of {name}() ({status})").format(
                name=result.target.name, status=status
            ),
            6000,
        )
        return True

    def reject(self) -> None:
        """Esc or Reject: stop the job that is running, or drop the proposal on show."""
        if self.busy:
            self.cancel()
            self._cancelled()
        elif self.panel.isVisible():
            proposed = self.result is not None and self.result.ok
            self.close_panel()
            if proposed:
                self._say(self.tr("Proposed code rejected"), 3000)

    def close_panel(self) -> None:
        self.result = None
        self.index = 0
        self.panel.hide()

    def cancel(self) -> None:
        """Stop a running job (its result is dropped)."""
        self._jobs.cancel()

    def _cancelled(self) -> None:
        self.busy_bar.hide()
        self.close_panel()
        self._say(self.tr("Code generation cancelled"), 4000)

    def _on_editor_destroyed(self, *_args: object) -> None:
        self._closed = True
        self.cancel()
        self.busy_bar.hide()
        self.busy_bar.deleteLater()

    def _on_edited(self) -> None:
        result = self.result
        visible = result is not None and result.ok and self.panel.isVisible()
        if visible and result is not None and self.editor.text() != result.source:
            self.panel.mark_stale()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        if (
            event.modifiers()
            not in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            or self.editor.ghost_text()
        ):
            return False  # a suggestion on show has these keys
        key = event.key()
        acts = (key == Qt.Key.Key_Escape and (self.busy or self.panel.isVisible())) or (
            key == Qt.Key.Key_Tab and self.pending and self.panel.accept_button.isEnabled()
        )
        if not acts:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the key comes to the editor, not to a shortcut
            return True
        if key == Qt.Key.Key_Tab:
            self.accept()
        else:
            self.reject()
        return True


def code_generation_for(window: WindowApi, tab: QWidget, editor: GhostTextEditor) -> CodeGeneration:
    """The tab's code generation (made on first use)."""
    found = next((c for c in editor.children() if isinstance(c, CodeGeneration)), None)
    return found if found is not None else CodeGeneration(window, editor, tab)
