"""Spell checking: red wavy underlines, suggestions in the context menu, off in code mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QMenu

from writer_app.config import Settings
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.main_window import MainWindow
from writer_app.ui.spell import SpellChecking, SpellOverlay, words_to_check


@pytest.fixture
def window(make_window, qtbot) -> MainWindow:
    settings = Settings()
    settings.editor.suggestions = False
    w = make_window(settings)
    qtbot.waitUntil(lambda: w.spelling.ready, timeout=20_000)
    return w


def _underlined(editor: GhostTextEditor) -> list[str]:
    overlay = editor.findChild(SpellOverlay)
    assert overlay is not None
    return [word for _a, _b, word in overlay.underlines()]


def _write(window: MainWindow, text: str) -> GhostTextEditor:
    editor = window.editor
    editor.setPlainText(text)
    editor.moveCursor(QTextCursor.MoveOperation.End)
    return editor


def _point_in(editor: GhostTextEditor, word: str) -> QPoint:
    cursor = QTextCursor(editor.document())
    cursor.setPosition(editor.text().index(word) + 1)
    return editor.cursorRect(cursor).center()


def _context_menu(window: MainWindow, at: QPoint) -> QMenu:
    editor = window.editor
    editor.customContextMenuRequested.emit(at)  # what a right click does
    menus = [m for m in editor.findChildren(QMenu) if m.isVisible()]
    assert len(menus) == 1
    return menus[0]


def _red_pixels(editor: GhostTextEditor) -> int:
    image = editor.grab().toImage()
    count = 0
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            c = QColor(image.pixel(x, y))
            if c.red() > 150 and c.green() < 110 and c.blue() < 110:
                count += 1
    return count


def test_what_is_checked_and_what_is_not() -> None:
    line = (
        "Teh NASA abc123 iPhone https://exampel.com/pathh see www.exampel.org, "
        "me@exampel.com, src/wrold.py, e.g. `codez` the writer’s wrold"
    )
    words = [w for _s, _e, w in words_to_check(line)]
    assert words == ["Teh", "see", "the", "writer’s", "wrold"]
    start, end, _w = words_to_check(line)[-1]
    assert line[start:end] == "wrold"
    assert [w for *_p, w in words_to_check("Ünïcödé 東京 naïve")] == ["Ünïcödé", "naïve"]


def test_unknown_words_get_a_red_wavy_underline(window: MainWindow, qtbot) -> None:
    editor = _write(window, "The qick brown fox jumps over the lazzy dog.\n")
    qtbot.waitUntil(lambda: _underlined(editor) == ["qick", "lazzy"], timeout=5_000)
    assert _red_pixels(editor) > 20
    editor.setPlainText("The quick brown fox jumps over the lazy dog.\n")
    qtbot.waitUntil(lambda: _underlined(editor) == [], timeout=5_000)
    assert _red_pixels(editor) == 0


def test_the_word_being_typed_is_not_underlined(window: MainWindow, qtbot) -> None:
    editor = window.editor
    qtbot.keyClicks(editor, "I like grene")
    assert _underlined(editor) == []  # still being typed: the cursor is at its end
    qtbot.keyClicks(editor, " tea")
    assert _underlined(editor) == ["grene"]


def test_no_spell_checking_in_code_mode(window: MainWindow, tmp_path: Path, qtbot) -> None:
    code = tmp_path / "tool.py"
    code.write_text("def fucntion(valeu):\n    return valeu  # teh result\n", encoding="utf-8")
    assert window.open_path(code)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    assert window.controller.code_mode
    assert _underlined(window.editor) == []
    assert _red_pixels(window.editor) == 0
    notes = tmp_path / "notes.md"
    notes.write_text("Nootes here\n\n```\nfoo = wrold()\n```\n", encoding="utf-8")
    assert window.open_path(notes)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.waitUntil(lambda: _underlined(window.editor) == ["Nootes"], timeout=5_000)


def test_suggestions_replace_the_word_in_one_undo_step(window: MainWindow, qtbot) -> None:
    editor = _write(window, "I recieve letters every day.")
    menu = _context_menu(window, _point_in(editor, "recieve"))
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "receive" and menu.actions()[0].font().bold()
    assert "Add “recieve” to Dictionary" in texts and "Ignore “recieve”" in texts
    assert "&Copy" in texts or any("Copy" in t for t in texts)  # the editor's usual menu
    menu.actions()[0].trigger()
    menu.close()
    assert editor.text() == "I receive letters every day."
    editor.undo()
    assert editor.text() == "I recieve letters every day."


def test_a_word_far_from_any_other_gets_its_suggestions_a_moment_later(
    window: MainWindow, qtbot
) -> None:
    editor = _write(window, "See you tommorow morning.")
    menu = _context_menu(window, _point_in(editor, "tommorow"))
    qtbot.waitUntil(lambda: "tomorrow" in [a.text() for a in menu.actions()], timeout=20_000)
    assert not [a for a in menu.actions() if a.text().startswith("Looking")]
    menu.close()


def test_a_correct_word_adds_nothing_to_the_menu(window: MainWindow, qtbot) -> None:
    editor = _write(window, "A perfectly good sentence.")
    menu = _context_menu(window, _point_in(editor, "perfectly"))
    assert not [a for a in menu.actions() if "Dictionary" in a.text()]
    menu.close()


def test_add_to_dictionary_is_remembered(window: MainWindow, tmp_path: Path, qtbot) -> None:
    editor = _write(window, "Zorblat and Quenya went home.")
    qtbot.waitUntil(lambda: _underlined(editor) == ["Zorblat", "Quenya"], timeout=5_000)
    menu = _context_menu(window, _point_in(editor, "Zorblat"))
    next(a for a in menu.actions() if a.text() == "Add “Zorblat” to Dictionary").trigger()
    menu.close()
    assert _underlined(editor) == ["Quenya"]
    assert window.spelling.words_file.read_text(encoding="utf-8") == "zorblat\n"
    assert window.spelling.words_file.stat().st_mode & 0o077 == 0
    menu = _context_menu(window, _point_in(editor, "Quenya"))
    next(a for a in menu.actions() if a.text() == "Ignore “Quenya”").trigger()
    menu.close()
    assert _underlined(editor) == []
    again = SpellChecking(window.tabs, window.spelling.words_file)
    assert again.knows("Zorblat") and not again.knows("Quenya")  # Ignore lasts a session


def test_check_spelling_can_be_turned_off(window: MainWindow, qtbot) -> None:
    editor = _write(window, "Wrogn words.")
    qtbot.waitUntil(lambda: _underlined(editor) == ["Wrogn"], timeout=5_000)
    action = window.actions_by_name["spelling"]
    assert action.isChecked() and action in window.view_menu.actions()
    action.trigger()
    assert not action.isChecked() and not window.spelling.enabled
    assert _underlined(editor) == []
    action.trigger()
    assert _underlined(editor) == ["Wrogn"]


def test_every_tab_is_checked(window: MainWindow, qtbot) -> None:
    first = window.editor
    second = window.new_tab().editor
    second.setPlainText("Anothr tab.")
    second.moveCursor(QTextCursor.MoveOperation.End)
    assert first is not second
    qtbot.waitUntil(lambda: _underlined(second) == ["Anothr"], timeout=5_000)


def test_spell_checking_is_a_setting_and_the_view_toggle_keeps_it(make_window, qtbot) -> None:
    from writer_app.config import Settings

    settings = Settings()
    settings.editor.spell_check = False
    w = make_window(settings)
    assert not w.spelling.enabled and not w.actions_by_name["spelling"].isChecked()
    w.actions_by_name["spelling"].trigger()
    assert w.spelling.enabled and w.settings.editor.spell_check  # saved as the setting
