"""The window on a model server: settings, test connection, ghost text and a rewrite through
the real llama.cpp server, and a failing server that leaves the document as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QMessageBox
from servers import MODEL_ALIAS, FaultServer

from writer_app.config import Settings
from writer_app.tasks.rewrite import find_style
from writer_app.ui.main_window import MainWindow

TEXT = "The lighthouse keeper climbed the narrow stairs every evening and"


def _server_settings(url: str) -> Settings:
    settings = Settings()
    settings.model.backend = "server"
    settings.model.server = url
    settings.model.server_model = MODEL_ALIAS
    settings.model.server_timeout = 20.0
    settings.model.server_fallback = False
    settings.editor.delay_ms = 30
    settings.editor.suggestion_length = "length"  # a whole 32 tokens: enough for a speed
    settings.rewrite.versions = 1
    return settings


@pytest.fixture
def window(make_window, qtbot, llama_server: str) -> MainWindow:
    w: MainWindow = make_window(_server_settings(llama_server))
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=30_000)
    return w


def test_the_status_bar_names_the_server_and_then_its_measured_speed(window, qtbot) -> None:
    host = window.settings.model.server.removeprefix("http://").removesuffix("/v1")
    assert window.model_label.text() == f"{MODEL_ALIAS} · {host} (llama-cpp-python)"
    window.editor.setPlainText(TEXT)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.suggest_now()
    qtbot.waitUntil(lambda: bool(window.editor.ghost_text()), timeout=30_000)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=30_000)
    backend = window.assistant._backend
    assert backend is not None
    speed = backend.speed.tokens_per_second()  # measured on that suggestion, if long enough
    expected = f"{backend.describe()} · {speed:.0f} tok/s" if speed else backend.describe()
    qtbot.waitUntil(lambda: window.model_label.text() == expected, timeout=5_000)


def test_ghost_text_comes_from_the_server_and_tab_keeps_it(window, qtbot) -> None:
    window.editor.setPlainText(TEXT)
    window.editor.moveCursor(QTextCursor.MoveOperation.End)
    window.suggest_now()
    qtbot.waitUntil(lambda: bool(window.editor.ghost_text()), timeout=30_000)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=30_000)
    ghost = window.editor.ghost_text()
    window.editor.accept_suggestion()
    assert window.editor.toPlainText() == TEXT + ghost
    window.editor.undo()
    assert window.editor.toPlainText() == TEXT  # one undo step


def test_a_rewrite_streams_from_the_server_and_accept_is_one_step(window, qtbot) -> None:
    casual = "hey, so the meeting got moved to friday cause the boss is out sick lol."
    window.editor.setPlainText(casual)
    window.editor.selectAll()
    panel = window.tab.rewrite_panel
    assert panel.start(find_style("Formal"))
    qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
    if panel.latest is not None and panel.latest.held:
        panel.show_held()
    new = panel.result_text()
    assert new and new != casual
    assert panel.accept()
    window.editor.undo()
    assert window.editor.toPlainText() == casual


def test_settings_page_tests_the_connection_without_blocking(window, qtbot) -> None:
    dialog = window.open_settings("Model & Device")
    page = dialog.model_page
    backend = page.fields["backend"].widget
    assert isinstance(backend, QComboBox) and backend.currentText() == "server"
    key = page.fields["server_key"].widget
    assert isinstance(key, QLineEdit) and key.echoMode() == QLineEdit.EchoMode.Password
    page.test_button.click()
    assert "Asking" in page.test_result.text()  # the answer comes later, off this thread
    qtbot.waitUntil(lambda: "llama-cpp-python server" in page.test_result.text(), timeout=20_000)
    assert f"Models: {MODEL_ALIAS}" in page.test_result.text()
    # Knobs the server cannot take are shown greyed, with why.
    typical = dialog.decoding_pages["draft"].fields["typical_p"].widget
    assert isinstance(typical, QDoubleSpinBox) and not typical.isEnabled()
    assert typical.toolTip().startswith("Not used: this server (llama-cpp-python)")
    # Switching to the local model greys the server's fields.
    backend.setCurrentText("local")
    assert not page.fields["server"].widget.isEnabled() and not page.test_button.isEnabled()
    dialog.close()


@pytest.fixture
def broken() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()


def test_a_failing_server_is_a_message_and_the_document_is_untouched(
    make_window, qtbot, broken: FaultServer, monkeypatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box.text()))
    settings = _server_settings(broken.url)
    settings.model.server_timeout = 1.0
    w: MainWindow = make_window(settings)
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=10_000)
    broken.on_generate = lambda h, b: broken.status(h, 500, {"error": "the GPU is on fire"})
    casual = "hey, so the meeting got moved to friday."
    w.editor.setPlainText(casual)
    w.editor.selectAll()
    panel = w.tab.rewrite_panel
    assert panel.start(find_style("Formal"))
    qtbot.waitUntil(lambda: not panel.running, timeout=10_000)
    message = panel.warning.text() + " ".join(shown)
    assert "The server failed: 500" in message and "the GPU is on fire" in message
    assert not panel.accept()
    assert w.editor.toPlainText() == casual


def test_typing_cancels_a_long_suggestion_and_the_server_stops_within_a_second(
    make_window, qtbot, llama_server: str
) -> None:
    proxy = FaultServer(upstream=llama_server)  # on the server's side of the connection
    try:
        settings = _server_settings(proxy.url)
        settings.continuation.max_new_tokens = 1000
        settings.continuation.max_time = 0.0
        settings.continuation.alternatives = 1
        w: MainWindow = make_window(settings)
        w.start_model_load()
        qtbot.waitUntil(lambda: w.assistant.ready, timeout=30_000)
        w.editor.setPlainText(TEXT)
        w.editor.moveCursor(QTextCursor.MoveOperation.End)
        w.suggest_now()
        qtbot.waitUntil(lambda: len(w.editor.ghost_text().split()) >= 3, timeout=30_000)
        assert not proxy.closed.is_set()
        qtbot.keyClicks(w.editor, "#")  # not what was suggested: the request is dropped
        assert proxy.closed.wait(1.0)  # the server's stream was closed: it stops generating
    finally:
        proxy.close()


def test_an_unreachable_server_falls_back_to_the_local_model(
    assistant, run_async, tiny_model_dir, llama_server: str
) -> None:
    from servers import free_port

    from writer_app.config import Decoding, Model
    from writer_app.features.base import Notice
    from writer_app.tasks.continuation import ContinuationRequest

    # At load: nothing listening there.
    model = Model(
        model=str(tiny_model_dir), backend="server", server=f"127.0.0.1:{free_port()}",
        server_timeout=30.0, server_fallback=True,
    )  # fmt: skip
    status = run_async(assistant.load(model).result())
    assert status.device == "cpu" and "Using the local model instead" in status.notices[0]
    # Midway: the server goes away after loading; the job runs again on the local model.
    proxy = FaultServer(upstream=llama_server)
    model.server, model.server_model = proxy.url, MODEL_ALIAS
    status = run_async(assistant.load(model).result())
    assert status.device == "server"
    proxy.close()
    job = assistant.continue_text(
        ContinuationRequest(TEXT, "length"), Decoding(max_new_tokens=4), 256
    )

    async def events() -> list[object]:
        return [event async for event in job]

    seen = run_async(events())
    assert any(isinstance(e, Notice) and "Switching to the local model" in e.message for e in seen)
    assert run_async(job.result()) is not None
    assert assistant.status is not None and assistant.status.device == "cpu"
