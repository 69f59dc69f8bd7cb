"""Replacing a file all at once: a temporary file beside it, fsync, rename.

Used for documents, settings, recovery copies and the recent lists, so that a failed or
interrupted write never leaves a damaged file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


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
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:200]}.", suffix=".tmp")
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
