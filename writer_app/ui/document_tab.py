"""One open document: its editor, where it lives on disk, and how its work is kept safe.

A tab remembers the file's encoding and line endings, the state of the file on disk when it
was read or written (to notice other programs changing it), and keeps a recovery copy of
unsaved work shortly after typing stops (and at least every few seconds while it goes on).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMenu, QVBoxLayout, QWidget

from writer_app.config import Settings
from writer_app.documents import DocumentError, TextFormat, read_document, write_document
from writer_app.recovery import RecoveryStore
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.code_editor import is_code_path, set_code_mode
from writer_app.ui.continuation import SuggestionController
from writer_app.ui.editor import GhostTextEditor
from writer_app.ui.markdown import MARKDOWN_SUFFIXES, MarkdownHighlighter, looks_like_markdown
from writer_app.ui.rewrite import RewritePanel, style_menu

LOAD_CHUNK_CHARS = 1 << 20  # large texts go into the editor a chunk per event-loop turn
AUTOSAVE_MAX_WAIT_MS = 5000  # a recovery copy at least this often while typing goes on
GUESS_FORMAT_MS = 600  # an untitled document is looked at again this long after an edit
HINT = QT_TRANSLATE_NOOP(
    "DocumentTab",
    "Start writing. Pause at the end of a line for a grey suggestion (Tab accepts, Esc "
    "dismisses, Ctrl+Space asks anywhere). Select text and press Ctrl+Shift+R to rewrite it "
    "in a style. Write an outline (# headings, - points) and press Ctrl+Shift+D for a draft.",
)


@dataclass(frozen=True)
class DiskStamp:
    """Enough of a file's state to notice that someone else changed or replaced it."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DiskStamp | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return cls(st.st_mtime_ns, st.st_size, st.st_ino)


