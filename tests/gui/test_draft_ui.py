"""Outline → article in the window: dialog, live draft in a new tab, cancel, redo a section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from writer_app.config import Decoding, Model, Settings
from writer_app.features.draft import DraftOptions, DraftUpdate
from writer_app.tasks import draft
from writer_app.tasks.outline import parse_outline
from writer_app.ui.draft import OWN_TONE, DraftDialog, DraftNotice
from writer_app.ui.main_window import MainWindow
from writer_app.ui.settings_dialog import SettingsDialog

OUTLINE = """# Keeping bees

## Why keep bees
- Honey and wax
- Pollination for the garden

## The hive
- A box with frames
- One queen, many workers

## The first year
- Start in spring
- Check the hive every week
"""
ARTICLE = (
    "# Keeping bees\n\n"
    "## Why keep bees\n\nBees give honey and wax. They also pollinate the garden.\n\n"
    "## The hive\n\nA hive is a box with frames. One queen lives with many workers.\n\n"
    "## The first year\n\nStart in spring. Look into the hive every week.\n"
)


@pytest.fixture
def window(make_window, assistant, tiny_model_dir: Path, run_async, tmp_path: Path, qtbot):
    run_async(assistant.load(Model(model=str(tiny_model_dir), device="cpu")).result())
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.suggestions = False
    # Feature sections are added at runtime; mypy lets them be read, not assigned.
    cast(Any, settings).draft = Decoding(max_new_tokens=16, do_sample=True, temperature=0.6, seed=3)
    w = make_window(settings, settings_path=tmp_path / "settings.toml")
    yield w
    if w.drafting.busy:
        w.drafting.cancel()
        qtbot.waitUntil(lambda: not w.drafting.busy, timeout=10_000)


def _boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def _headings(text: str) -> list[str]:
    return re.findall(r"(?m)^#+ (.+)$", text)


def _section(text: str, index: int) -> str:
    span = draft.article_sections(text)[index]
    return text[span.heading_start : span.end]


def _draft(window: MainWindow, qtbot, outline: str = OUTLINE) -> DraftDialog:
    window.editor.selectAll()
    window.editor.insertPlainText(outline)  # typed: the outline's document has undo steps
    dialog = window.drafting.open_dialog()
    assert isinstance(dialog, DraftDialog) and dialog.isVisible()
    return dialog


def test_ctrl_shift_d_opens_the_dialog_with_tones_and_settings(window: MainWindow, qtbot) -> None:
    window.settings.styles = {"Pirate": "Talk like a pirate."}
    window.editor.setPlainText(OUTLINE)
    qtbot.keyClick(
        window.editor,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialogs = [d for d in window.findChildren(DraftDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    tones = [dialog.tone.itemText(i) for i in range(dialog.tone.count())]
    assert tones[0] == OWN_TONE and "Formal" in tones and "Pirate" in tones
    dialog.tone.setCurrentText("Pirate")
    dialog.length.setCurrentIndex(dialog.length.findData("custom"))
    dialog.words.setValue(120)
    dialog.audience.setText("  new   beekeepers ")
    options = dialog.options()
    assert options.length == 120 and options.words == 120
    assert options.tone is not None and options.tone.instruction == "Talk like a pirate."
    assert options.audience == "new beekeepers"
    dialog.settings_button.click()
    settings = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(settings) == 1
    assert settings[0].pages_list.currentItem().text() == "Draft"
    settings[0].reject()
    dialog.reject()
    assert window.tabs.count() == 1


def test_enter_in_the_dialog_starts_the_draft(window: MainWindow, qtbot) -> None:
    dialog = _draft(window, qtbot)
    dialog.settings_button.setFocus()  # visiting the settings button must not make it default
    dialog.audience.setFocus()
    with qtbot.waitSignal(window.drafting.finished, timeout=60_000):
        qtbot.keyClick(dialog.audience, Qt.Key.Key_Return)
        assert dialog.result() == DraftDialog.DialogCode.Accepted, dialog.result()
        assert window.drafting.tab is not None
    assert not [d for d in window.findChildren(SettingsDialog) if d.isVisible()]


def test_an_empty_outline_gives_a_message_and_no_document(window: MainWindow, qtbot) -> None:
    window.editor.setPlainText("   \n\n")
    assert window.drafting.open_dialog() is None
    boxes = _boxes(window)
    assert len(boxes) == 1 and "outline is empty" in boxes[0].text()
    boxes[0].close()
    assert window.tabs.count() == 1


def test_draft_streams_into_a_new_tab_with_progress(window: MainWindow, qtbot) -> None:
    source = window.tab
    dialog = _draft(window, qtbot)
    assert source.editor.document().isUndoAvailable()
    progress: list[tuple[int, str]] = []
    lengths: list[int] = []
    with qtbot.waitSignal(window.drafting.finished, timeout=60_000) as finished:
        dialog.draft_button.click()
        tab = window.drafting.tab
        assert tab is not None and tab is window.tab and tab is not source
        assert window.tabs.count() == 2
        assert tab.editor.isReadOnly()  # nobody types into a text being written
        bar = window.drafting.bar
        assert bar is not None and bar.isVisible()
        bar.progress.valueChanged.connect(lambda v: progress.append((v, bar.progress.format())))
        tab.editor.textChanged.connect(lambda: lengths.append(len(tab.editor.text())))
    update = finished.args[0]
    assert isinstance(update, DraftUpdate) and update.done and not update.cancelled
    text = tab.editor.text()
    assert text == update.text
    assert _headings(text) == ["Keeping bees", "Why keep bees", "The hive", "The first year"]
    assert [v for v, _ in progress] == sorted(v for v, _ in progress) and progress[-1][0] == 3
    assert ("Section 2 of 3" in [f for _, f in progress]) or (
        "Section 3 of 3" in [f for _, f in progress]
    )
    assert len(lengths) > 3  # it streamed
    assert not tab.editor.isReadOnly() and tab.is_modified()
    assert not tab.editor.document().isUndoAvailable()  # the draft is where undo starts
    assert window.drafting.bar is None
    assert source.editor.text() == OUTLINE and source.editor.document().isUndoAvailable()
    assert "Draft finished" in window.statusBar().currentMessage()


def test_cancel_stops_at_once_and_keeps_the_text(window: MainWindow, qtbot) -> None:
    cast(Any, window.settings).draft = Decoding(max_new_tokens=300, do_sample=True, temperature=0.6)
    dialog = _draft(window, qtbot)
    dialog.draft_button.click()
    tab = window.drafting.tab
    assert tab is not None
    qtbot.waitUntil(lambda: "## The hive\n\n" in tab.editor.text(), timeout=60_000)
    qtbot.waitUntil(lambda: not tab.editor.text().endswith("## The hive\n\n"), timeout=30_000)
    bar = window.drafting.bar
    assert bar is not None
    with qtbot.waitSignal(window.drafting.finished, timeout=5_000) as finished:
        bar.cancel_button.click()
    update = finished.args[0]
    assert update.cancelled and update.section == 1
    text = tab.editor.text()
    assert _headings(text) == ["Keeping bees", "Why keep bees", "The hive"]
    assert update.proses[0] and update.proses[0] in text
    assert not tab.editor.isReadOnly() and window.tabs.count() == 2
    assert "cancelled" in window.statusBar().currentMessage()


def _article_tab(window: MainWindow, index: int):
    window.editor.setPlainText(ARTICLE)
    span = draft.article_sections(ARTICLE)[index]
    cursor = window.editor.textCursor()
    cursor.setPosition(span.prose_start + 3)
    window.editor.setTextCursor(cursor)
    return window.tab


@pytest.mark.parametrize("index", [0, 1, 2])
def test_regenerate_replaces_only_its_section_in_one_undo_step(
    window: MainWindow, qtbot, index: int
) -> None:
    tab = _article_tab(window, index)
    with qtbot.waitSignal(window.drafting.redone, timeout=60_000) as redone:
        assert window.drafting.redo("regenerate")
        assert (
            window.drafting.bar is not None and "Regenerating" in window.drafting.bar.label.text()
        )
    assert redone.args == [True]
    text = tab.editor.text()
    for other in {0, 1, 2} - {index}:
        assert _section(text, other) == _section(ARTICLE, other)
    assert _section(text, index) != _section(ARTICLE, index)
    assert _headings(text) == _headings(ARTICLE)
    tab.editor.undo()
    assert tab.editor.text() == ARTICLE  # one undo step takes it all back
    tab.editor.redo()
    assert tab.editor.text() == text


def test_continue_adds_to_its_section_in_one_undo_step(window: MainWindow, qtbot) -> None:
    tab = _article_tab(window, 1)
    with qtbot.waitSignal(window.drafting.redone, timeout=60_000) as redone:
        assert window.drafting.redo("continue")
    assert redone.args == [True]
    text = tab.editor.text()
    span = draft.article_sections(ARTICLE)[1]
    assert text.startswith(ARTICLE[: span.prose_end]) and text.endswith(ARTICLE[span.prose_end :])
    assert len(text) > len(ARTICLE)
    tab.editor.undo()
    assert tab.editor.text() == ARTICLE


def test_redo_is_not_applied_to_a_changed_document(window: MainWindow, qtbot) -> None:
    cast(Any, window.settings).draft = Decoding(max_new_tokens=300, do_sample=True, temperature=0.6)
    tab = _article_tab(window, 1)
    with qtbot.waitSignal(window.drafting.redone, timeout=60_000) as redone:
        assert window.drafting.redo("regenerate")
        window.editor.moveCursor(QTextCursor.MoveOperation.End)
        qtbot.keyClicks(window.editor, "More.")
    assert redone.args == [False]
    assert tab.editor.text() == ARTICLE + "More."
    assert "changed" in window.statusBar().currentMessage()


def test_redo_outside_a_section_says_where_to_put_the_cursor(window: MainWindow, qtbot) -> None:
    window.editor.setPlainText(ARTICLE)
    window.editor.moveCursor(QTextCursor.MoveOperation.Start)
    assert not window.drafting.redo("regenerate")
    assert "cursor in a section" in window.statusBar().currentMessage()
    assert window.editor.text() == ARTICLE


def test_one_draft_at_a_time(window: MainWindow, qtbot) -> None:
    cast(Any, window.settings).draft = Decoding(max_new_tokens=300, do_sample=True, temperature=0.6)
    dialog = _draft(window, qtbot)
    dialog.draft_button.click()
    assert window.drafting.busy
    window.tabs.setCurrentIndex(0)
    assert window.drafting.open_dialog() is None
    assert not window.drafting.start(parse_outline(OUTLINE), DraftOptions())
    assert "wait for it or cancel" in window.statusBar().currentMessage()
    assert window.tabs.count() == 2


def test_the_draft_tab_is_named_after_the_article(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    dialog = _draft(window, qtbot)
    with qtbot.waitSignal(window.drafting.finished, timeout=60_000):
        dialog.draft_button.click()
        tab = window.drafting.tab
        assert tab is not None
        assert window.tabs.tabText(window.tabs.indexOf(tab)).startswith("Keeping bees")
        assert window.windowTitle().startswith("Keeping bees")
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Keeping bees •"  # unsaved
    assert window.tabs.tabText(0) == "Untitled •"  # the outline keeps its own name
    assert window._save_tab(tab, path=tmp_path / "bees.md")
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "bees.md"


def test_an_outline_without_a_title_drafts_into_a_tab_called_draft(
    window: MainWindow, qtbot
) -> None:
    dialog = _draft(window, qtbot, "## Why keep bees\n- Honey\n\n## The hive\n- Frames\n")
    with qtbot.waitSignal(window.drafting.finished, timeout=60_000):
        dialog.draft_button.click()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Draft •"


def test_a_notice_in_the_tab_says_the_draft_is_done(window: MainWindow, qtbot) -> None:
    dialog = _draft(window, qtbot)
    with qtbot.waitSignal(window.drafting.finished, timeout=60_000):
        dialog.draft_button.click()
        tab = window.drafting.tab
        assert tab is not None and not tab.findChildren(DraftNotice)
    notices = [n for n in tab.findChildren(DraftNotice) if n.isVisible()]
    assert len(notices) == 1
    text = notices[0].label.text()
    assert text.startswith("Draft finished: 3 sections") and "Regenerate This Section" in text
    layout = tab.layout()
    assert layout is not None and layout.indexOf(notices[0]) == 0  # above the text
    notices[0].close_button.click()
    assert not notices[0].isVisible()


def test_a_cancelled_draft_says_so_in_the_tab(window: MainWindow, qtbot) -> None:
    cast(Any, window.settings).draft = Decoding(max_new_tokens=300, do_sample=True, temperature=0.6)
    dialog = _draft(window, qtbot)
    dialog.draft_button.click()
    tab, bar = window.drafting.tab, window.drafting.bar
    assert tab is not None and bar is not None
    qtbot.waitUntil(lambda: "## Why keep bees\n\n" in tab.editor.text(), timeout=60_000)
    with qtbot.waitSignal(window.drafting.finished, timeout=10_000):
        bar.cancel_button.click()
    notices = [n for n in tab.findChildren(DraftNotice) if n.isVisible()]
    assert len(notices) == 1 and notices[0].label.text().startswith("Drafting cancelled: kept")


def test_regenerate_shows_the_text_as_it_is_written(window: MainWindow, qtbot) -> None:
    cast(Any, window.settings).draft = Decoding(max_new_tokens=40, do_sample=True, temperature=0.6)
    tab = _article_tab(window, 1)
    shown: list[str] = []
    with qtbot.waitSignal(window.drafting.redone, timeout=60_000) as redone:
        assert window.drafting.redo("regenerate")
        preview = window.drafting.section_preview
        assert preview is not None and preview.isVisible() and preview.isReadOnly()
        preview.textChanged.connect(lambda: shown.append(preview.toPlainText()))
        assert tab.editor.text() == ARTICLE  # the document waits for the finished section
    assert redone.args == [True]
    assert len({text for text in shown if text}) >= 3, shown  # it streamed in
    words = shown[-1].split()
    assert words and " ".join(words[:3]) in " ".join(_section(tab.editor.text(), 1).split())
    assert window.drafting.section_preview is None and not preview.isVisible()


@pytest.mark.real_model
def test_a_four_section_draft_on_the_built_in_model(
    qtbot, assistant, run_async, tmp_path: Path
) -> None:
    """The user's whole path: outline → draft with progress → regenerate a section → save."""
    run_async(assistant.load(Model()).result(), timeout=120)
    settings = Settings()
    settings.editor.suggestions = False
    settings.draft.seed = 11
    w = MainWindow(assistant, settings, settings_path=tmp_path / "settings.toml")
    w.show()
    qtbot.waitExposed(w)
    outline = OUTLINE + "\n## Harvest\n- Take honey in late summer\n- Leave enough for winter\n"
    dialog = _draft(w, qtbot, outline)
    dialog.length.setCurrentIndex(dialog.length.findData("short"))
    formats: list[str] = []
    with qtbot.waitSignal(w.drafting.finished, timeout=600_000) as finished:
        dialog.draft_button.click()
        bar = w.drafting.bar
        assert bar is not None
        bar.progress.valueChanged.connect(lambda _v: formats.append(bar.progress.format()))
    assert finished.args[0].done
    tab = w.tab
    text = tab.editor.text()
    headings = ["Keeping bees", "Why keep bees", "The hive", "The first year", "Harvest"]
    assert _headings(text) == headings
    assert "Section 4 of 4" in formats
    for i in range(4):
        prose = _section(text, i).split("\n", 1)[1].strip()
        assert len(prose.split()) >= 15, prose
    span = draft.article_sections(text)[2]
    cursor = tab.editor.textCursor()
    cursor.setPosition(span.prose_start + 1)
    tab.editor.setTextCursor(cursor)
    with qtbot.waitSignal(w.drafting.redone, timeout=300_000) as redone:
        assert w.drafting.redo("regenerate")
    assert redone.args == [True]
    after = tab.editor.text()
    assert _section(after, 2) != _section(text, 2)
    assert [_section(after, i) for i in (0, 1, 3)] == [_section(text, i) for i in (0, 1, 3)]
    tab.editor.undo()
    assert tab.editor.text() == text
    tab.editor.redo()
    target = tmp_path / "bees.md"
    assert w._save_tab(tab, path=target)
    assert target.read_text(encoding="utf-8") == after
    for other in w.documents():
        other.editor.document().setModified(False)  # the outline: nobody asks to save it
    w.close()
    w.deleteLater()
