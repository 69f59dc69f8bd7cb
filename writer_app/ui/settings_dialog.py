"""The Settings dialog: a view of the typed settings in `config.py`.

Every field editor is made from a setting's declaration (type, range, choices, help), so a
new setting appears here without further work. The dialog edits a copy; OK and Apply check
it (ranges, and transformers' own validation of each task's decoding) before handing it to
the window, which saves and applies it.

The declarations are English data (the CLI uses them as they are); the dialog shows them
translated: titles, help texts and choices in context "Settings" (a choice disambiguated by
its setting's name), feature titles in "Feature", preset names in "Preset", all marked in the
generated `ui/setting_texts.py` (tools/setting_texts.py). Pages are found by their English
title (`show_page`); choices and presets keep their ids as item data.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import typing
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QFont, QIntValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFontComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from writer_app.config import (
    PRESETS,
    TASK_TITLES,
    TASKS,
    Decoding,
    Editor,
    Model,
    SettingError,
    Settings,
    find_preset,
    knobs,
    matching_preset,
    preset_names,
    spec_of,
    validate,
    with_knobs,
)
from writer_app.decoding import problems
from writer_app.tasks import rewrite
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.i18n import LANGUAGE_NAMES

CUSTOM = QT_TRANSLATE_NOOP("Preset", "Custom")
HELP = QT_TRANSLATE_NOOP("Settings", "Click or hover over a setting to see what it does.")
EDITOR_PAGE = QT_TRANSLATE_NOOP("Settings", "Editor")
MODEL_PAGE = QT_TRANSLATE_NOOP("Settings", "Model & Device")
STYLES_PAGE = QT_TRANSLATE_NOOP("Settings", "Rewrite Styles")
# Where a model was found (ModelInfo.source), as the model list says it.
SOURCES = {
    "built-in": QT_TRANSLATE_NOOP("Settings", "built-in"),
    "hf-cache": QT_TRANSLATE_NOOP("Settings", "hf-cache"),
    "folder": QT_TRANSLATE_NOOP("Settings", "folder"),
    "gguf": QT_TRANSLATE_NOOP("Settings", "gguf"),
}


def _tr(text: str, disambiguation: str | None = None) -> str:
    """A declared text (marked in ui/setting_texts.py or above) as the dialog shows it."""
    return QCoreApplication.translate("Settings", text, disambiguation)


def preset_title(name: str) -> str:
    """A preset's name as shown: a built-in one translated, the user's own as it is."""
    return QCoreApplication.translate("Preset", name) if name in (*PRESETS, CUSTOM) else name


def page_title(page: str) -> str:
    """A settings page's English title (as `show_page` takes it), as the list shows it."""
    if page in TASK_TITLES.values():
        return QCoreApplication.translate("Feature", page)
    return _tr(page)


