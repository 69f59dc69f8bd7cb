"""Replacing a file all at once: a temporary file beside it, fsync, rename.

Used for documents, settings, recovery copies and the recent lists, so that a failed or
interrupted write never leaves a damaged file.

Where the folder does not let us create that temporary file (a writable file in a read-only
folder), `atomic_write` raises `FolderNotWritable`; documents can then be written in place
with `write_in_place`, which keeps a copy of the old contents elsewhere until the new ones
are on disk.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path


class FolderNotWritable(PermissionError):
    """No temporary file could be created beside the file to replace (its folder is
    read-only for us); nothing was written."""


class InPlaceWriteFailed(OSError):
    """Writing a file in place failed and its old contents could not be put back; they are
    kept in `backup`."""

    def __init__(self, message: str, backup: Path) -> None:
        super().__init__(message)
        self.backup = backup


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# Read once, at import: setting it to read it is not thread-safe.
_UMASK = _read_umask()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not possible on every system)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` all at once: temp file beside it, fsync, rename.

    An existing file keeps its mode (and, where allowed, its owner); a new one gets `mode`, by
    default 0o666 less the umask. A link is written through to its target. On any OSError the
    original file is untouched and no temporary file is left behind.
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    owner: tuple[int, int] | None = None
    try:
        info = target.stat()
        mode = stat.S_IMODE(info.st_mode)
        owner = (info.st_uid, info.st_gid)
    except FileNotFoundError:
        if mode is None:
            mode = 0o666 & ~_UMASK
    # Keep the temporary name within the usual 255-byte limit.
    try:
        fd, tmp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name[:200]}.", suffix=".tmp"
        )
    except PermissionError as exc:
        raise FolderNotWritable(exc.errno, exc.strerror, exc.filename) from exc
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        if owner is not None and hasattr(os, "chown"):
            mine = os.stat(tmp)
            if (mine.st_uid, mine.st_gid) != owner:
                # Where that is not allowed the file becomes ours, as with any other editor.
                with contextlib.suppress(OSError):
                    os.chown(tmp, *owner)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(target.parent)


def _overwrite(path: Path, data: bytes) -> None:
    """Write `data` over the file's contents (same inode, mode and owner) and fsync it."""
    fd = os.open(path, os.O_WRONLY)
    try:
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_in_place(path: str | Path, data: bytes, backup_folder: Path) -> None:
    """Overwrite an existing file in place, for when no temporary file can be made beside it.

    The old contents are first copied (0600, fsynced) into `backup_folder`; then the file is
    overwritten, truncated and fsynced, and the copy removed. If that fails the old contents
    are written back and the error is raised; if even that fails, `InPlaceWriteFailed` says
    where the copy is (it is kept).
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    with target.open("rb") as handle:
        old = handle.read()
    backup_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Not mkstemp: the name must not depend on the folder of the file being written.
    backup = backup_folder / f"{target.name[:200]}.{secrets.token_hex(6)}.bak"
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            _write_all(fd, old)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise
    try:
        _overwrite(target, data)
    except BaseException as exc:
        try:
            _overwrite(target, old)
        except OSError as again:
            raise InPlaceWriteFailed(
                f"{exc}; putting the old contents back failed too ({again}). "
                f"They are kept in {backup}",
                backup,
            ) from exc
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise
    with contextlib.suppress(OSError):
        os.unlink(backup)
