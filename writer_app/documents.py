"""Reading and writing documents: encodings, line endings, bad input, atomic saves.

Reading (`read_document`) finds how a file is stored and remembers it in a `TextFormat`; the
editor always sees text with ``\\n`` line ends. Writing (`write_document`) stores the text the
same way again. Opening and saving without an edit writes back exactly the bytes that were
read, mixed line endings and a missing final newline included.

Encoding detection, in this order (the first rule that applies wins):

1. A byte-order mark: UTF-32 LE/BE, UTF-8, UTF-16 LE/BE (UTF-32 LE before UTF-16 LE, whose
   mark it starts with). What follows must decode in that encoding, or the file is refused.
2. Any NUL byte: a binary file (text in one of the 8-bit encodings below never has one).
3. Strict UTF-8.
4. GB18030 (a superset of GBK and GB2312), only if the bytes are plausibly Chinese: they decode
   strictly and, in the first 64 KiB, at least 80 % of the multi-byte characters are GB2312
   level-1 hanzi or GB2312 symbols (both bytes 0xA1–0xFE, lead byte 0xA1–0xA9 or 0xB0–0xD7).
   GB18030 decodes almost any byte string, and Latin-1 letter pairs such as "öß" happen to be
   rare hanzi; real Chinese text is overwhelmingly made of the common ones.
5. Windows-1252 (strict: it has five undefined bytes).
6. Latin-1, which decodes anything.

The decoded text is then refused as binary if it holds a NUL character, or if more than 10 % of
its first 64 Ki characters (and more than four) are control characters other than tab, line and
page breaks and escape. UTF-16 without a byte-order mark is not guessed; "Reopen with encoding"
reads a file in any Python codec (`read_document(path, encoding=...)`), and undecodable bytes are
then an error that names the byte offset, never replaced.

Saving writes a temporary file beside the target, flushes it to disk and renames it over the
original, so a failed save leaves the original byte-for-byte untouched. A writable file in a
folder where no file can be created is written in place instead, with a copy of its old
contents kept in the app's state folder until the new ones are on disk (and put back if the
write fails); the save then reports that it did so.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from writer_app import paths
from writer_app.atomic import (
    FileTooLarge,
    FolderNotWritable,
    NotRegularFile,
    atomic_write,
    read_regular_file,
    remove_stale_temp_files,
    resolve_link,
    write_in_place,
)

LARGE_FILE_BYTES = 10 * 1024 * 1024
"""Files above this size open, but the UI may want to warn first (see `is_large_file`)."""

MAX_FILE_BYTES = 256 * 1024 * 1024
"""Files above this size are refused: an editor cannot work with them in memory."""

SNIFF_CHARS = 64 * 1024
"""How much of the start of a file the binary and GB18030 heuristics look at."""

CONTROL_RATIO_LIMIT = 0.10
_CONTROL_MIN = 4  # a few stray control codes in a tiny file are no proof of anything

NEWLINE_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}

_LABELS = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "shift_jis": "Shift JIS",
    "euc_jp": "EUC-JP",
    "euc_kr": "EUC-KR",
    "cp1252": "Windows-1252",
    "iso8859-1": "Latin-1",
    "iso8859-15": "Latin-9",
    "cp1251": "Windows-1251",
    "koi8-r": "KOI8-R",
    "cp1250": "Windows-1250",
    "cp1253": "Windows-1253",
    "cp1254": "Windows-1254",
    "cp1255": "Windows-1255",
    "cp1256": "Windows-1256",
}

# Longest first where one mark starts another (UTF-32 LE begins with the UTF-16 LE mark).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_OF = {codec: bom for bom, codec in _BOMS}

# Codecs whose strict decode and encode are exact inverses: for these (and one kind of line
# ending) re-encoding the text always gives the original bytes back, so nothing is checked.
_ROUND_TRIP = frozenset(
    {"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp1252", "iso8859-1"}
)

# One GB18030 character per match, scanned from the start (ASCII bytes never match, so the
# scan stays in step with the decoder). "common": GB2312 symbols and level-1 hanzi.
_GB_CHAR = re.compile(
    rb"(?P<common>[\xa1-\xa9\xb0-\xd7][\xa1-\xfe])"
    rb"|[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]"
    rb"|[\x81-\xfe][\x40-\x7e\x80-\xfe]"
)
_GB_COMMON_RATIO = 0.8

# Control characters that do not occur in text (C0 except tab, LF, VT, FF, CR and ESC; DEL; C1).
_CONTROL = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")


class DocumentError(OSError):
    """A document could not be read or written; the message is for the user."""


class UndecodableError(DocumentError):
    """The file's bytes are not valid in the encoding asked for (or announced by its BOM)."""

    def __init__(self, message: str, *, encoding: str, offset: int) -> None:
        super().__init__(message)
        self.encoding = encoding
        self.offset = offset


