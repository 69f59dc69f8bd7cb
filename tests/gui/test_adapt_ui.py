"""Adapt to My Writing…: the dialog counts the documents, trains in a child process with
progress while the window stays responsive, cancels at once, and uses the result."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from adapter_corpus import prose
from PySide6.QtCore import QElapsedTimer, QTimer

from writer_app.config import Settings
from writer_app.ui.adapt import AdaptDialog


@pytest.fixture
def settings(tiny_model_dir: Path) -> Settings:
    s = Settings()
    s.model.model = str(tiny_model_dir)
    s.model.threads = 1
    s.editor.suggestions = False
    return s


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "writing"
    docs.mkdir()
    (docs / "notes.md").write_text(prose(2500, 3))
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    return docs


def _dialog(qtbot: Any, settings: Settings, applied: list[Settings] | None = None) -> AdaptDialog:
    dialog = AdaptDialog(settings, None if applied is None else applied.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_dialog_counts_the_documents_and_refuses_empty_ones(
    qtbot: Any, settings: Settings, folder: Path, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, settings)
    assert not dialog.start_button.isEnabled()
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog.add_paths([empty])
    assert dialog.summary.text() == "There is no text in these documents"
    assert not dialog.start_button.isEnabled()
    dialog.paths.clear()
    dialog.add_paths([folder])
    assert dialog.summary.text().startswith("1 document, about ")
    assert "minutes to learn well" in dialog.summary.text()
    assert dialog.start_button.isEnabled()
    dialog.name.setText("")
    assert not dialog.start_button.isEnabled()


def test_training_shows_progress_keeps_the_window_responsive_and_cancels_at_once(
    qtbot: Any, settings: Settings, folder: Path
) -> None:
    dialog = _dialog(qtbot, settings)
    (folder / "more.md").write_text(prose(30000, 5))  # enough that it cannot end on its own first
    dialog.add_paths([folder])
    finished: list[Any] = []
    dialog.finished_run.connect(finished.append)
    assert dialog.start()
    assert dialog.cancel_button.isEnabled() and not dialog.name.isEnabled()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Step "), timeout=60_000)
    assert "held-out perplexity" in dialog.status.text()
    # A 5 ms timer on the GUI thread while the child trains: how late it fires.
    late: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(5)
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        late.append(max(0.0, (now - last[0]) / 1e6 - 5))
        last[0] = now

    timer.timeout.connect(tick)
    timer.start()
    qtbot.wait(600)
    timer.stop()
    p99 = statistics.quantiles(late, n=100)[98]
    print(f"GUI timer lateness while training: p50 {statistics.median(late):.1f} ms, p99 {p99:.1f}")
    assert p99 < 100, p99  # (the goal, ≤ 16 ms, is measured on a quiet machine)
    began = time.monotonic()
    dialog.cancel()
    assert time.monotonic() - began < 2.0
    assert not dialog.running and finished == [None]
    assert "Start resumes it from its last checkpoint" in dialog.status.text()
    assert dialog.start_button.isEnabled() and not dialog.use_button.isEnabled()


def test_use_sets_the_adapter_for_suggestions(qtbot: Any, settings: Settings) -> None:
    applied: list[Settings] = []
    dialog = _dialog(qtbot, settings, applied)
    assert not dialog.use_button.isEnabled()
    dialog.manifest = {"name": "mine"}
    dialog.use()
    assert [s.model.adapter for s in applied] == ["mine"]
    assert settings.model.adapter == ""  # the window's own settings change through apply
    assert "now use the adapter “mine”" in dialog.status.text()


def test_the_window_offers_it_in_the_suggestions_menu(make_window: Any, settings: Settings) -> None:
    window = make_window(settings)
    action = window.actions_by_name["adapt"]
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert action in menus["&Suggestions"].actions()
    action.trigger()
    dialogs = window.findChildren(AdaptDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].close()
