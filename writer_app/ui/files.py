"""The window's document files: open, save and save as, encodings and line endings, closing
documents, and other programs changing a file meanwhile.

`FileWindow` is the main window's base class: it holds what concerns files on disk, the main
window (`ui/main_window.py`) what concerns the rest. Nothing is ever overwritten silently.
Its text is translated in context "FileWindow" (explicitly: its methods run on a subclass).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox, QTabWidget

from writer_app import APP_NAME
from writer_app.documents import (
    OFFERED_ENCODINGS,
    DocumentError,
    TextFormat,
    UndecodableError,
    is_large_file,
    read_document,
    suggested_file_name,
)
from writer_app.recent import RecentFiles
from writer_app.ui.compare_dialog import CompareDialog
from writer_app.ui.document_tab import DocumentTab

UNSAVED_LISTED = 12  # documents named in the quit question; the rest are counted


def file_filters() -> str:
    """The file dialogs' filters (translated, so made when asked for)."""
    return ";;".join(
        (
            QCoreApplication.translate(
                "FileWindow", "Text, Markdown and Python (*.txt *.md *.markdown *.py *.pyw *.pyi)"
            ),
            QCoreApplication.translate("FileWindow", "Text and Markdown (*.txt *.md *.markdown)"),
            QCoreApplication.translate("FileWindow", "Python (*.py *.pyw *.pyi)"),
            QCoreApplication.translate("FileWindow", "All files (*)"),
        )
    )


