"""Suggestions → Adapter for This Document: a document may use another adapter than the
one the settings name (a novel in its author's voice, reports in the team's), or none. The
choice is kept by the document's path (`document_adapters`), so a document must be saved
to have one; the assistant asks `choice` as each job is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from writer_app.config import Settings
from writer_app.document_adapters import DocumentAdapters
from writer_app.engine import adapters


class DocumentAdapterMenu(QMenu):
    """The submenu; `document()` is the path of the document in front (None: untitled)."""

    def __init__(
        self,
        store: DocumentAdapters,
        document: Callable[[], Path | None],
        settings: Callable[[], Settings],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Adapter for This &Document"), parent)
        self.setObjectName("document-adapter-menu")
        self.store = store
        self.document = document
        self.settings = settings
        self.group: QActionGroup | None = None  # this filling's choices
        self.aboutToShow.connect(self.fill)

    def choice(self) -> str | None:
        """The adapter chosen for the document in front: a name, "" for none, or None (as
        the settings say)."""
        path = self.document()
        return None if path is None else self.store.get(path)

    def fill(self) -> None:
        self.clear()
        if self.group is not None:
            self.group.deleteLater()  # and its actions, the last filling's
            self.group = None
        path = self.document()
        if path is None:
            note = self.addAction(self.tr("Save the document to choose its adapter"))
            note.setEnabled(False)
            return
        chosen = self.store.get(path)
        default = self.settings().model.adapter
        group = self.group = QActionGroup(self)
        entries: list[tuple[str, str | None]] = [
            (
                self.tr("As in Settings ({name})").format(name=default)
                if default
                else self.tr("As in Settings (none)"),
                None,
            ),
            (self.tr("No Adapter"), ""),
        ]
        names = [a.name for a in adapters.list_adapters() if not a.problem]
        if chosen and chosen not in names:
            names.append(chosen)  # chosen, and since deleted or damaged: the settings' is used
        entries += [(name, name) for name in names]
        for i, (text, value) in enumerate(entries):
            if i == 2:
                self.addSeparator()
            action = QAction(text, group)
            action.setCheckable(True)
            action.setChecked(value == chosen)
            action.triggered.connect(lambda _=False, v=value: self.choose(v))
            self.addAction(action)

    def choose(self, adapter: str | None) -> None:
        path = self.document()
        if path is not None:
            self.store.set(path, adapter)
