"""Get Models…: the catalog, a download's progress in the dialog and the status bar, pause and
resume, Use This Model (the window switches to it) and Remove, on the local hub server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import Fault, HubRepo, HubServer, use_hub
from PySide6.QtWidgets import QMessageBox

from writer_app.config import Settings
from writer_app.engine import library
from writer_app.ui.main_window import MainWindow
from writer_app.ui.model_library import (
    COLUMNS,
    DownloadManager,
    DownloadStatus,
    Job,
    ModelLibraryDialog,
)

# A model of the catalog, served by the local hub (as the tiny model).
CATALOG_REPO = "HuggingFaceTB/SmolLM2-360M-Instruct"
QUICK = {"chunk_size": 16 * 1024, "retry_wait": 0.01, "retries": 2}


@pytest.fixture
def hub(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HubServer]:
    with HubServer(
        [
            HubRepo.from_folder(CATALOG_REPO, tiny_model_dir),
            HubRepo.from_folder("someone/other-model", tiny_model_dir),
        ]
    ) as server:
        use_hub(monkeypatch, server, tmp_path)
        yield server


@pytest.fixture
def manager(qapp) -> Iterator[DownloadManager]:
    """The application's manager, made quick and forgetful for each test."""
    m = DownloadManager.instance()
    m.options = dict(QUICK)
    m.jobs.clear()
    yield m
    m.shutdown()
    m.jobs.clear()


def _status(dialog: ModelLibraryDialog, repo_id: str) -> str:
    row = dialog._row_of(repo_id)
    item = dialog.table.item(row, COLUMNS.index("Status"))
    assert item is not None
    return item.text()


def test_offline_the_dialog_says_so_and_offers_the_catalog(qtbot, manager) -> None:
    dialog = ModelLibraryDialog(manager=manager)  # conftest sets HF_HUB_OFFLINE
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.offline_note.isVisible() and "offline" in dialog.offline_note.text()
    assert dialog.table.rowCount() >= 8
    assert not dialog.download_button.isEnabled() and not dialog.check_button.isEnabled()
    fits = dialog.table.item(0, COLUMNS.index("Fits here"))
    assert fits is not None and fits.text() in ("Yes", "Tight", "No") and fits.toolTip()
    assert "parameters" in dialog.details.text() and "Memory once loaded" in dialog.details.text()
    assert "hub" in dialog.intro.text() and "free" in dialog.intro.text()


def test_progress_pause_resume_and_use(qtbot, hub: HubServer, manager) -> None:
    hub.faults.append(Fault("slow", after=4096, seconds=0.02, times=1))
    dialog = ModelLibraryDialog(manager=manager)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.offline_note.isVisible()
    dialog.select(CATALOG_REPO)
    assert dialog.selected == CATALOG_REPO and dialog.download_button.isEnabled()
    values: list[int] = []
    dialog.bar.valueChanged.connect(values.append)
    dialog.download_button.click()
    qtbot.waitUntil(lambda: 100 < dialog.bar.value() < 900, timeout=20_000)
    assert "%" in _status(dialog, CATALOG_REPO) and "of" in dialog.progress.text()
    assert dialog.pause_button.isEnabled() and not dialog.download_button.isEnabled()
    dialog.pause_button.click()
    qtbot.waitUntil(lambda: manager.job(CATALOG_REPO).state == "paused", timeout=20_000)
    assert "kept" in dialog.progress.text()
    assert _status(dialog, CATALOG_REPO).startswith("Paused")
    assert dialog.download_button.text() == "Resume" and not dialog.use_button.isEnabled()
    # Resumed: it continues where it stopped.
    dialog.download_button.click()
    qtbot.waitUntil(lambda: manager.job(CATALOG_REPO).state == "done", timeout=20_000)
    resumed = hub.cdn_requests("model.safetensors")[-1]
    assert resumed.range is not None and resumed.range != "bytes=0-"
    assert values and max(values) == 1000
    assert _status(dialog, CATALOG_REPO).startswith("Downloaded")
    assert dialog.use_button.isEnabled() and dialog.remove_button.isEnabled()
    with qtbot.waitSignal(dialog.use_model) as used:
        dialog.use_button.click()
    assert used.args == [CATALOG_REPO]


