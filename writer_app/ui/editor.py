"""The text editor with inline ghost-text suggestions.

Ghost text is drawn with the block layout's pre-edit area, the same mechanism input methods
use for text being composed: it flows and wraps with the real text, pushes the rest of the
line along, and is never part of the document, its undo stack or what is saved.

A suggestion belongs to a `Session`: the cursor position and document revision it was
requested for. Candidates are shown only while the document is still at that revision and
the cursor at that position. Typing the characters the suggestion predicts moves the
session along with the cursor; any other edit or cursor move ends it.

Undo works as in other editors: typing is undone a word at a time (a new step starts with
each word, after a pause of UNDO_PAUSE_S, and after any edit that was not typing), while an
AI edit is always exactly one step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, Qt, QTextBoundaryFinder, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextLayout,
)
from PySide6.QtWidgets import QApplication, QFrame, QPlainTextEdit, QWidget

from writer_app.tasks.continuation import context_start, distinct, next_word, wants_auto_suggestion

_LINE_SEPARATOR = "\u2028"  # breaks a line inside a block layout without a new block
PARAGRAPH_SEPARATOR = "\u2029"  # how Qt's raw text ends a block
TEXT_COLUMN_PX = 780  # prose reads best in a column, not across a wide screen
UNDO_PAUSE_S = 1.0  # typing after a pause this long is a new undo step
_clock = time.monotonic


@dataclass(eq=False)
class Session:
    """One suggestion request: where it was made, and what has come of it."""

    position: int
    revision: int
    prefix: str
    candidates: list[str] = field(default_factory=list)
    index: int = 0
    consumed: str = ""  # text typed or accepted from the suggestion since the request

    def options(self) -> list[str]:
        """What each distinct candidate still offers after what was already taken."""
        n = len(self.consumed)
        return [
            c[n:] for c in distinct(self.candidates) if c.startswith(self.consumed) and len(c) > n
        ]

    def current(self) -> str:
        options = self.options()
        return options[self.index % len(options)] if options else ""


class GhostTextEditor(QPlainTextEdit):
    """A plain-text editor that shows, and lets the user take, inline suggestions."""

    edited = Signal()  # the user changed the text in a way that ended the suggestion
    sessionEnded = Signal()  # the current suggestion is over: stop generating it
    ghostChanged = Signal(int, int)  # index of the shown alternative, how many there are

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._revision = 0
        self._session: Session | None = None
        self._own_edit = False
        self._restyling = False
        self._resizing = False
        self._composing = False
        self._held: Session | None = None  # the session an input method's composing hides
        self._ghost_anchor: QTextCursor | None = None
        self._ghost_base_formats: list[QTextLayout.FormatRange] = []
        self._ghost_shown = ""
        # Undo steps of typed text: (undo commands, revision) after the last typed key, that
        # key's last character and when it was typed.
        self._typing_mark: tuple[int, int] | None = None
        self._last_typed = ""
        self._last_typed_at = 0.0
        self.highlighter: QSyntaxHighlighter | None = None
        # Viewport margins (left, top, right, bottom) for a width; None: a centred text column.
        self.margins_for: Callable[[int], tuple[int, int, int, int]] | None = None
        self.setTabChangesFocus(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAutoFillBackground(True)
        self.refresh_colors()
        self.document().contentsChange.connect(self._on_contents_change)
        self.cursorPositionChanged.connect(self._on_cursor_moved)
        self.selectionChanged.connect(self._on_selection_changed)

    def refresh_colors(self) -> None:
        """Follow the application palette; the margins around the text column match it."""
        palette = QApplication.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Base))
        self.setPalette(palette)

    def resizeEvent(self, e: QResizeEvent) -> None:
        # Margins first: the base class lays the text out for the viewport's new width.
        # (setViewportMargins sends this widget a resize event of its own.) The width is the
        # widget's own: the event may be the viewport's, which the margins change. The left
        # edge of the column depends on nothing else (not on the scroll bar, which the right
        # margin makes room for), so the text never moves sideways at one width.
        width = self.width()
        bar = self.verticalScrollBar()
        scroll = bar.width() if bar.isVisible() else 0
        side = max(12, (width - TEXT_COLUMN_PX) // 2)
        margins = (side, 16, max(12, width - scroll - side - TEXT_COLUMN_PX), 16)
        if self.margins_for is not None:
            margins = self.margins_for(width)
        current = self.viewportMargins()
        now = (current.left(), current.top(), current.right(), current.bottom())
        if not self._resizing and now != margins:
            self._resizing = True
            try:
                self.setViewportMargins(*margins)
            finally:
                self._resizing = False
        super().resizeEvent(e)

    # ----------------------------------------------------------------- state

    @property
    def revision(self) -> int:
        """Bumped by every change to the document's text."""
        return self._revision

    @property
    def session(self) -> Session | None:
        return self._session

    def ghost_text(self) -> str:
        """The suggestion currently shown after the cursor ('' if none)."""
        return self._ghost_shown

    def text(self) -> str:
        """The document's text exactly as typed.

        (`toPlainText` turns non-breaking spaces into plain ones: saving that would change
        the file.)
        """
        return self.document().toRawText().replace(PARAGRAPH_SEPARATOR, "\n")

    def text_between(self, start: int, end: int) -> str:
        """The document's text between two positions (Qt's: UTF-16 code units)."""
        document = self.document()
        if 0 < start < end and "\udc00" <= document.characterAt(start) <= "\udfff":
            start += 1  # not half of a character outside the basic plane
        cursor = QTextCursor(document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return cursor.selectedText().replace(PARAGRAPH_SEPARATOR, "\n")

    def _session_valid(self) -> bool:
        return self._at_cursor(self._session) and not self._composing

    def _at_cursor(self, s: Session | None) -> bool:
        """Whether a session is still for this text and this cursor position."""
        cursor = self.textCursor()
        return (
            s is not None
            and s.revision == self._revision
            and cursor.position() == s.position
            and not cursor.hasSelection()
        )

    def set_highlighter(self, highlighter: QSyntaxHighlighter | None) -> None:
        """Use `highlighter` (already made for this document; None: none) in place of the
        current one, formatting the text at once; a suggestion on show stays."""
        self._clear_ghost()
        if self.highlighter is not None and self.highlighter is not highlighter:
            self.highlighter.setDocument(None)
        self.highlighter = highlighter
        if highlighter is not None:
            self._restyling = True
            try:
                highlighter.rehighlight()  # now, not later over the ghost's formats
            finally:
                self._restyling = False
        if self._session is not None:
            self._refresh_ghost()

    # -------------------------------------------------------------- sessions

    def start_session(self, *, explicit: bool, context_tokens: int) -> Session | None:
        """Begin a suggestion at the cursor, if one makes sense here; None if not."""
        cursor = self.textCursor()
        if cursor.hasSelection() or self._composing or self.isReadOnly():
            return None
        position = cursor.position()
        prefix = self.text_between(context_start(position, context_tokens), position)
        after = self.text_between(position, cursor.block().position() + cursor.block().length() - 1)
        if not prefix.strip():
            return None
        if not explicit and not wants_auto_suggestion(prefix, after):
            return None
        self.end_session()
        self._session = Session(position, self._revision, prefix)
        return self._session

    def offer(self, session: Session, candidates: list[str]) -> None:
        """New or longer candidates for a session; ignored unless it is still current."""
        if session is self._held and self._at_cursor(session):
            session.candidates = list(candidates)  # for when the composition ends
            return
        if session is not self._session or not self._session_valid():
            return
        session.candidates = list(candidates)
        self._refresh_ghost()

    def end_session(self) -> None:
        """Hide the suggestion and forget it."""
        self._clear_ghost()
        held, self._held = self._held, None
        if self._session is not None or held is not None:
            self._session = None
            self.ghostChanged.emit(0, 0)
            self.sessionEnded.emit()

    # --------------------------------------------------------------- actions

    def accept_suggestion(self) -> bool:
        """Insert the whole suggestion (one undo step)."""
        text = self.ghost_text()
        if not text or not self._session_valid():
            return False
        self._insert(text)
        self.end_session()
        self.edited.emit()
        return True

    def accept_word(self) -> bool:
        """Insert the suggestion's next word; the rest stays on offer."""
        text = self.ghost_text()
        session = self._session
        if not text or session is None or not self._session_valid():
            return False
        word = next_word(text, qt_word_end)
        self._insert(word)
        self._advance(session, word)
        return True

    def cycle(self, step: int) -> bool:
        """Show the next (step=1) or previous (step=-1) alternative."""
        session = self._session
        if session is None or not self._session_valid():
            return False
        count = len(session.options())
        if count < 2:
            return False
        session.index = (session.index + step) % count
        self._refresh_ghost()
        return True

    def dismiss(self) -> bool:
        had = bool(self.ghost_text())
        self.end_session()
        return had

    def _insert(self, text: str) -> None:
        self._clear_ghost()
        cursor = self.textCursor()
        self._own_edit = True
        try:
            cursor.beginEditBlock()
            cursor.insertText(text)
            cursor.endEditBlock()
            self.setTextCursor(cursor)
        finally:
            self._own_edit = False
        self.ensureCursorVisible()

    def _advance(self, session: Session, taken: str) -> None:
        """The user took `taken` from the suggestion: move the session along with the cursor."""
        session.consumed += taken
        session.position = self.textCursor().position()
        session.revision = self._revision
        options = session.options()
        if options:
            session.index %= len(options)
            self._refresh_ghost()
        else:
            self.end_session()
            self.edited.emit()

    # ---------------------------------------------------------------- events

    def _on_contents_change(self, _position: int, removed: int, added: int) -> None:
        if self._restyling:  # our own re-highlighting: formats changed, not the text
            return
        self._revision += 1
        if not self._own_edit and self._session is not None:
            self.end_session()
        if not self._own_edit:
            self.edited.emit()

    def _on_cursor_moved(self) -> None:
        s = self._session
        if not self._own_edit and s is not None and self.textCursor().position() != s.position:
            self.end_session()

    def _on_selection_changed(self) -> None:
        if self.textCursor().hasSelection():
            self.end_session()

    def event(self, e: QEvent) -> bool:
        # Keys that act on a visible suggestion must reach keyPressEvent, not a shortcut.
        if e.type() == QEvent.Type.ShortcutOverride and self.ghost_text():
            assert isinstance(e, QKeyEvent)
            if self._suggestion_key(e) is not None:
                e.accept()
                return True
        return super().event(e)

    @staticmethod
    def _suggestion_key(e: QKeyEvent) -> str | None:
        key, mods = e.key(), e.modifiers()
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if key == Qt.Key.Key_Tab and plain:
            return "accept"
        if key == Qt.Key.Key_Escape and plain:
            return "dismiss"
        if key == Qt.Key.Key_Right and mods == Qt.KeyboardModifier.ControlModifier:
            return "word"
        if (
            mods & Qt.KeyboardModifier.AltModifier
            and not mods & Qt.KeyboardModifier.ControlModifier
        ):
            if key == Qt.Key.Key_BracketRight:
                return "next"
            if key == Qt.Key.Key_BracketLeft:
                return "previous"
        return None

    def keyPressEvent(self, e: QKeyEvent) -> None:
        action = self._suggestion_key(e)
        if action in ("next", "previous"):  # never typed, even with nothing to cycle through
            if self.ghost_text():
                self.cycle(1 if action == "next" else -1)
            e.accept()
            return
        if self.ghost_text():
            handled = {
                "accept": self.accept_suggestion,
                "dismiss": self.dismiss,
                "word": self.accept_word,
            }.get(action or "", lambda: False)()
            if handled:
                e.accept()
                return
            typed = e.text()
            session = self._session
            if (
                session is not None
                and typed
                and typed.isprintable()
                and self.ghost_text().startswith(typed)
                and not e.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            ):
                self._type_through(e, session, typed)
                return
        # Clear the ghost before Qt edits the block; if the key changed nothing (a lone
        # modifier, say), the suggestion is still valid and comes back.
        self._clear_ghost()
        self._send_key(e)
        if self._session is not None:
            self._refresh_ghost()

    def _starts_undo_step(self, typed: str) -> bool:
        """Whether typing `typed` now begins a new undo step rather than joining the last."""
        state = (self.document().availableUndoSteps(), self._revision)
        return (
            state != self._typing_mark  # something else happened since the last typed key
            or _clock() - self._last_typed_at > UNDO_PAUSE_S
            or (self._last_typed.isspace() and not typed[0].isspace())  # a new word
        )

    def _send_key(self, e: QKeyEvent) -> None:
        """Let Qt handle a key; typed text gets undo steps a word (or a pause) long.

        Qt merges consecutive typing into one undo command; an edit block around the first
        key of a step keeps it from merging with what came before (the keys after it merge
        into it).
        """
        typed = e.text()
        command = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
        if not typed or not typed.isprintable() or e.modifiers() & command or self.isReadOnly():
            super().keyPressEvent(e)
            return
        if self._starts_undo_step(typed):
            cursor = QTextCursor(self.document())
            cursor.beginEditBlock()
            try:
                super().keyPressEvent(e)
            finally:
                cursor.endEditBlock()
        else:
            super().keyPressEvent(e)
        self._typing_mark = (self.document().availableUndoSteps(), self._revision)
        self._last_typed = typed[-1]
        self._last_typed_at = _clock()

    def _type_through(self, e: QKeyEvent, session: Session, typed: str) -> None:
        """The user typed what the suggestion predicted: keep the rest of it."""
        self._clear_ghost()
        before = self._revision
        self._own_edit = True
        try:
            self._send_key(e)
        finally:
            self._own_edit = False
        moved = self.textCursor().position() - session.position
        if self._revision != before and moved == utf16_len(typed):
            self._advance(session, typed)
        else:
            self.end_session()
            self.edited.emit()

    def inputMethodEvent(self, e: QInputMethodEvent) -> None:
        """Input methods compose text in the pre-edit area that ghost text uses: while one
        composes there is no suggestion (the current one is held back, hidden, and none is
        asked for). The text it commits is typing: where that is what the suggestion
        predicts, the rest of the suggestion comes back; otherwise the edit ends it (and a
        new one comes after the pause)."""
        commit = e.commitString()
        composing = bool(e.preeditString())
        changes_text = bool(commit) or e.replacementLength() != 0
        self._clear_ghost()
        if composing and not self._composing and self._session is not None:
            self._held, self._session = self._session, None
            self.ghostChanged.emit(0, 0)
        self._composing = composing
        held = self._held
        if not changes_text:
            # Only the pre-edit text changed: Qt reports it as a change of the block, but
            # the document's text is the same.
            self._restyling = True
            try:
                super().inputMethodEvent(e)
            finally:
                self._restyling = False
            if held is not None and not composing:  # composing was given up: it comes back
                self._held, self._session = None, held
                self._refresh_ghost()
            return
        if held is None or not self._at_cursor(held) or not held.current().startswith(commit):
            self.end_session()
            super().inputMethodEvent(e)  # an edit: `edited` follows
            return
        self._held, self._session = None, held
        before = self._revision
        self._own_edit = True
        try:
            super().inputMethodEvent(e)
        finally:
            self._own_edit = False
        moved = self.textCursor().position() - held.position
        if self._revision != before and moved == utf16_len(commit):
            self._advance(held, commit)
            if composing and self._session is held:  # the next composition has begun
                self._held, self._session = held, None
                self.ghostChanged.emit(0, 0)
        else:
            self.end_session()
            self.edited.emit()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        self.end_session()
        super().mousePressEvent(e)

    def focusOutEvent(self, e: QFocusEvent) -> None:
        # A suggestion is for the place you are typing; leaving the editor withdraws it.
        if e.reason() not in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.MenuBarFocusReason):
            self.end_session()
        super().focusOutEvent(e)

    # ---------------------------------------------------------------- ghost

    def _ghost_format(self) -> QTextCharFormat:
        fmt = QTextCharFormat()
        color = QColor(self.palette().color(QPalette.ColorRole.Text))
        color.setAlphaF(0.45)
        fmt.setForeground(color)
        return fmt

    def _refresh_ghost(self) -> None:
        session = self._session
        text = session.current() if session is not None and self._session_valid() else ""
        if text != self._ghost_shown:
            self._clear_ghost()
            if text:
                self._show_ghost(text)
        if session is not None:
            self.ghostChanged.emit(session.index, len(session.options()))

    def _show_ghost(self, text: str) -> None:
        cursor = self.textCursor()
        block = cursor.block()
        layout = block.layout()
        at = cursor.positionInBlock()
        shown = text.replace("\r\n", "\n").replace("\n", _LINE_SEPARATOR)
        n = utf16_len(shown)  # Qt measures text in UTF-16 code units
        base = list(layout.formats())
        ranges = []
        for r in base:  # make room for the ghost in the existing (e.g. highlighting) formats
            start, end = r.start, r.start + r.length
            if start >= at:
                ranges.append(_range(start + n, r.length, r.format))
            elif end > at:
                ranges.append(_range(start, at - start, r.format))
                ranges.append(_range(at + n, end - at, r.format))
            else:
                ranges.append(r)
        ranges.append(_range(at, n, self._ghost_format()))
        layout.setPreeditArea(at, shown)
        layout.setFormats(ranges)
        self._ghost_anchor = QTextCursor(cursor)
        self._ghost_base_formats = base
        self._ghost_shown = text
        self.document().markContentsDirty(block.position(), block.length())
        self.ensureCursorVisible()

    def _clear_ghost(self) -> None:
        anchor = self._ghost_anchor
        if anchor is None:
            return
        self._ghost_anchor = None
        self._ghost_shown = ""
        block = anchor.block()  # the cursor followed any edit, so this is the ghost's block
        if not block.isValid():
            return
        layout = block.layout()
        layout.setPreeditArea(-1, "")
        layout.setFormats(self._ghost_base_formats)
        self._ghost_base_formats = []
        if self.highlighter is not None:
            # The text may have changed under the ghost (e.g. a paste from the context menu):
            # let the highlighter format the block afresh. It reports this as a change.
            self._restyling = True
            try:
                self.highlighter.rehighlightBlock(block)
            finally:
                self._restyling = False
        self.document().markContentsDirty(block.position(), block.length())