@dataclass(frozen=True)
class EncodingChoice:
    """One entry of a "Reopen with encoding" menu."""

    codec: str
    label: str


OFFERED_ENCODINGS: tuple[EncodingChoice, ...] = tuple(
    EncodingChoice(codec, _LABELS[codec])
    for codec in (
        "utf-8",
        "utf-16-le",
        "utf-16-be",
        "gb18030",
        "big5",
        "shift_jis",
        "euc_kr",
        "cp1252",
        "iso8859-1",
        "iso8859-15",
        "cp1250",
        "cp1251",
        "koi8-r",
    )
)
"""Encodings to offer for "Reopen with encoding"; any Python codec name also works."""


def canonical_encoding(name: str) -> str:
    """Python's own name for a codec ("UTF8" → "utf-8", "latin-1" → "iso8859-1").

    Raises LookupError for an unknown name.
    """
    return codecs.lookup(name).name


def encoding_label(codec: str) -> str:
    """The name a user knows an encoding by: "UTF-16 LE", "Windows-1252", "GB18030"."""
    with contextlib.suppress(LookupError):
        codec = canonical_encoding(codec)
    return _LABELS.get(codec, codec.upper())


@dataclass(frozen=True)
class _Original:
    """The bytes a document was read from, kept when re-encoding would not reproduce them."""

    data: bytes
    start: int  # where the text starts (after a byte-order mark)
    key: tuple[str, bool, str, bool]  # (encoding, bom, newline, mixed) when read
    length: int  # len() of the text as read (with \n line ends)

    def text(self) -> str:
        raw = self.data[self.start :].decode(self.key[0])
        return _normalize(raw)


@dataclass(frozen=True)
class TextFormat:
    """How a document's text is stored on disk.

    `newline` is what edited text is saved with; when the file had more than one kind of line
    ending, `mixed` is set and `newline` is the most common one. Text saved unedited is written
    back exactly as read, whatever it held.
    """

    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    mixed: bool = False
    original: _Original | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        with contextlib.suppress(LookupError):  # an unknown one is reported on saving
            object.__setattr__(self, "encoding", canonical_encoding(self.encoding))

    @property
    def label(self) -> str:
        """The encoding as a user knows it, e.g. "UTF-16 LE BOM"."""
        return f"{encoding_label(self.encoding)}{' BOM' if self.bom else ''}"

    def describe(self) -> str:
        """For the status bar: "UTF-8 · LF", "UTF-16 LE BOM · CRLF", "UTF-8 · Mixed (LF)"."""
        ending = NEWLINE_NAMES[self.newline]
        return f"{self.label} · {f'Mixed ({ending})' if self.mixed else ending}"

    def _key(self) -> tuple[str, bool, str, bool]:
        return (self.encoding, self.bom, self.newline, self.mixed)


