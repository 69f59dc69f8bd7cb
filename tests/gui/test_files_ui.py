"""Files as a writer meets them: read-only folders, missing folders, the quit question for
several documents, file dialogs that remember where you were, and recovery copies that
follow the document back to its saved state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from read_only import folder_refuses_new_files

from writer_app import paths
from writer_app.config import Settings
from writer_app.ui.main_window import MainWindow


@pytest.fixture
def window(make_window) -> MainWindow:
    settings = Settings()
    settings.editor.autosave_seconds = 0.2
    return make_window(settings)


class _Dialogs:
    """Stands in for QFileDialog: records what was asked and answers with `answer`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: Path | None = None) -> None:
        self.asked: list[tuple[str, str, str]] = []
        self.answer = answer
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getOpenFileNames", self._open)

    def _save(self, _parent: Any, caption: str, start: str, filters: str) -> tuple[str, str]:
        self.asked.append((caption, start, filters))
        return (str(self.answer) if self.answer else "", "")

    def _open(self, _parent: Any, caption: str, start: str, filters: str) -> tuple[list, str]:
        self.asked.append((caption, start, filters))
        return ([str(self.answer)] if self.answer else [], "")


# ---------------------------------------------------------------- saving


def test_a_file_in_a_read_only_folder_is_saved_in_place_and_says_so(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first")
    assert window.open_path(path)
    folder_refuses_new_files(monkeypatch, tmp_path)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " and second")
    assert window.save()
    assert path.read_text() == "first and second"
    assert not window.tab.is_modified()
    message = window.statusBar().currentMessage()
    assert "Saved" in message and "read-only" in message and "in place" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_path_in_a_missing_folder_says_so_and_save_offers_save_as(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = tmp_path / "no-such-folder" / "story.md"
    window.new_document_at(wanted)
    assert "does not exist" in window.statusBar().currentMessage()
    qtbot.keyClicks(window.editor, "Once upon a time")
    dialogs = _Dialogs(monkeypatch, answer=tmp_path / "story.md")
    assert window.save()  # Ctrl+S: the folder is gone, so Save As asks where
    ((caption, start, _filters),) = dialogs.asked
    assert "does not exist" in caption and Path(start).name == "story.md"
    assert Path(start).parent.is_dir()
    assert (tmp_path / "story.md").read_text() == "Once upon a time"
    assert window.tab.path == tmp_path / "story.md"


# ---------------------------------------------------------------- quitting


def _answer_quit_question(
    monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton
) -> list[str]:
    asked: list[str] = []

    def exec_(box: QMessageBox) -> int:
        asked.append(f"{box.text()}\n{box.informativeText()}")
        pressed = box.button(button)
        assert pressed is not None
        asked.append(pressed.text())
        pressed.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: pytest.fail("asked once per document")
    )
    return asked


def _two_modified(window: MainWindow, tmp_path: Path, qtbot) -> tuple[Path, Path]:
    a, b = tmp_path / "a.txt", tmp_path / "b.md"
    a.write_text("alpha")
    b.write_text("beta")
    for path in (a, b):
        window.open_path(path)
        window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
        qtbot.keyClicks(window.editor, " changed")
    return a, b


def test_quitting_asks_once_for_all_modified_documents(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_modified(window, tmp_path, qtbot)
    asked = _answer_quit_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert len(asked) == 2 and "2 documents" in asked[0]
    assert str(a) in asked[0] and str(b) in asked[0]
    assert window.isVisible() and all(t.is_modified() for t in window.documents())


def test_save_all_saves_every_document_and_quits(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_modified(window, tmp_path, qtbot)
    window.new_document()
    window.editor.insertPlainText("# Fresh Ideas\n\nmore")
    dialogs = _Dialogs(monkeypatch, answer=tmp_path / "fresh.md")
    asked = _answer_quit_question(monkeypatch, QMessageBox.StandardButton.SaveAll)
    assert window.close()
    assert "3 documents" in asked[0]
    assert a.read_text() == "alpha changed" and b.read_text() == "beta changed"
    assert (tmp_path / "fresh.md").read_text() == "# Fresh Ideas\n\nmore"
    assert [Path(start).name for _c, start, _f in dialogs.asked] == ["Fresh Ideas.md"]


def test_discard_all_quits_without_saving(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_modified(window, tmp_path, qtbot)
    asked = _answer_quit_question(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.close()
    assert asked[1] == "Discard All"
    assert (a.read_text(), b.read_text()) == ("alpha", "beta")


# ---------------------------------------------------------------- file dialogs


def test_open_offers_python_files_and_starts_in_the_last_folder(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    script = folder / "tool.py"
    script.write_text("print('hi')\n")
    dialogs = _Dialogs(monkeypatch, answer=script)
    window.open_dialog()
    assert window.tab.path == script
    (_caption, _start, filters) = dialogs.asked[0]
    assert "Python (*.py" in filters and "*.py" in filters.split(";;")[0]
    window.new_document()  # untitled: the dialog starts where the last file was
    dialogs.answer = None
    window.open_dialog()
    assert Path(dialogs.asked[-1][1]) == folder


def test_save_as_proposes_the_title_in_the_last_folder(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = tmp_path / "earlier.txt"
    earlier.write_text("x")
    window.open_path(earlier)
    window.new_document()
    window.editor.insertPlainText("# A Trip to Rome: Notes?\n\n- flights")
    dialogs = _Dialogs(monkeypatch)
    assert not window.save_as()  # cancelled
    (_caption, start, _filters) = dialogs.asked[0]
    assert Path(start) == tmp_path / "A Trip to Rome Notes.md"
    window.new_document()
    dialogs.asked.clear()
    window.save_as()
    assert Path(dialogs.asked[0][1]).name == "Untitled.md"


# ---------------------------------------------------------------- recovery


def test_no_recovery_copy_once_edits_are_undone_back_to_the_saved_text(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    path = tmp_path / "kept.txt"
    path.write_text("saved text")
    window.open_path(path)
    copies = lambda: list(paths.recovery_dir().glob("*.writer-recovery"))  # noqa: E731
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " and an edit")
    qtbot.waitUntil(lambda: len(copies()) == 1, timeout=5000)
    while window.editor.document().isUndoAvailable():
        window.editor.undo()
    assert window.editor.toPlainText() == "saved text"
    assert not window.tab.is_modified()
    qtbot.waitUntil(lambda: not copies(), timeout=5000)
    qtbot.wait(400)  # longer than the autosave delay: no copy comes back
    assert not copies()
