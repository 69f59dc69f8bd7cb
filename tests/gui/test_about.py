"""The window's icon, and Help → About naming the model, its license and the app's."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from writer_app.config import Settings
from writer_app.ui.about import about_html, model_license
from writer_app.ui.main_window import MainWindow


@pytest.fixture
def window(make_window) -> MainWindow:
    settings = Settings()
    settings.editor.suggestions = False
    return make_window(settings)


def test_the_window_has_the_app_icon(window: MainWindow, qapp: QApplication) -> None:
    assert qapp.windowIcon().isNull()  # not set by the tests: the window has its own
    icon = window.windowIcon()
    assert not icon.isNull() and {s.width() for s in icon.availableSizes()} >= {48, 256}


def test_about_names_the_model_and_both_licenses(window: MainWindow) -> None:
    assert window.settings.model.model == "builtin"
    action = window.actions_by_name["about"]
    action.trigger()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    text = boxes[0].text()
    assert "SmolLM2-135M-Instruct" in text
    assert text.count("Apache-2.0") >= 2  # the model's license, and Writer's
    assert "Apache License" in text and "0.1.0" in text
    assert not boxes[0].iconPixmap().isNull()
    boxes[0].close()


def test_another_model_is_named_with_the_license_of_its_card(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "README.md").write_text(
        "---\nlanguage: en\nlicense: mit\n---\n# My model\n", encoding="utf-8"
    )
    assert model_license(folder) == "mit"
    text = about_html(str(folder), "my-model")
    assert "my-model" in text and "license mit" in text and "Apache-2.0" in text
    (folder / "README.md").write_text("# no front matter\nlicense: gpl\n", encoding="utf-8")
    assert model_license(folder) == ""
    assert "see its model card" in about_html(str(folder), "my-model")
    assert "see its model card" in about_html(str(tmp_path / "missing"), None)
