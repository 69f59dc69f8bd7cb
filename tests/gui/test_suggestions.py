"""Typing, pausing and getting ghost text from a (tiny) model on the worker thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt

from writer_app.config import Decoding, Model, Settings
from writer_app.ui.continuation import SuggestionController
from writer_app.ui.editor import GhostTextEditor


@pytest.fixture
def settings(suggestion_settings: Settings) -> Settings:
    return suggestion_settings


@pytest.fixture
def setup(qtbot, assistant, tiny_model_dir: Path, settings: Settings, run_async):
    run_async(assistant.load(Model(model=str(tiny_model_dir), device="cpu")).result())
    editor = GhostTextEditor()
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    editor.setFocus()
    controller = SuggestionController(editor, assistant, lambda: settings)
    return editor, controller


def test_ghost_text_appears_after_a_pause_and_tab_keeps_it(setup, qtbot) -> None:
    editor, controller = setup
    latencies: list[float] = []
    controller.firstGhost.connect(latencies.append)
    qtbot.keyClicks(editor, "The quick brown fox")
    qtbot.waitUntil(lambda: bool(editor.ghost_text()), timeout=10_000)
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    ghost = editor.ghost_text()
    assert latencies and latencies[0] > 0
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The quick brown fox" + ghost
    editor.undo()
    assert editor.toPlainText() == "The quick brown fox"


def test_the_same_text_gets_the_same_greedy_suggestion(setup, qtbot) -> None:
    editor, controller = setup
    qtbot.keyClicks(editor, "She opened the door")
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    first = editor.ghost_text()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert controller.request(explicit=True)
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    assert editor.ghost_text() == first


def test_typing_during_generation_cancels_it_and_nothing_stale_arrives(
    setup, qtbot, settings: Settings
) -> None:
    editor, controller = setup
    settings.continuation.max_new_tokens = 900  # a long generation, to type in the middle of it
    settings.editor.delay_ms = 5000  # and no new request right after
    qtbot.keyClicks(editor, "The quick brown fox")
    assert controller.request(explicit=True)
    job = controller._jobs.job
    qtbot.waitUntil(lambda: bool(editor.ghost_text()), timeout=10_000)
    first_ghost = editor.ghost_text()
    typed = "#" if not first_ghost.startswith("#") else "%"
    qtbot.keyClicks(editor, typed)
    assert job.cancelled and not controller.busy
    qtbot.waitUntil(lambda: job._result.done(), timeout=10_000)
    qtbot.wait(100)  # let any queued events from the old job arrive
    assert editor.toPlainText() == "The quick brown fox" + typed
    assert editor.ghost_text() == "" and editor.session is None
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The quick brown fox" + typed + "\t"


def test_typing_the_predicted_text_keeps_the_request_alive(setup, qtbot) -> None:
    editor, controller = setup
    qtbot.keyClicks(editor, "The quick brown fox")
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    ghost = editor.ghost_text()
    session = editor.session
    qtbot.keyClicks(editor, ghost[:2])
    assert editor.session is session and editor.ghost_text() == ghost[2:]
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "The quick brown fox" + ghost


def test_alternatives_from_one_request(setup, qtbot, settings: Settings) -> None:
    editor, controller = setup
    cast(Any, settings).continuation = Decoding(
        max_new_tokens=6, temperature=1.5, seed=11, alternatives=3
    )
    counts: list[int] = []
    editor.ghostChanged.connect(lambda i, n: counts.append(n))
    qtbot.keyClicks(editor, "The quick brown fox")
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    assert max(counts) >= 2
    shown = {editor.ghost_text()}
    for _ in range(max(counts) - 1):
        qtbot.keyClick(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.AltModifier)
        shown.add(editor.ghost_text())
    assert len(shown) == max(counts)


def test_no_request_when_disabled_or_mid_line(setup, qtbot, settings: Settings) -> None:
    editor, controller = setup
    settings.editor.suggestions = False
    qtbot.keyClicks(editor, "The quick brown fox")
    qtbot.wait(150)
    assert editor.session is None and not controller.busy
    settings.editor.suggestions = True
    for _ in range(4):  # into the middle of the line
        qtbot.keyClick(editor, Qt.Key.Key_Left)
    assert not controller.request(explicit=False)
    assert controller.request(explicit=True)  # Ctrl+Space works anywhere
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
