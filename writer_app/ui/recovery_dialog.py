"""After a crash: offer each document that was left unsaved (restore / compare / discard)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from writer_app import APP_NAME
from writer_app.documents import DocumentError, read_document
from writer_app.recovery import DamagedRecovery, RecoveryEntry, RecoveryStore
from writer_app.ui.compare_dialog import CompareDialog


def _describe(entry: RecoveryEntry) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.saved_at))
    where = entry.path or QCoreApplication.translate("RecoveryDialog", "never saved")
    return QCoreApplication.translate(
        "RecoveryDialog", "{title} — {count} characters, {when}\n{where}"
    ).format(title=entry.title, count=f"{entry.chars:,}", when=when, where=where)


class RecoveryDialog(QDialog):
    """Lists the recovered documents; each is restored, compared or discarded."""

    restore = Signal(object, str)  # the entry and its text: open it as an unsaved document

    def __init__(
        self, store: RecoveryStore, entries: list[RecoveryEntry], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("Recover Unsaved Work"))
        self.list = QListWidget(self)
        for entry in entries:
            item = QListWidgetItem(_describe(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.restore_button = QPushButton(self.tr("Restore"))
        self.compare_button = QPushButton(self.tr("Compare with File…"))
        self.discard_button = QPushButton(self.tr("Discard"))
        later = QPushButton(self.tr("Decide Later"))
        later.setToolTip(self.tr("Keep the copies; they are offered again at the next start"))
        buttons = QHBoxLayout()
        for b in (self.restore_button, self.compare_button, self.discard_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(later)
        self.message = QLabel(
            self.tr(
                "{app} was not closed properly last time. These documents had unsaved changes:"
            ).format(app=APP_NAME)
        )
        self.message.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(self.message)
        column.addWidget(self.list, 1)
        column.addLayout(buttons)
        self.restore_button.clicked.connect(self.restore_current)
        self.compare_button.clicked.connect(self.compare_current)
        self.discard_button.clicked.connect(self.discard_current)
        later.clicked.connect(self.reject)
        self.list.currentRowChanged.connect(self._update_buttons)
        self._update_buttons()
        self.resize(600, 360)

    def current(self) -> RecoveryEntry | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        entry = self.current()
        for b in (self.restore_button, self.discard_button):
            b.setEnabled(entry is not None)
        self.compare_button.setEnabled(
            entry is not None and entry.path is not None and Path(entry.path).is_file()
        )

    def _done_with_current(self) -> None:
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.accept()
        self._update_buttons()

    def _load(self, entry: RecoveryEntry) -> str | None:
        try:
            return self.store.load(entry)
        except (DamagedRecovery, OSError) as exc:
            self.message.setText(
                self.tr("{title} could not be read back: {error}").format(
                    title=entry.title, error=exc
                )
            )
            return None

    def restore_current(self) -> None:
        entry = self.current()
        text = self._load(entry) if entry is not None else None
        if entry is None or text is None:
            return
        self.restore.emit(entry, text)
        self.store.remove(entry)
        self._done_with_current()

    def discard_current(self) -> None:
        entry = self.current()
        if entry is not None:
            self.store.remove(entry)
            self._done_with_current()

    def compare_current(self) -> CompareDialog | None:
        entry = self.current()
        text = self._load(entry) if entry is not None else None
        if entry is None or text is None or entry.path is None:
            return None
        try:
            on_disk, _fmt = read_document(entry.path)
        except DocumentError as exc:
            self.message.setText(str(exc))
            return None
        dialog = CompareDialog(
            on_disk, text, self.tr("the file on disk"), self.tr("the recovered copy"), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