class DocumentTab(QWidget):
    """An editor with a document in it."""

    changed = Signal()  # title, modified state or format changed
    loaded = Signal()  # the text is all in the editor (large files arrive in chunks)
    notice = Signal(str)  # something for the status bar

    def __init__(
        self,
        settings: Callable[[], Settings],
        assistant: Any,
        recovery: RecoveryStore | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.recovery = recovery
        self.doc_id = uuid.uuid4().hex
        self.path: Path | None = None
        self.name_hint = ""  # what an unsaved document is called (e.g. a draft's title)
        self.fmt = TextFormat()
        self.stamp: DiskStamp | None = None  # the file as this tab last read or wrote it
        self.loading = False
        self._pending: tuple[str, int, bool] | None = None
        self.editor = GhostTextEditor(self)
        self.controller = SuggestionController(self.editor, assistant, settings)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        self.editor.setPlaceholderText(QCoreApplication.translate("DocumentTab", HINT))
        self.rewrite_panel = RewritePanel(self.editor, assistant, settings, self)
        self.rewrite_panel.notice.connect(self.notice)
        layout.addWidget(self.rewrite_panel)
        self.editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.editor.customContextMenuRequested.connect(self._context_menu)
        self._autosave = QTimer(self, singleShot=True)
        self._autosave.timeout.connect(self.write_recovery)
        self._autosave_max = QTimer(self, singleShot=True, interval=AUTOSAVE_MAX_WAIT_MS)
        self._autosave_max.timeout.connect(self.write_recovery)
        self._recovery_job: asyncio.Future[None] | None = None
        self._write_again = False  # text changed while a copy was being written
        # Untitled documents get Markdown highlighting when their text looks like Markdown.
        self._guess_format = QTimer(self, singleShot=True, interval=GUESS_FORMAT_MS)
        self._guess_format.timeout.connect(self._set_highlighter)
        document = self.editor.document()
        document.contentsChanged.connect(self._on_edit)
        document.modificationChanged.connect(self._on_modification_changed)

    # ----------------------------------------------------------------- state

    def title(self) -> str:
        return self.path.name if self.path else self.name_hint or self.tr("Untitled")

    def is_modified(self) -> bool:
        return self.editor.document().isModified()

    def is_blank(self) -> bool:
        """An untitled, unchanged, empty document: the place to open a file into."""
        return self.path is None and not self.is_modified() and self.editor.document().isEmpty()

    def text(self) -> str:
        return self.editor.text()

    def _context_menu(self, at: QPoint) -> QMenu:
        """The editor's usual menu, with Rewrite for a selection."""
        menu = self.editor.createStandardContextMenu(at)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel = self.rewrite_panel
        if self.editor.textCursor().hasSelection() and not self.editor.isReadOnly():
            menu.addSeparator()
            styles = style_menu(
                menu, self.settings(), panel.start, panel.ask_custom, panel.editStyles.emit
            )
            styles.setTitle(self.tr("Re&write"))
            menu.addMenu(styles)
        menu.popup(self.editor.viewport().mapToGlobal(at))
        return menu

    # ------------------------------------------------------------ contents

    def set_content(
        self, text: str, path: Path | None, fmt: TextFormat, *, modified: bool = False
    ) -> None:
        """Show a document; large texts arrive in chunks so the window never freezes."""
        self.editor.end_session()
        self.path, self.fmt = path, fmt
        self.stamp = DiskStamp.of(path) if path is not None else None
        self._set_highlighter()
        document = self.editor.document()
        document.setUndoRedoEnabled(False)
        self.editor.setPlainText(text[:LOAD_CHUNK_CHARS])
        if len(text) > LOAD_CHUNK_CHARS:
            self.loading = True
            self.editor.setReadOnly(True)
            self._pending = (text, LOAD_CHUNK_CHARS, modified)
            QTimer.singleShot(0, self._load_more)
        else:
            self._finish_loading(modified)

    def _load_more(self) -> None:
        if self._pending is None:
            return
        text, at, modified = self._pending
        cursor = QTextCursor(self.editor.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text[at : at + LOAD_CHUNK_CHARS])
        at += LOAD_CHUNK_CHARS
        if at < len(text):
            self._pending = (text, at, modified)
            percent = 100 * at // len(text)
            self.notice.emit(
                self.tr("Opening {name}… {percent}%").format(name=self.title(), percent=percent)
            )
            QTimer.singleShot(0, self._load_more)
        else:
            self._pending = None
            self.loading = False
            self.editor.setReadOnly(False)
            self.editor.moveCursor(QTextCursor.MoveOperation.Start)
            self._finish_loading(modified)

    def _finish_loading(self, modified: bool) -> None:
        if self._format_from_content():
            self._set_highlighter()  # now that the whole text is there to look at
        document = self.editor.document()
        document.setUndoRedoEnabled(True)
        document.setModified(modified)
        if not modified:
            self._discard_recovery()
        elif self.recovery is not None:
            self.write_recovery()
        self.changed.emit()
        self.loaded.emit()

    def _format_from_content(self) -> bool:
        """Whether the highlighting follows the text (no file suffix decides it)."""
        return self.path is None or not self.path.suffix

    def _set_highlighter(self) -> None:
        suffix = self.path.suffix.lower() if self.path is not None else ""
        # Python files: highlighting, line numbers, auto-indent, suggestions that continue code.
        self.controller.code_mode = is_code_path(suffix)
        set_code_mode(self.editor, self.controller.code_mode)
        wants = suffix in MARKDOWN_SUFFIXES
        if self._format_from_content() and not self.loading:
            wants = looks_like_markdown(self.text())
        current = self.editor.highlighter
        if wants and current is None:
            self.editor.set_highlighter(MarkdownHighlighter(self.editor.document()))
        elif not wants and isinstance(current, MarkdownHighlighter):
            self.editor.set_highlighter(None)

    # ---------------------------------------------------------------- disk

    def disk_state(self) -> str:
        """ "same", "changed" (another program wrote it) or "missing" (deleted or moved)."""
        if self.path is None:
            return "same"
        now = DiskStamp.of(self.path)
        if now is None:
            return "missing" if self.stamp is not None else "same"
        return "same" if now == self.stamp else "changed"

    def save(self, path: Path | None = None, fmt: TextFormat | None = None) -> list[str]:
        """Write the document (atomically). Raises DocumentError; nothing changes then.

        Returns what the user should know about how it was saved (e.g. written in place).
        """
        target = path or self.path
        assert target is not None, "an untitled document needs a path to be saved"
        notices: list[str] = []
        self.fmt = write_document(target, self.text(), fmt or self.fmt, notices=notices)
        renamed = target != self.path
        self.path = target
        self.stamp = DiskStamp.of(target)
        self.editor.document().setModified(False)
        self._discard_recovery()
        if renamed:
            self._set_highlighter()
        self.changed.emit()
        return notices

    def reload(self, encoding: str | None = None) -> None:
        """Read the file again (e.g. after another program changed it), keeping the cursor."""
        assert self.path is not None
        text, fmt = read_document(self.path, encoding)
        position = self.editor.textCursor().position()
        self.set_content(text, self.path, fmt)
        cursor = self.editor.textCursor()
        cursor.setPosition(min(position, len(text)))
        self.editor.setTextCursor(cursor)

    def file_label(self) -> str:
        return os.fspath(self.path) if self.path else self.title()

    # ------------------------------------------------------------ recovery

    def _on_modification_changed(self, modified: bool) -> None:
        if not modified and not self.loading:
            # Back to the saved text (e.g. undone to it): nothing left to recover.
            self._discard_recovery()
        self.changed.emit()

    def _on_edit(self) -> None:
        if self._format_from_content() and not self.loading:
            self._guess_format.start()
        if self.loading or self.recovery is None or not self.is_modified():
            return
        self._autosave.start(int(self.settings().editor.autosave_seconds * 1000))
        if not self._autosave_max.isActive():
            self._autosave_max.start()

    def write_recovery(self) -> None:
        """Keep a copy of the unsaved text, written on a background thread."""
        self._autosave.stop()
        self._autosave_max.stop()
        store = self.recovery
        if store is None or self.loading:
            return
        if not self.is_modified():
            self._discard_recovery()
            return
        if self._recovery_job is not None and not self._recovery_job.done():
            self._write_again = True  # one write at a time, so the newest text lands last
            return
        text, path, fmt, title = self.text(), self.path, self.fmt, self.title()

        def write() -> None:
            store.save(self.doc_id, text, path=path, fmt=fmt, title=title)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._write_now(write)
        else:
            self._recovery_job = loop.run_in_executor(None, write)
            self._recovery_job.add_done_callback(self._recovery_written)

    def _write_now(self, write: Callable[[], None]) -> None:
        try:
            write()
        except DocumentError as exc:
            self.notice.emit(str(exc))

    def _recovery_written(self, future: asyncio.Future[None]) -> None:
        exc = future.exception()
        if isinstance(exc, DocumentError):
            self.notice.emit(str(exc))
        if self._write_again:
            self._write_again = False
            self.write_recovery()

    def _discard_recovery(self) -> None:
        self._autosave.stop()
        self._autosave_max.stop()
        self._write_again = False
        store, job = self.recovery, self._recovery_job
        if store is None:
            return
        store.discard(self.doc_id)
        if job is not None and not job.done():  # a copy still being written: drop it after
            job.add_done_callback(lambda _f: store.discard(self.doc_id))

    def close_document(self) -> None:
        """The user closed this document (saved, or chose to discard it)."""
        self.controller.stop()
        self.rewrite_panel.reject()
        self.editor.end_session()
        self._discard_recovery()