def _normalize(raw: str) -> str:
    if "\r" not in raw:
        return raw
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def _line_endings(raw: str) -> tuple[str, bool]:
    """The most common line ending (LF when there is none) and whether there are several."""
    crlf = raw.count("\r\n")
    lf = raw.count("\n") - crlf
    cr = raw.count("\r") - crlf
    mixed = (crlf > 0) + (lf > 0) + (cr > 0) > 1
    if crlf and crlf >= lf and crlf >= cr:
        return "\r\n", mixed
    if cr > lf:
        return "\r", mixed
    return "\n", mixed


def shown_path(path: str | Path) -> str:
    """A path for a one-line message: as it is, or quoted (``'a\\nb'``) if it holds a line
    break or another character that cannot be shown."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _explain(path: Path, exc: OSError, verb: str) -> DocumentError:
    reason = exc.strerror or str(exc)
    return DocumentError(f"Could not {verb} {shown_path(path)}: {reason}")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def is_large_file(path: str | Path) -> bool:
    """Whether a file is over LARGE_FILE_BYTES (one stat call; False if it cannot be read)."""
    try:
        return os.stat(path).st_size > LARGE_FILE_BYTES
    except (OSError, ValueError):
        return False


def _check_file(path: Path) -> os.stat_result:
    """The status of a file to read; DocumentError if it is missing, a folder or not a file."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _explain(path, exc, "open") from exc
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError(f"{shown_path(path)} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{shown_path(path)} is not a regular file (a device, pipe or socket)")
    return info


def _read_bytes(path: Path) -> bytes:
    info = _check_file(path)
    too_large = DocumentError(
        f"{shown_path(path)} is too large to open ({_size(info.st_size)}; the limit is "
        f"{_size(MAX_FILE_BYTES)})"
    )
    if info.st_size > MAX_FILE_BYTES:
        raise too_large
    try:  # non-blocking: a FIFO put there since the check is refused, not waited on
        data, _ = read_regular_file(path, MAX_FILE_BYTES)
    except FileTooLarge:  # it grew after the check
        raise too_large from None
    except (IsADirectoryError, NotRegularFile):
        raise DocumentError(f"{shown_path(path)} is not a regular file") from None
    except OSError as exc:
        raise _explain(path, exc, "open") from exc
    _remove_own_leftovers(path)
    return data


def _remove_own_leftovers(path: Path) -> None:
    """Temporary files that an interrupted save of this file left beside it (a crash or a
    kill mid-save), once over an hour old; only ours, named after this file."""
    try:
        target = resolve_link(path)
    except OSError:
        return
    remove_stale_temp_files(target.parent, target.name)


def _undecodable(name: str, codec: str, data: bytes, start: int, exc: UnicodeDecodeError) -> str:
    offset = start + exc.start
    return (
        f"{name} is not valid {encoding_label(codec)} text: byte 0x{data[offset]:02X} at "
        f"offset {offset} cannot be decoded; it was not opened"
    )


def _decode_strict(data: bytes, codec: str, start: int, name: str) -> str:
    try:
        return (data[start:] if start else data).decode(codec)
    except UnicodeDecodeError as exc:
        raise UndecodableError(
            _undecodable(name, codec, data, start, exc), encoding=codec, offset=start + exc.start
        ) from exc


def _plausibly_chinese(data: bytes) -> bool:
    sample = data[: SNIFF_CHARS + 3]
    try:
        # Incremental, so that a character cut in two at the end of the sample is no error.
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=len(sample) == len(data))
    except UnicodeDecodeError:
        return False
    total = common = 0
    for match in _GB_CHAR.finditer(sample):
        total += 1
        common += match.lastgroup == "common"
    return total > 0 and common >= _GB_COMMON_RATIO * total


def _binary(name: str, why: str) -> DocumentError:
    return DocumentError(f"{name} looks like a binary file, not text ({why}); it was not opened")


