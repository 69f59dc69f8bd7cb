"""Session restore for the main window: what `writer_app.session` keeps, taken from the
window at quit and given back to it at the next start.

`app.py` calls `restore_session` before the window is first shown and `keep_session` when the
application quits; nothing else does, so windows made by tests start empty and leave no
session behind unless a test asks for one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, Qt
from PySide6.QtGui import QTextCursor

from writer_app.session import OpenFile, Session, load_session, save_session

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab
    from writer_app.ui.main_window import MainWindow


def capture(window: MainWindow) -> Session:
    """The window as it is: its saved files (in tab order), their cursors, the one in
    front, its geometry and its view."""
    files: list[OpenFile] = []
    current = 0
    front = window.tabs.currentWidget()
    for tab in window.documents():
        if tab.path is None or not tab.path.is_file():
            continue  # never saved: crash recovery keeps unsaved work, not the session
        if tab is front:
            current = len(files)
        cursor = tab.editor.textCursor()
        anchor = cursor.anchor() if cursor.hasSelection() else None
        files.append(OpenFile(str(tab.path.absolute()), cursor.position(), anchor))
    geometry = bytes(window.saveGeometry().toBase64().data()).decode("ascii")
    view = {"preview": window.previewing.shown}  # (spell checking is a setting)
    return Session(tuple(files), current, geometry, view)


def keep_session(window: MainWindow, file: Path) -> None:
    """Write the window's session to `file` (at quit)."""
    save_session(file, capture(window))


def _place_cursor(tab: DocumentTab, entry: OpenFile) -> None:
    editor = tab.editor
    last = max(0, editor.document().characterCount() - 1)
    cursor = QTextCursor(editor.document())
    if entry.anchor is not None:
        cursor.setPosition(min(entry.anchor, last))
        cursor.setPosition(min(entry.cursor, last), QTextCursor.MoveMode.KeepAnchor)
    else:
        cursor.setPosition(min(entry.cursor, last))
    editor.setTextCursor(cursor)
    editor.ensureCursorVisible()


def restore(window: MainWindow, session: Session) -> list[str]:
    """Give the window its session back; returns the files that are no longer there."""
    if session.geometry:
        window.restoreGeometry(QByteArray.fromBase64(session.geometry.encode("ascii")))
    missing: list[str] = []
    opened: list[DocumentTab | None] = []
    for entry in session.files:
        path = Path(entry.path)
        if not path.is_file():
            missing.append(entry.path)
            opened.append(None)
            continue
        if not window.open_path(path):  # it says why
            opened.append(None)
            continue
        tab = window.tab
        opened.append(tab)
        if tab.loading:  # a large file arrives in chunks
            tab.loaded.connect(
                lambda t=tab, e=entry: _place_cursor(t, e), Qt.ConnectionType.SingleShotConnection
            )
        else:
            _place_cursor(tab, entry)
    if 0 <= session.current < len(opened) and (front := opened[session.current]) is not None:
        window.tabs.setCurrentWidget(front)
    if "preview" in session.view:
        window.previewing.set_shown(session.view["preview"])
    if missing:
        names = ", ".join(Path(m).name for m in missing[:5]) + ("…" if len(missing) > 5 else "")
        window.show_notice(
            QCoreApplication.translate("Session", "Not reopened, no longer there: {names}").format(
                names=names
            )
        )
    return missing


def restore_session(window: MainWindow, file: Path) -> list[str]:
    """Restore the session kept in `file`, if there is one (see `restore`)."""
    session = load_session(file)
    return restore(window, session) if session is not None else []
