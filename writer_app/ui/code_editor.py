"""Code mode for Python files: highlighting, line numbers, auto-indent and a monospace font.

`set_code_mode(editor, True)` turns an existing `GhostTextEditor` into a code editor and
`set_code_mode(editor, False)` turns it back, so a tab can change mode when its file is
renamed. Ghost-text suggestions keep working: keys that act on a visible suggestion (Tab,
Esc…) reach it first.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.editor import GhostTextEditor, py_index

PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
INDENT = "    "
CODE_HINT = QT_TRANSLATE_NOOP(
    "CodeMode",
    "Write Python. Pause at the end of a line for a suggestion (Tab accepts). Write a "
    "function's signature and docstring and press Ctrl+Shift+G for its body.",
)
_MONO_FAMILIES = ["DejaVu Sans Mono", "Noto Sans Mono", "Menlo", "Consolas", "Courier New"]

_LIGHT = {
    "keyword": "#0033b3",
    "builtin": "#7a3e9d",
    "string": "#067d17",
    "comment": "#8c8c8c",
    "number": "#1750eb",
    "decorator": "#9e880d",
    "definition": "#00627a",
}
_DARK = {
    "keyword": "#cc7832",
    "builtin": "#b389c5",
    "string": "#6a8759",
    "comment": "#808080",
    "number": "#6897bb",
    "decorator": "#bbb529",
    "definition": "#ffc66d",
}
_BUILTINS = frozenset(dir(builtins)) - frozenset(keyword.kwlist) | {"self", "cls"}
_WORDS = re.compile(r"[A-Za-z_]\w*")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) - {"_"}
_NUMBER = re.compile(
    r"\b(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|"
    r"(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)\b"
)
_DECORATOR = re.compile(r"^\s*(@[\w.]+)")
_DEFINITION = re.compile(r"\b(?:def|class)\s+([A-Za-z_]\w*)")
_STRING_START = re.compile(r"(?i:[rbuf]{0,2})('''|\"\"\"|'|\")")
_DEDENTING = re.compile(r"^\s*(?:return\b.*|pass|break|continue|raise\b.*)\s*$")


def _utf16_offsets(text: str) -> list[int] | None:
    """Qt counts UTF-16 code units: offsets for each index when the text needs them."""
    if all(ord(c) <= 0xFFFF for c in text):
        return None
    offsets = [0]
    for c in text:
        offsets.append(offsets[-1] + (2 if ord(c) > 0xFFFF else 1))
    return offsets


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, built-ins, strings (triple-quoted ones across lines), comments, numbers,
    decorators and the names of defined functions and classes."""

    # Block states: inside a triple-quoted string that continues on the next line.
    IN_SINGLE = 1  # '''
    IN_DOUBLE = 2  # """

    def __init__(self, document: QTextDocument, dark: bool | None = None) -> None:
        self.formats: dict[str, QTextCharFormat] = {}
        self.set_colors(_is_dark() if dark is None else dark)
        super().__init__(document)

    def set_colors(self, dark: bool) -> None:
        """Colours for a dark or a light background (re-highlight afterwards)."""
        for name, colour in (_DARK if dark else _LIGHT).items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if name in ("keyword", "definition"):
                fmt.setFontWeight(QFont.Weight.Bold)
            if name == "comment":
                fmt.setFontItalic(True)
            self.formats[name] = fmt

    def highlightBlock(self, text: str) -> None:
        offsets = _utf16_offsets(text)

        def paint(start: int, end: int, kind: str) -> None:
            if offsets is not None:
                start, end = offsets[start], offsets[end]
            self.setFormat(start, end - start, self.formats[kind])

        for match in _WORDS.finditer(text):
            word = match.group()
            if word in _KEYWORDS:
                paint(match.start(), match.end(), "keyword")
            elif word in _BUILTINS:
                paint(match.start(), match.end(), "builtin")
        for match in _NUMBER.finditer(text):
            paint(match.start(), match.end(), "number")
        decorator = _DECORATOR.match(text)
        if decorator:
            paint(decorator.start(1), decorator.end(1), "decorator")
        for match in _DEFINITION.finditer(text):
            paint(match.start(1), match.end(1), "definition")
        self._strings_and_comments(text, paint)

    def _strings_and_comments(self, text: str, paint: Callable[[int, int, str], None]) -> None:
        """Strings and comments last: they cover whatever the word rules found inside them."""
        self.setCurrentBlockState(0)
        i, n = 0, len(text)
        state = self.previousBlockState()
        if state in (self.IN_SINGLE, self.IN_DOUBLE):
            quote = "'''" if state == self.IN_SINGLE else '"""'
            end = _closing(text, 0, quote)
            if end < 0:
                paint(0, n, "string")
                self.setCurrentBlockState(state)
                return
            paint(0, end, "string")
            i = end
        while i < n:
            c = text[i]
            if c == "#":
                paint(i, n, "comment")
                return
            if c.isalnum() or c == "_":
                start = i
                while i < n and (text[i].isalnum() or text[i] == "_"):
                    i += 1
                match = _STRING_START.match(text, start)
                if match is None or match.start(1) != i:
                    continue  # a word, not the prefix of a string (r"…", b'…', f"…")
                i = start
            match = _STRING_START.match(text, i)
            if match is None:
                i += 1
                continue
            quote = match.group(1)
            end = _closing(text, match.end(), quote)
            if end < 0:
                paint(i, n, "string")
                if len(quote) == 3:
                    self.setCurrentBlockState(self.IN_SINGLE if quote == "'''" else self.IN_DOUBLE)
                return
            paint(i, end, "string")
            i = end


