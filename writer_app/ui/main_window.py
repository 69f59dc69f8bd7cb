"""The main window: documents in tabs, menus, the find bar and the status bar."""

from __future__ import annotations

import asyncio
import copy
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from writer_app import APP_NAME, paths
from writer_app.config import Settings, save_settings
from writer_app.document_adapters import DocumentAdapters
from writer_app.documents import (
    NEWLINE_NAMES,
    OFFERED_ENCODINGS,
)
from writer_app.features.base import Progress
from writer_app.recent import RecentFiles
from writer_app.recovery import RecoveryEntry, RecoveryStore
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui import actions as window_actions
from writer_app.ui import i18n
from writer_app.ui.about import app_icon
from writer_app.ui.about import show_about as about_box
from writer_app.ui.actions import Action, Key
from writer_app.ui.continuation import SuggestionController
from writer_app.ui.document_adapter import DocumentAdapterMenu
from writer_app.ui.document_tab import DocumentTab
from writer_app.ui.draft import DraftFeature
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.export import Exporting
from writer_app.ui.files import FileWindow
from writer_app.ui.find_bar import FindBar
from writer_app.ui.preview import MarkdownPreview
from writer_app.ui.recovery_dialog import RecoveryDialog
from writer_app.ui.settings_dialog import STYLES_PAGE, SettingsDialog, editor_font
from writer_app.ui.spell import SpellChecking
from writer_app.ui.summarize import SummarizeFeature
from writer_app.ui.theme import apply_theme
from writer_app.ui.word_count import line_and_column, selected_text, word_count_label

COUNT_WORDS_UP_TO = 2_000_000  # characters; above this the count is done on a thread
SUGGESTING = QT_TRANSLATE_NOOP("MainWindow", "Suggesting…")

# Keys the editor handles itself (on a suggestion on show); listed in Keyboard Shortcuts
# (their help translated in context "MainWindow").
EDITOR_KEYS = (
    Key("Tab", QT_TRANSLATE_NOOP("MainWindow", "Accept the whole suggestion")),
    Key("Ctrl+Right", QT_TRANSLATE_NOOP("MainWindow", "Accept the next word of the suggestion")),
    Key("Esc", QT_TRANSLATE_NOOP("MainWindow", "Dismiss the suggestion")),
    Key("Alt+]  /  Alt+[", QT_TRANSLATE_NOOP("MainWindow", "Next / previous alternative")),
    Key(
        "Ctrl+Return, Esc",
        QT_TRANSLATE_NOOP("MainWindow", "In the rewrite panel: accept; stop, then reject"),
    ),
    Key("Ctrl+Tab", QT_TRANSLATE_NOOP("MainWindow", "Next document")),
)


