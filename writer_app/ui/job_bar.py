"""A long job's bar above a document (what is being written, progress, Cancel), and the
way text streams into that document.

The draft and the summary write into a new tab as the model goes; the tab stays read-only
(and out of the undo history) until the job ends, so nothing the user types can collide
with it. (JobBar's text is translated in context "JobBar" explicitly: it has subclasses.)
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from writer_app.ui.editor import GhostTextEditor, utf16_len


class JobBar(QFrame):
    """Progress of a job writing into a document, with Cancel, above the editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton(QCoreApplication.translate("JobBar", "Cancel"))
        self.cancel_button.setToolTip(
            QCoreApplication.translate("JobBar", "Stop now and keep what was written")
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)

    def show_step(self, text: str, step: int, steps: int, label: str = "") -> None:
        """`text` with the progress at `step` of `steps` (the bar reads `label`)."""
        self.progress.setRange(0, steps)
        self.progress.setValue(step)
        self.progress.setFormat(
            label
            or QCoreApplication.translate("JobBar", "{step} of {steps}").format(
                step=step, steps=steps
            )
        )
        self.label.setText(text)

    def show_busy(self, text: str) -> None:
        self.progress.setRange(0, 0)
        self.label.setText(text)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def show_streaming(editor: GhostTextEditor, shown: str, text: str) -> str:
    """Make the editor, which holds `shown`, hold `text`, touching only what differs (the
    view follows the end if it was there). Returns `text`, what the editor now holds."""
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
