"""Suggestions → Adapter for This Document: a saved document may use another adapter than
the one the settings name, or none; the choice is kept by its path, and the model follows
the document in front as each job is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from adapter_corpus import train_tiny
from PySide6.QtGui import QTextCursor

from writer_app.config import Settings
from writer_app.document_adapters import DocumentAdapters
from writer_app.ui.main_window import MainWindow


@pytest.fixture
def window(make_window: Any, tiny_model_dir: Path) -> MainWindow:
    for name in ("mine", "other"):
        train_tiny(tiny_model_dir, name, max_steps=2)
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.model.adapter = "mine"
    settings.editor.delay_ms = 30
    settings.editor.suggestion_length = "length"
    settings.continuation.max_new_tokens = 3
    return make_window(settings)


def _adapter_used(window: MainWindow, qtbot: Any) -> str:
    """The adapter the model has after a suggestion for the document in front."""
    window.last_ghost_latency = None
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.suggest_now()
    qtbot.waitUntil(lambda: window.last_ghost_latency is not None, timeout=20_000)
    attached = window.assistant._backend.adapter
    return attached.name if attached is not None else ""


def _menu(window: MainWindow) -> dict[str, Any]:
    window.adapter_menu.fill()
    return {a.text(): a for a in window.adapter_menu.actions() if a.text()}


def test_a_document_uses_its_own_adapter(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    window.start_model_load()
    qtbot.waitUntil(lambda: window.assistant.ready, timeout=20_000)
    menu = _menu(window)  # an untitled document has no path to keep a choice by
    assert list(menu) == ["Save the document to choose its adapter"]
    assert not menu["Save the document to choose its adapter"].isEnabled()
    qtbot.keyClicks(window.editor, "The quick brown fox")
    assert _adapter_used(window, qtbot) == "mine"

    novel = tmp_path / "novel.txt"
    novel.write_text("The quick brown fox", encoding="utf-8")
    assert window.open_path(novel)
    menu = _menu(window)
    assert list(menu) == ["As in Settings (mine)", "No Adapter", "mine", "other"]
    assert menu["As in Settings (mine)"].isChecked()
    menu["other"].trigger()
    assert window.adapter_menu.choice() == "other" and _menu(window)["other"].isChecked()
    assert _adapter_used(window, qtbot) == "other"

    # Kept by the document's path, for the next time it is opened.
    assert DocumentAdapters(window.adapter_menu.store.file).get(novel) == "other"
    _menu(window)["No Adapter"].trigger()
    assert _adapter_used(window, qtbot) == ""
    _menu(window)["As in Settings (mine)"].trigger()
    assert window.adapter_menu.choice() is None
    assert _adapter_used(window, qtbot) == "mine"


def test_a_deleted_adapter_falls_back_to_the_settings_one(
    window: MainWindow, qtbot: Any, tmp_path: Path
) -> None:
    from writer_app.engine import adapters

    window.start_model_load()
    qtbot.waitUntil(lambda: window.assistant.ready, timeout=20_000)
    notes = tmp_path / "notes.txt"
    notes.write_text("The quick brown fox", encoding="utf-8")
    assert window.open_path(notes)
    window.adapter_menu.choose("other")
    adapters.delete("other")
    menu = _menu(window)  # still shown as chosen, so that it can be changed
    assert menu["other"].isChecked()
    assert _adapter_used(window, qtbot) == "mine"
    assert window.assistant._unusable == {"other"}  # tried once, not at every job
    assert _adapter_used(window, qtbot) == "mine"


def test_the_choices_file(tmp_path: Path) -> None:
    store = DocumentAdapters(tmp_path / "state" / "document-adapters.json")
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    assert store.get(a) is None
    store.set(a, "mine")
    store.set(b, "")
    assert store.get(a) == "mine" and store.get(b) == ""
    store.set(a, None)
    assert store.get(a) is None and store.get(b) == ""
    assert DocumentAdapters(store.file).get(b) == ""  # kept in the file for the next start
    store.file.write_text("[not a map", encoding="utf-8")  # damaged: no choices, no error
    damaged = DocumentAdapters(store.file)
    assert damaged.get(b) is None
    damaged.set(a, "x")
    assert DocumentAdapters(store.file).get(a) == "x"
