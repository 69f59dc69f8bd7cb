"""Tabs, recent files, files changed on disk, autosave and recovery, encodings, large files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from writer_app import paths
from writer_app.config import Settings
from writer_app.documents import TextFormat
from writer_app.recovery import RecoveryStore
from writer_app.ui.document_tab import LOAD_CHUNK_CHARS
from writer_app.ui.main_window import MainWindow


@pytest.fixture
def window(make_window) -> MainWindow:
    settings = Settings()
    settings.editor.autosave_seconds = 0.2
    return make_window(settings)


def _boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_files_open_in_tabs_once_each(window: MainWindow, tmp_path: Path, qtbot) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.md"
    a.write_text("alpha")
    b.write_text("# beta")
    assert window.open_path(a)  # into the blank first tab
    assert window.open_path(b)
    assert [t.title() for t in window.documents()] == ["a.txt", "b.md"]
    assert window.open_path(a)  # already open: shown, not opened twice
    assert window.tabs.count() == 2 and window.tab.title() == "a.txt"
    assert window.recent.paths()[:2] == [b.absolute(), a.absolute()]  # newest first


def test_closing_a_tab_with_unsaved_changes_asks(
    window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtbot.keyClicks(window.editor, "draft")
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    assert not window.close_tab(window.tab)
    assert window.editor.toPlainText() == "draft"
    assert window.close_tab(window.tab)
    assert window.tabs.count() == 1 and window.tab.is_blank()  # a fresh, empty document


def test_a_clean_document_follows_changes_on_disk(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("first version")
    window.open_path(path)
    time.sleep(0.01)
    tmp = tmp_path / "notes.txt.new"  # replaced atomically, as many programs save
    tmp.write_text("second version")
    os.replace(tmp, path)
    qtbot.waitUntil(lambda: window.editor.toPlainText() == "second version", timeout=5000)
    path.write_text("third version")  # and changed in place
    qtbot.waitUntil(lambda: window.editor.toPlainText() == "third version", timeout=5000)
    assert not window.tab.is_modified()


def test_a_dirty_document_is_never_silently_overwritten(
    window: MainWindow, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("on disk")
    window.open_path(path)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, " plus mine")
    path.write_text("changed by another program")
    qtbot.waitUntil(lambda: bool(_boxes(window)), timeout=5000)
    box = _boxes(window)[0]
    assert "changed by another program" in box.text()
    assert window.editor.toPlainText() == "on disk plus mine"  # nothing reloaded by itself
    keep = next(b for b in box.buttons() if b.text() == "Keep Mine")
    keep.click()
    # Saving now asks first; saying no leaves the other program's version alone.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not window.save()
    assert path.read_text() == "changed by another program"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    assert window.save()
    assert path.read_text() == "on disk plus mine"


def test_compare_shows_both_versions(window: MainWindow, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("line one\nline two\n")
    window.open_path(path)
    window.editor.setPlainText("line one\nline 2\n")
    dialog = window.compare_with_disk(window.tab)
    assert dialog is not None
    html = dialog.view.toPlainText()
    assert "-line two" in html and "+line 2" in html
    dialog.close()


def test_unsaved_work_is_copied_for_recovery_and_dropped_on_save(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    qtbot.keyClicks(window.editor, "words worth keeping")
    copies = lambda: list(paths.recovery_dir().glob("*.writer-recovery"))  # noqa: E731
    qtbot.waitUntil(lambda: len(copies()) == 1, timeout=5000)
    assert b"words worth keeping" in copies()[0].read_bytes()
    assert window._save_tab(window.tab, path=tmp_path / "kept.txt")
    qtbot.waitUntil(lambda: not copies(), timeout=5000)


def test_after_a_crash_the_next_start_offers_the_work_back(
    qtbot, assistant, tmp_path: Path
) -> None:
    original = tmp_path / "chapter.txt"
    original.write_text("the saved text")
    crashed = RecoveryStore(paths.recovery_dir())  # the session that did not end well
    crashed.save("doc1", "the saved text and more", path=original, fmt=TextFormat(),
                 title="chapter.txt")  # fmt: skip
    crashed.save("doc2", "an untitled note", path=None, fmt=TextFormat(), title="Untitled")
    if crashed._lock_fd is not None:  # it died: its lock is gone
        os.close(crashed._lock_fd)
    crashed._lock_fd = None
    w = MainWindow(assistant, Settings())
    w.show()
    dialog = w.offer_recovery()
    assert dialog is not None and dialog.list.count() == 2
    titles = {dialog.list.item(i).data(0x0100).title for i in range(2)}
    assert titles == {"chapter.txt", "Untitled"}
    while dialog.list.count():
        dialog.list.setCurrentRow(0)
        entry = dialog.current()
        assert entry is not None
        if entry.title == "chapter.txt":
            compare = dialog.compare_current()
            assert compare is not None and "+the saved text and more" in compare.view.toPlainText()
            compare.close()
        dialog.restore_current()
    restored = {t.title(): t for t in w.documents()}
    assert restored["chapter.txt"].text() == "the saved text and more"
    assert restored["chapter.txt"].is_modified() and restored["chapter.txt"].path == original
    assert restored["Untitled"].text() == "an untitled note"
    assert RecoveryStore(paths.recovery_dir()).entries() == []  # offered once, not again
    for tab in w.documents():
        tab.editor.document().setModified(False)
    w.close()


def test_encodings_and_line_endings_can_be_changed(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("café crème\r\n".encode("cp1252"))
    window.open_path(path)
    assert window.format_button.text() == "Windows-1252 · CRLF"
    window.save_with_encoding("utf-8")
    assert path.read_bytes() == "café crème\r\n".encode()
    window.set_line_endings("\n")
    assert window.save()
    assert path.read_bytes() == "café crème\n".encode()
    assert window.format_button.text() == "UTF-8 · LF"


def test_a_file_that_does_not_decode_asks_for_an_encoding(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.txt"
    path.write_bytes(b"\xef\xbb\xbfgood start \xe9t\xe9")  # a UTF-8 mark, then Latin-1 bytes
    asked = []

    def choose(*args, **kwargs):
        asked.append(args[2])
        return "Windows-1252", True

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    assert not window.open_path(path)
    assert asked and "byte" in asked[0]
    assert window.editor.toPlainText().endswith("good start été")
    assert "\ufffd" not in window.editor.toPlainText()  # nothing silently replaced


def test_a_large_file_opens_without_freezing(window: MainWindow, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "big.txt"
    line = "All work and no play makes a long file. " * 3 + "\n"
    path.write_text(line * (12 * 2**20 // len(line)))
    expected = path.read_text()
    started = time.perf_counter()
    assert window.open_path(path)
    assert time.perf_counter() - started < 5  # the first chunk only; the rest follows
    tab = window.tab
    assert tab.loading and len(tab.text()) == LOAD_CHUNK_CHARS
    with qtbot.waitSignal(tab.loaded, timeout=60_000):
        pass
    assert tab.text() == expected and not tab.is_modified()
    words = f"{len(expected.split()):,} words"  # counted on a thread for a file this size
    qtbot.waitUntil(lambda: window.words_label.text() == words, timeout=10_000)


def test_non_breaking_spaces_survive_open_and_save(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    path = tmp_path / "fr.txt"
    data = "Il a dit\u00a0: «\u00a0bonjour\u00a0».\n".encode()
    path.write_bytes(data)
    window.open_path(path)
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, "x")
    qtbot.keyClick(window.editor, Qt.Key.Key_Backspace)
    assert window.save()
    assert path.read_bytes() == data
