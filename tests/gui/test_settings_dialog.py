"""The Settings dialog: derived from the declarations, validated, applied and saved."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from writer_app import paths
from writer_app.config import TASKS, Decoding, Settings, load_settings, spec_of
from writer_app.ui.main_window import MainWindow
from writer_app.ui.settings_dialog import FieldEditor, SettingsDialog

WidgetT = TypeVar("WidgetT", bound=QWidget)


@pytest.fixture
def window(qtbot, assistant, tiny_model_dir: Path, run_async):
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.delay_ms = 30
    settings.editor.suggestion_length = "length"
    settings.continuation.max_new_tokens = 5
    w = MainWindow(assistant, settings)
    w.show()
    qtbot.waitExposed(w)
    w.start_model_load()
    qtbot.waitUntil(lambda: assistant.ready, timeout=20_000)
    w.editor.setFocus()
    yield w
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()


@pytest.fixture
def dialog(window: MainWindow) -> SettingsDialog:
    return window.open_settings()


def _press(dialog: SettingsDialog, button: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(button).click()


def _warnings(dialog: SettingsDialog) -> list[QMessageBox]:
    return [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]


def _widget(fields: Mapping[str, FieldEditor], name: str, kind: type[WidgetT]) -> WidgetT:
    """A setting's editor widget, as the kind of widget its declared type makes."""
    widget = fields[name].widget
    assert isinstance(widget, kind), type(widget).__name__
    return widget


def test_every_decoding_setting_is_on_every_task_page(dialog: SettingsDialog) -> None:
    for task, page in dialog.decoding_pages.items():
        for f in dataclasses.fields(Decoding):
            spec = spec_of(f)
            if spec.tasks and task not in spec.tasks:
                assert f.name not in page.fields
                continue
            editor = page.fields[f.name]
            assert editor.widget.toolTip().endswith(spec.help)  # (a line may come before)
            if isinstance(editor.widget, QSpinBox | QDoubleSpinBox) and spec.maximum is not None:
                assert editor.widget.maximum() == pytest.approx(spec.maximum)
    assert "alternatives" in dialog.decoding_pages["continuation"].fields
    assert [dialog.pages_list.item(i).text() for i in range(dialog.pages_list.count())] == [
        "Editor",
        "Model & Device",
        "Continuation",
        "Rewrite",
        "Draft",
        "Code",
        "Summarize",
        "Rewrite Styles",
    ]
    # A feature's own options are on its page, not in Editor.
    assert "run_generated_code" in dialog.decoding_pages["code"].fields
    assert "form" in dialog.decoding_pages["summarize"].fields
    assert "run_generated_code" not in dialog.editor_fields


