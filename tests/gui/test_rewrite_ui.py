"""Rewrite a selection: the style picker, the streaming diff panel, accept, reject, Esc,
edits to the passage meanwhile, custom instructions and the user's own styles."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from writer_app.config import Settings
from writer_app.tasks.rewrite import find_style
from writer_app.ui.main_window import MainWindow
from writer_app.ui.rewrite import CUSTOM_ITEM, RewritePanel

TEXT = "Intro line.\n\nThe fox was quick. It ran far.\n\nThe end."
PASSAGE = "The fox was quick. It ran far."


@pytest.fixture
def window(make_window, qtbot, tiny_model_dir: Path):
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.suggestions = False
    settings.rewrite.max_new_tokens = 6
    settings.rewrite.versions = 2
    settings.styles = {"Pirate": "Rewrite the text as a pirate would say it."}
    w = make_window(settings)
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=20_000)
    return w


def _select(w: MainWindow, text: str, start: int, end: int) -> None:
    w.editor.setPlainText(text)
    cursor = w.editor.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    w.editor.setTextCursor(cursor)


def _select_passage(w: MainWindow) -> RewritePanel:
    start = TEXT.index(PASSAGE)
    _select(w, TEXT, start, start + len(PASSAGE))
    return w.tab.rewrite_panel


def _finish(panel: RewritePanel, qtbot) -> None:
    """Wait for the rewrite; the tiny model's text fails the checks, so see it anyway."""
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)
    if panel.latest is not None and panel.latest.held:
        panel.show_held()


def test_the_picker_lists_styles_and_a_style_streams_into_the_panel(window, qtbot) -> None:
    panel = _select_passage(window)
    menu = window.rewrite_selection()
    assert menu is not None and menu.isVisible()
    names = [a.text() for a in menu.actions() if a.text()]
    assert names[:2] == ["Formal", "Casual"] and "Pirate" in names and CUSTOM_ITEM in names
    formal = next(a for a in menu.actions() if a.text() == "Formal")
    formal.trigger()
    menu.close()
    assert panel.isVisible() and panel.running
    assert panel.title.text() == "Rewrite · Formal"
    _finish(panel, qtbot)
    assert panel.latest is not None and panel.latest.total == 1
    assert panel.view.toPlainText().strip()
    assert window.editor.toPlainText() == TEXT  # nothing changes before Accept


def test_accept_is_one_undo_step(window, qtbot) -> None:
    panel = _select_passage(window)
    assert panel.start(panel_style("Concise"))
    _finish(panel, qtbot)
    new = panel.result_text()
    assert new and new != PASSAGE
    assert panel.accept_button.isEnabled()
    qtbot.keyClick(window.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not panel.isVisible()
    assert window.editor.toPlainText() == TEXT.replace(PASSAGE, new)
    window.editor.undo()
    assert window.editor.toPlainText() == TEXT


def test_reject_and_esc_leave_the_document_alone(window, qtbot) -> None:
    panel = _select_passage(window)
    panel.start(panel_style("Formal"))
    _finish(panel, qtbot)
    panel.reject_button.click()
    assert not panel.isVisible() and window.editor.toPlainText() == TEXT
    panel = _select_passage(window)
    panel.start(panel_style("Formal"))
    _finish(panel, qtbot)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    assert not panel.isVisible() and window.editor.toPlainText() == TEXT


def test_esc_stops_the_model_at_once(window, qtbot) -> None:
    window.settings.rewrite.max_new_tokens = 2000
    window.settings.rewrite.max_time = 0.0
    long = "\n\n".join(f"Paragraph {i} is here." for i in range(300))
    _select(window, long, 0, len(long))
    panel = window.tab.rewrite_panel
    panel.start(panel_style("Formal"))
    qtbot.waitUntil(lambda: panel.latest is not None, timeout=20_000)
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)
    _finish(panel, qtbot)  # stopped within a token, not after 300 passages
    assert panel.isVisible()  # what was finished can still be accepted, or rejected
    assert panel.progress.text().startswith("Stopped:")
    assert panel.latest is not None and panel.latest.done < panel.latest.total
    assert window.editor.toPlainText() == long
    qtbot.keyClick(window.editor, Qt.Key.Key_Escape)  # a second Esc rejects
    assert not panel.isVisible()


def test_an_edit_to_the_passage_is_caught_and_can_be_rewritten_again(window, qtbot) -> None:
    panel = _select_passage(window)
    panel.start(panel_style("Formal"))
    # The user keeps writing inside the passage while the model works.
    cursor = QTextCursor(window.editor.document())
    cursor.setPosition(TEXT.index("quick"))
    cursor.insertText("very ")
    _finish(panel, qtbot)
    assert panel.stale and not panel.accept_button.isEnabled()
    assert "changed" in panel.warning.text()
    assert not panel.accept()
    assert "very quick" in window.editor.toPlainText()  # the user's edit is kept
    assert panel.rerun_button.isVisibleTo(panel)
    panel.rerun_button.click()
    assert panel.original == PASSAGE.replace("quick", "very quick")
    _finish(panel, qtbot)
    assert not panel.stale and panel.accept()
    assert window.editor.toPlainText().startswith("Intro line.\n\n")
    assert window.editor.toPlainText().endswith("\n\nThe end.")