def test_another_repo_is_checked_first_and_refusals_are_explained(
    qtbot, hub: HubServer, manager, tiny_model_dir: Path
) -> None:
    hub.add(HubRepo.from_bytes("org/pickled", {"config.json": b"{}", "pytorch_model.bin": b"x"}))
    dialog = ModelLibraryDialog(manager=manager)
    qtbot.addWidget(dialog)
    dialog.repo_box.setText("org/pickled")
    dialog.check_button.click()
    qtbot.waitUntil(lambda: not dialog.checker.running, timeout=10_000)
    assert "pickle" in dialog.progress.text(), dialog.progress.text()
    assert dialog._row_of("org/pickled") == -1
    dialog.repo_box.setText("someone/other-model")
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.selected == "someone/other-model", timeout=10_000)
    assert "5 files" in dialog.details.text() and dialog.download_button.isEnabled()


def test_from_the_model_page_a_download_survives_a_drop_and_the_window_switches_to_it(
    qtbot, assistant, hub: HubServer, manager, tiny_model_dir: Path
) -> None:
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    window = MainWindow(assistant, settings)
    window.show()
    qtbot.waitExposed(window)
    window.start_model_load()
    qtbot.waitUntil(lambda: assistant.ready, timeout=20_000)
    try:
        hub.faults.append(Fault("drop", after=60_000))
        dialog = window.open_settings("Model & Device")
        page = dialog.model_page
        assert page.get_models.isVisible()
        library_dialog = page.open_library()
        assert isinstance(library_dialog, ModelLibraryDialog)
        library_dialog.select(CATALOG_REPO)
        library_dialog.download_button.click()
        status = window.findChild(DownloadStatus)
        assert status is not None
        qtbot.waitUntil(lambda: manager.job(CATALOG_REPO).state == "done", timeout=30_000)
        assert len(hub.cdn_requests("model.safetensors")) == 2  # dropped, then resumed
        assert CATALOG_REPO in [page.choice.itemData(i) for i in range(page.choice.count())]
        library_dialog.use_button.click()
        assert window.settings.model.model == CATALOG_REPO
        qtbot.waitUntil(lambda: CATALOG_REPO in window.model_label.text(), timeout=30_000)
        assert not status.isVisible()
        dialog.reject()
    finally:
        window.editor.document().setModified(False)
        window.close()
        window.deleteLater()


def test_remove_asks_then_frees_the_space(qtbot, hub: HubServer, manager) -> None:
    library.download("someone/other-model")
    dialog = ModelLibraryDialog(manager=manager, current="someone/other-model")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.select("someone/other-model")
    assert _status(dialog, "someone/other-model").startswith("Downloaded")
    with qtbot.waitSignal(dialog.models_changed):
        dialog.remove_button.click()
        box = next(b for b in dialog.findChildren(QMessageBox) if b.isVisible())
        assert "the model Writer uses now" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
    assert library.local_repo("someone/other-model") is None
    assert dialog._row_of("someone/other-model") == -1
    assert "freed" in dialog.progress.text()


def test_closed_dialogs_are_not_called_when_a_download_ends_later(
    qtbot, qapp, assistant, manager, tiny_model_dir: Path
) -> None:
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    window = MainWindow(assistant, settings)
    qtbot.addWidget(window)
    dialog = window.open_settings("Model & Device")
    library_dialog = dialog.model_page.open_library()
    library_dialog.close()
    dialog.reject()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    assert not shiboken6.isValid(dialog) and not shiboken6.isValid(library_dialog)
    # Both were deleted on close; the manager outlives them and must not call into them.
    manager.jobs["org/late"] = manager.jobs.get("org/late") or _job("org/late")
    manager.changed.emit("org/late")
    manager.finished.emit("org/late", "it failed")
    qapp.processEvents()
    window.editor.document().setModified(False)


def _job(repo_id: str) -> Job:
    return Job(repo_id, state="failed", message="it failed")