def test_a_changed_setting_reaches_the_next_request_and_the_file(
    window: MainWindow, dialog: SettingsDialog, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = dialog.decoding_pages["continuation"]
    _widget(page.fields, "max_new_tokens", QSpinBox).setValue(3)
    _widget(page.fields, "alternatives", QSpinBox).setValue(2)
    _widget(page.fields, "seed", QLineEdit).setText("42")
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert not dialog.isVisible()
    sent: list[Decoding] = []
    real = window.assistant.continue_text

    def spy(request, decoding, context_tokens):
        sent.append(decoding)
        return real(request, decoding, context_tokens)

    monkeypatch.setattr(window.assistant, "continue_text", spy)
    qtbot.keyClicks(window.editor, "The quick brown fox")
    qtbot.waitUntil(lambda: bool(sent), timeout=5000)
    assert (sent[0].max_new_tokens, sent[0].alternatives, sent[0].seed) == (3, 2, 42)
    saved = load_settings(paths.settings_file()).settings
    assert saved == window.settings and saved.continuation.max_new_tokens == 3


def test_an_invalid_combination_is_refused_with_a_clear_message(
    window: MainWindow, dialog: SettingsDialog, qtbot
) -> None:
    before = dataclasses.replace(window.settings.rewrite)
    page = dialog.decoding_pages["rewrite"]
    _widget(page.fields, "length_penalty", QDoubleSpinBox).setValue(2.0)  # beams stay at 1
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    boxes = _warnings(dialog)
    assert len(boxes) == 1
    assert "Rewrite: " in boxes[0].text() and "Length penalty" in boxes[0].text()
    boxes[0].close()
    assert dialog.isVisible() and dialog.stack.currentWidget() is page
    assert window.settings.rewrite == before
    assert not paths.settings_file().exists()


def test_presets_apply_and_your_own_can_be_saved_renamed_and_deleted(
    window: MainWindow, dialog: SettingsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = dialog.decoding_pages["draft"]
    assert page.preset.currentText() == "Balanced"
    page.apply_preset("Creative")
    assert _widget(page.fields, "temperature", QDoubleSpinBox).value() == pytest.approx(1.0)
    assert page.preset.currentText() == "Creative"
    _widget(page.fields, "top_k", QSpinBox).setValue(77)
    assert page.preset.currentText() == "Custom"
    names = iter(["Wild", "Wilder"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (next(names), True))
    page.save_preset()
    assert page.preset.currentText() == "Wild" and page.delete_button.isEnabled()
    page.rename_preset()
    assert page.preset.currentText() == "Wilder"
    page.apply_preset("Precise")
    assert not _widget(page.fields, "do_sample", QCheckBox).isChecked()
    assert not page.fields["temperature"].widget.isEnabled()  # greedy: no sampling knobs
    page.apply_preset("Wilder")
    assert _widget(page.fields, "top_k", QSpinBox).value() == 77
    _press(dialog, QDialogButtonBox.StandardButton.Apply)
    assert "Wilder" in window.settings.presets["draft"]
    assert load_settings(paths.settings_file()).settings.presets["draft"]["Wilder"].top_k == 77
    page.delete_preset()
    assert "Wilder" not in [page.preset.itemText(i) for i in range(page.preset.count())]
    page.reset_button.click()
    assert page.preset.currentText() == "Balanced"


def test_editor_page_applies_at_once(window: MainWindow, dialog: SettingsDialog) -> None:
    fields = dialog.editor_fields
    _widget(fields, "font_size", QDoubleSpinBox).setValue(17.0)
    _widget(fields, "theme", QComboBox).setCurrentText("dark")
    _widget(fields, "suggestions", QCheckBox).setChecked(False)
    _press(dialog, QDialogButtonBox.StandardButton.Apply)
    assert window.editor.font().pointSizeF() == 17.0
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    assert base.lightness() < 80
    assert not window.enable_action.isChecked()
    _widget(fields, "theme", QComboBox).setCurrentText("light")
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert QApplication.palette().color(QPalette.ColorRole.Base).lightness() > 200


def test_model_page_lists_models_with_sizes_and_only_present_devices(
    window: MainWindow, dialog: SettingsDialog
) -> None:
    page = dialog.model_page
    labels = [page.choice.itemText(i) for i in range(page.choice.count())]
    assert labels[0] == "SmolLM2-135M-Instruct (built-in)"
    assert any(
        str(window.settings.model.model) == page.choice.itemData(i)
        for i in range(page.choice.count())
    )
    device = page.fields["device"].widget
    assert isinstance(device, QComboBox)
    items = device.model()
    assert isinstance(items, QStandardItemModel)
    enabled = {device.itemText(i): items.item(i).isEnabled() for i in range(device.count())}
    assert enabled["auto"] and enabled["cpu"]
    for name in ("cuda", "mps"):
        assert enabled[name] == (name in window.assistant.status.devices)
    page.choice.setCurrentIndex(0)
    assert "needs about" in page.estimate.text() and "GB" in page.estimate.text()
    # The built-in GGUF file and its converted copy are both on disk: both are counted.
    from writer_app.ui.settings_dialog import converted_size

    built_in = page.models["builtin"]
    copy = converted_size(built_in.path)
    said = page.estimate.text()
    assert said.startswith(f"{built_in.size_bytes / 2**20:,.0f} MiB GGUF file")
    assert (f"+ {copy / 2**20:,.0f} MiB converted copy" in said) if copy else "first use" in said
    float32 = page.estimate.text()
    _widget(page.fields, "precision", QComboBox).setCurrentText("int8")
    assert page.estimate.text() != float32


def test_switching_the_model_reloads_it_in_the_background(
    window: MainWindow, dialog: SettingsDialog, qtbot, tiny_model_dir: Path
) -> None:
    _widget(dialog.model_page.fields, "precision", QComboBox).setCurrentText("int8")
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert window.progress.isVisible()  # loading, and the editor is usable meanwhile
    qtbot.keyClicks(window.editor, "typing while it loads")
    qtbot.waitUntil(lambda: "int8" in window.model_label.text(), timeout=20_000)
    assert window.editor.toPlainText() == "typing while it loads"


def test_keyboard_shortcut_opens_the_dialog(window: MainWindow, qtbot) -> None:
    qtbot.keyClick(window.editor, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].reject()


def test_all_tasks_have_pages(dialog: SettingsDialog) -> None:
    assert set(dialog.decoding_pages) == set(TASKS)


def test_the_help_line_follows_the_page_and_zero_temperature_means_greedy(
    dialog: SettingsDialog,
) -> None:
    # The help line shows the focused setting's help, and not the previous page's.
    page = dialog.decoding_pages["rewrite"]
    dialog.show_page("Rewrite")
    top_k = _widget(page.fields, "top_k", QSpinBox)
    dialog._show_help(None, top_k)
    assert dialog.help.text() == top_k.toolTip()
    dialog.show_page("Code")
    assert dialog.help.text().startswith("Click or hover over a setting")
    # Typing 0 into Temperature turns sampling off (as --temperature 0 does), not 1.0.
    code = dialog.decoding_pages["code"]
    _widget(code.fields, "do_sample", QCheckBox).setChecked(True)
    temperature = _widget(code.fields, "temperature", QDoubleSpinBox)
    temperature.setValue(0.7)
    temperature.setValue(0.0)
    assert not code.decoding.do_sample and code.decoding.temperature == pytest.approx(0.7)
    assert temperature.value() == pytest.approx(0.7)
    # Sampling knobs left enabled while sampling is off say why: the alternatives sample.
    continuation = dialog.decoding_pages["continuation"]
    _widget(continuation.fields, "do_sample", QCheckBox).setChecked(False)
    _widget(continuation.fields, "alternatives", QSpinBox).setValue(3)
    knob = _widget(continuation.fields, "temperature", QDoubleSpinBox)
    assert knob.isEnabled() and knob.toolTip().startswith("Used for the alternatives")
