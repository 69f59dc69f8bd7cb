"""Summarize in the window: a new tab with the summary, or a message saying why not."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMenu, QMessageBox

from writer_app.config import Model, Settings
from writer_app.ui.main_window import MainWindow

ARTICLE = (
    "The Harbour Street library in Dunmore will close for repairs from 3 March. The roof "
    "leaks over the children's section, and the council found damp in the walls. During the "
    "repairs, the library's books move to the community hall on Bridge Road. Librarian Aoife "
    "Brennan says the library should reopen in September, with a new roof."
)


def _boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


@pytest.fixture
def tiny_window(make_window, assistant, tiny_model_dir: Path, run_async, tmp_path: Path):
    run_async(assistant.load(Model(model=str(tiny_model_dir), device="cpu")).result())
    settings = Settings()
    settings.editor.suggestions = False
    # Feature sections are added at runtime; mypy lets them be read, not assigned.
    cast(Any, settings).summarize = type(settings.summarize)(max_new_tokens=6)
    return make_window(settings, settings_path=tmp_path / "settings.toml")


def test_the_action_is_declared_once_with_its_shortcut_in_the_menu_and_key_list(
    tiny_window: MainWindow,
) -> None:
    action = tiny_window.actions_by_name["summarize"]
    assert action.shortcut().toString() == "Ctrl+Shift+M"
    assert ("Ctrl+Shift+M", action.toolTip()) in tiny_window.key_bindings()
    menus = {a.text(): a.menu() for a in tiny_window.menuBar().actions()}
    suggestions = menus["&Suggestions"]
    assert isinstance(suggestions, QMenu)
    assert action in suggestions.actions()


def test_a_summary_the_checks_refuse_is_not_left_in_a_tab(tiny_window: MainWindow, qtbot) -> None:
    tiny_window.editor.setPlainText(ARTICLE)
    with qtbot.waitSignal(tiny_window.summarizing.finished, timeout=60_000) as finished:
        tab = tiny_window.summarizing.start()
        assert tab is not None and tab is tiny_window.tab and tab.editor.isReadOnly()
        assert tiny_window.summarizing.bar is not None
    assert finished.args == [None]
    assert len(tiny_window.documents()) == 1  # the summary's tab was closed
    assert tiny_window.editor.text() == ARTICLE  # the source is untouched
    (box,) = _boxes(tiny_window)
    assert "could not summarize this well" in box.text()


def test_nothing_to_summarize_says_so(tiny_window: MainWindow) -> None:
    assert tiny_window.summarizing.start() is None
    assert "no text to summarize" in tiny_window.statusBar().currentMessage()
    assert len(tiny_window.documents()) == 1


@pytest.mark.real_model
def test_the_selection_is_summarized_into_a_new_tab(
    make_window, assistant, run_async, tmp_path: Path, qtbot
) -> None:
    run_async(assistant.load(Model(model="builtin", device="cpu")).result(), timeout=300)
    settings = Settings()
    settings.editor.suggestions = False
    window = make_window(settings, settings_path=tmp_path / "settings.toml")
    window.editor.setPlainText("Unrelated first line.\n\n" + ARTICLE)
    cursor = window.editor.textCursor()
    cursor.setPosition(len("Unrelated first line.\n\n"))
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)
    with qtbot.waitSignal(window.summarizing.finished, timeout=120_000) as finished:
        window.summarizing.start()
    summary = finished.args[0]
    assert summary is not None and summary.ok
    tab = window.tab
    assert len(window.documents()) == 2 and not tab.editor.isReadOnly()
    text = tab.editor.toPlainText()
    assert text == summary.text and "library" in text.lower()
    assert len(text.split()) < len(ARTICLE.split())
    tab.editor.undo()  # the summary is where the new document's undo history starts
    assert tab.editor.toPlainText() == text
