"""The main window: the editor, its menus, the find bar and the status bar."""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from writer_app import APP_NAME, paths
from writer_app.assistant import Progress
from writer_app.config import Settings, save_settings
from writer_app.documents import DocumentError, TextFormat, read_document, write_document
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.find_bar import FindBar
from writer_app.ui.markdown import MARKDOWN_SUFFIXES, MarkdownHighlighter
from writer_app.ui.settings_dialog import SettingsDialog, editor_font
from writer_app.ui.suggestions import SuggestionController
from writer_app.ui.theme import apply_theme

FILE_FILTERS = "Text and Markdown (*.txt *.md *.markdown);;All files (*)"
_WORDS = re.compile(r"\w+(?:['’-]\w+)*")

KEY_BINDINGS = [
    ("Tab", "Accept the whole suggestion"),
    ("Ctrl+Right", "Accept the next word of the suggestion"),
    ("Esc", "Dismiss the suggestion"),
    ("Alt+]  /  Alt+[", "Next / previous alternative"),
    ("Ctrl+Space", "Suggest now"),
    ("Ctrl+F, F3, Shift+F3", "Find, find next, find previous"),
    ("Ctrl+N, Ctrl+O, Ctrl+S, Ctrl+Shift+S", "New, open, save, save as"),
    ("Ctrl+Z, Ctrl+Shift+Z", "Undo, redo (an accepted suggestion is one step)"),
    ("Ctrl+,", "Settings"),
]


