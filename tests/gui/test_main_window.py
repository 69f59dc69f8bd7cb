"""The main window: documents, find, word count, model status and failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from writer_app.config import Settings
from writer_app.ui.main_window import MainWindow


@pytest.fixture
def window(make_window, tiny_model_dir: Path) -> MainWindow:
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.delay_ms = 30
    settings.editor.suggestion_length = "length"
    settings.continuation.max_new_tokens = 5
    return make_window(settings)


def _message_boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_model_loads_in_the_background_and_suggestions_flow(window: MainWindow, qtbot) -> None:
    window.start_model_load()
    assert window.progress.isVisible()
    qtbot.waitUntil(lambda: window.assistant.ready, timeout=20_000)
    qtbot.waitUntil(lambda: not window.progress.isVisible(), timeout=5_000)
    # No speed yet: the warm-up is too short to tell; real generations will measure it.
    assert "CPU" in window.model_label.text() and "tok/s" not in window.model_label.text()
    qtbot.keyClicks(window.editor, "The quick brown fox")
    qtbot.waitUntil(lambda: bool(window.editor.ghost_text()), timeout=10_000)
    qtbot.waitUntil(lambda: window.last_ghost_latency is not None, timeout=10_000)
    ghost = window.editor.ghost_text()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)
    assert window.editor.toPlainText() == "The quick brown fox" + ghost
    assert window.isWindowModified()


def test_a_missing_model_leaves_a_usable_editor_and_a_clear_message(
    window: MainWindow, qtbot
) -> None:
    window.settings.model.model = "/nowhere/model"
    window.start_model_load()
    qtbot.waitUntil(lambda: window.model_error is not None, timeout=10_000)
    assert window.model_error is not None and "No model at /nowhere/model" in window.model_error
    assert "could not be loaded" in window.model_label.text()
    boxes = _message_boxes(window)
    assert len(boxes) == 1 and "/nowhere/model" in boxes[0].text()
    boxes[0].close()
    qtbot.keyClicks(window.editor, "Still writing")
    assert window.editor.toPlainText() == "Still writing"
    window.suggest_now()
    assert "No suggestions" in window.statusBar().currentMessage()


def test_open_edit_save(window: MainWindow, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"# Notes\r\n\r\nFirst line\r\n")
    assert window.open_path(path)
    assert window.editor.toPlainText() == "# Notes\n\nFirst line\n"
    assert window.windowTitle() == "notes.md[*] — Writer"
    assert window.format_button.text() == "UTF-8 · CRLF"
    assert window.editor.highlighter is not None  # Markdown
    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, "Second line")
    assert window.isWindowModified()
    assert window.save()
    assert path.read_bytes() == b"# Notes\r\n\r\nFirst line\r\nSecond line"
    assert not window.isWindowModified()


def test_open_failure_keeps_the_current_document(window: MainWindow, tmp_path: Path, qtbot) -> None:
    qtbot.keyClicks(window.editor, "my draft")
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\0\0JFIF\0")
    assert not window.open_path(binary)
    assert window.editor.toPlainText() == "my draft"
    assert any("binary" in b.text() for b in _message_boxes(window))


def test_save_failure_keeps_the_text_and_the_dirty_flag(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    qtbot.keyClicks(window.editor, "precious words")
    assert not window._save_tab(window.tab, path=tmp_path / "missing-folder" / "a.txt")
    assert window.editor.toPlainText() == "precious words"
    assert window.isWindowModified()
    assert any("Could not save" in b.text() for b in _message_boxes(window))


def test_word_count(window: MainWindow, qtbot) -> None:
    qtbot.keyClicks(window.editor, "One two, three-four don't")
    qtbot.waitUntil(lambda: window.words_label.text() == "4 words", timeout=2000)


def test_find_next_wraps_around(window: MainWindow, qtbot) -> None:
    window.editor.setPlainText("cat dog cat bird")
    window.find_bar.open_bar()
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar.query, "cat")
    assert window.editor.textCursor().selectionStart() == 0
    assert window.find_bar.search()
    assert window.editor.textCursor().selectionStart() == 8
    assert window.find_bar.search()
    assert window.editor.textCursor().selectionStart() == 0
    qtbot.keyClicks(window.find_bar.query, "fish")
    assert window.find_bar.status.text() == "Not found"
    qtbot.keyClick(window.find_bar.query, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


@pytest.mark.parametrize(
    ("answer", "closes"),
    [(QMessageBox.StandardButton.Cancel, False), (QMessageBox.StandardButton.Discard, True)],
)
def test_closing_with_unsaved_changes_asks(
    window: MainWindow,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    answer: QMessageBox.StandardButton,
    closes: bool,
) -> None:
    qtbot.keyClicks(window.editor, "unsaved")
    asked: list[tuple[object, ...]] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(args)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    window.close()
    assert asked and window.isVisible() != closes
    assert window.editor.toPlainText() == "unsaved"


@pytest.mark.real_model
def test_built_in_model_end_to_end(qtbot, make_window) -> None:
    """Type a sentence, pause, see a continuation from the built-in model, press Tab."""
    w = make_window(Settings())
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=120_000)
    from writer_app.engine.quantize import fast_int_kernels

    precision = "int4" if fast_int_kernels() else "float32"  # what "auto" picks on this CPU
    line = f"SmolLM2-135M-Instruct · CPU · {precision}"
    assert w.model_label.text() == line  # no speed until real generations measure one
    text = "The old lighthouse keeper climbed the stairs every evening to light the"
    qtbot.keyClicks(w.editor, text)
    qtbot.waitUntil(lambda: bool(w.editor.ghost_text()), timeout=30_000)
    qtbot.waitUntil(lambda: not w.controller.busy, timeout=30_000)
    ghost = w.editor.ghost_text()
    assert ghost.strip() and ghost.strip() not in text
    # The speed, measured on that suggestion (one of 8 tokens or more) and no other.
    speed = w.assistant._backend.speed.tokens_per_second()
    assert w.model_label.text() == (line + f" · {speed:.0f} tok/s" if speed else line)
    qtbot.keyClick(w.editor, Qt.Key.Key_Tab)
    assert w.editor.toPlainText() == text + ghost
    w.editor.undo()
    assert w.editor.toPlainText() == text


def test_a_new_file_from_the_command_line(window: MainWindow, tmp_path: Path, qtbot) -> None:
    path = tmp_path / "new-story.md"
    window.new_document_at(path)
    assert window.windowTitle() == "new-story.md[*] — Writer"
    qtbot.keyClicks(window.editor, "Chapter one")
    assert window.save()
    assert path.read_text() == "Chapter one"


def test_a_status_message_takes_the_model_lines_place(window: MainWindow, qtbot) -> None:
    window.model_label.setText("SmolLM2-135M-Instruct · CPU · int4 · 60 tok/s")
    assert window.model_label.isVisible()
    window.notify("Writing is_palindrome()… (Esc cancels)", 0)
    assert not window.model_label.isVisible()  # not drawn under the message
    window.statusBar().clearMessage()
    assert window.model_label.isVisible()


def test_the_text_column_stays_put_at_one_width(window: MainWindow, qtbot) -> None:
    """The column's left edge depends on the width alone: not on the scroll bar, the
    rewrite panel below, or which tab was shown before (it was 12, 91 or 110 px)."""
    window.resize(1000, 700)
    qtbot.wait(10)
    lefts = [window.editor.viewportMargins().left()]
    window.editor.setPlainText("Hello world. " * 400)  # the scroll bar appears
    qtbot.wait(10)
    lefts.append(window.editor.viewportMargins().left())
    for shown in (True, False):
        window.tab.rewrite_panel.setVisible(shown)
        qtbot.wait(10)
        lefts.append(window.editor.viewportMargins().left())
    window.new_tab()
    qtbot.wait(10)
    lefts.append(window.editor.viewportMargins().left())
    window.tabs.setCurrentIndex(0)
    qtbot.wait(10)
    lefts.append(window.editor.viewportMargins().left())
    assert len(set(lefts)) == 1 and lefts[0] == (window.editor.width() - 780) // 2