class FieldEditor:
    """One setting's widget: reads and writes the value in its declared type."""

    def __init__(self, owner: Any, f: dataclasses.Field[Any], hint: Any) -> None:
        self.owner, self.name = owner, f.name
        self.spec = spec_of(f)
        self.widget, self.get, self.set = self._make(hint)
        self.widget.setToolTip(self.help)
        self.widget.setWhatsThis(self.help)
        self.widget.setObjectName(f.name)
        self.set(getattr(owner, f.name))

    @property
    def label(self) -> str:
        """The setting's title, translated."""
        return _tr(self.spec.title(self.name))

    @property
    def help(self) -> str:
        """The setting's help text, translated."""
        return _tr(self.spec.help)

    def _make(self, hint: Any) -> tuple[QWidget, Callable[[], Any], Callable[[Any], None]]:
        spec = self.spec
        if hint is bool:
            box = QCheckBox()
            return box, box.isChecked, box.setChecked
        if hint is int:
            spin = QSpinBox()
            spin.setRange(int(spec.minimum or 0), int(spec.maximum or 2**31 - 1))
            return spin, spin.value, spin.setValue
        if hint is float:
            dspin = QDoubleSpinBox()
            low, high = spec.minimum or 0.0, spec.maximum or 1e9
            if self.name == "temperature":
                low = 0.0  # 0 turns sampling off (greedy), as on the command line
                dspin.setSpecialValueText(QCoreApplication.translate("Settings", "0 (greedy)"))
            dspin.setDecimals(2 if high > 10 else 3)
            dspin.setRange(low, high)
            dspin.setSingleStep(0.05 if high <= 5 else 1.0)
            return dspin, dspin.value, dspin.setValue
        if hint is str and self.name == "font_family":
            fonts = QFontComboBox()

            def set_font(family: str) -> None:
                fonts.setCurrentFont(QFont(family) if family else QApplication.font())

            return fonts, lambda: fonts.currentFont().family(), set_font
        if hint is str and spec.choices:
            combo = QComboBox()
            for choice in spec.choices:  # shown translated, kept by id
                if self.name == "language":  # each in its own language
                    shown = LANGUAGE_NAMES.get(choice) or QCoreApplication.translate(
                        "Settings", "System default"
                    )
                else:
                    shown = _tr(choice, self.name)
                combo.addItem(shown, choice)

            def set_choice(value: str) -> None:
                combo.setCurrentIndex(combo.findData(value))

            return combo, combo.currentData, set_choice
        if hint is str:
            line = QLineEdit()
            return line, line.text, line.setText
        if typing.get_origin(hint) is list:
            text = QPlainTextEdit()
            text.setPlaceholderText(QCoreApplication.translate("Settings", "One per line"))
            text.setFixedHeight(64)
            return (
                text,
                lambda: [s for s in text.toPlainText().split("\n") if s.strip()],
                lambda v: text.setPlainText("\n".join(v)),
            )
        # An optional whole number, e.g. the seed: blank means "not set".
        line = QLineEdit()
        line.setPlaceholderText(QCoreApplication.translate("Settings", "random"))
        line.setValidator(QIntValidator(int(spec.minimum or 0), 2**31 - 1))
        return (
            line,
            lambda: int(line.text()) if line.text().strip() else None,
            lambda v: line.setText("" if v is None else str(v)),
        )

    def changed(self) -> Any:
        """The widget's change signal."""
        w = self.widget
        for signal in ("toggled", "valueChanged", "currentTextChanged", "textChanged"):
            if hasattr(w, signal):
                return getattr(w, signal)
        raise AssertionError(f"no change signal on {type(w).__name__}")

    def store(self) -> None:
        setattr(self.owner, self.name, self.get())


def _form(
    owner: Any, skip: tuple[str, ...] = (), task: str = ""
) -> tuple[QFormLayout, dict[str, FieldEditor]]:
    hints = typing.get_type_hints(type(owner))
    layout = QFormLayout()
    editors: dict[str, FieldEditor] = {}
    for f in dataclasses.fields(owner):
        spec = spec_of(f)
        if f.name in skip or (spec.tasks and task not in spec.tasks):
            continue
        editor = FieldEditor(owner, f, hints[f.name])
        label = QLabel(editor.label)
        label.setToolTip(editor.help)
        label.setBuddy(editor.widget)
        layout.addRow(label, editor.widget)
        editors[f.name] = editor
    return layout, editors