class MainWindow(QMainWindow):
    """One document in an editor with inline suggestions."""

    def __init__(
        self, assistant: Any, settings: Settings, settings_path: Path | None = None
    ) -> None:
        super().__init__()
        self.assistant = assistant
        self.settings = settings
        self.settings_path = settings_path or paths.settings_file()
        self.path: Path | None = None
        self.text_format = TextFormat()
        self.model_error: str | None = None
        self._load_task: asyncio.Task[None] | None = None

        self.editor = GhostTextEditor(self)
        self.base_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        self.find_bar = FindBar(self.editor, self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.editor)
        column.addWidget(self.find_bar)
        self.setCentralWidget(central)

        self.controller = SuggestionController(self.editor, assistant, lambda: self.settings, self)
        self.controller.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.controller.notice.connect(self.show_notice)
        self.controller.firstGhost.connect(self._on_first_ghost)
        self.last_ghost_latency: float | None = None

        self._build_status_bar()
        self._build_menus()
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.editor.ghostChanged.connect(self._on_ghost_changed)
        self._count_timer = QTimer(self, singleShot=True, interval=250)
        self._count_timer.timeout.connect(self._update_word_count)
        self.editor.textChanged.connect(self._count_timer.start)
        self._update_title()
        self._update_word_count()
        self._apply_look()
        self.resize(900, 640)

    # ------------------------------------------------------------- building

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel("No model loaded", self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy indicator
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.ghost_label = QLabel(self)
        self.format_label = QLabel(self.text_format.describe(), self)
        self.words_label = QLabel(self)
        bar.addWidget(self.model_label, 1)
        bar.addWidget(self.progress)
        for w in (self.ghost_label, self.format_label, self.words_label):
            bar.addPermanentWidget(w)

    def _action(self, menu: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New", self.new_document, QKeySequence.StandardKey.New)
        self._action(file, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self._action(file, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file, "Save &As…", self.save_as, QKeySequence("Ctrl+Shift+S"))
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(
            edit, "&Undo", self.editor.undo, QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            edit, "&Redo", self.editor.redo, QKeySequence.StandardKey.Redo
        )
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.editor.undoAvailable.connect(self.undo_action.setEnabled)
        self.editor.redoAvailable.connect(self.redo_action.setEnabled)
        edit.addSeparator()
        self._action(edit, "Cu&t", self.editor.cut, QKeySequence.StandardKey.Cut)
        self._action(edit, "&Copy", self.editor.copy, QKeySequence.StandardKey.Copy)
        self._action(edit, "&Paste", self.editor.paste, QKeySequence.StandardKey.Paste)
        self._action(edit, "Select &All", self.editor.selectAll, QKeySequence.StandardKey.SelectAll)
        edit.addSeparator()
        self._action(edit, "&Find…", self.find_bar.open_bar, QKeySequence.StandardKey.Find)
        self._action(edit, "Find &Next", lambda: self.find_bar.search(forward=True), "F3")
        self._action(
            edit, "Find Pre&vious", lambda: self.find_bar.search(forward=False), "Shift+F3"
        )

        suggest = bar.addMenu("&Suggestions")
        self.enable_action = self._action(suggest, "&Inline Suggestions", self._toggle_suggestions)
        self.enable_action.setCheckable(True)
        self.enable_action.setChecked(self.settings.editor.suggestions)
        self._action(suggest, "Suggest &Now", self.suggest_now, QKeySequence("Ctrl+Space"))
        suggest.addSeparator()
        for text, slot, keys in (
            ("&Accept Suggestion\tTab", self.editor.accept_suggestion, None),
            ("Accept Next &Word\tCtrl+Right", self.editor.accept_word, None),
            ("Ne&xt Alternative\tAlt+]", lambda: self.editor.cycle(1), None),
            ("&Previous Alternative\tAlt+[", lambda: self.editor.cycle(-1), None),
            ("&Dismiss\tEsc", self.editor.dismiss, None),
        ):
            self._action(suggest, text, slot, keys)

        edit.addSeparator()
        self.settings_action = self._action(edit, "Se&ttings…", self.open_settings, "Ctrl+,")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts", self.show_key_bindings)
        self._action(help_menu, f"&About {APP_NAME}", self.show_about)

    # ---------------------------------------------------------------- model

    def start_model_load(self) -> None:
        """Load the configured model in the background (the editor stays usable)."""
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self.progress.show()
        self.model_label.setText("Starting the model…")
        self._load_task = asyncio.ensure_future(self._load_model())

    async def _load_model(self) -> None:
        model = self.settings.model
        job = self.assistant.load(model)
        try:
            async for event in job:
                if isinstance(event, Progress):
                    self.model_label.setText(event.message)
            status = await job.result()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.model_error = str(exc)
            self.model_label.setText("No suggestions: the model could not be loaded")
            self.model_label.setToolTip(self.model_error)
            self.show_error(
                "The model could not be loaded",
                f"{exc}\n\nYou can keep writing; suggestions are off until a model loads.",
            )
            return
        finally:
            self.progress.hide()
        self.model_error = None
        self.model_label.setText(status.summary)
        self.model_label.setToolTip(f"Loaded in {status.load_seconds:.1f} s")
        for notice in status.notices:
            self.show_notice(notice)

    def suggest_now(self) -> None:
        if self.model_error:
            self.statusBar().showMessage(f"No suggestions: {self.model_error}", 6000)
        elif not self.assistant.ready:
            self.statusBar().showMessage("The model is still loading…", 3000)
        elif not self.controller.request(explicit=True):
            self.statusBar().showMessage("Nothing to continue here", 3000)

    def _toggle_suggestions(self, checked: bool) -> None:
        new = copy.deepcopy(self.settings)
        new.editor.suggestions = checked
        self.apply_settings(new)

    # -------------------------------------------------------------- settings

    def open_settings(self, page: str = "") -> SettingsDialog:
        status = self.assistant.status
        dialog = SettingsDialog(self.settings, status.devices if status else None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self.apply_settings)
        if page:
            dialog.show_page(page)
        dialog.open()
        return dialog

    def apply_settings(self, new: Settings) -> None:
        """Use new settings at once, keep them in the settings file, reload the model if needed."""
        old, self.settings = self.settings, new
        try:
            save_settings(new, self.settings_path)
        except (OSError, ValueError) as exc:
            self.show_error("Could not save the settings", f"{exc}\n\nThey apply until you quit.")
        self.enable_action.setChecked(new.editor.suggestions)
        if not new.editor.suggestions:
            self.editor.end_session()
            self.controller.timer.stop()
        if (new.editor.theme, new.editor.font_family, new.editor.font_size) != (
            old.editor.theme,
            old.editor.font_family,
            old.editor.font_size,
        ):
            self._apply_look()
        if new.model != old.model:
            self.start_model_load()

    def _apply_look(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.settings.editor.theme)
        self.editor.setFont(editor_font(self.settings.editor, self.base_font))
        self.editor.refresh_colors()

    def _on_ghost_changed(self, index: int, count: int) -> None:
        self.ghost_label.setText(f"Suggestion {index + 1}/{count}" if count > 1 else "")

    def _on_first_ghost(self, seconds: float) -> None:
        self.last_ghost_latency = seconds

    # ------------------------------------------------------------ documents

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")

    def _update_word_count(self) -> None:
        n = len(_WORDS.findall(self.editor.toPlainText()))
        self.words_label.setText(f"{n} word{'s' if n != 1 else ''}")

    def _set_document(self, text: str, path: Path | None, fmt: TextFormat) -> None:
        self.editor.end_session()
        if self.editor.highlighter is not None:
            self.editor.highlighter.setDocument(None)
            self.editor.highlighter = None
        self.editor.setPlainText(text)
        if path is not None and path.suffix.lower() in MARKDOWN_SUFFIXES:
            self.editor.highlighter = MarkdownHighlighter(self.editor.document())
        self.editor.document().setModified(False)
        self.path = path
        self.text_format = fmt
        self.format_label.setText(fmt.describe())
        self._update_title()
        self._update_word_count()
        self.setWindowModified(False)

    def new_document(self) -> None:
        if self.maybe_save():
            self._set_document("", None, TextFormat())

    def new_document_at(self, path: Path) -> None:
        """An empty document that Save writes to `path` (which does not exist yet)."""
        self._set_document("", path, TextFormat())

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open", start, FILE_FILTERS)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> bool:
        """Open a file; on failure the current document stays and the user is told why."""
        try:
            text, fmt = read_document(path)
        except DocumentError as exc:
            self.show_error("Could not open the file", str(exc))
            return False
        self._set_document(text, path, fmt)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else "Untitled.md"
        name, _ = QFileDialog.getSaveFileName(self, "Save As", start, FILE_FILTERS)
        return bool(name) and self._write(Path(name))

    def _write(self, path: Path) -> bool:
        try:
            self.text_format = write_document(path, self.editor.toPlainText(), self.text_format)
        except DocumentError as exc:
            self.show_error(
                "Could not save", f"{exc}\n\nYour text is still here; try saving somewhere else."
            )
            return False
        renamed = path != self.path
        self.path = path
        self.format_label.setText(self.text_format.describe())
        self.editor.document().setModified(False)
        if renamed:
            self._update_title()
            wants_md = path.suffix.lower() in MARKDOWN_SUFFIXES
            if wants_md and self.editor.highlighter is None:
                self.editor.highlighter = MarkdownHighlighter(self.editor.document())
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        if not self.editor.document().isModified():
            return True
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        name = self.path.name if self.path else "Untitled"
        answer = QMessageBox.question(
            self, APP_NAME, f"Save changes to {name}?", buttons, QMessageBox.StandardButton.Save
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save():
            self.controller.stop()
            self.editor.end_session()
            event.accept()
        else:
            event.ignore()

    # ------------------------------------------------------------- messages

    def show_error(self, title: str, message: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not modal to the event loop: the model thread keeps reporting

    def show_notice(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    def show_key_bindings(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in KEY_BINDINGS)
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "Keyboard Shortcuts",
            f"<table cellspacing=6>{rows}</table>",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from writer_app import __version__

        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME} {__version__}</b><p>A local-first writing assistant. The language "
            "model runs on this computer; your text never leaves it.</p>",
        )
