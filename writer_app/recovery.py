"""Recovery copies of unsaved documents, offered again after a crash. No Qt.

While the app runs it autosaves every dirty document about a second after typing stops
(`RecoveryStore.save`) and drops the copy once the document is saved or closed
(`RecoveryStore.discard`). On the next start, `RecoveryStore.entries` lists the copies that a
session which is no longer running left behind.

The folder holds, per running or crashed session ``S``:

- ``S.lock``: locked (``flock``) by the live session for as long as it runs, so another running
  instance never "recovers" its live documents. The kernel drops the lock when the process
  dies, however it dies.
- ``S.<key>.writer-recovery``, one per document, each written atomically
  (`documents.atomic_write`): a first line ``WRITER-RECOVERY 1``, a one-line JSON header (the
  document's id, path, title, encoding, line endings, time, process id, session, length and
  CRC-32 of the text) and then the text in UTF-8.

A damaged copy is skipped, moved into ``damaged/`` beside the others (so it is reported once,
and nothing is deleted) and listed in `RecoveryStore.damaged`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from writer_app.atomic import atomic_write, read_regular_file
from writer_app.documents import NEWLINE_NAMES, DocumentError, TextFormat, read_document

log = logging.getLogger(__name__)

SUFFIX = ".writer-recovery"
MAGIC = b"WRITER-RECOVERY 1\n"
LOCK_SUFFIX = ".lock"
DAMAGED_FOLDER = "damaged"
_NEWLINES = {name: newline for newline, name in NEWLINE_NAMES.items()}
_LOCK_TIMEOUT_S = 5.0

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock, not lockf: flock locks belong to the open file, so two stores in one
        # process exclude each other too, and a dead process never holds one.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class DamagedRecovery(Exception):
    """A recovery file that cannot be read back."""


@dataclass(frozen=True)
class RecoveryEntry:
    """One document that a session which is no longer running left unsaved."""

    file: Path
    doc_id: str
    path: str | None  # the document's file; None for an untitled document
    title: str
    fmt: TextFormat  # how the document's file was stored (for saving it again)
    saved_at: float  # time.time() of the autosave
    session: str
    pid: int
    chars: int  # length of the text


@dataclass(frozen=True)
class DamagedFile:
    """A recovery file that was skipped, and why (it is kept, in the damaged/ folder)."""

    file: Path
    reason: str


def _session_of(name: str) -> str:
    return name.lstrip(".").split(".", 1)[0]


def _parse(file: Path, data: bytes) -> tuple[RecoveryEntry, bytes]:
    if not data.startswith(MAGIC):
        raise DamagedRecovery("not a Writer recovery file")
    end = data.find(b"\n", len(MAGIC))
    if end == -1:
        raise DamagedRecovery("its header is cut off")
    try:
        head: dict[str, Any] = json.loads(data[len(MAGIC) : end])
        body = data[end + 1 :]
        if len(body) != head["bytes"]:
            raise DamagedRecovery(f"its text is cut off ({len(body)} of {head['bytes']} bytes)")
        if zlib.crc32(body) != head["crc32"]:
            raise DamagedRecovery("its text is damaged (checksum mismatch)")
        fmt = TextFormat(
            str(head["encoding"]),
            bool(head["bom"]),
            _NEWLINES[head["newline"]],
            bool(head["mixed"]),
        )
        path = head["path"]
        entry = RecoveryEntry(
            file=file,
            doc_id=str(head["doc_id"]),
            path=None if path is None else str(path),
            title=str(head["title"]),
            fmt=fmt,
            saved_at=float(head["saved_at"]),
            session=str(head["session"]),
            pid=int(head["pid"]),
            chars=int(head["chars"]),
        )
    except DamagedRecovery:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise DamagedRecovery(f"its header is damaged ({exc!r})") from exc
    return entry, body


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise DamagedRecovery(f"its text is not UTF-8 (byte {exc.start})") from exc


def _same_as_saved(entry: RecoveryEntry, text: str) -> bool:
    """Whether a copy holds exactly what its file holds (e.g. edits undone before a crash),
    or, for an untitled document, nothing at all."""
    if entry.path is None:
        return not text
    try:
        on_disk, _fmt = read_document(entry.path, entry.fmt.encoding)
    except (DocumentError, ValueError):
        return False
    return on_disk == text


class RecoveryStore:
    """Autosaved copies of a session's unsaved documents, and those crashed sessions left.

    Thread-safe: `save` may be called from a worker thread.
    """

    def __init__(self, folder: Path, *, session: str | None = None) -> None:
        self.folder = Path(folder)
        self.session = session or f"{os.getpid()}-{secrets.token_hex(6)}"
        if "." in self.session or os.sep in self.session:
            raise ValueError(f"a session id may not hold '.' or {os.sep!r}: {self.session!r}")
        self.damaged: list[DamagedFile] = []
        self._lock_fd: int | None = None
        self._mutex = threading.Lock()

    # ---------------------------------------------------------------- this session

    def _file_for(self, doc_id: str) -> Path:
        key = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        return self.folder / f"{self.session}.{key}{SUFFIX}"

    def _lock_path(self, session: str) -> Path:
        return self.folder / f"{session}{LOCK_SUFFIX}"

    def _hold_session_lock(self) -> None:
        if self._lock_fd is not None:
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._lock_path(self.session)
        deadline = time.monotonic() + _LOCK_TIMEOUT_S
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            # Another instance may hold it for a moment to see whether we are alive.
            if _try_lock(fd):
                try:
                    same = os.stat(path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:  # (not a lock file someone just removed as an orphan)
                    break
                _unlock(fd)
            os.close(fd)
            if time.monotonic() > deadline:
                raise DocumentError(f"Could not lock {path}: it is held by another process")
            time.sleep(0.01)
        info = json.dumps({"pid": os.getpid(), "started": time.time()}).encode()
        with contextlib.suppress(OSError):  # for people looking at the folder
            os.ftruncate(fd, 0)
            os.write(fd, info)
        self._lock_fd = fd

    def save(
        self,
        doc_id: str,
        text: str,
        *,
        path: str | os.PathLike[str] | None,
        fmt: TextFormat,
        title: str,
    ) -> None:
        """Write (or replace) the recovery copy of one document, atomically.

        Raises DocumentError if it cannot be written; an older copy then stays as it was.
        """
        body = text.encode("utf-8", "surrogatepass")
        head = {
            "doc_id": doc_id,
            "path": None if path is None else os.fspath(path),
            "title": title,
            "encoding": fmt.encoding,
            "bom": fmt.bom,
            "newline": NEWLINE_NAMES[fmt.newline],
            "mixed": fmt.mixed,
            "saved_at": time.time(),
            "session": self.session,
            "pid": os.getpid(),
            "chars": len(text),
            "bytes": len(body),
            "crc32": zlib.crc32(body),
        }
        data = b"".join((MAGIC, json.dumps(head).encode("ascii"), b"\n", body))
        with self._mutex:
            try:
                self._hold_session_lock()
                atomic_write(self._file_for(doc_id), data, mode=0o600)
            except DocumentError:
                raise
            except OSError as exc:
                raise DocumentError(
                    f"Could not save a recovery copy of {title}: {exc.strerror or exc}"
                ) from exc

    def discard(self, doc_id: str) -> None:
        """Drop a document's recovery copy (it was saved or closed). Never raises."""
        with self._mutex:
            try:
                self._file_for(doc_id).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("Could not remove the recovery copy of %s: %s", doc_id, exc)

    def close(self) -> None:
        """End this session cleanly: copies still here will be offered by the next start."""
        with self._mutex:
            if self._lock_fd is None:
                return
            with contextlib.suppress(OSError):
                self._lock_path(self.session).unlink()
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    def __enter__(self) -> RecoveryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- crashed sessions

    def _alive(self, session: str) -> bool:
        """Whether a session holds its lock (and so is running now)."""
        if session == self.session:
            return True
        try:
            fd = os.open(self._lock_path(session), os.O_RDWR)
        except FileNotFoundError:
            return False
        except OSError:
            return True  # cannot tell: leave its documents alone
        try:
            if _try_lock(fd):
                _unlock(fd)
                return False
            return True
        finally:
            os.close(fd)

    def _remove_lock_if_unused(self, session: str) -> None:
        """Remove a dead session's lock file once none of its copies are left."""
        if session == self.session or any(self.folder.glob(f"{session}.*{SUFFIX}")):
            return
        path = self._lock_path(session)
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return
        try:
            if _try_lock(fd):  # hold it while removing, so that nobody takes it meanwhile
                with contextlib.suppress(OSError):
                    path.unlink()
                _unlock(fd)
        finally:
            os.close(fd)

    def _set_aside(self, file: Path, reason: str) -> None:
        log.warning("Skipping damaged recovery file %s: %s", file, reason)
        kept = file
        try:
            folder = self.folder / DAMAGED_FOLDER
            folder.mkdir(mode=0o700, exist_ok=True)
            kept = folder / file.name
            file.replace(kept)
        except OSError as exc:
            log.warning("Could not move %s aside: %s", file, exc)
            kept = file
        self.damaged.append(DamagedFile(kept, reason))

    def entries(self) -> list[RecoveryEntry]:
        """What crashed sessions left unsaved, newest first.

        Copies of sessions still running (this one included) are not listed. Damaged copies
        are moved aside and listed in `self.damaged` (which this call resets); leftover
        temporary files and lock files of dead sessions are cleaned up, and so are copies
        whose text is what their file holds now (nothing unsaved is left in them).
        """
        self.damaged = []
        found: list[RecoveryEntry] = []
        alive: dict[str, bool] = {}
        try:
            names = sorted(p.name for p in self.folder.iterdir())
        except OSError:  # no folder yet (nothing to recover) or unreadable
            return []

        def dead(session: str) -> bool:
            if session not in alive:
                alive[session] = self._alive(session)
            return not alive[session]

        for name in names:
            file = self.folder / name
            session = _session_of(name)
            if name.startswith(".") and name.endswith(".tmp"):
                if dead(session):  # a save cut short by the crash
                    with contextlib.suppress(OSError):
                        file.unlink()
                continue
            if name.endswith(LOCK_SUFFIX):  # a session that died before its first copy
                dead(session)  # (its lock file goes below, with those of the other dead)
                continue
            if not name.endswith(SUFFIX) or not dead(session):
                continue
            try:
                entry, body = _parse(file, read_regular_file(file)[0])  # never a FIFO
                text = _decode(body)
            except DamagedRecovery as exc:
                self._set_aside(file, str(exc))
                continue
            except OSError as exc:
                log.warning("Could not read recovery file %s: %s", file, exc)
                continue
            if _same_as_saved(entry, text):
                with contextlib.suppress(OSError):
                    file.unlink()
                continue
            found.append(entry)
        for session, is_alive in alive.items():
            if not is_alive:
                self._remove_lock_if_unused(session)
        found.sort(key=lambda e: e.saved_at, reverse=True)
        return found

    def load(self, entry: RecoveryEntry) -> str:
        """The text of a recovery copy; DocumentError if it is gone or damaged."""
        try:
            data = read_regular_file(entry.file)[0]
        except OSError as exc:
            raise DocumentError(
                f"Could not read the recovery copy of {entry.title}: {exc.strerror or exc}"
            ) from exc
        try:
            _, body = _parse(entry.file, data)
            return _decode(body)
        except DamagedRecovery as exc:
            raise DocumentError(f"The recovery copy of {entry.title} is damaged: {exc}") from exc

    def remove(self, entry: RecoveryEntry) -> None:
        """Delete a crashed session's copy once it was restored or declined. Never raises."""
        try:
            entry.file.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Could not remove recovery file %s: %s", entry.file, exc)
            return
        self._remove_lock_if_unused(entry.session)