class MainWindow(FileWindow):
    """Documents in tabs, each an editor with inline suggestions."""

    def __init__(
        self,
        assistant: Any,
        settings: Settings,
        settings_path: Path | None = None,
        recovery: RecoveryStore | None = None,
    ) -> None:
        super().__init__()
        self.assistant = assistant
        self.settings = settings
        self.settings_path = settings_path or paths.settings_file()
        self.recovery = recovery if recovery is not None else RecoveryStore(paths.recovery_dir())
        self.recent = RecentFiles(paths.recent_files_file())
        self.model_error: str | None = None
        self.last_ghost_latency: float | None = None
        self._load_task: asyncio.Task[None] | None = None
        self._asking: set[DocumentTab] = set()  # tabs with a "changed on disk" question open
        self.base_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(lambda i: self.close_tab(self._tab_at(i)))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.find_bar = FindBar(None, self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.tabs)
        column.addWidget(self.find_bar)
        self.setCentralWidget(central)

        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_disk_change)
        self.watcher.directoryChanged.connect(self._on_disk_change)
        self._count_timer = QTimer(self, singleShot=True, interval=250)
        self._count_timer.timeout.connect(self._update_word_count)

        self._build_status_bar()
        self._build_menus()
        self.new_tab()
        self._apply_look()
        self.resize(900, 640)
        self.setWindowIcon(app_icon())

    # ------------------------------------------------------------ the tabs

    @property
    def tab(self) -> DocumentTab:
        """The document in front."""
        tab = self.tabs.currentWidget()
        assert isinstance(tab, DocumentTab)
        return tab

    @property
    def editor(self) -> GhostTextEditor:
        return self.tab.editor

    @property
    def controller(self) -> SuggestionController:
        return self.tab.controller

    def documents(self) -> list[DocumentTab]:
        return [self._tab_at(i) for i in range(self.tabs.count())]

    def _tab_at(self, index: int) -> DocumentTab:
        tab = self.tabs.widget(index)
        assert isinstance(tab, DocumentTab)
        return tab

    def new_tab(self) -> DocumentTab:
        tab = DocumentTab(lambda: self.settings, self.assistant, self.recovery, self)
        tab.editor.setFont(editor_font(self.settings.editor, self.base_font))
        tab.changed.connect(lambda: self._on_tab_state(tab))
        tab.notice.connect(self.show_notice)
        tab.controller.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        tab.controller.notice.connect(self.show_notice)
        tab.controller.firstGhost.connect(self._on_first_ghost)
        tab.rewrite_panel.editStyles.connect(lambda: self.open_settings(STYLES_PAGE))
        tab.editor.ghostChanged.connect(self._on_ghost_changed)
        tab.editor.textChanged.connect(self._count_timer.start)
        tab.editor.selectionChanged.connect(self._count_timer.start)
        tab.editor.cursorPositionChanged.connect(lambda: self._show_position(tab))
        tab.controller.preparing.connect(lambda on: self._on_preparing(tab, on))
        for signal, action in (
            (tab.editor.undoAvailable, self.undo_action),
            (tab.editor.redoAvailable, self.redo_action),
        ):
            signal.connect(lambda on, a=action: a.setEnabled(on) if tab is self.tab else None)
        self.tabs.addTab(tab, tab.title())
        self.tabs.setCurrentWidget(tab)
        tab.editor.setFocus()
        return tab

    def _on_tab_changed(self, _index: int) -> None:
        if self.tabs.count() == 0:
            return
        tab = self.tab
        self.find_bar.editor = tab.editor
        document = tab.editor.document()
        self.undo_action.setEnabled(document.isUndoAvailable())
        self.redo_action.setEnabled(document.isRedoAvailable())
        self._on_tab_state(tab)
        self._update_word_count()
        self._show_position(tab)
        self.ghost_label.clear()

    def _on_tab_state(self, tab: DocumentTab) -> None:
        index = self.tabs.indexOf(tab)
        if index < 0:
            return
        self.tabs.setTabText(index, tab.title() + (" •" if tab.is_modified() else ""))
        self.tabs.setTabToolTip(index, tab.file_label())
        if tab is self.tab:
            self.setWindowTitle(f"{tab.title()}[*] — {APP_NAME}")
            self.setWindowModified(tab.is_modified())
            self.format_button.setText(tab.fmt.describe())
            self._show_position(tab)
        if tab.path is not None and tab.path.exists():
            for watched in (str(tab.path), str(tab.path.parent)):
                if watched not in self.watcher.files() + self.watcher.directories():
                    self.watcher.addPath(watched)

    # ------------------------------------------------------------- building

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel(self.tr("No model loaded"), self)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy indicator
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.ghost_label = QLabel(self)
        self.format_button = QToolButton(self)
        self.format_button.setAutoRaise(True)
        self.format_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.format_button.setToolTip(self.tr("Encoding and line endings"))
        self.format_menu = QMenu(self)
        self.format_menu.aboutToShow.connect(self._fill_format_menu)
        self.format_button.setMenu(self.format_menu)
        self.words_label = QLabel(self)
        self.position_label = QLabel(self)  # line and column, in code mode
        bar.addWidget(self.model_label, 1)
        bar.addWidget(self.progress)
        # A message takes the model line's place while it shows (they would draw over
        # each other: QStatusBar leaves a label it did not hide itself on screen).
        bar.messageChanged.connect(lambda text: self.model_label.setHidden(bool(text)))
        for w in (self.ghost_label, self.position_label, self.format_button, self.words_label):
            bar.addPermanentWidget(w)

    def _declared_actions(self) -> list[Action]:
        """Every command of the window, as data (see `ui/actions.py`)."""
        std = QKeySequence.StandardKey
        file, edit, suggest, _draft, help_ = window_actions.MENUS
        editor = self.current_editor
        return [
            Action("new", self.tr("&New"), file, self.new_document, std.New),
            Action("open", self.tr("&Open…"), file, self.open_dialog, std.Open),
            Action("save", self.tr("&Save"), file, self.save, std.Save),
            Action("save_as", self.tr("Save &As…"), file, self.save_as, "Ctrl+Shift+S"),
            *self.exporting.actions(),
            Action(
                "close", self.tr("&Close"), file, lambda: self.close_tab(self.tab), "Ctrl+W",
                self.tr("Close the document"), separator=True,
            ),
            Action("quit", self.tr("&Quit"), file, self.close, std.Quit),
            Action("next_tab", self.tr("Next Document"), "", self._next_tab, "Ctrl+Tab"),
            *self.previewing.actions(),  # in the View menu
            *self.spelling.actions(),
            Action("undo", self.tr("&Undo"), edit, lambda: editor().undo(), std.Undo),
            Action("redo", self.tr("&Redo"), edit, lambda: editor().redo(), std.Redo),
            Action("cut", self.tr("Cu&t"), edit, lambda: editor().cut(), std.Cut, separator=True),
            Action("copy", self.tr("&Copy"), edit, lambda: editor().copy(), std.Copy),
            Action("paste", self.tr("&Paste"), edit, lambda: editor().paste(), std.Paste),
            Action("select_all", self.tr("Select &All"), edit, lambda: editor().selectAll(),
                   std.SelectAll),
            Action("find", self.tr("&Find…"), edit, self.find_bar.open_bar, std.Find,
                   separator=True),
            Action("replace", self.tr("R&eplace…"), edit,
                   lambda: self.find_bar.open_bar(replace=True), "Ctrl+H",
                   self.tr("Find and replace")),
            Action("find_next", self.tr("Find &Next"), edit,
                   lambda: self.find_bar.search(forward=True), "F3", self.tr("Find next")),
            Action("find_previous", self.tr("Find Pre&vious"), edit,
                   lambda: self.find_bar.search(forward=False), "Shift+F3",
                   self.tr("Find previous")),
            Action("settings", self.tr("Se&ttings…"), edit, self.open_settings, "Ctrl+,",
                   self.tr("Settings"), separator=True),
            Action("suggestions", self.tr("&Inline Suggestions"), suggest,
                   self._toggle_suggestions, checkable=True),
            Action("suggest_now", self.tr("Suggest &Now"), suggest, self.suggest_now, "Ctrl+Space",
                   self.tr("Suggest now")),
            Action("rewrite", self.tr("&Rewrite Selection…"), suggest, self.rewrite_selection,
                   "Ctrl+Shift+R", self.tr("Rewrite the selected text in a style"), toolbar=True),
            Action("generate_code", self.tr("&Generate Code from Docstring"), suggest,
                   self.generate_code, "Ctrl+Shift+G",
                   self.tr("Generate code from docstring (Tab accepts, Esc rejects)"),
                   toolbar=True),
            *self.summarizing.actions(),
            Action("accept", self.tr("&Accept Suggestion\tTab"), suggest,
                   lambda: editor().accept_suggestion(), separator=True),
            Action("accept_word", self.tr("Accept Next &Word\tCtrl+Right"), suggest,
                   lambda: editor().accept_word()),
            Action("next_alternative", self.tr("Ne&xt Alternative\tAlt+]"), suggest,
                   lambda: editor().cycle(1)),
            Action("previous_alternative", self.tr("&Previous Alternative\tAlt+["), suggest,
                   lambda: editor().cycle(-1)),
            Action("dismiss", self.tr("&Dismiss\tEsc"), suggest, lambda: editor().dismiss()),
            Action("adapt", self.tr("Adapt &to My Writing…"), suggest, self.open_adapt,
                   tip=self.tr("Learn your writing from your documents"), separator=True),
            *self.drafting.actions(),
            Action("key_bindings", self.tr("&Keyboard Shortcuts"), help_, self.show_key_bindings),
            Action("about", self.tr("&About {app}").format(app=APP_NAME), help_, self.show_about),
        ]  # fmt: skip

    def _build_menus(self) -> None:
        self.drafting = DraftFeature(self, self)
        self.summarizing = SummarizeFeature(self, self)
        self.exporting = Exporting(self, self)
        self.previewing = MarkdownPreview(self, self.tabs)
        self.spelling = SpellChecking(self.tabs, parent=self)
        self.spelling.notice = self.show_notice
        self.spelling.set_enabled(self.settings.editor.spell_check)
        self.spelling.on_toggle = self._set_spell_check
        tools = self.addToolBar(self.tr("Assistant"))
        tools.setObjectName("assistant-toolbar")
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools.setMovable(False)
        self.declared = self._declared_actions()
        self.actions_by_name, menus = window_actions.build(
            self, self.menuBar(), tools, self.declared
        )
        self.recent_menu = QMenu(self.tr("Open &Recent"), self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menus["&File"].insertMenu(self.actions_by_name["save"], self.recent_menu)
        self.adapter_menu = DocumentAdapterMenu(
            DocumentAdapters(paths.document_adapters_file()),
            lambda: self.tab.path if self.tabs.count() else None,
            lambda: self.settings,
            self,
        )
        menus["&Suggestions"].addMenu(self.adapter_menu)  # after Adapt to My Writing…, the last
        self.assistant.document_adapter = self.adapter_menu.choice
        self.view_menu = QMenu(self.tr("&View"), self)
        self.menuBar().insertMenu(menus["&Suggestions"].menuAction(), self.view_menu)
        for name, feature in (("preview", self.previewing), ("spelling", self.spelling)):
            feature.bind(self.actions_by_name[name])
            self.view_menu.addAction(self.actions_by_name[name])
        self.undo_action = self.actions_by_name["undo"]
        self.redo_action = self.actions_by_name["redo"]
        self.enable_action = self.actions_by_name["suggestions"]
        self.enable_action.setChecked(self.settings.editor.suggestions)
        self.actions_by_name["settings"].setMenuRole(QAction.MenuRole.PreferencesRole)

    def key_bindings(self) -> list[tuple[str, str]]:
        """(keys, what they do), for Help → Keyboard Shortcuts."""
        keys = [Key(k.keys, QCoreApplication.translate("MainWindow", k.help)) for k in EDITOR_KEYS]
        return window_actions.key_bindings(self.declared, keys)

    def _next_tab(self) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % self.tabs.count())

    def current_editor(self) -> GhostTextEditor:
        return self.tab.editor

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent.paths():
            action = self.recent_menu.addAction(str(path))
            action.setEnabled(path.is_file())
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(self.tr("No recent files")).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("Clear List"), self.recent.clear)

    def _fill_format_menu(self) -> None:
        menu, tab = self.format_menu, self.tab
        menu.clear()
        reopen = menu.addMenu(self.tr("Reopen with Encoding"))
        reopen.setEnabled(tab.path is not None)
        save_as = menu.addMenu(self.tr("Save with Encoding"))
        for choice in OFFERED_ENCODINGS:
            codec: str = choice.codec
            reopen.addAction(choice.label).triggered.connect(
                lambda _c=False, c=codec: self.reopen_with_encoding(c)
            )
            save_as.addAction(choice.label).triggered.connect(
                lambda _c=False, c=codec: self.save_with_encoding(c)
            )
        endings = menu.addMenu(self.tr("Line Endings"))
        group = QActionGroup(endings)
        for newline, name in NEWLINE_NAMES.items():
            action = endings.addAction(name)
            action.triggered.connect(lambda _c=False, n=newline: self.set_line_endings(n))
            action.setCheckable(True)
            action.setChecked(tab.fmt.newline == newline and not tab.fmt.mixed)
            group.addAction(action)

    # ---------------------------------------------------------------- model

    def start_model_load(self) -> None:
        """Load the configured model in the background (the editor stays usable)."""
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self.progress.show()
        self.model_label.setText(self.tr("Starting the model…"))
        self._load_task = asyncio.ensure_future(self._load_model())

    async def _load_model(self) -> None:
        job = self.assistant.load(self.settings.model)
        try:
            async for event in job:
                if isinstance(event, Progress):
                    self.model_label.setText(i18n.shown(event.message))
            status = await job.result()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.model_error = i18n.shown_error(exc)
            self.model_label.setText(self.tr("No suggestions: the model could not be loaded"))
            self.model_label.setToolTip(self.model_error)
            self.show_error(
                self.tr("The model could not be loaded"),
                self.tr(
                    "{error}\n\nYou can keep writing; suggestions are off until a model loads."
                ).format(error=self.model_error),
            )
            return
        finally:
            self.progress.hide()
        self.model_error = None
        self.model_label.setText(status.summary)  # its speed once measured: _show_speed
        seconds = f"{status.load_seconds:.1f}"
        self.model_label.setToolTip(self.tr("Loaded in {seconds} s").format(seconds=seconds))
        self.assistant.on_job_done = self._show_speed
        for notice in status.notices:
            self.show_notice(i18n.shown(notice))

    def _show_speed(self) -> None:
        """The model line with its speed measured on real generations (after each job)."""
        summary = self.assistant.summary()
        if summary and self.model_error is None and not self.progress.isVisible():
            self.model_label.setText(summary)

    def generate_code(self) -> bool:
        """Write the body of the function at the cursor from its docstring, for preview."""
        from writer_app.ui.code import code_generation_for

        return code_generation_for(self, self.tab, self.editor).start()

    def rewrite_selection(self) -> QMenu | None:
        """Open the style picker at the selection; the rewrite shows in the tab's panel."""
        if not self.require_model(self.tr("rewrites")):
            return None
        return self.tab.rewrite_panel.pick_style()

    def suggest_now(self) -> None:
        if self.require_model(self.tr("suggestions")) and not self.controller.request(
            explicit=True
        ):
            self.notify(self.tr("Nothing to continue here"), 3000)

    def _set_spell_check(self, on: bool) -> None:
        new = copy.deepcopy(self.settings)
        new.editor.spell_check = on
        self.apply_settings(new)

    def _toggle_suggestions(self) -> None:
        new = copy.deepcopy(self.settings)
        new.editor.suggestions = self.enable_action.isChecked()
        self.apply_settings(new)

    # -------------------------------------------------------------- settings

    def open_settings(self, page: str = "") -> SettingsDialog:
        status = self.assistant.status
        dialog = SettingsDialog(
            self.settings,
            status.devices if status else None,
            self,
            refused=status.refused if status else (),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self.apply_settings)
        if page:
            dialog.show_page(page)
        dialog.open()
        return dialog

    def open_adapt(self) -> QDialog:
        """Adapt to My Writing…: train an adapter on the user's documents, then use it."""
        from writer_app.ui.adapt import AdaptDialog

        dialog = AdaptDialog(self.settings, self.apply_settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def apply_settings(self, new: Settings) -> None:
        """Use new settings at once, keep them in the settings file, reload the model if needed."""
        old, self.settings = self.settings, new
        try:
            save_settings(new, self.settings_path)
        except (OSError, ValueError) as exc:
            self.show_error(
                self.tr("Could not save the settings"),
                self.tr("{error}\n\nThey apply until you quit.").format(error=exc),
            )
        self.enable_action.setChecked(new.editor.suggestions)
        self.spelling.set_enabled(new.editor.spell_check)
        if not new.editor.suggestions:
            for tab in self.documents():
                tab.controller.timer.stop()
                tab.editor.end_session()
        look = ("theme", "font_family", "font_size")
        if any(getattr(new.editor, k) != getattr(old.editor, k) for k in look):
            self._apply_look()
        if new.model != old.model:
            self.start_model_load()

    def _apply_look(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.settings.editor.theme)
        font = editor_font(self.settings.editor, self.base_font)
        for tab in self.documents():
            tab.editor.setFont(font)
            tab.editor.refresh_colors()

    def _on_ghost_changed(self, index: int, count: int) -> None:
        shown = self.tr("Suggestion {index}/{count}").format(index=index + 1, count=count)
        self.ghost_label.setText(shown if count > 1 else "")

    def _on_first_ghost(self, seconds: float) -> None:
        self.last_ghost_latency = seconds

    # ------------------------------------------------------------ documents

    def _update_word_count(self) -> None:
        document = self.editor.document()
        text, selected = self.editor.text(), selected_text(self.editor.textCursor())
        if document.characterCount() > COUNT_WORDS_UP_TO:  # counted on a thread
            future = asyncio.get_event_loop().run_in_executor(
                None, word_count_label, text, selected
            )
            future.add_done_callback(lambda f: self.words_label.setText(f.result()))
        else:
            self.words_label.setText(word_count_label(text, selected))

    def _show_position(self, tab: DocumentTab) -> None:
        if self.tabs.currentWidget() is tab:
            code = tab.controller.code_mode
            self.position_label.setText(line_and_column(tab.editor.textCursor()) if code else "")

    def _on_preparing(self, tab: DocumentTab, on: bool) -> None:
        """A subtle sign that a suggestion is on its way (it can take a few seconds)."""
        suggesting = QCoreApplication.translate("MainWindow", SUGGESTING)
        if self.tabs.currentWidget() is tab and (on or self.ghost_label.text() == suggesting):
            self.ghost_label.setText(suggesting if on else "")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save_all():
            for tab in self.documents():
                tab.close_document()
            self.recovery.close()
            event.accept()
        else:
            event.ignore()

    # ------------------------------------------------------------ recovery

    def offer_recovery(self) -> RecoveryDialog | None:
        """After a crash: offer what the last session left unsaved."""
        entries = self.recovery.entries()
        for damaged in self.recovery.damaged:
            self.show_notice(
                self.tr("A recovery copy could not be read ({reason}); kept aside").format(
                    reason=damaged.reason
                )
            )
        if not entries:
            return None
        dialog = RecoveryDialog(self.recovery, entries, self)
        dialog.restore.connect(self.restore_document)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def restore_document(self, entry: RecoveryEntry, text: str) -> DocumentTab:
        """Open a recovered text as an unsaved document (saving writes it to its file)."""
        tab = self.tab if self.tab.is_blank() else self.new_tab()
        tab.set_content(text, Path(entry.path) if entry.path else None, entry.fmt, modified=True)
        return tab

    # ------------------------------------------------------------- messages

    def show_error(self, title: str, message: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not modal to the event loop: the model thread keeps reporting

    def show_notice(self, message: str) -> None:
        self.notify(message)

    # ------------------------------------------ the window API (ui/window_api.py)

    def current_tab(self) -> DocumentTab:
        return self.tab

    def is_open(self, tab: DocumentTab) -> bool:
        return self.tabs.indexOf(tab) >= 0

    def notify(self, message: str, ms: int = 10000) -> None:
        self.statusBar().showMessage(message, ms)

    def error(self, title: str, message: str) -> None:
        self.show_error(title, message)

    def require_model(self, what: str) -> bool:
        if self.model_error:
            self.notify(
                self.tr("No {what}: {error}").format(what=what, error=self.model_error), 6000
            )
            return False
        if not self.assistant.ready:
            self.notify(self.tr("The model is still loading…"), 3000)
            return False
        return True

    def add_status_widget(self, widget: QWidget) -> None:
        self.statusBar().addPermanentWidget(widget)

    def show_key_bindings(self) -> None:
        rows = "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
            for k, v in self.key_bindings()
        )
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            self.tr("Keyboard Shortcuts"),
            f"<table cellspacing=6>{rows}</table>",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> QMessageBox:
        return about_box(self, self.settings.model.model, self.assistant.status)