def qt_word_end(text: str, start: int) -> int:
    """Where the word that starts at `start` (a Python index) ends, by Qt's word boundaries
    (Unicode's rules: Chinese goes a character at a time unless Qt has a dictionary)."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, text)
    finder.setPosition(utf16_len(text[:start]))
    end = finder.toNextBoundary()
    return len(text) if end < 0 else py_index(text, end)


def utf16_len(text: str) -> int:
    """The length of `text` as Qt counts it (characters outside the basic plane count twice)."""
    return len(text.encode("utf-16-le")) // 2


def py_index(text: str, utf16_position: int) -> int:
    """A Python index into `text` for a Qt (UTF-16) position in it."""
    if text.isascii():
        return min(utf16_position, len(text))
    count = 0
    for index, c in enumerate(text):
        if count >= utf16_position:
            return index
        count += 2 if ord(c) > 0xFFFF else 1
    return len(text)


def replace_range(editor: QPlainTextEdit, start: int, end: int, new: str) -> QTextCursor:
    """Replace the text between the Qt positions `start` and `end` with `new` as one undo
    step (an AI edit); the cursor is put after it. Returns that cursor."""
    if isinstance(editor, GhostTextEditor):
        editor.end_session()
    cursor = QTextCursor(editor.document())
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    cursor.beginEditBlock()
    cursor.insertText(new)
    cursor.endEditBlock()
    editor.setTextCursor(cursor)
    return cursor


def _range(start: int, length: int, fmt: QTextCharFormat) -> QTextLayout.FormatRange:
    r = QTextLayout.FormatRange()
    r.start, r.length, r.format = start, length, fmt
    return r
