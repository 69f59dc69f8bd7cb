"""A stateful property test: whatever mix of typing, deleting, pasting, undo, redo, saving,
reloading and (late) suggestions happens, the editor's text equals a plain-Python model."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from PySide6.QtGui import QTextCursor

from writer_app.documents import read_document, write_document
from writer_app.ui.editor import GhostTextEditor, Session

# What people type: letters, marks, digits, punctuation, symbols, spaces and line breaks in
# any script (Qt drops Unicode noncharacters such as U+FFFE, which nobody types).
TEXT = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]) | st.just("\n"),
    min_size=1,
    max_size=12,
)


def u16(text: str, index: int) -> int:
    """Qt's position (UTF-16 code units) of a Python string index."""
    return len(text[:index].encode("utf-16-le")) // 2


def py_index(text: str, position: int) -> int:
    """The Python string index of a Qt position."""
    for i in range(len(text) + 1):
        if u16(text, i) >= position:
            return i
    return len(text)


class EditorModel(RuleBasedStateMachine):
    """The reference: a string, its undo and redo stacks, and the one suggestion on show."""

    @initialize()
    def setup(self) -> None:
        self.editor = GhostTextEditor()
        self.text = ""
        self.undo: list[str] = []
        self.redo: list[str] = []
        self.sessions: list[Session] = []
        self.offered: tuple[Session, str] | None = None  # the suggestion that should show
        self.folder = tempfile.TemporaryDirectory()
        self.file = Path(self.folder.name) / "doc.txt"

    def teardown(self) -> None:
        self.editor.deleteLater()
        self.folder.cleanup()

    def _edit(self, new_text: str) -> None:
        self.undo.append(self.text)
        self.redo.clear()
        self.text = new_text
        self.offered = None

    def _cursor_at(self, index: int) -> QTextCursor:
        cursor = self.editor.textCursor()
        cursor.setPosition(u16(self.text, min(index, len(self.text))))
        self.editor.setTextCursor(cursor)
        return cursor

    @rule(where=st.floats(0, 1), typed=TEXT)
    def type_or_paste(self, where: float, typed: str) -> None:
        at = round(where * len(self.text))
        cursor = self._cursor_at(at)
        cursor.beginEditBlock()
        cursor.insertText(typed)
        cursor.endEditBlock()
        self._edit(self.text[:at] + typed + self.text[at:])

    @precondition(lambda self: self.text)
    @rule(where=st.floats(0, 1), length=st.integers(1, 8))
    def delete(self, where: float, length: int) -> None:
        at = min(round(where * len(self.text)), len(self.text) - 1)
        end = min(len(self.text), at + length)
        cursor = self._cursor_at(at)
        cursor.setPosition(u16(self.text, end), QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        cursor.endEditBlock()
        self._edit(self.text[:at] + self.text[end:])

    @rule()
    def undo_one(self) -> None:
        self.editor.undo()
        if self.undo:
            self.redo.append(self.text)
            self.text = self.undo.pop()
            self.offered = None

    @rule()
    def redo_one(self) -> None:
        self.editor.redo()
        if self.redo:
            self.undo.append(self.text)
            self.text = self.redo.pop()
            self.offered = None

    @rule()
    def save_and_reload(self) -> None:
        write_document(self.file, self.editor.text())
        text, _fmt = read_document(self.file)
        self.editor.setPlainText(text)
        self.undo.clear()
        self.redo.clear()
        self.offered = None

    @rule(where=st.floats(0, 1))
    def ask_for_a_suggestion(self, where: float) -> None:
        self._cursor_at(round(where * len(self.text)))
        self.offered = None  # moving the cursor withdraws what was shown
        session = self.editor.start_session(explicit=True, context_tokens=256)
        if session is not None:
            self.sessions.append(session)

    @precondition(lambda self: self.sessions)
    @rule(which=st.integers(0, 100), suggestion=TEXT)
    def a_suggestion_arrives(self, which: int, suggestion: str) -> None:
        session = self.sessions[which % len(self.sessions)]
        self.editor.offer(session, [suggestion])
        current = self.editor.session is session and session.revision == self.editor.revision
        if current and session.position == self.editor.textCursor().position():
            self.offered = (session, suggestion)

    @rule()
    def accept(self) -> None:
        self.editor.accept_suggestion()
        if self.offered is not None:
            session, suggestion = self.offered
            at = py_index(self.text, session.position)
            self._edit(self.text[:at] + suggestion + self.text[at:])

    @invariant()
    def the_text_is_the_models(self) -> None:
        assert self.editor.text() == self.text

    @invariant()
    def only_the_current_suggestion_shows(self) -> None:
        expected = self.offered[1] if self.offered is not None else ""
        assert self.editor.ghost_text() == expected


def test_editor_matches_the_reference_model(qapp) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        EditorModel, settings=settings(max_examples=60, stateful_step_count=40, deadline=None)
    )