class FileWindow(QMainWindow):
    """Documents in tabs, as files on disk."""

    tabs: QTabWidget
    watcher: QFileSystemWatcher
    recent: RecentFiles
    _asking: set[DocumentTab]  # tabs with a "changed on disk" question open

    # Provided by the main window.
    @property
    def tab(self) -> DocumentTab:
        raise NotImplementedError

    def new_tab(self) -> DocumentTab:
        raise NotImplementedError

    def documents(self) -> list[DocumentTab]:
        raise NotImplementedError

    def show_error(self, title: str, message: str) -> None:
        raise NotImplementedError

    def show_notice(self, message: str) -> None:
        raise NotImplementedError

    def _on_tab_state(self, tab: DocumentTab) -> None:
        raise NotImplementedError

    @property
    def path(self) -> Path | None:
        return self.tab.path

    def new_document(self) -> DocumentTab:
        return self.new_tab()

    def new_document_at(self, path: Path) -> DocumentTab:
        """An empty document that Save writes to `path` (which does not exist yet)."""
        tab = self.tab if self.tab.is_blank() else self.new_tab()
        tab.set_content("", path, TextFormat())
        if not path.parent.is_dir():
            self.show_notice(
                QCoreApplication.translate(
                    "FileWindow",
                    "The folder {folder} does not exist: Save will ask where to keep {name}",
                ).format(folder=path.parent, name=path.name)
            )
        return tab

    def last_folder(self) -> Path:
        """Where file dialogs start: the front document's folder, else the folder of the
        file opened or saved last, else the home folder."""
        candidates = [self.path.parent] if self.path is not None else []
        candidates += [p.parent for p in self.recent.paths()[:1]]
        return next((c for c in candidates if c.is_dir()), Path.home())

    def open_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self,
            QCoreApplication.translate("FileWindow", "Open"),
            str(self.last_folder()),
            file_filters(),
        )
        for name in names:
            self.open_path(Path(name))

    def proposed_path(self, tab: DocumentTab) -> Path:
        """What Save As offers: the file itself, or a name from the document's title."""
        if tab.path is not None and tab.path.parent.is_dir():
            return tab.path
        folder = self.last_folder()
        if tab.path is not None:  # its folder is gone: the same name somewhere that exists
            return folder / tab.path.name
        suffix = ".py" if tab.controller.code_mode else ".md"
        return folder / suggested_file_name(tab.text(), suffix)

    def open_path(self, path: Path, encoding: str | None = None) -> bool:
        """Open a file in a tab (or show it if it is open); on failure, say why."""
        for tab in self.documents():
            if tab.path is not None and tab.path.absolute() == path.absolute() and not encoding:
                self.tabs.setCurrentWidget(tab)
                return True
        try:
            text, fmt = read_document(path, encoding)
        except UndecodableError as exc:
            self._offer_encodings(path, str(exc))
            return False
        except DocumentError as exc:
            self.show_error(
                QCoreApplication.translate("FileWindow", "Could not open the file"), str(exc)
            )
            return False
        if is_large_file(path):
            self.show_notice(
                QCoreApplication.translate(
                    "FileWindow", "{name} is large; suggestions read only the text near the cursor"
                ).format(name=path.name)
            )
        tab = self.tab if self.tab.is_blank() else self.new_tab()
        tab.set_content(text, path, fmt)
        self.recent.add(path)
        self._on_tab_state(tab)
        return True

    def _offer_encodings(self, path: Path, message: str) -> None:
        """A file that is not valid in the detected encoding: choose one, nothing is replaced."""
        labels = [c.label for c in OFFERED_ENCODINGS]
        label, ok = QInputDialog.getItem(
            self,
            QCoreApplication.translate("FileWindow", "Choose an Encoding"),
            QCoreApplication.translate(
                "FileWindow", "{message}\n\nOpen it with this encoding:"
            ).format(message=message),
            labels,
            0,
            False,
        )
        if ok:
            codec = OFFERED_ENCODINGS[labels.index(label)].codec
            self.open_path(path, codec)

    def reopen_with_encoding(self, codec: str) -> None:
        tab = self.tab
        if tab.path is None or not self._confirm_discard(tab):
            return
        try:
            tab.reload(codec)
        except DocumentError as exc:
            self.show_error(
                QCoreApplication.translate("FileWindow", "Could not reopen the file"), str(exc)
            )

    def save_with_encoding(self, codec: str) -> None:
        tab = self.tab
        self._save_tab(tab, fmt=TextFormat(codec, tab.fmt.bom, tab.fmt.newline))

    def set_line_endings(self, newline: str) -> None:
        tab = self.tab
        tab.fmt = TextFormat(tab.fmt.encoding, tab.fmt.bom, newline)
        tab.editor.document().setModified(True)  # saving will write the new line endings
        self._on_tab_state(tab)

    def save(self) -> bool:
        return self._save_tab(self.tab)

    def save_as(self) -> bool:
        return self._save_tab(self.tab, ask_path=True)

    def _save_tab(
        self,
        tab: DocumentTab,
        *,
        ask_path: bool = False,
        path: Path | None = None,
        fmt: TextFormat | None = None,
    ) -> bool:
        folder_gone = tab.path is not None and not tab.path.parent.is_dir()
        if path is None and (ask_path or tab.path is None or folder_gone):
            caption = QCoreApplication.translate("FileWindow", "Save As")
            if folder_gone and not ask_path:
                assert tab.path is not None
                caption = QCoreApplication.translate(
                    "FileWindow", "Save As — the folder {folder} does not exist"
                ).format(folder=tab.path.parent)
            start = str(self.proposed_path(tab))
            name, _ = QFileDialog.getSaveFileName(self, caption, start, file_filters())
            if not name:
                return False
            path = Path(name)
        target = path or tab.path
        assert target is not None
        if target == tab.path and tab.disk_state() == "changed":
            answer = QMessageBox.question(
                self,
                APP_NAME,
                QCoreApplication.translate(
                    "FileWindow",
                    "{name} was changed by another program since you opened it. "
                    "Replace it with your version?",
                ).format(name=tab.title()),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Save:
                return False
        try:
            notices = tab.save(target, fmt)
        except DocumentError as exc:
            self.show_error(
                QCoreApplication.translate("FileWindow", "Could not save"),
                QCoreApplication.translate(
                    "FileWindow", "{error}\n\nYour text is still here; try saving somewhere else."
                ).format(error=exc),
            )
            return False
        self.recent.add(target)
        self._on_tab_state(tab)
        saved = QCoreApplication.translate("FileWindow", "Saved {path}").format(path=target)
        message = "; ".join([saved, *notices])
        self.statusBar().showMessage(message, 12000 if notices else 4000)
        return True

    def _confirm_discard(self, tab: DocumentTab) -> bool:
        """Before reopening a document: may its unsaved changes go?"""
        if not tab.is_modified():
            return True
        question = QCoreApplication.translate(
            "FileWindow", "Reopen {name} and lose your unsaved changes?"
        ).format(name=tab.title())
        answer = QMessageBox.question(
            self, APP_NAME, question,
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Discard

    def maybe_save(self, tab: DocumentTab | None = None) -> bool:
        """Ask about unsaved changes; False if the user cancelled."""
        tab = tab or self.tab
        if not tab.is_modified():
            return True
        self.tabs.setCurrentWidget(tab)
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = QMessageBox.question(
            self, APP_NAME,
            QCoreApplication.translate("FileWindow", "Save changes to {name}?").format(
                name=tab.title()
            ),
            buttons,
            QMessageBox.StandardButton.Save,
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Save:
            return self._save_tab(tab)
        return answer == QMessageBox.StandardButton.Discard

    def maybe_save_all(self) -> bool:
        """Before quitting: one question for all modified documents (Save All, Discard All,
        Cancel); False if the user cancelled or a save did not happen."""
        modified = [tab for tab in self.documents() if tab.is_modified()]
        if len(modified) < 2:
            return all(self.maybe_save(tab) for tab in modified)
        names = [tab.file_label() for tab in modified[:UNSAVED_LISTED]]
        if len(modified) > UNSAVED_LISTED:
            more = len(modified) - UNSAVED_LISTED
            names.append(QCoreApplication.translate("FileWindow", "and %n more", None, more))
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(APP_NAME)
        count = len(modified)  # (a variable: lupdate skips a call as the count)
        box.setText(
            QCoreApplication.translate(
                "FileWindow", "%n documents have unsaved changes:", None, count
            )
        )
        box.setInformativeText("\n".join(names))
        box.setStandardButtons(
            QMessageBox.StandardButton.SaveAll
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        discard = box.button(QMessageBox.StandardButton.Discard)
        if discard is not None:
            discard.setText(QCoreApplication.translate("FileWindow", "Discard All"))
        box.setDefaultButton(QMessageBox.StandardButton.SaveAll)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        answer = box.standardButton(box.clickedButton())
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Discard:
            return True
        if answer != QMessageBox.StandardButton.SaveAll:
            return False
        for tab in modified:
            self.tabs.setCurrentWidget(tab)
            if not self._save_tab(tab):
                return False  # cancelled or failed: the window stays open, nothing is lost
        return True

    def close_tab(self, tab: DocumentTab) -> bool:
        if not self.maybe_save(tab):
            return False
        tab.close_document()
        self.tabs.removeTab(self.tabs.indexOf(tab))
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.new_tab()
        return True

    # ---------------------------------------------------- changes on disk

    def _on_disk_change(self, changed_path: str) -> None:
        for tab in self.documents():
            if tab.path is None or tab in self._asking:
                continue
            if changed_path not in (str(tab.path), str(tab.path.parent)):
                continue
            state = tab.disk_state()
            if state == "missing":
                tab.stamp = None
                tab.editor.document().setModified(True)  # saving writes it again
                self.show_notice(
                    QCoreApplication.translate(
                        "FileWindow", "{name} was deleted or moved; Save writes it again"
                    ).format(name=tab.title())
                )
            elif state == "changed" and not tab.is_modified() and not tab.loading:
                try:
                    tab.reload()
                except DocumentError as exc:
                    self.show_notice(str(exc))
                else:
                    self.show_notice(
                        QCoreApplication.translate(
                            "FileWindow", "Reloaded {name}: another program changed it"
                        ).format(name=tab.title())
                    )
            elif state == "changed":
                self._ask_about_disk_change(tab)
            path = tab.path
            if path is not None and str(path) not in self.watcher.files() and path.exists():
                self.watcher.addPath(str(path))  # replaced by a rename: watch the new file

    def _ask_about_disk_change(self, tab: DocumentTab) -> None:
        """Never a silent overwrite: reload, keep mine, or compare first."""
        self._asking.add(tab)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(APP_NAME)
        box.setText(
            QCoreApplication.translate(
                "FileWindow",
                "{name} was changed by another program, and you have unsaved changes.",
            ).format(name=tab.title())
        )
        reload_button = box.addButton(
            QCoreApplication.translate("FileWindow", "Reload from Disk"),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        keep = box.addButton(
            QCoreApplication.translate("FileWindow", "Keep Mine"), QMessageBox.ButtonRole.AcceptRole
        )
        compare = box.addButton(
            QCoreApplication.translate("FileWindow", "Compare…"), QMessageBox.ButtonRole.ActionRole
        )
        box.setDefaultButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: Any) -> None:
            self._asking.discard(tab)
            if button is reload_button:
                try:
                    tab.reload()
                except DocumentError as exc:
                    self.show_error(
                        QCoreApplication.translate("FileWindow", "Could not reload"), str(exc)
                    )
            elif button is compare:
                self.compare_with_disk(tab)
                self._ask_about_disk_change(tab)  # then decide
            # Keep Mine: the next Save asks before replacing the file on disk.

        box.buttonClicked.connect(answered)
        self.disk_question = box
        box.open()

    def compare_with_disk(self, tab: DocumentTab) -> CompareDialog | None:
        if tab.path is None:
            return None
        try:
            on_disk, _fmt = read_document(tab.path)
        except DocumentError as exc:
            self.show_error(
                QCoreApplication.translate("FileWindow", "Could not read the file"), str(exc)
            )
            return None
        dialog = CompareDialog(
            on_disk,
            tab.text(),
            QCoreApplication.translate("FileWindow", "the file on disk"),
            QCoreApplication.translate("FileWindow", "your version"),
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