def _closing(text: str, start: int, quote: str) -> int:
    """The index just past the quote that closes a string opened before `start`; -1 if it
    does not close on this line."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2  # an escaped character (a quote after a backslash never ends a raw string)
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        i += 1
    return -1


def _is_dark() -> bool:
    return QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


class LineNumberArea(QWidget):
    """The gutter to the left of the text with the number of each line."""

    def __init__(self, editor: GhostTextEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def width_needed(self) -> int:
        digits = max(2, len(str(max(1, self.editor.blockCount()))))
        return 14 + self.editor.fontMetrics().horizontalAdvance("9") * digits

    def sizeHint(self) -> QSize:
        return QSize(self.width_needed(), 0)

    def first_number(self) -> int:
        """The number of the first line shown (for tests and the painter)."""
        return self.editor.firstVisibleBlock().blockNumber() + 1

    def paintEvent(self, event: QPaintEvent) -> None:
        editor = self.editor
        painter = QPainter(self)
        palette = editor.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        painter.setFont(editor.font())
        dim = QColor(palette.color(QPalette.ColorRole.Text))
        dim.setAlphaF(0.45)
        current = editor.textCursor().blockNumber()
        top_margin = editor.viewportMargins().top()
        block = editor.firstVisibleBlock()
        offset = editor.contentOffset()
        height = editor.fontMetrics().height()
        while block.isValid():
            top = editor.blockBoundingGeometry(block).translated(offset).top() + top_margin
            if top > event.rect().bottom():
                break
            if block.isVisible() and top + height >= event.rect().top():
                number = block.blockNumber()
                painter.setPen(palette.color(QPalette.ColorRole.Text) if number == current else dim)
                painter.drawText(
                    QRect(0, int(top), self.width() - 8, height),
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    str(number + 1),
                )
            block = block.next()
        painter.end()


class CodeMode(QObject):
    """What makes an editor a code editor; lives as a child of the editor."""

    def __init__(self, editor: GhostTextEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.gutter = LineNumberArea(editor)
        self._prose_font = QFont(editor.font())
        self._wrap = editor.lineWrapMode()
        self._prose_hint = editor.placeholderText()
        editor.setPlaceholderText(QCoreApplication.translate("CodeMode", CODE_HINT))
        self._restoring = False
        previous = editor.highlighter
        if previous is not None:  # e.g. Markdown, from the file's old name
            previous.setDocument(None)
        self.highlighter = PythonHighlighter(editor.document())
        editor.highlighter = self.highlighter
        editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        editor.margins_for = self._margins
        self._apply_font()
        editor.blockCountChanged.connect(self._update_margins)
        editor.updateRequest.connect(self._on_update_request)
        editor.cursorPositionChanged.connect(self._repaint_gutter)
        editor.installEventFilter(self)
        self._update_margins()
        self.gutter.show()

    def remove(self) -> None:
        """Back to a prose editor."""
        editor = self.editor
        editor.removeEventFilter(self)
        for signal, slot in (
            (editor.blockCountChanged, self._update_margins),
            (editor.updateRequest, self._on_update_request),
            (editor.cursorPositionChanged, self._repaint_gutter),
        ):
            signal.disconnect(slot)
        if editor.highlighter is self.highlighter:
            self.highlighter.setDocument(None)
            editor.highlighter = None
        editor.margins_for = None
        editor.setLineWrapMode(self._wrap)
        editor.setPlaceholderText(self._prose_hint)
        self._restoring = True
        try:
            editor.setFont(self._prose_font)
        finally:
            self._restoring = False
        self.gutter.hide()
        self.gutter.deleteLater()
        self.setParent(None)
        self.deleteLater()
        # Lay out again with the prose margins (the editor sets them when it is resized).
        QApplication.sendEvent(editor, QResizeEvent(editor.size(), editor.size()))

    # ---------------------------------------------------------------- look

    def _apply_font(self) -> None:
        """The editor's size in the system's monospace family."""
        mono = monospace_font(self.editor.font().pointSizeF())
        self._restoring = True
        try:
            self.editor.setFont(mono)
        finally:
            self._restoring = False
        self.editor.setTabStopDistance(4 * self.editor.fontMetrics().horizontalAdvance(" "))
        self._update_margins()

    def _margins(self, _width: int) -> tuple[int, int, int, int]:
        return (self.gutter.width_needed() + 6, 8, 12, 8)

    def _update_margins(self, *_args: object) -> None:
        left, top, right, bottom = self._margins(self.editor.width())
        self.editor.setViewportMargins(left, top, right, bottom)
        rect = self.editor.contentsRect()
        self.gutter.setGeometry(rect.left(), rect.top(), self.gutter.width_needed(), rect.height())
        self.gutter.update()

    def _repaint_gutter(self) -> None:
        self.gutter.update()

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    # ---------------------------------------------------------------- keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FontChange and not self._restoring:
            self._prose_font = QFont(self.editor.font())  # the settings changed the font
            self._apply_font()
        elif kind == QEvent.Type.Resize:
            self._update_margins()
        elif kind == QEvent.Type.PaletteChange:
            self.highlighter.set_colors(_is_dark())
            self.highlighter.rehighlight()
        elif kind == QEvent.Type.KeyPress and not self.editor.isReadOnly():
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        editor = self.editor
        key, mods = event.key(), event.modifiers()
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if editor.ghost_text() and key in (Qt.Key.Key_Tab, Qt.Key.Key_Escape):
            return False  # the suggestion's keys
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            self.new_line()
            return True
        if key == Qt.Key.Key_Tab and plain:
            self.indent()
            return True
        if key == Qt.Key.Key_Backtab:
            self.dedent()
            return True
        return False

    def new_line(self) -> None:
        """Enter: a new line with the indentation of this one, one level deeper after ":"
        (or an open bracket), one level shallower after return / pass / raise / break."""
        editor = self.editor
        editor.end_session()
        cursor = editor.textCursor()
        block = cursor.block().text()
        column = py_index(block, cursor.positionInBlock())
        before, after = block[:column], block[column:]
        indent = next_indent(before)
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        spaces = len(after) - len(after.lstrip(" \t"))
        if spaces:  # the rest of the line moves down without its leading blanks
            cursor.movePosition(
                QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, spaces
            )
            cursor.removeSelectedText()
        cursor.insertText("\n" + indent)
        cursor.endEditBlock()
        editor.setTextCursor(cursor)
        editor.ensureCursorVisible()

    def indent(self) -> None:
        """Tab: spaces to the next indentation stop, or indent the selected lines."""
        editor = self.editor
        cursor = editor.textCursor()
        if cursor.hasSelection() and "\u2029" in cursor.selectedText():
            self._shift_lines(+1)
            return
        editor.end_session()
        column = py_index(cursor.block().text(), cursor.positionInBlock())
        cursor.insertText(" " * (len(INDENT) - column % len(INDENT)))
        editor.setTextCursor(cursor)

    def dedent(self) -> None:
        """Shift+Tab: take one level of indentation off the line (or the selected lines)."""
        self._shift_lines(-1)

    def _shift_lines(self, step: int) -> None:
        editor = self.editor
        editor.end_session()
        cursor = editor.textCursor()
        document = editor.document()
        first = document.findBlock(cursor.selectionStart())
        last = document.findBlock(max(cursor.selectionStart(), cursor.selectionEnd() - 1))
        edit = QTextCursor(document)
        edit.beginEditBlock()
        block = first
        while block.isValid():
            text = block.text()
            edit.setPosition(block.position())
            if step > 0 and text.strip():
                edit.insertText(INDENT)
            elif step < 0:
                lead = len(text) - len(text.lstrip(" "))
                remove = 1 if text.startswith("\t") else min(lead, len(INDENT))
                edit.movePosition(
                    QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, remove
                )
                edit.removeSelectedText()
            if block == last:
                break
            block = block.next()
        edit.endEditBlock()


def monospace_font(point_size: float) -> QFont:
    """The system's fixed-pitch font, with well-known ones as fallbacks."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setFamilies([font.family(), *_MONO_FAMILIES])
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    if point_size > 0:
        font.setPointSizeF(point_size)
    return font


def next_indent(before: str) -> str:
    """The indentation for a new line typed after `before` (the line up to the cursor)."""
    indent = before[: len(before) - len(before.lstrip(" \t"))]
    unit = "\t" if indent.startswith("\t") else INDENT
    code = before.rstrip()
    if "#" in code and "'" not in code and '"' not in code:
        code = code.split("#", 1)[0].rstrip()
    if code.endswith((":", "(", "[", "{")):
        return indent + unit
    if _DEDENTING.match(code):
        return indent[: -len(unit)] if indent.endswith(unit) else indent
    return indent


def code_mode_of(editor: GhostTextEditor) -> CodeMode | None:
    """The editor's code mode, if it is on."""
    return next((c for c in editor.children() if isinstance(c, CodeMode)), None)


def set_code_mode(editor: GhostTextEditor, on: bool) -> CodeMode | None:
    """Turn code mode on or off (no change if it already is); returns it when on."""
    mode = code_mode_of(editor)
    if on and mode is None:
        mode = CodeMode(editor)
    elif not on and mode is not None:
        mode.remove()
        mode = None
    return mode


def is_code_path(suffix: str) -> bool:
    """Whether a file with this suffix opens in code mode."""
    return suffix.lower() in PYTHON_SUFFIXES
