"""What a writer expects of the editor itself: undo a word at a time, find and replace,
word counts (CJK and selections), line and column in code, a hint in an empty document,
Markdown guessed from the text, and a sign that a suggestion is on its way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from writer_app.config import Decoding, Settings
from writer_app.tasks.continuation import ContinuationRequest
from writer_app.ui import editor as editor_module
from writer_app.ui.continuation import SuggestionController
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.main_window import SUGGESTING, MainWindow
from writer_app.ui.markdown import MarkdownHighlighter
from writer_app.ui.word_count import count_words
from writer_app.worker import Job


@pytest.fixture
def editor(shown_editor: GhostTextEditor) -> GhostTextEditor:
    return shown_editor


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window(Settings())


def _undo_all(editor: GhostTextEditor) -> list[str]:
    seen = []
    while editor.document().isUndoAvailable():
        editor.undo()
        seen.append(editor.toPlainText())
    return seen


# ------------------------------------------------------------------ undo


def test_typing_is_undone_a_word_at_a_time(editor: GhostTextEditor, qtbot) -> None:
    qtbot.keyClicks(editor, "The river ran to the sea.")
    assert _undo_all(editor) == [
        "The river ran to the ",
        "The river ran to ",
        "The river ran ",
        "The river ",
        "The ",
        "",
    ]


def test_a_pause_in_typing_starts_a_new_undo_step(
    editor: GhostTextEditor, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(editor_module, "_clock", lambda: now[0])
    qtbot.keyClicks(editor, "inter")
    now[0] += editor_module.UNDO_PAUSE_S + 0.5
    qtbot.keyClicks(editor, "national")
    editor.undo()
    assert editor.toPlainText() == "inter"


def test_typing_after_an_accepted_suggestion_is_its_own_undo_step(
    editor: GhostTextEditor, qtbot
) -> None:
    qtbot.keyClicks(editor, "The river")
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    editor.offer(session, [" ran to the sea"])
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.keyClicks(editor, "s")
    assert editor.toPlainText() == "The river ran to the seas"
    editor.undo()
    assert editor.toPlainText() == "The river ran to the sea"
    editor.undo()  # the whole suggestion, as one step
    assert editor.toPlainText() == "The river"


# ------------------------------------------------------------ find and replace


def test_find_counts_matches_and_says_which_one_is_selected(window: MainWindow) -> None:
    window.editor.setPlainText("Cat cat catalogue. CAT! cat")
    bar = window.find_bar
    bar.open_bar()
    bar.query.setText("cat")
    assert bar.search(from_start=True)
    assert bar.status.text() == "1 of 5"
    assert bar.search()
    assert bar.status.text() == "2 of 5"
    bar.case.setChecked(True)  # searches again from the selection
    assert bar.status.text() == "1 of 3"
    bar.whole.setChecked(True)
    assert bar.status.text().endswith("of 2")
    bar.query.setText("dog")
    assert not bar.search()
    assert bar.status.text() == "Not found"


def test_find_counts_in_text_outside_the_basic_plane(window: MainWindow) -> None:
    window.editor.setPlainText("😀 cat 😀 cat")
    bar = window.find_bar
    bar.query.setText("cat")
    assert bar.search(from_start=True) and bar.search()
    assert window.editor.textCursor().selectedText() == "cat"
    assert bar.status.text() == "2 of 2"


def test_replace_one_then_all_as_a_single_undo_step(window: MainWindow, qtbot) -> None:
    editor = window.editor
    editor.setPlainText("colour, Colour and colourful colour")
    window.actions_by_name["replace"].trigger()
    bar = window.find_bar
    assert bar.isVisible() and bar.replacing
    bar.query.setText("colour")
    bar.whole.setChecked(True)
    bar.replacement.setText("color")
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    editor.setTextCursor(cursor)
    assert not bar.replace()  # the first press finds a match
    assert bar.status.text() == "1 of 3"
    assert bar.replace()  # the second replaces it and moves on
    assert editor.toPlainText() == "color, Colour and colourful colour"
    assert bar.status.text() == "1 of 2"
    assert bar.replace_all() == 2
    assert editor.toPlainText() == "color, color and colourful color"
    editor.undo()  # Replace All is one step
    assert editor.toPlainText() == "color, Colour and colourful colour"


def test_find_bar_without_replace(window: MainWindow) -> None:
    window.find_bar.open_bar()
    assert window.find_bar.isVisible() and not window.find_bar.replacing


# ------------------------------------------------------------ counts


def test_chinese_characters_count_as_words() -> None:
    chinese = "我们今天去公园散步，天气非常好，阳光明媚。孩子们在草地上玩耍，老人们在树下聊天。"
    assert count_words(chinese) == sum(1 for c in chinese if "\u4e00" <= c <= "\u9fff")
    assert count_words("東京タワーへ行きます") == 10
    assert count_words("Writer 支持中文 and English") == 7
    assert count_words("한국어 단어 세 개") == 4  # Korean is written with spaces
    assert count_words("One two, three-four don't") == 4


def test_status_bar_counts_chinese_and_the_selection(window: MainWindow, qtbot) -> None:
    window.editor.setPlainText("春眠不觉晓，处处闻啼鸟。")
    qtbot.waitUntil(lambda: window.words_label.text() == "10 words and characters", timeout=2000)
    window.editor.setPlainText("one two three four five")
    cursor = window.editor.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(7, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    qtbot.waitUntil(lambda: window.words_label.text() == "2 of 5 words", timeout=2000)
    cursor.clearSelection()
    window.editor.setTextCursor(cursor)
    qtbot.waitUntil(lambda: window.words_label.text() == "5 words", timeout=2000)


def test_line_and_column_in_code_mode(window: MainWindow, tmp_path: Path, qtbot) -> None:
    assert window.position_label.text() == ""  # prose: no line and column
    path = tmp_path / "tool.py"
    path.write_text("import os\n\ndef main():\n    pass\n")
    assert window.open_path(path)
    cursor = window.editor.textCursor()
    cursor.setPosition(len("import os\n\ndef main():\n    pa"))
    window.editor.setTextCursor(cursor)
    assert window.position_label.text() == "Ln 4, Col 7"
    window.new_document()
    assert window.position_label.text() == ""


# ------------------------------------------------------------ an empty document


def test_an_empty_document_says_how_to_get_help(window: MainWindow, tmp_path: Path) -> None:
    hint = window.editor.placeholderText()
    assert "Tab" in hint and "Ctrl+Shift+R" in hint and "Ctrl+Shift+D" in hint
    path = tmp_path / "tool.py"
    path.write_text("")
    window.open_path(path)
    assert "Ctrl+Shift+G" in window.editor.placeholderText()


def test_an_untitled_outline_gets_markdown_highlighting(window: MainWindow, qtbot) -> None:
    tab = window.tab
    qtbot.keyClicks(tab.editor, "A plain note")
    qtbot.wait(800)  # longer than the pause after which the text is looked at
    assert tab.editor.highlighter is None
    tab.editor.setPlainText("# Trip to Rome\n\n- flights\n- hotel\n")
    qtbot.waitUntil(lambda: isinstance(tab.editor.highlighter, MarkdownHighlighter), timeout=3000)
    tab.editor.setPlainText("Just prose again.")
    qtbot.waitUntil(lambda: tab.editor.highlighter is None, timeout=3000)


def test_a_suggestion_on_show_stays_grey_when_markdown_is_guessed(
    window: MainWindow, qtbot
) -> None:
    tab = window.tab
    editor = tab.editor
    editor.setPlainText("# Trip\n\n- flights\n- the hotel")
    assert tab.editor.highlighter is None  # (looked at only after a pause)
    editor.moveCursor(QTextCursor.MoveOperation.End)
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    editor.offer(session, [" by the sea"])
    end = len("- the hotel")
    layout = editor.textCursor().block().layout()
    revision = editor.revision
    qtbot.waitUntil(lambda: isinstance(editor.highlighter, MarkdownHighlighter), timeout=3000)
    qtbot.wait(50)  # (anything Qt still had queued)
    assert editor.session is session and editor.ghost_text() == " by the sea"
    assert editor.revision == revision  # formatting is not an edit
    ghost = [r for r in layout.formats() if (r.start, r.length) == (end, len(" by the sea"))]
    assert ghost and ghost[-1].format.foreground().color().alphaF() < 0.5
    assert any(r.start == 0 and r.format.fontWeight() > 500 for r in layout.formats())


def test_a_restored_untitled_outline_is_highlighted_at_once(window: MainWindow) -> None:
    tab = window.tab
    from writer_app.documents import TextFormat

    tab.set_content("# Outline\n\n- one\n- two\n", None, TextFormat(), modified=True)
    assert isinstance(tab.editor.highlighter, MarkdownHighlighter)


# ------------------------------------------------------------ a suggestion on its way


class _ManualSource:
    """A continuation source whose jobs the test finishes by hand."""

    ready = True

    def __init__(self) -> None:
        self.jobs: list[Job[Any]] = []

    def continue_text(
        self, request: ContinuationRequest, decoding: Decoding, context_tokens: int
    ) -> Job[Any]:
        job: Job[Any] = Job(lambda _ctx: None, None)
        self.jobs.append(job)
        return job


def _controller(editor: GhostTextEditor, source: _ManualSource) -> SuggestionController:
    settings = Settings()
    settings.editor.delay_ms = 10
    getter: Callable[[], Settings] = lambda: settings  # noqa: E731
    return SuggestionController(editor, source, getter)


def test_a_sign_shows_while_a_suggestion_is_prepared(editor: GhostTextEditor, qtbot, aio) -> None:
    source = _ManualSource()
    controller = _controller(editor, source)
    states: list[bool] = []
    controller.preparing.connect(states.append)
    qtbot.keyClicks(editor, "The river ran")
    qtbot.waitUntil(lambda: bool(source.jobs), timeout=3000)
    assert controller.is_preparing and states == [True]
    source.jobs[-1]._post([" to the sea."])
    qtbot.waitUntil(lambda: editor.ghost_text() == " to the sea.", timeout=3000)
    assert not controller.is_preparing and states == [True, False]
    # Typing something else drops the request: the sign goes with it.
    qtbot.keyClicks(editor, "!")
    qtbot.waitUntil(lambda: len(source.jobs) == 2, timeout=3000)
    assert controller.is_preparing
    source.jobs[-1]._finish(value=[])  # the model had nothing to offer
    qtbot.waitUntil(lambda: not controller.is_preparing, timeout=3000)
    assert states == [True, False, True, False]
    qtbot.keyClicks(editor, "?")
    qtbot.waitUntil(lambda: len(source.jobs) == 3, timeout=3000)
    controller.stop()
    assert not controller.is_preparing


def test_the_status_bar_shows_the_sign(window: MainWindow) -> None:
    controller = window.controller
    controller._set_preparing(True)
    assert window.ghost_label.text() == SUGGESTING
    controller._set_preparing(False)
    assert window.ghost_label.text() == ""


def test_ctrl_h_opens_find_and_replace_on_every_desktop(make_window, qtbot) -> None:
    """Ctrl+H, as the README and the find bar say (Qt's standard Replace key is Ctrl+R on
    some Linux desktops and none on others)."""
    from PySide6.QtCore import Qt

    from writer_app.config import Settings

    w = make_window(Settings())
    assert w.actions_by_name["replace"].shortcut().toString() == "Ctrl+H"
    w.activateWindow()  # shortcuts work in the active window
    qtbot.waitUntil(w.isActiveWindow)
    qtbot.keyClick(w.editor, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert w.find_bar.isVisible()