def test_edits_outside_the_passage_are_fine(window, qtbot) -> None:
    panel = _select_passage(window)
    panel.start(panel_style("Formal"))
    cursor = QTextCursor(window.editor.document())
    cursor.insertText("New first line. ")  # before the passage
    cursor.movePosition(QTextCursor.MoveOperation.End)
    cursor.insertText(" Appended.")  # after it
    end = QTextCursor(window.editor.document())
    end.setPosition(len("New first line. " + TEXT[: TEXT.index(PASSAGE) + len(PASSAGE)]))
    end.insertText("!")  # right after the passage: not part of it
    _finish(panel, qtbot)
    assert not panel.stale
    new = panel.result_text()
    assert new is not None and panel.accept()
    expected = "New first line. " + TEXT.replace(PASSAGE, new + "!") + " Appended."
    assert window.editor.toPlainText() == expected


def test_try_again_samples_another_version(window, qtbot) -> None:
    panel = _select_passage(window)
    panel.start(panel_style("Formal"))
    _finish(panel, qtbot)
    versions = {panel.result_text()}
    for _ in range(3):
        panel.retry_button.click()
        assert panel.running
        _finish(panel, qtbot)
        versions.add(panel.result_text())
    assert len(versions) > 1


def test_a_custom_instruction_is_remembered(window, qtbot) -> None:
    panel = _select_passage(window)
    dialog = panel.ask_custom()
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("  make it   rhyme ")
    dialog.accept()
    assert panel.running and panel.rewrite_style is not None
    assert panel.rewrite_style.instruction == "Make it rhyme."
    _finish(panel, qtbot)
    panel.reject()
    _select_passage(window)
    again = panel.ask_custom()
    assert again is not None and again.comboBoxItems() == ["make it rhyme"]
    again.reject()


def test_nothing_selected_or_no_model_is_a_message(window, qtbot) -> None:
    messages: list[str] = []
    panel = window.tab.rewrite_panel
    panel.notice.connect(messages.append)
    window.editor.setPlainText("Some text.")
    assert window.rewrite_selection() is None
    assert messages[-1] == "Select the text to rewrite first."
    _select(window, "   \n  ", 0, 4)
    assert not panel.start(panel_style("Formal"))
    assert "whitespace" in messages[-1]
    assert not panel.isVisible()


def test_the_context_menu_offers_rewrite_for_a_selection(window, qtbot) -> None:
    _select_passage(window)
    menu = window.tab._context_menu(window.editor.rect().center())
    titles = [a.text() for a in menu.actions()]
    assert "Re&write" in titles
    menu.close()


def test_users_styles_are_edited_in_settings(window, qtbot) -> None:
    from writer_app.ui.settings_dialog import STYLES_PAGE

    dialog = window.open_settings(STYLES_PAGE)
    page = dialog.styles_page
    assert page.rows() == [("Pirate", "Rewrite the text as a pirate would say it.")]
    page.add_style("Formal", "Clash with a built-in.")
    assert any("built-in" in p for _page, p in dialog.problems())
    assert not dialog.accept_changes()
    page.table.item(1, 0).setText("Haiku")
    page.table.item(1, 1).setText("Rewrite the text as a haiku.")
    assert dialog.accept_changes()
    assert window.settings.styles["Haiku"] == "Rewrite the text as a haiku."
    dialog.close()


def panel_style(name: str):
    from writer_app.tasks.rewrite import find_style

    return find_style(name)


@pytest.mark.real_model
def test_a_casual_paragraph_rewritten_formal_on_the_built_in_model(qtbot, make_window) -> None:
    w = make_window(Settings())
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=120_000)
    casual = (
        "hey team, so the launch is gonna slip a week cause the tests keep failing. "
        "no biggie, we'll sort it out."
    )
    text = f"# Status\n\n{casual}\n"
    start = text.index(casual)
    _select(w, text, start, start + len(casual))
    panel = w.tab.rewrite_panel
    assert panel.start(panel_style("Formal"))
    seen: list[str] = []

    def finished() -> bool:
        seen.append(panel.view.toPlainText())
        return not panel.running

    qtbot.waitUntil(finished, timeout=120_000)
    new = panel.result_text()
    assert new and new != casual and "gonna" not in new.lower()
    assert len(set(seen)) > 2  # the diff streamed in
    assert panel.accept()
    assert w.editor.toPlainText() == text.replace(casual, new)
    w.editor.undo()
    assert w.editor.toPlainText() == text


def test_a_rewrite_that_fails_the_checks_is_held_back_with_the_reason(window, qtbot) -> None:
    panel = _select_passage(window)
    panel.start(find_style("Formal"))
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)
    update = panel.latest
    assert update is not None and update.held and update.versions == 2
    assert panel.result_text() is None and not panel.accept_button.isEnabled()
    assert "could not rewrite this faithfully" in panel.warning.text()
    assert panel.progress.text() == "Kept as it was"
    assert panel.show_held_button.isVisible() and panel.retry_button.isEnabled()
    panel.show_held()
    assert panel.result_text() is not None and panel.accept_button.isEnabled()
    assert not panel.show_held_button.isVisible() and "anyway" in panel.warning.text()
    assert panel.accept() and window.editor.toPlainText() != TEXT
