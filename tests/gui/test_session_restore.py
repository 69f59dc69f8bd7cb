"""Session restore: the files, cursors, window and view of the last run come back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from writer_app import session
from writer_app.config import Settings
from writer_app.ui.main_window import MainWindow
from writer_app.ui.restore import capture, keep_session, restore_session


@pytest.fixture
def settings() -> Settings:
    s = Settings()
    s.editor.suggestions = False
    return s


def _put_cursor(window: MainWindow, position: int, anchor: int | None = None) -> None:
    cursor = window.editor.textCursor()
    cursor.setPosition(position if anchor is None else anchor)
    if anchor is not None:
        cursor.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(cursor)


def test_files_cursors_window_and_view_come_back(
    make_window, settings: Settings, tmp_path: Path, qtbot
) -> None:
    notes, tool = tmp_path / "notes.md", tmp_path / "tool.py"
    notes.write_text("# Notes\n\nBees make honey.\n", encoding="utf-8")
    tool.write_text("def f():\n    return 1\n", encoding="utf-8")
    first = make_window(settings)
    assert first.open_path(notes)
    _put_cursor(first, 14, anchor=9)  # "Bees " selected
    assert first.open_path(tool)
    _put_cursor(first, 12)
    first.new_tab().editor.setPlainText("never saved")  # crash recovery's business, not ours
    first.tabs.setCurrentIndex(0)
    first.resize(720, 530)
    first.previewing.set_shown(True)
    file = tmp_path / "state" / "session.json"
    keep_session(first, file)

    second = make_window(settings)
    assert [t.path for t in second.documents()] == [None]  # nothing restored unless asked
    assert restore_session(second, file) == []
    assert [t.path for t in second.documents()] == [notes, tool]
    assert second.tab.path == notes
    cursor = second.editor.textCursor()
    assert (cursor.anchor(), cursor.position()) == (9, 14)
    assert second.documents()[1].editor.textCursor().position() == 12
    assert (second.width(), second.height()) == (720, 530)
    assert second.previewing.shown and second.actions_by_name["preview"].isChecked()


def test_files_that_are_gone_are_named_and_the_rest_open(
    make_window, settings: Settings, tmp_path: Path, qtbot
) -> None:
    kept, gone = tmp_path / "kept.txt", tmp_path / "gone.txt"
    kept.write_text("short", encoding="utf-8")
    file = tmp_path / "session.json"
    session.save_session(
        file,
        session.Session(
            (session.OpenFile(str(gone), 3), session.OpenFile(str(kept), 999)), current=0
        ),
    )
    window = make_window(settings)
    assert restore_session(window, file) == [str(gone)]
    assert [t.path for t in window.documents()] == [kept]
    assert window.editor.textCursor().position() == len("short")  # kept within the text
    assert "gone.txt" in window.statusBar().currentMessage()


def test_a_damaged_session_starts_a_plain_window(
    make_window, settings: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "session.json"
    file.write_text("{damaged", encoding="utf-8")
    window = make_window(settings)
    assert restore_session(window, file) == []
    assert len(window.documents()) == 1 and window.tab.is_blank()


def test_untitled_and_unsaved_paths_are_not_kept(
    make_window, settings: Settings, tmp_path: Path
) -> None:
    window = make_window(settings)
    window.editor.setPlainText("draft")
    window.new_document_at(tmp_path / "later.md")  # a name, but no file yet
    assert capture(window).files == ()
