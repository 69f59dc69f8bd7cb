"""The ghost-text editor: showing, taking, cycling and dropping suggestions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from writer_app.ui.editor import GhostTextEditor, Session
from writer_app.ui.markdown import MarkdownHighlighter

START = "The river ran"


@pytest.fixture
def editor(qtbot, shown_editor: GhostTextEditor) -> GhostTextEditor:
    qtbot.keyClicks(shown_editor, START)
    return shown_editor


def _offer(editor: GhostTextEditor, *candidates: str) -> Session:
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    editor.offer(session, list(candidates))
    return session


def _preedit(editor: GhostTextEditor) -> str:
    return editor.textCursor().block().layout().preeditAreaText()


def test_ghost_is_shown_but_not_part_of_the_document(editor: GhostTextEditor) -> None:
    modified = editor.document().isModified()
    _offer(editor, " to the sea.")
    assert editor.ghost_text() == " to the sea."
    assert _preedit(editor) == " to the sea."
    assert editor.toPlainText() == START
    assert editor.document().isModified() == modified
    assert editor.textCursor().position() == len(START)


def test_tab_accepts_all_as_one_undo_step(editor: GhostTextEditor, qtbot) -> None:
    _offer(editor, " to the sea.")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + " to the sea."
    assert editor.ghost_text() == "" and _preedit(editor) == ""
    editor.undo()
    assert editor.toPlainText() == START
    editor.redo()
    assert editor.toPlainText() == START + " to the sea."


def test_tab_without_a_suggestion_types_a_tab(editor: GhostTextEditor, qtbot) -> None:
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + "\t"


def test_ctrl_right_accepts_word_by_word(editor: GhostTextEditor, qtbot) -> None:
    _offer(editor, " to the sea.")
    qtbot.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == START + " to"
    assert editor.ghost_text() == " the sea."
    qtbot.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == START + " to the sea."
    assert editor.ghost_text() == "" and editor.session is None
    editor.undo()
    assert editor.toPlainText() == START + " to the"


def test_escape_dismisses(editor: GhostTextEditor, qtbot) -> None:
    _offer(editor, " to the sea.")
    with qtbot.waitSignal(editor.sessionEnded):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.ghost_text() == "" and _preedit(editor) == ""
    assert editor.toPlainText() == START


def test_alt_brackets_cycle_alternatives(editor: GhostTextEditor, qtbot) -> None:
    seen = []
    editor.ghostChanged.connect(lambda i, n: seen.append((i, n)))
    _offer(editor, " to the sea.", " dry.", " to the sea.", " on.")
    assert editor.ghost_text() == " to the sea." and seen[-1] == (0, 3)
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, alt)
    assert editor.ghost_text() == " dry." and seen[-1] == (1, 3)
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, alt)
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, alt)
    assert editor.ghost_text() == " to the sea."
    qtbot.keyClick(editor, Qt.Key.Key_BracketLeft, alt)
    assert editor.ghost_text() == " on."
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + " on."


def test_typing_what_the_suggestion_predicts_keeps_the_rest(editor: GhostTextEditor, qtbot) -> None:
    session = _offer(editor, " to the sea.", " towards home.")
    ended = []
    editor.sessionEnded.connect(lambda: ended.append(True))
    qtbot.keyClicks(editor, " to")
    assert editor.session is session and not ended
    assert editor.ghost_text() == " the sea."
    # The other alternative still matches what was typed.
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
    assert editor.ghost_text() == "wards home."
    # Longer candidates streaming in for the same request still arrive.
    editor.offer(session, [" to the sea. It was", " towards home."])
    qtbot.keyClick(editor, Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.AltModifier)
    assert editor.ghost_text() == " the sea. It was"
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + " to the sea. It was"


def test_typing_something_else_ends_the_suggestion(editor: GhostTextEditor, qtbot) -> None:
    session = _offer(editor, " to the sea.")
    with qtbot.waitSignals([editor.sessionEnded, editor.edited]):
        qtbot.keyClicks(editor, "x")
    assert editor.session is None and editor.ghost_text() == ""
    # A late result for the old request is dropped, never shown or inserted.
    editor.offer(session, [" to the sea. And more"])
    assert editor.ghost_text() == "" and _preedit(editor) == ""
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + "x\t"


def test_results_for_an_older_revision_or_position_are_dropped(editor: GhostTextEditor) -> None:
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    editor.textCursor().insertText("!")  # programmatic edit: a new revision
    editor.offer(session, [" late"])
    assert editor.ghost_text() == ""
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    editor.setTextCursor(cursor)
    editor.offer(session, [" late"])
    assert editor.ghost_text() == "" and editor.session is None


def test_no_suggestion_with_a_selection(editor: GhostTextEditor) -> None:
    session = _offer(editor, " to the sea.")
    editor.selectAll()
    assert editor.session is None and editor.ghost_text() == ""
    editor.offer(session, [" to the sea."])
    assert editor.ghost_text() == ""
    assert editor.start_session(explicit=True, context_tokens=512) is None


def test_no_suggestion_while_an_input_method_composes(editor: GhostTextEditor) -> None:
    _offer(editor, " to the sea.")
    QApplication.sendEvent(editor, QInputMethodEvent("ni", []))
    assert editor.session is None and editor.ghost_text() == ""
    assert editor.start_session(explicit=True, context_tokens=512) is None
    commit = QInputMethodEvent()
    commit.setCommitString("你")
    QApplication.sendEvent(editor, commit)
    assert editor.toPlainText() == START + "你"
    assert editor.start_session(explicit=True, context_tokens=512) is not None


def test_automatic_suggestions_only_at_the_end_of_a_line(editor: GhostTextEditor) -> None:
    assert editor.start_session(explicit=False, context_tokens=512) is not None
    cursor = editor.textCursor()
    cursor.setPosition(3)
    editor.setTextCursor(cursor)
    assert editor.start_session(explicit=False, context_tokens=512) is None
    assert editor.start_session(explicit=True, context_tokens=512) is not None


def test_multi_line_suggestion(editor: GhostTextEditor, qtbot) -> None:
    _offer(editor, ".\n\nNext paragraph")
    assert _preedit(editor) == ".\u2028\u2028Next paragraph"
    assert editor.document().blockCount() == 1
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + ".\n\nNext paragraph"
    assert editor.document().blockCount() == 3


def test_ghost_keeps_and_restores_highlighting(editor: GhostTextEditor, qtbot) -> None:
    editor.setPlainText("# A **bold** title")
    editor.highlighter = MarkdownHighlighter(editor.document())
    editor.highlighter.rehighlight()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    layout = editor.textCursor().block().layout()
    before = [(r.start, r.length) for r in layout.formats()]
    assert before
    _offer(editor, " and more")
    n = len(" and more")
    during = [(r.start, r.length) for r in layout.formats()]
    assert (len("# A **bold** title"), n) in during  # the ghost's own range
    editor.dismiss()
    assert [(r.start, r.length) for r in layout.formats()] == before


def test_ghost_survives_an_edit_elsewhere_only_until_cleared(editor: GhostTextEditor) -> None:
    _offer(editor, " to the sea.")
    cursor = QTextCursor(editor.document())
    cursor.setPosition(0)
    cursor.insertText("Once, ")  # e.g. a paste through the context menu
    assert editor.session is None
    assert editor.textCursor().block().layout().preeditAreaText() == ""


def test_suggestions_live_on_in_highlighted_documents(editor: GhostTextEditor, qtbot) -> None:
    """Re-highlighting when the ghost is cleared is not an edit: the session survives."""
    editor.highlighter = MarkdownHighlighter(editor.document())
    editor.highlighter.rehighlight()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    edits: list[bool] = []
    editor.edited.connect(lambda: edits.append(True))
    revision = editor.revision
    session = _offer(editor, " to the")
    editor.offer(session, [" to the sea."])  # streaming: the ghost is redrawn
    assert editor.session is session and editor.ghost_text() == " to the sea."
    qtbot.keyClicks(editor, " to")  # typing through
    assert editor.session is session and editor.ghost_text() == " the sea."
    assert not edits and editor.revision == revision + 3
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == START + " to the sea."


def test_text_outside_the_basic_plane_does_not_shift_the_prompt(editor: GhostTextEditor) -> None:
    """Qt counts 😀 as two positions; the prompt must still end exactly at the cursor."""
    editor.setPlainText("I 😀 cats and 🐕 dogs")
    cursor = editor.textCursor()
    cursor.setPosition(len("I 😀 cats".encode("utf-16-le")) // 2)
    editor.setTextCursor(cursor)
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None and session.prefix == "I 😀 cats"
    editor.offer(session, [" 🐈 and"])
    assert editor.ghost_text() == " 🐈 and"
    layout = editor.textCursor().block().layout()
    ghost = [r for r in layout.formats() if r.start == session.position]
    assert ghost and ghost[0].length == len(" 🐈 and".encode("utf-16-le")) // 2
    editor.accept_suggestion()
    assert editor.toPlainText() == "I 😀 cats 🐈 and and 🐕 dogs"


def test_python_index_for_a_qt_position() -> None:
    from writer_app.ui.editor import py_index, utf16_len

    text = "a😀b"  # the emoji is two UTF-16 units
    assert utf16_len(text) == 4
    assert [py_index(text, p) for p in range(5)] == [0, 1, 2, 2, 3]
    assert py_index("plain", 3) == 3 and py_index("plain", 99) == 5


def test_alt_brackets_type_nothing_without_a_suggestion(editor: GhostTextEditor, qtbot) -> None:
    alt = Qt.KeyboardModifier.AltModifier
    for key in (Qt.Key.Key_BracketRight, Qt.Key.Key_BracketLeft):
        qtbot.keyClick(editor, key, alt)
    assert editor.toPlainText() == START
    _offer(editor, " to the sea.")  # one suggestion: nothing to cycle to, nothing typed
    qtbot.keyClick(editor, Qt.Key.Key_BracketRight, alt)
    assert editor.toPlainText() == START and editor.ghost_text() == " to the sea."
