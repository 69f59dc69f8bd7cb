"""The find bar under the editor (Ctrl+F, F3, Shift+F3)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)


class FindBar(QWidget):
    """Incremental search in one editor, wrapping around the document."""

    def __init__(self, editor: QPlainTextEdit | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Find")
        self.query.setClearButtonEnabled(True)
        self.case = QCheckBox("Match case", self)
        self.status = QLabel(self)
        previous = _button(self, "Previous", "Find previous (Shift+F3)")
        following = _button(self, "Next", "Find next (F3)")
        close = _button(self, "✕", "Close (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for w in (self.query, previous, following, self.case, self.status):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(close)
        self.query.textEdited.connect(lambda: self.search(forward=True, from_start=True))
        self.query.returnPressed.connect(lambda: self.search(forward=True))
        previous.clicked.connect(lambda: self.search(forward=False))
        following.clicked.connect(lambda: self.search(forward=True))
        close.clicked.connect(self.close_bar)
        self.hide()

    def open_bar(self) -> None:
        if self.editor is None:
            return
        selected = self.editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.query.setText(selected)
        self.show()
        self.query.setFocus()
        self.query.selectAll()

    def close_bar(self) -> None:
        self.hide()
        if self.editor is not None:
            self.editor.setFocus()

    def search(self, *, forward: bool = True, from_start: bool = False) -> bool:
        """Select the next match; wraps around the end. Returns whether anything was found."""
        text = self.query.text()
        if not text or self.editor is None:
            self.status.clear()
            return False
        flags = QTextDocument.FindFlag(0)
        if not forward:
            flags |= QTextDocument.FindFlag.FindBackward
        if self.case.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        cursor = self.editor.textCursor()
        if from_start:
            cursor.setPosition(cursor.selectionStart())
        doc = self.editor.document()
        found = doc.find(text, cursor, flags)
        if found.isNull():  # wrap around
            start = self.editor.textCursor()
            start.movePosition(start.MoveOperation.Start if forward else start.MoveOperation.End)
            found = doc.find(text, start, flags)
        if found.isNull():
            self.status.setText("Not found")
            return False
        self.status.clear()
        self.editor.setTextCursor(found)
        return True

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
            e.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.search(forward=False)
            return
        super().keyPressEvent(e)


def _button(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    return button