def _check_text(raw: str, name: str) -> None:
    nul = raw.find("\0")
    if nul != -1:
        raise _binary(name, f"it contains a NUL character at character {nul}")
    sample = raw[:SNIFF_CHARS]
    controls = len(_CONTROL.findall(sample))
    if controls > _CONTROL_MIN and controls > CONTROL_RATIO_LIMIT * len(sample):
        raise _binary(name, f"{controls} of its first {len(sample)} characters are control codes")


def _detect(data: bytes, name: str) -> tuple[str, str, bool]:
    """(decoded text, codec, has BOM) following the rule in the module docstring."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, codec, len(bom), name), codec, True
    nul = data.find(b"\0")
    if nul != -1:
        raise _binary(name, f"it contains a NUL byte at offset {nul}")
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    if _plausibly_chinese(data):
        try:
            return data.decode("gb18030"), "gb18030", False
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        return data.decode("iso8859-1"), "iso8859-1", False


def _decode_as(data: bytes, encoding: str, name: str) -> tuple[str, str, bool]:
    """(decoded text, codec, has BOM) in an encoding the user chose."""
    try:
        codec = canonical_encoding(encoding)
    except LookupError:
        raise DocumentError(f"Unknown encoding {encoding!r}; {name} was not opened") from None
    if codec in ("utf-16", "utf-32"):  # byte order from the mark, else little-endian
        big = data.startswith(_BOM_OF[f"{codec}-be"])
        codec = f"{codec}-{'be' if big else 'le'}"
    elif codec == "utf-8-sig":
        codec = "utf-8"
    bom = _BOM_OF.get(codec)
    start = len(bom) if bom and data.startswith(bom) else 0
    return _decode_strict(data, codec, start, name), codec, start > 0


def decode_document(
    data: bytes, encoding: str | None = None, *, name: str = "The file"
) -> tuple[str, TextFormat]:
    """The text in `data` (with \\n line ends) and how it was stored; see `read_document`."""
    if encoding is None:
        raw, codec, bom = _detect(data, name)
    else:
        raw, codec, bom = _decode_as(data, encoding, name)
    _check_text(raw, name)
    newline, mixed = _line_endings(raw)
    text = _normalize(raw)
    fmt = TextFormat(codec, bom, newline, mixed)
    if mixed or codec not in _ROUND_TRIP:
        try:
            same = not mixed and _encode(text, fmt) == data
        except UnicodeEncodeError:  # a codec whose decoding cannot be reversed
            same = False
        if not same:
            start = len(_BOM_OF[codec]) if bom else 0
            fmt = TextFormat(
                codec, bom, newline, mixed, _Original(data, start, fmt._key(), len(text))
            )
    return text, fmt


def read_document(path: str | Path, encoding: str | None = None) -> tuple[str, TextFormat]:
    """The text of a file (with \\n line ends) and how it was stored.

    Without `encoding` the encoding is detected (see the module docstring); with one (any
    Python codec name, e.g. from OFFERED_ENCODINGS) the file is read in it. Raises
    DocumentError, with a message for the user, for a missing, unreadable, binary or too large
    file and for bytes the encoding cannot decode (UndecodableError, with the byte offset).
    """
    path = Path(path)
    return decode_document(_read_bytes(path), encoding, name=shown_path(path))


def read_document_bytes(path: str | Path) -> bytes:
    """The bytes of a document file, refused as `read_document` refuses them (missing, not a
    file, too large) with a DocumentError; decode them with `decode_document`."""
    return _read_bytes(Path(path))


def read_document_tail(path: str | Path, max_bytes: int) -> str:
    """About the last `max_bytes` bytes of a file's text (with \\n line ends), without reading
    the rest: for a continuation, which needs only the end. A file that small is read whole
    (`read_document`); from a larger one only its start (for a byte-order mark and a binary
    check) and its end are read, the end starting at a line break where there is one, so
    that no character is cut in two. Raises DocumentError as `read_document` does, but for
    no size: the file may be larger than MAX_FILE_BYTES.
    """
    path = Path(path)
    name = shown_path(path)
    info = _check_file(path)
    if info.st_size <= max_bytes + SNIFF_CHARS:
        return read_document(path)[0]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise DocumentError(f"{name} is not a regular file")
            head = os.pread(fd, SNIFF_CHARS, 0)
            start = max(0, os.fstat(fd).st_size - max_bytes)
            tail = os.pread(fd, max_bytes, start)
        finally:
            os.close(fd)
    except OSError as exc:
        if isinstance(exc, DocumentError):
            raise
        raise _explain(path, exc, "open") from exc
    raw = _decode_tail(head, tail, start, name)
    _check_text(raw, name)
    return _normalize(raw)


def _decode_tail(head: bytes, tail: bytes, start: int, name: str) -> str:
    """The text of `tail`, the bytes of a file from offset `start` on; `head` is its start."""

    def undecodable(data: bytes, codec: str, exc: UnicodeDecodeError) -> UndecodableError:
        offset = start + len(tail) - len(data) + exc.start  # `data` ends the file, as `tail`
        return UndecodableError(
            f"{name} is not valid {encoding_label(codec)} text: byte "
            f"0x{data[exc.start]:02X} at offset {offset} cannot be decoded",
            encoding=codec,
            offset=offset,
        )

    def decode(data: bytes, codec: str) -> str:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            raise undecodable(data, codec, exc) from exc

    for bom, codec in _BOMS:
        if head.startswith(bom) and codec != "utf-8":
            unit = 4 if codec.startswith("utf-32") else 2
            data = tail[(len(bom) - start) % unit :]  # from the start of a code unit
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                if exc.start >= unit:
                    raise undecodable(data, codec, exc) from exc
                text = decode(data[unit:], codec)  # the second half of a pair cut in two
            line = text.find("\n")  # from a whole line, as below
            return text[line + 1 :] if line != -1 else text
    nul = head.find(b"\0")
    if nul != -1:
        raise _binary(name, f"it contains a NUL byte at offset {nul}")
    # A line break is one byte, never part of another character, in every encoding guessed
    # here (UTF-8, GB18030, Windows-1252, Latin-1): the text after it starts whole.
    line = tail.find(b"\n")
    if line != -1:
        data = tail[line + 1 :]
    else:  # one long line: skip the continuation bytes of a UTF-8 character cut in two
        skip = 0
        while skip < min(3, len(tail)) and 0x80 <= tail[skip] <= 0xBF:
            skip += 1
        data = tail[skip:]
    if head.startswith(codecs.BOM_UTF8):
        return decode(data, "utf-8")
    return _detect(data, name)[0]


def _encode(text: str, fmt: TextFormat) -> bytes:
    body = text.replace("\n", fmt.newline) if fmt.newline != "\n" else text
    data = body.encode(fmt.encoding)
    bom = _BOM_OF.get(fmt.encoding, b"") if fmt.bom else b""
    return bom + data if bom else data


def encode_document(text: str, fmt: TextFormat) -> bytes:
    """The bytes `write_document` saves: the original bytes if the text was not edited.

    Raises UnicodeEncodeError if the encoding cannot hold the text, LookupError for an
    unknown encoding.
    """
    original = fmt.original
    if (
        original is not None
        and original.key == fmt._key()
        and original.length == len(text)
        and original.text() == text
    ):
        return original.data
    return _encode(text, fmt)


def in_place_backup_folder() -> Path:
    """Where the old contents of a file written in place are kept until the write is done."""
    return paths.state_dir() / "save-backups"


IN_PLACE_NOTICE = (
    "its folder is read-only, so it was overwritten in place (a copy of the old version was "
    "kept until the new one was safely written)"
)


def check_can_save(path: str | Path) -> None:
    """Raise DocumentError if a file could certainly not be saved at `path` (it is a folder,
    a read-only file, or a new file in a missing or read-only folder): checked before long
    work whose result would have nowhere to go. Saving may still fail later (a full disk)."""
    path = Path(path)
    shown = shown_path(path)
    try:
        target = resolve_link(path)
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _explain(path, exc, "save") from exc
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError(f"Could not save {shown}: it is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"Could not save {shown}: it is not a regular file")
        if not os.access(target, os.W_OK):
            raise DocumentError(f"Could not save {shown}: the file is read-only")
        return  # (in a read-only folder it is written in place)
    folder = target.parent
    if not folder.is_dir():
        raise DocumentError(
            f"Could not save {shown}: the folder {shown_path(folder)} does not exist"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DocumentError(f"Could not save {shown}: its folder is read-only")


def write_document(
    path: str | Path,
    text: str,
    fmt: TextFormat = TextFormat(),
    *,
    notices: list[str] | None = None,
) -> TextFormat:
    """Save atomically. On any error the file on disk is unchanged and DocumentError says why.

    A writable file in a folder where no temporary file can be created is written in place
    (see the module docstring); a line saying so is added to `notices`, if given.

    Returns the format of the file as now saved: `fmt` itself if the text was written back
    unedited, else `fmt` without the memory of the original bytes (and no longer mixed).
    """
    path = Path(path)
    try:
        data = encode_document(text, fmt)
    except LookupError:
        raise DocumentError(
            f"Could not save {shown_path(path)}: unknown encoding {fmt.encoding!r}"
        ) from None
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - text.rfind("\n", 0, exc.start)
        char = text[exc.start]
        raise DocumentError(
            f"Could not save {shown_path(path)}: the text cannot be written as "
            f"{encoding_label(fmt.encoding)}"
            f" ({char!r}, U+{ord(char):04X}, on line {line}, column {column}); "
            "choose another encoding, such as UTF-8"
        ) from exc
    try:
        if path.is_dir():
            raise DocumentError(f"Could not save {shown_path(path)}: it is a folder")
        if path.exists() and not os.access(path, os.W_OK):
            raise DocumentError(f"Could not save {shown_path(path)}: the file is read-only")
        _remove_own_leftovers(path)
        try:
            atomic_write(path, data)
        except FolderNotWritable:
            if not path.is_file():  # a new file cannot be made in that folder at all
                raise
            write_in_place(path, data, in_place_backup_folder())
            if notices is not None:
                notices.append(f"{path.name}: {IN_PLACE_NOTICE}")
    except DocumentError:
        raise
    except OSError as exc:
        raise _explain(path, exc, "save") from exc
    if fmt.original is not None and data is fmt.original.data:
        return fmt
    return TextFormat(fmt.encoding, fmt.bom, fmt.newline)


_TITLE_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)*")
_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|`~\[\]{}#]+')
FILE_NAME_CHARS = 60


def suggested_file_name(text: str, suffix: str = ".md") -> str:
    """A file name for an untitled document: its first heading, else its first line.

    Markdown marks and characters that file systems refuse are dropped, the length is kept
    to about FILE_NAME_CHARS (cut at a word), and "Untitled" is the fallback.
    """
    lines = [line for line in text.splitlines() if line.strip()][:200]
    heading = next((line for line in lines if re.match(r"\s*#{1,6}\s+\S", line)), None)
    title = heading if heading is not None else (lines[0] if lines else "")
    title = _TITLE_MARKUP.sub("", title)
    title = _NOT_IN_NAMES.sub(" ", title)
    title = re.sub(r"(?<!\w)_+|_+(?!\w)", "", title)  # _emphasis_, not snake_case
    title = " ".join(title.split())
    if len(title) > FILE_NAME_CHARS:
        cut = title.rfind(" ", 0, FILE_NAME_CHARS + 1)
        title = title[: cut if cut > FILE_NAME_CHARS // 2 else FILE_NAME_CHARS]
    title = title.strip(" .-_")
    return f"{title or 'Untitled'}{suffix}"
