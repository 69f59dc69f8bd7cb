"""The find and replace bar under the editor (Ctrl+F, Ctrl+H, F3, Shift+F3).

Matches are found with a Python regular expression built from the literal query (case and
whole-word options), over the editor's raw text, so the count ("3 of 12") and the matches
selected always agree. Replace All is one undo step.
"""

from __future__ import annotations

import bisect
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from writer_app.ui.editor import PARAGRAPH_SEPARATOR, GhostTextEditor

MAX_MATCHES = 100_000  # counted beyond this as "100,000+"


def find_pattern(query: str, *, case: bool, whole_words: bool) -> re.Pattern[str]:
    """The regular expression for a literal query."""
    body = re.escape(query)
    if whole_words:
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body, 0 if case else re.IGNORECASE)


def _qt_offsets(text: str) -> list[int]:
    """Python indices of the characters outside the basic plane (Qt counts them twice)."""
    if text.isascii():
        return []
    return [i for i, c in enumerate(text) if ord(c) > 0xFFFF]


class FindBar(QWidget):
    """Search (and replace) in one editor, wrapping around the document."""

    def __init__(self, editor: QPlainTextEdit | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.query = QLineEdit(self)
        self.query.setPlaceholderText(self.tr("Find"))
        self.query.setClearButtonEnabled(True)
        self.case = QCheckBox(self.tr("Match case"), self)
        self.whole = QCheckBox(self.tr("Whole words"), self)
        self.status = QLabel(self)
        previous = _button(self, self.tr("Previous"), self.tr("Find previous (Shift+F3)"))
        following = _button(self, self.tr("Next"), self.tr("Find next (F3)"))
        close = _button(self, "✕", self.tr("Close (Esc)"))
        self.replacement = QLineEdit(self)
        self.replacement.setPlaceholderText(self.tr("Replace with"))
        self.replace_button = _button(
            self, self.tr("Replace"), self.tr("Replace this match and find the next")
        )
        self.replace_all_button = _button(
            self, self.tr("Replace All"), self.tr("Replace every match (one undo)")
        )
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        for column, w in enumerate((self.query, previous, following, self.case, self.whole)):
            grid.addWidget(w, 0, column)
        grid.addWidget(self.status, 0, 5)
        grid.setColumnStretch(6, 1)
        grid.addWidget(close, 0, 7)
        grid.addWidget(self.replacement, 1, 0)
        grid.addWidget(self.replace_button, 1, 1)
        grid.addWidget(self.replace_all_button, 1, 2, 1, 2)
        self._replace_row = (self.replacement, self.replace_button, self.replace_all_button)
        self.query.textEdited.connect(lambda: self.search(forward=True, from_start=True))
        self.query.returnPressed.connect(lambda: self.search(forward=True))
        self.case.toggled.connect(lambda: self.search(forward=True, from_start=True))
        self.whole.toggled.connect(lambda: self.search(forward=True, from_start=True))
        previous.clicked.connect(lambda: self.search(forward=False))
        following.clicked.connect(lambda: self.search(forward=True))
        self.replacement.returnPressed.connect(self.replace)
        self.replace_button.clicked.connect(self.replace)
        self.replace_all_button.clicked.connect(self.replace_all)
        close.clicked.connect(self.close_bar)
        self._show_replace(False)
        self.hide()

    def _show_replace(self, on: bool) -> None:
        for w in self._replace_row:
            w.setVisible(on)

    @property
    def replacing(self) -> bool:
        """The replace row is on show."""
        return not self.replacement.isHidden()

    def open_bar(self, replace: bool = False) -> None:
        if self.editor is None:
            return
        selected = self.editor.textCursor().selectedText()
        if selected and PARAGRAPH_SEPARATOR not in selected:
            self.query.setText(selected)
        self._show_replace(replace)
        self.show()
        field = self.replacement if replace and self.query.text() else self.query
        field.setFocus()
        field.selectAll()
        self._count()

    def close_bar(self) -> None:
        self.hide()
        if self.editor is not None:
            self.editor.setFocus()

    # ------------------------------------------------------------ matching

    def matches(self) -> list[tuple[int, int]]:
        """Every match in the editor, as Qt positions (start, end), in order."""
        query = self.query.text()
        if not query or self.editor is None:
            return []
        text = _raw_text(self.editor)
        case, whole = self.case.isChecked(), self.whole.isChecked()
        pattern = find_pattern(query, case=case, whole_words=whole)
        astral = _qt_offsets(text)
        found = []
        for m in pattern.finditer(text):
            start, end = m.span()
            if astral:  # one more Qt position for each such character before
                start += bisect.bisect_left(astral, start)
                end += bisect.bisect_left(astral, end)
            found.append((start, end))
            if len(found) > MAX_MATCHES:
                break
        return found

    def _count(self) -> list[tuple[int, int]]:
        """Show how many matches there are (and which is selected); returns them."""
        found = self.matches()
        if not self.query.text() or self.editor is None:
            self.status.clear()
            return found
        if not found:
            self.status.setText(self.tr("Not found"))
            return found
        cursor = self.editor.textCursor()
        here = (cursor.selectionStart(), cursor.selectionEnd())
        total = f"{MAX_MATCHES:,}+" if len(found) > MAX_MATCHES else f"{len(found):,}"
        index = bisect.bisect_left(found, here)
        if index < len(found) and found[index] == here:
            self.status.setText(
                self.tr("{index} of {total}").format(index=f"{index + 1:,}", total=total)
            )
        elif len(found) == 1:
            self.status.setText(self.tr("{total} match").format(total=total))
        else:
            self.status.setText(self.tr("{total} matches").format(total=total))
        return found

    def search(self, *, forward: bool = True, from_start: bool = False) -> bool:
        """Select the next match; wraps around the end. Returns whether anything was found."""
        found = self.matches()
        if not found or self.editor is None:
            self._count()
            return False
        cursor = self.editor.textCursor()
        if forward:
            origin = cursor.selectionStart() if from_start else cursor.selectionEnd()
            index = bisect.bisect_left(found, (origin, -1))
            if index == len(found):
                index = 0  # wrap around
        else:
            origin = cursor.selectionStart()
            index = bisect.bisect_left(found, (origin, -1)) - 1  # -1 wraps to the last
        self._select(*found[index % len(found)])
        self._count()
        return True

    def _select(self, start: int, end: int) -> None:
        assert self.editor is not None
        cursor = self.editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)

    # ----------------------------------------------------------- replacing

    def _can_edit(self) -> bool:
        return self.editor is not None and not self.editor.isReadOnly()

    def replace(self) -> bool:
        """Replace the selected match (one undo step) and select the next one; with no match
        selected, select the next one first. Returns whether a match was replaced."""
        if not self._can_edit():
            return False
        assert self.editor is not None
        cursor = self.editor.textCursor()
        here = (cursor.selectionStart(), cursor.selectionEnd())
        if here not in set(self.matches()):
            self.search(forward=True, from_start=True)
            return False
        if isinstance(self.editor, GhostTextEditor):
            self.editor.end_session()
        cursor.beginEditBlock()
        cursor.insertText(self.replacement.text())
        cursor.endEditBlock()
        self.editor.setTextCursor(cursor)
        if not self.search(forward=True):
            self.status.setText(self.tr("Replaced the last match"))
        return True

    def replace_all(self) -> int:
        """Replace every match, as one undo step; returns how many were replaced."""
        found = self.matches()[:MAX_MATCHES]
        if not found or not self._can_edit():
            self._count()
            return 0
        assert self.editor is not None
        if isinstance(self.editor, GhostTextEditor):
            self.editor.end_session()
        new = self.replacement.text()
        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        for start, end in reversed(found):  # from the end: earlier positions stay valid
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(new)
        cursor.endEditBlock()
        self.status.setText(self.tr("Replaced {count}").format(count=f"{len(found):,}"))
        return len(found)

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


def _raw_text(editor: QPlainTextEdit) -> str:
    """The text with one character per Qt position ("\n" between blocks)."""
    return editor.document().toRawText().replace(PARAGRAPH_SEPARATOR, "\n")


def _button(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    return button
