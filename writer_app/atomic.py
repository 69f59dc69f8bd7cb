"""Replacing a file all at once: a temporary file beside it, fsync, rename.

Used for documents, settings, recovery copies and the recent lists, so that a failed or
interrupted write never leaves a damaged file.

Where the folder does not let us create that temporary file (a writable file in a read-only
folder), `atomic_write` raises `FolderNotWritable`; documents can then be written in place
with `write_in_place`, which keeps a copy of the old contents elsewhere until the new ones
are on disk.

A write cut short by a crash or a kill leaves its temporary file (``.NAME.XXXXXXXX.tmp``);
`remove_stale_temp_files` removes such files of ours once they are old. `read_regular_file`
reads the small files the app keeps (settings, lists) without ever blocking on a FIFO or a
device planted where one was expected.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

STALE_SECONDS = 3600
"""A temporary file or folder of ours this old belongs to a write that will never finish."""


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


def resolve_link(path: Path) -> Path:
    """The file a symlink points to (`path` itself if it is not a link). A loop of links is an
    OSError (ELOOP), as for any other file operation, not Python's RuntimeError."""
    if not path.is_symlink():
        return path
    try:
        return path.resolve()
    except RuntimeError as exc:  # "Symlink loop" (Python before 3.13)
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from exc


def atomic_write(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data` all at once: temp file beside it, fsync, rename.

    An existing file keeps its mode (and, where allowed, its owner); a new one gets `mode`, by
    default 0o666 less the umask. A link is written through to its target. On any OSError the
    original file is untouched and no temporary file is left behind.
    """
    with _replacing(Path(path), mode) as (fd, _tmp):
        _write_all(fd, data)


def atomic_write_with(
    path: str | Path, write: Callable[[Path], None], *, mode: int | None = None
) -> None:
    """`atomic_write` for a writer that takes a file name: `write` fills the temporary file
    (say a library's save-to-file, which need not hold all its bytes in memory at once)."""
    with _replacing(Path(path), mode) as (_fd, tmp):
        write(tmp)
        # The writer may have put a new file in its place (safetensors writes a file of its
        # own and renames it): sync what is there now.
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _replacing(path: Path, mode: int | None) -> Iterator[tuple[int, Path]]:
    """A temporary file beside `path` (its descriptor and name) that replaces it once the
    caller has written it: fsync, the old file's mode and owner, rename, fsync the folder."""
    target = resolve_link(path)
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
            yield fd, Path(tmp)
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
    target = resolve_link(path)
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


class NotRegularFile(OSError):
    """Where a plain file was expected there is a folder, a FIFO, a device or a socket."""


class FileTooLarge(OSError):
    """A file is larger than the caller will read; `data` holds its first bytes."""

    def __init__(self, message: str, data: bytes, size: int) -> None:
        super().__init__(message)
        self.data = data
        self.size = size


def read_regular_file(path: str | Path, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its status, never blocking on what is not one.

    A folder, FIFO, device or socket raises NotRegularFile without being read (a FIFO is
    opened non-blocking, so a missing writer cannot hang us). With `limit`, at most that many
    bytes are read: a larger file raises FileTooLarge with the first `limit` bytes.
    """
    path = Path(path)
    kind = "not a regular file (a folder, pipe, device or socket)"
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(errno.EINVAL, kind, str(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)  # what was opened: it may have been replaced since the stat
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, kind, str(path))
        chunks: list[bytes] = []
        total = 0
        cap = None if limit is None else limit + 1
        while cap is None or total < cap:
            chunk = os.read(fd, 1 << 20 if cap is None else min(1 << 20, cap - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if limit is not None and len(data) > limit:
        raise FileTooLarge(
            f"{path} is larger than {limit} bytes", data[:limit], max(info.st_size, len(data))
        )
    return data, info


# mkstemp's names: the prefix, then 8 characters from this alphabet, then the suffix.
_RANDOM = "[a-z0-9_]{8}"


def _is_stale(entry: os.DirEntry[str], now: float, max_age: float) -> bool:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return mine and now - info.st_mtime > max_age


def remove_stale_temp_files(
    folder: Path, name: str | None = None, *, max_age: float = STALE_SECONDS
) -> list[Path]:
    """Remove the temporary files that `atomic_write` left in `folder` when a write was cut
    short: those of the file `name` (all of them when None), older than `max_age` seconds and
    owned by us. Only plain files named exactly as ours are touched. Never raises; returns
    what was removed."""
    prefix = re.escape(name[:200]) if name is not None else ".+"
    pattern = re.compile(rf"\.{prefix}\.{_RANDOM}\.tmp")
    return _remove_stale(folder, pattern, max_age, folders=False)


def remove_stale_temp_folders(
    folder: Path, pattern: str | None = None, *, max_age: float = STALE_SECONDS
) -> list[Path]:
    """Remove the temporary folders that an interrupted job left in `folder`: named as
    `tempfile.mkdtemp` names them with the prefix ``.NAME.`` (or matching the regular
    expression `pattern`), older than `max_age` seconds and owned by us. Never raises;
    returns what was removed."""
    regex = re.compile(pattern if pattern is not None else rf"\..+\.{_RANDOM}")
    return _remove_stale(folder, regex, max_age, folders=True)


def _remove_stale(
    folder: Path, pattern: re.Pattern[str], max_age: float, *, folders: bool
) -> list[Path]:
    removed: list[Path] = []
    now = time.time()
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            right_kind = (
                entry.is_dir(follow_symlinks=False)
                if folders
                else entry.is_file(follow_symlinks=False)
            )
        except OSError:
            continue
        if not right_kind or not _is_stale(entry, now, max_age):
            continue
        path = Path(entry.path)
        try:
            if folders:
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed
