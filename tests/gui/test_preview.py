"""View → Markdown Preview: beside the text, rendered, following typing and tabs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from writer_app.config import Settings
from writer_app.ui.main_window import MainWindow
from writer_app.ui.preview import NO_PREVIEW_CODE, PREVIEW_DELAY_MS


@pytest.fixture
def window(make_window) -> MainWindow:
    settings = Settings()
    settings.editor.suggestions = False
    return make_window(settings)


def _first_heading(window: MainWindow) -> tuple[int, str]:
    block = window.previewing.view.document().firstBlock()
    return block.blockFormat().headingLevel(), block.text()


def test_the_view_menu_shows_the_preview_beside_the_text(window: MainWindow, qtbot) -> None:
    action = window.actions_by_name["preview"]
    assert action in window.view_menu.actions() and not action.isChecked()
    assert not window.previewing.shown
    action.trigger()
    dock = window.previewing.dock
    assert dock.isVisible() and action.isChecked()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert dock.geometry().left() >= window.tabs.geometry().right()  # side by side
    action.trigger()
    assert not dock.isVisible() and not action.isChecked()


def test_it_follows_typing_after_a_pause(window: MainWindow, qtbot) -> None:
    window.previewing.set_shown(True)
    renders = window.previewing.renders
    qtbot.keyClicks(window.editor, "# Keeping bees")
    assert window.previewing.renders == renders  # not on every key
    qtbot.waitUntil(lambda: _first_heading(window) == (1, "Keeping bees"), timeout=5_000)
    assert window.previewing.renders == renders + 1
    for _ in range(2):
        qtbot.keyClick(window.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(window.editor, "Some **honey**")
    qtbot.wait(PREVIEW_DELAY_MS // 3)
    assert "honey" not in window.previewing.view.toPlainText()
    qtbot.waitUntil(lambda: "Some honey" in window.previewing.view.toPlainText(), timeout=5_000)
    assert "**" not in window.previewing.view.toPlainText()


def test_it_follows_the_tab_in_front(window: MainWindow, tmp_path: Path, qtbot) -> None:
    window.editor.setPlainText("# First\n")
    window.previewing.set_shown(True)
    assert _first_heading(window) == (1, "First")
    second = window.new_tab()
    second.editor.setPlainText("## Second\n")
    qtbot.waitUntil(lambda: _first_heading(window) == (2, "Second"), timeout=5_000)
    window.tabs.setCurrentIndex(0)
    assert _first_heading(window) == (1, "First")
    code = tmp_path / "tool.py"
    code.write_text("# a comment, not a heading\n", encoding="utf-8")
    assert window.open_path(code)
    qtbot.waitUntil(lambda: window.previewing.view.toPlainText() == NO_PREVIEW_CODE, timeout=5_000)


def test_closing_the_dock_unchecks_the_action(window: MainWindow, qtbot) -> None:
    window.actions_by_name["preview"].trigger()
    window.previewing.dock.close()
    assert not window.actions_by_name["preview"].isChecked()
