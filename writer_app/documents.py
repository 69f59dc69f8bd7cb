"""Reading and writing documents: encoding, line endings, atomic saves.

Saving writes a temporary file beside the target, flushes it to disk and renames it over the
original, so a failed save leaves the original byte-for-byte untouched.
"""

from __future__ import annotations

import codecs
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

BINARY_SNIFF_BYTES = 8192


class DocumentError(OSError):
    """A document could not be read or written; the message is for the user."""


@dataclass(frozen=True)
class TextFormat:
    """How a document's text is stored on disk."""

    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"

    def describe(self) -> str:
        names = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}
        return f"{self.encoding.upper()}{' BOM' if self.bom else ''} · {names[self.newline]}"


def _detect_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    if crlf >= lf and crlf >= cr and crlf:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


def _explain(path: Path, exc: OSError, verb: str) -> DocumentError:
    reason = exc.strerror or str(exc)
    return DocumentError(f"Could not {verb} {path}: {reason}")


def read_document(path: str | Path) -> tuple[str, TextFormat]:
    """The text of a file (with \\n line ends) and how it was stored."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise DocumentError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise _explain(path, exc, "open") from exc
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise DocumentError(f"{path} looks like a binary file, not text")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path} is not valid UTF-8 text (byte {exc.start}); it was not opened"
        ) from exc
    newline = _detect_newline(raw)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return text, TextFormat("utf-8", bom, newline)


def encode_document(text: str, fmt: TextFormat) -> bytes:
    body = text.replace("\n", fmt.newline) if fmt.newline != "\n" else text
    data = body.encode(fmt.encoding)
    return (codecs.BOM_UTF8 if fmt.bom else b"") + data


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: temp file beside it, fsync, rename.

    The file mode is kept, a link is written through to its target, and on any OSError the
    original file is untouched and no temporary file is left behind.
    """
    target = path.resolve() if path.is_symlink() else path
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_document(path: str | Path, text: str, fmt: TextFormat = TextFormat()) -> None:
    """Save atomically. On any error the file on disk is unchanged and DocumentError says why."""
    path = Path(path)
    try:
        data = encode_document(text, fmt)
    except UnicodeEncodeError as exc:
        raise DocumentError(
            f"Could not save {path}: the text cannot be written as {fmt.encoding}"
        ) from exc
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise _explain(path, exc, "save") from exc