def _scrolling(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(inner)
    return area


class DecodingPage(QWidget):
    """One feature's settings: its decoding, with its presets, and its own options."""

    def __init__(
        self, settings: Settings, task: str, refused: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__()
        self.settings, self.task = settings, task
        self.refused = dict(refused)  # knobs the backend in use cannot take, and why
        self.preset = QComboBox()
        self.preset.setObjectName("preset")
        self.preset.setToolTip(
            QCoreApplication.translate(
                "Settings", "Apply a preset; changing any value below makes it Custom."
            )
        )
        buttons = QHBoxLayout()
        self.save_button = QPushButton(QCoreApplication.translate("Settings", "Save as Preset…"))
        self.rename_button = QPushButton(QCoreApplication.translate("Settings", "Rename…"))
        self.delete_button = QPushButton(QCoreApplication.translate("Settings", "Delete"))
        self.reset_button = QPushButton(QCoreApplication.translate("Settings", "Reset to Defaults"))
        for b in (self.save_button, self.rename_button, self.delete_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QFormLayout()
        top.addRow(QCoreApplication.translate("Settings", "Preset"), self.preset)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addLayout(buttons)
        self.body = QWidget()
        column.addWidget(_scrolling(self.body), 1)
        self._build_fields()
        self.preset.activated.connect(lambda _i: self.apply_preset(self.preset.currentData()))
        self.save_button.clicked.connect(self.save_preset)
        self.rename_button.clicked.connect(self.rename_preset)
        self.delete_button.clicked.connect(self.delete_preset)
        self.reset_button.clicked.connect(lambda: self.apply_preset("Balanced"))

    @property
    def decoding(self) -> Decoding:
        return self.settings.decoding(self.task)

    def _build_fields(self) -> None:
        old = self.body.layout()
        if old is not None:
            QWidget().setLayout(old)  # reparent the old form to a throwaway widget
        layout, self.fields = _form(self.decoding, task=self.task)
        self.body.setLayout(layout)
        for editor in self.fields.values():
            editor.changed().connect(self._on_changed)
        self._refresh()

    def _on_changed(self, *_args: Any) -> None:
        temperature = self.fields["temperature"]
        if temperature.get() == 0:  # 0 means greedy, as on the command line
            sampling = self.fields["do_sample"].widget
            assert isinstance(sampling, QCheckBox)
            temperature.set(self.decoding.temperature)  # the last temperature that samples
            sampling.setChecked(False)  # (which stores and refreshes)
            return
        self.store()
        self._refresh()

    def store(self) -> None:
        for editor in self.fields.values():
            editor.store()

    def _refresh(self) -> None:
        d = self.decoding
        # Sampling knobs matter when sampling, or for the sampled alternatives.
        sampling = d.do_sample or d.alternatives > 1
        why = ""
        if not d.do_sample:
            why = QCoreApplication.translate(
                "Settings", "Used for the alternatives, which are always sampled."
            )
        for editor in self.fields.values():
            if editor.spec.sampling:
                editor.widget.setEnabled(sampling)
                editor.widget.setToolTip(f"{why} {editor.help}" if why else editor.help)
        self.fields["length_penalty"].widget.setEnabled(d.num_beams > 1)
        for knob, why in self.refused.items():  # shown, greyed, with why: never dropped unsaid
            if knob in self.fields:
                editor = self.fields[knob]
                editor.widget.setEnabled(False)
                editor.widget.setToolTip(
                    QCoreApplication.translate("Settings", "Not used: {why}. {help}").format(
                        why=why, help=editor.help
                    )
                )
        names = preset_names(self.settings, self.task)
        current = matching_preset(self.settings, self.task) or CUSTOM
        self.preset.blockSignals(True)
        self.preset.clear()
        for name in names if current != CUSTOM else [*names, CUSTOM]:
            self.preset.addItem(preset_title(name), name)  # shown translated, kept by name
        self.preset.setCurrentIndex(self.preset.findData(current))
        self.preset.blockSignals(False)
        own = current in self.settings.presets.get(self.task, {})
        self.rename_button.setEnabled(own)
        self.delete_button.setEnabled(own)

    def apply_preset(self, name: str) -> None:
        if name == CUSTOM:
            return
        preset = find_preset(self.settings, self.task, name)  # the feature's options stay
        setattr(self.settings, self.task, with_knobs(self.decoding, preset))
        self._build_fields()

    def _ask_name(self, title: str, start: str = "") -> str | None:
        name, ok = QInputDialog.getText(
            self, title, QCoreApplication.translate("Settings", "Preset name:"), text=start
        )
        name = name.strip()
        if not ok or not name:
            return None
        taken = {n.casefold() for n in preset_names(self.settings, self.task)}
        if name.casefold() in taken and name.casefold() != start.casefold():
            QMessageBox.warning(
                self,
                title,
                QCoreApplication.translate(
                    "Settings", "There is already a preset called {name}."
                ).format(name=name),
            )
            return None
        return name

    def save_preset(self) -> None:
        name = self._ask_name(QCoreApplication.translate("Settings", "Save as Preset"))
        if name:
            self.settings.presets.setdefault(self.task, {})[name] = knobs(self.decoding)
            self._refresh()

    def rename_preset(self) -> None:
        old = self.preset.currentData()
        new = self._ask_name(QCoreApplication.translate("Settings", "Rename Preset"), old)
        if new and new != old:
            own = self.settings.presets[self.task]
            self.settings.presets[self.task] = {(new if k == old else k): v for k, v in own.items()}
            self._refresh()

    def delete_preset(self) -> None:
        name = self.preset.currentData()
        own = self.settings.presets.get(self.task, {})
        if name in own and name not in PRESETS:
            del own[name]
            if not own:
                del self.settings.presets[self.task]
            self._refresh()


def converted_size(gguf: Any) -> int:
    """Bytes of the safetensors copy a GGUF file was converted into (0: not converted)."""
    from writer_app import paths

    folder = paths.converted_model_dir(gguf)
    if not folder.is_dir():
        return 0
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


SERVER_FIELDS = ("server", "server_model", "server_key", "server_timeout", "server_fallback")


class ConnectionTest(QObject):
    """Probes a server on a worker thread; `finished` brings a ServerInfo or a message."""

    finished = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.running = False

    def start(self, url: str, key: str, timeout: float) -> None:
        self.running = True
        threading.Thread(target=self._run, args=(url, key, timeout), daemon=True).start()

    def _run(self, url: str, key: str, timeout: float) -> None:
        from writer_app.engine.http_api import Endpoint, ServerError
        from writer_app.engine.remote import api_key, probe

        try:
            outcome: object = probe(Endpoint.parse(url, api_key(key), timeout))
        except ServerError as exc:
            outcome = str(exc)
        self.running = False
        self.finished.emit(outcome)  # queued to the GUI thread


class ModelPage(QWidget):
    """Which model, where it runs, in what precision, with how many threads."""

    use_now = Signal()  # "Use This Model" in Get Models…: apply the settings at once

    def __init__(self, settings: Settings, devices: tuple[str, ...] | None) -> None:
        super().__init__()
        self.settings = settings
        self.devices = devices  # None: not known yet (the model is still loading)
        model = settings.model
        layout, self.fields = _form(model, skip=("model", "extra_paths"))
        self.choice = QComboBox()
        self.choice.setObjectName("model")
        self.choice.setToolTip(_tr(spec_of(dataclasses.fields(Model)[0]).help))
        add_folder = QPushButton(QCoreApplication.translate("Settings", "Add Folder…"))
        add_gguf = QPushButton(QCoreApplication.translate("Settings", "Add GGUF File…"))
        self.forget = QPushButton(QCoreApplication.translate("Settings", "Forget"))
        self.forget.setToolTip(
            QCoreApplication.translate(
                "Settings", "Remove this added path from the list (nothing is deleted)"
            )
        )
        self.get_models = QPushButton(QCoreApplication.translate("Settings", "Get Models…"))
        self.get_models.setObjectName("get_models")
        self.get_models.setToolTip(
            QCoreApplication.translate(
                "Settings", "Download a better model from the Hugging Face Hub"
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        for button in (add_folder, add_gguf, self.forget, self.get_models):
            row.addWidget(button)
        layout.insertRow(0, _tr("Model"), row)
        self.estimate = QLabel()
        self.estimate.setObjectName("estimate")
        self.estimate.setWordWrap(True)
        layout.addRow("", self.estimate)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        layout.addRow("", self.problems)
        key = self.fields["server_key"].widget
        assert isinstance(key, QLineEdit)
        key.setEchoMode(QLineEdit.EchoMode.Password)  # never shown in full
        key.setPlaceholderText(
            QCoreApplication.translate("Settings", "none, or from {variable}").format(
                variable="WRITER_API_KEY"
            )
        )
        url = self.fields["server"].widget
        assert isinstance(url, QLineEdit)
        url.setPlaceholderText("http://localhost:8000/v1")
        self.test_button = QPushButton(QCoreApplication.translate("Settings", "Test Connection"))
        self.test_button.setObjectName("test_connection")
        self.test_button.setToolTip(
            QCoreApplication.translate(
                "Settings", "Ask the server for its models and what it can take"
            )
        )
        self.test_result = QLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addRow("", self.test_button)
        layout.addRow("", self.test_result)
        self.tester = ConnectionTest(self)
        self.tester.finished.connect(self._tested)
        self.test_button.clicked.connect(self.test_connection)
        self.setLayout(layout)
        device = self.fields["device"].widget
        assert isinstance(device, QComboBox)
        for i, name in enumerate(device.itemData(i) for i in range(device.count())):
            present = devices is None or name == "auto" or name in devices
            device.model().item(i).setEnabled(present)  # type: ignore[attr-defined]
        self._fill_models()
        self.choice.currentIndexChanged.connect(self._on_changed)
        for editor in self.fields.values():
            editor.changed().connect(self._on_changed)
        add_folder.clicked.connect(self.add_folder)
        add_gguf.clicked.connect(self.add_gguf)
        self.forget.clicked.connect(self.forget_path)
        self.get_models.clicked.connect(self.open_library)
        from writer_app.ui.model_library import DownloadManager

        DownloadManager.instance().finished.connect(self._downloaded)
        self._on_changed()

    def _fill_models(self) -> None:
        from writer_app.engine.models import discover_models, model_from_path

        found, notes = discover_models(self.settings.model.extra_paths)
        self.models = {m.spec: m for m in found}
        current = self.settings.model.model
        if current not in self.models and current != "builtin":
            with contextlib.suppress(LookupError):
                self.models[current] = model_from_path(current)
        self.choice.blockSignals(True)
        self.choice.clear()
        for spec, info in self.models.items():
            source = _tr(SOURCES[info.source]) if info.source in SOURCES else info.source
            self.choice.addItem(f"{info.name} ({source})", spec)
        if current not in self.models:
            shown = QCoreApplication.translate("Settings", "{model} (not found)")
            self.choice.addItem(shown.format(model=current), current)
        self.choice.setCurrentIndex(self.choice.findData(current))
        self.choice.blockSignals(False)
        self.problems.setText("\n".join(notes))

    def _on_changed(self, *_args: Any) -> None:
        for editor in self.fields.values():
            editor.store()
        self.settings.model.model = self.choice.currentData() or self.settings.model.model
        self.forget.setEnabled(self.settings.model.model in self.settings.model.extra_paths)
        on_server = self.settings.model.backend == "server"
        for name in SERVER_FIELDS:
            self.fields[name].widget.setEnabled(on_server)
        self.test_button.setEnabled(on_server and not self.tester.running)
        info = self.models.get(self.settings.model.model)
        if on_server:
            self.estimate.setText(
                QCoreApplication.translate(
                    "Settings",
                    "Text is generated on the server; the local model below is loaded only "
                    "if the server cannot be reached and falling back is on.",
                )
            )
            return
        if info is None:
            self.estimate.setText(
                QCoreApplication.translate("Settings", "This model is not on this machine.")
            )
            return
        from writer_app.engine.models import memory_estimate

        m = self.settings.model
        device = m.device
        if device == "auto":
            device = (self.devices or ("cpu",))[0]
        need = memory_estimate(info, m.precision, device)
        size = f"{info.size_bytes / 2**20:,.0f}"
        disk = QCoreApplication.translate("Settings", "{size} MiB on disk").format(size=size)
        if info.is_gguf:
            disk = QCoreApplication.translate("Settings", "{size} MiB GGUF file").format(size=size)
            copy = converted_size(info.path)
            if copy:
                disk += QCoreApplication.translate(
                    "Settings", " + {size} MiB converted copy in the cache"
                ).format(size=f"{copy / 2**20:,.0f}")
            else:
                disk += QCoreApplication.translate(
                    "Settings", " (converted into the cache on first use)"
                )
        needs = QCoreApplication.translate(
            "Settings", "{disk} · needs about {size} GB of memory on {device}"
        )
        self.estimate.setText(
            needs.format(disk=disk, size=f"{need / 2**30:.1f}", device=device.upper())
        )

    def test_connection(self) -> None:
        """Ask the server (on a thread of its own: the dialog stays responsive)."""
        m = self.settings.model
        server = m.server or QCoreApplication.translate("Settings", "the server")
        self.test_result.setText(
            QCoreApplication.translate("Settings", "Asking {server}…").format(server=server)
        )
        self.tester.start(m.server, m.server_key, m.server_timeout)
        self.test_button.setEnabled(False)

    def _tested(self, outcome: object) -> None:
        self.test_button.setEnabled(self.settings.model.backend == "server")
        if isinstance(outcome, str):  # what went wrong
            self.test_result.setText(outcome)
            return
        from writer_app.engine.remote import ServerInfo

        assert isinstance(outcome, ServerInfo)
        lines = [outcome.report()]
        wanted = self.settings.model.server_model
        if wanted and wanted not in outcome.models:
            lines.append(
                QCoreApplication.translate("Settings", "It has no model named {name}.").format(
                    name=repr(wanted)
                )
            )
        model_line = self.fields["server_model"].widget
        assert isinstance(model_line, QLineEdit)
        model_line.setCompleter(QCompleter(list(outcome.models), model_line))
        if not wanted and outcome.models:
            model_line.setPlaceholderText(outcome.models[0])
        self.test_result.setText("\n".join(lines))

    def _add_path(self, path: str) -> None:
        if not path:
            return
        paths_ = self.settings.model.extra_paths
        if path not in paths_:
            paths_.append(path)
        self.settings.model.model = path
        self._fill_models()
        self._on_changed()

    def open_library(self) -> QDialog:
        """The Get Models… dialog (downloads go on in the background when it closes)."""
        from writer_app.ui.model_library import ModelLibraryDialog, attach_status

        attach_status(self.window().parentWidget())  # progress in the main window's status bar
        dialog = ModelLibraryDialog(
            self, device=self.settings.model.device, current=self.settings.model.model
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.use_model.connect(self.use_downloaded)
        dialog.models_changed.connect(self._downloaded)
        dialog.show()
        return dialog

    def _downloaded(self, *_args: Any) -> None:
        """A download finished or a model was removed: list what is there now."""
        self._fill_models()
        self._on_changed()

    def use_downloaded(self, spec: str) -> None:
        """Switch to a downloaded model (a repo id, or a .gguf file in the cache) and apply."""
        if spec.lower().endswith(".gguf"):
            self._add_path(spec)
        else:
            self.settings.model.model = spec
            self._fill_models()
            self._on_changed()
        self.use_now.emit()

    def forget_path(self) -> None:
        self.settings.model.extra_paths.remove(self.settings.model.model)
        self.settings.model.model = "builtin"
        self._fill_models()
        self._on_changed()

    def add_folder(self) -> None:
        self._add_path(
            QFileDialog.getExistingDirectory(
                self, QCoreApplication.translate("Settings", "Model Folder")
            )
        )

    def add_gguf(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("Settings", "GGUF Model"),
            "",
            QCoreApplication.translate("Settings", "GGUF models (*.gguf)"),
        )
        self._add_path(name)


class StylesPage(QWidget):
    """The user's own rewrite styles: a name and the instruction the model follows."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("Settings", "Name"),
                QCoreApplication.translate("Settings", "Instruction"),
            ]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip(
            QCoreApplication.translate(
                "Settings",
                "Your styles appear in the Rewrite menu after the built-in ones. A short, direct "
                "instruction works best, e.g. “Rewrite the text as a pirate would say it.”",
            )
        )
        for name, instruction in settings.styles.items():
            self.add_style(name, instruction)
        self.table.itemChanged.connect(lambda _item: self.store())
        add = QPushButton(QCoreApplication.translate("Settings", "&Add Style"))
        add.clicked.connect(lambda: self.add_style("", "", edit=True))
        remove = QPushButton(QCoreApplication.translate("Settings", "&Remove Style"))
        remove.clicked.connect(self.remove_style)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        comma = QCoreApplication.translate("Settings", ", ", "between the names in a list")
        names = comma.join(
            QCoreApplication.translate("Style", s.name) for s in rewrite.BUILTIN_STYLES
        )
        intro = QLabel(
            QCoreApplication.translate("Settings", "Built-in styles: {names}.").format(names=names)
        )
        intro.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)

    def add_style(self, name: str, instruction: str, *, edit: bool = False) -> None:
        row = self.table.rowCount()
        blocked = self.table.blockSignals(True)
        self.table.insertRow(row)
        name_item = QTableWidgetItem(name)
        self.table.setItem(row, 0, name_item)
        self.table.setItem(row, 1, QTableWidgetItem(instruction))
        self.table.setColumnWidth(0, 160)
        self.table.blockSignals(blocked)
        if edit:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(name_item)
        self.store()

    def remove_style(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.store()

    def rows(self) -> list[tuple[str, str]]:
        def cell(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(cell(r, 0), cell(r, 1)) for r in range(self.table.rowCount())]

    def problems(self) -> list[str]:
        rows = [(n, i) for n, i in self.rows() if n.strip() or i.strip()]  # blank rows: ignored
        found = rewrite.style_problems(dict(rows))
        if len({n for n, _i in rows}) < len(rows):
            found.append(QCoreApplication.translate("Settings", "two styles have the same name"))
        return found

    def store(self) -> None:
        self.settings.styles = {
            " ".join(n.split()): i.strip() for n, i in self.rows() if n.strip() or i.strip()
        }


class SettingsDialog(QDialog):
    """Pages: Editor, Model & Device, and one per task's decoding."""

    applied = Signal(object)  # a checked Settings object

    def __init__(
        self,
        settings: Settings,
        devices: tuple[str, ...] | None = None,
        parent: QWidget | None = None,
        refused: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("Settings", "Settings"))
        self.settings = copy.deepcopy(settings)
        self.pages_list = QListWidget()
        self.pages_list.setFixedWidth(150)
        self.stack = QStackedWidget()
        editor_page = QWidget()
        editor_form, self.editor_fields = _form(self.settings.editor)
        note = QLabel(QCoreApplication.translate("Settings", "Takes effect when Writer restarts."))
        note.setObjectName("language_note")
        language_row = list(self.editor_fields).index("language")  # a row per field, in order
        editor_form.insertRow(language_row + 1, "", note)
        editor_page.setLayout(editor_form)
        for editor in self.editor_fields.values():
            editor.changed().connect(lambda *_a, e=editor: e.store())
        self.model_page = ModelPage(self.settings, devices)
        self.model_page.use_now.connect(self.accept_changes)
        self.decoding_pages = {task: DecodingPage(self.settings, task, refused) for task in TASKS}
        self.styles_page = StylesPage(self.settings)
        pages: list[tuple[str, QWidget]] = [
            (EDITOR_PAGE, editor_page),
            (MODEL_PAGE, self.model_page),
            *((TASK_TITLES[t], p) for t, p in self.decoding_pages.items()),
            (STYLES_PAGE, self.styles_page),
        ]
        for title, page in pages:
            item = QListWidgetItem(page_title(title))
            item.setData(Qt.ItemDataRole.UserRole, title)  # its English title: show_page's key
            self.pages_list.addItem(item)
            self.stack.addWidget(page)
        hint = _tr(HELP)
        self.help = QLabel(hint)
        self.help.setObjectName("help")
        self.pages_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.pages_list.currentRowChanged.connect(lambda _row: self.help.setText(hint))
        self.pages_list.setCurrentRow(0)
        self.help.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.clicked.connect(self._on_button)
        row = QHBoxLayout()
        row.addWidget(self.pages_list)
        row.addWidget(self.stack, 1)
        column = QVBoxLayout(self)
        column.addLayout(row, 1)
        column.addWidget(self.help)
        column.addWidget(self.buttons)
        QApplication.instance().focusChanged.connect(self._show_help)  # type: ignore[union-attr]
        self.resize(760, 560)

    def show_page(self, title: str) -> None:
        """Show the page with this English title (e.g. "Model & Device", "Draft")."""
        for i in range(self.pages_list.count()):
            if self.pages_list.item(i).data(Qt.ItemDataRole.UserRole) == title:
                self.pages_list.setCurrentRow(i)

    def _show_help(self, _old: QWidget | None, new: QWidget | None) -> None:
        page = self.stack.currentWidget()
        if new is not None and page is not None and page.isAncestorOf(new) and new.toolTip():
            self.help.setText(new.toolTip())

    def problems(self) -> list[tuple[str, str]]:
        """(page's English title, problem) for everything that would stop the settings from
        working."""
        found: list[tuple[str, str]] = []
        try:
            validate(self.settings)
        except SettingError as exc:
            found.append(("Settings", str(exc)))  # (not a page: no page is shown for it)
        for task in TASKS:
            found += [(TASK_TITLES[task], p) for p in problems(self.settings.decoding(task))]
        found += [(STYLES_PAGE, p) for p in self.styles_page.problems()]
        return found

    def accept_changes(self) -> bool:
        """Check the settings; hand them over if they can work, else say why."""
        for page in self.decoding_pages.values():
            page.store()
        found = self.problems()
        if found:
            self.show_page(found[0][0])
            text = "\n".join(f"{page_title(page)}: {problem}" for page, problem in found)
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                QCoreApplication.translate("Settings", "These settings cannot work"),
                text,
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return False
        self.applied.emit(copy.deepcopy(self.settings))
        return True

    def _on_button(self, button: QAbstractButton) -> None:
        role = self.buttons.buttonRole(button)
        if role == QDialogButtonBox.ButtonRole.RejectRole:
            self.reject()
        elif self.accept_changes() and role == QDialogButtonBox.ButtonRole.AcceptRole:
            self.accept()


def editor_font(editor: Editor, fallback: QFont) -> QFont:
    """The editor font the settings ask for."""
    font = QFont(fallback)
    if editor.font_family:
        font.setFamily(editor.font_family)
    font.setPointSizeF(editor.font_size)
    return font
