"""Reading and atomically saving text files: encodings, line endings, bad input, failed saves."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import errno
import os
import random
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from read_only import folder_refuses_new_files

from writer_app import atomic, documents
from writer_app.documents import (
    LARGE_FILE_BYTES,
    OFFERED_ENCODINGS,
    DocumentError,
    TextFormat,
    UndecodableError,
    decode_document,
    encode_document,
    is_large_file,
    read_document,
    suggested_file_name,
    write_document,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _permissions_enforced() -> bool:
    """Whether file modes stop us (not so for root, unless it gave up CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as folder:
        locked = Path(folder, "locked")
        locked.mkdir(mode=0o500)
        try:
            (locked / "probe").touch()
        except PermissionError:
            return True
        finally:
            locked.chmod(0o700)
        return False


PERMISSIONS_ENFORCED = _permissions_enforced()

# ------------------------------------------------------------------ the round-trip corpus

# (codec, BOM, lines of text suited to the encoding, a line to add when editing)
ENCODINGS = [
    (
        "utf-8",
        False,
        ["Naïve café — Ωμέγα", "中文 and emoji 🙂", "", "last line ✓"],
        "new ünïcode ✓",
    ),
    (
        "utf-8",
        True,
        ["Naïve café — Ωμέγα", "中文 and emoji 🙂", "", "last line ✓"],
        "new ünïcode ✓",
    ),
    ("utf-16-le", True, ["Naïve café — Ωμέγα", "中文 🙂 𝄞", "", "last ✓"], "added 🙂 line"),
    ("utf-16-be", True, ["Naïve café — Ωμέγα", "中文 🙂 𝄞", "", "last ✓"], "added 🙂 line"),
    ("utf-32-le", True, ["Naïve café", "中文 🙂", "", "last ✓"], "added 🙂 line"),
    ("utf-32-be", True, ["Naïve café", "中文 🙂", "", "last ✓"], "added 🙂 line"),
    (
        "gb18030",
        False,
        ["中文文本，这是一个测试。", "我们今天去公园散步。", "", "天气很好，大家都很高兴。"],
        "新的一行：编辑后的文字。",
    ),
    (
        "cp1252",
        False,
        ["“Größe” – naïve café", "Déjà vu, façade € 5", "", "Señor Müller’s œuvre…"],
        "Ça coûte 10 € – voilà",
    ),
    (
        "iso8859-1",  # only bytes Windows-1252 leaves undefined (0x81 here) make it Latin-1
        False,
        ["Déjà vu \x81 ½ °C", "¿Qué tal? Größe", "", "façade ÿ"],
        "añadido ¡sí!",
    ),
]

ENDINGS = {
    "LF": ["\n"],
    "CRLF": ["\r\n"],
    "CR": ["\r"],
    "mixed": ["\r\n", "\n", "\n", "\r"],  # LF is the most common
}
DOMINANT = {"LF": "\n", "CRLF": "\r\n", "CR": "\r", "mixed": "\n"}


def _join(lines: list[str], endings: list[str], final_newline: bool) -> str:
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i < len(lines) - 1 or final_newline:
            out.append(endings[i % len(endings)])
    return "".join(out)


def _bytes(raw: str, codec: str, bom: bool) -> bytes:
    return (documents._BOM_OF[codec] if bom else b"") + raw.encode(codec)


CORPUS = [
    pytest.param(
        codec,
        bom,
        lines,
        added,
        ending,
        final,
        id=f"{codec}{'-bom' if bom else ''}-{ending}-{'final' if final else 'nofinal'}",
    )
    for codec, bom, lines, added in ENCODINGS
    for ending in ENDINGS
    for final in (True, False)
]


@pytest.mark.parametrize(("codec", "bom", "lines", "added", "ending", "final"), CORPUS)
def test_round_trip_corpus(
    tmp_path: Path,
    codec: str,
    bom: bool,
    lines: list[str],
    added: str,
    ending: str,
    final: bool,
) -> None:
    raw = _join(lines, ENDINGS[ending], final)
    data = _bytes(raw, codec, bom)
    path = tmp_path / "doc.txt"
    path.write_bytes(data)

    text, fmt = read_document(path)
    assert text == "\n".join(lines) + ("\n" if final else "")
    assert (fmt.encoding, fmt.bom) == (codec, bom)
    assert (fmt.newline, fmt.mixed) == (DOMINANT[ending], ending == "mixed")

    # Unedited: the very same bytes, whatever they were.
    assert write_document(path, text, fmt) == fmt
    assert path.read_bytes() == data

    # Edited: the same encoding and BOM, the dominant line ending everywhere.
    edited = text.replace(lines[1], f"{lines[1]}\n{added}")
    after = write_document(path, edited, fmt)
    newline = DOMINANT[ending]
    assert path.read_bytes() == _bytes(edited.replace("\n", newline), codec, bom)
    assert after == TextFormat(codec, bom, newline, mixed=False)
    assert read_document(path) == (edited, after)


def test_the_corpus_covers_every_combination() -> None:
    assert len(CORPUS) == len(ENCODINGS) * 4 * 2


@pytest.mark.parametrize(
    ("data", "newline", "bom"),
    [
        (b"one\ntwo\n", "\n", False),
        (b"one\r\ntwo\r\n", "\r\n", False),
        (b"\xef\xbb\xbfcaf\xc3\xa9\n", "\n", True),
        (b"no final newline", "\n", False),
        (b"", "\n", False),
        (b"\xef\xbb\xbf", "\n", True),
        (b"\r", "\r", False),
        (b"\r\n\n", "\r\n", False),
    ],
)
def test_open_then_save_writes_the_same_bytes(
    tmp_path: Path, data: bytes, newline: str, bom: bool
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    text, fmt = read_document(path)
    assert "\r" not in text
    assert (fmt.newline, fmt.bom) == (newline, bom)
    write_document(path, text, fmt)
    assert path.read_bytes() == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_or_saved_back_unchanged(data: bytes) -> None:
    try:
        text, fmt = decode_document(data)
    except DocumentError:
        return
    assert "\r" not in text
    assert encode_document(text, fmt) == data


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\r\n\t")),
    st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "gb18030"]),
    st.booleans(),
)
def test_any_text_in_any_encoding_survives(raw: str, codec: str, bom: bool) -> None:
    assume(not raw.startswith("\ufeff"))  # would read as a byte-order mark
    bom = bom and codec != "gb18030"
    data = _bytes(raw, codec, bom)
    text, fmt = decode_document(data, codec)
    assert text == raw.replace("\r\n", "\n").replace("\r", "\n")
    assert encode_document(text, fmt) == data
    assert encode_document(text + "x", fmt) == _bytes(
        (text + "x").replace("\n", fmt.newline), codec, bom
    )


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Größe\n", "cp1252"),  # F6 DF is also a valid (rare) GB18030 hanzi
        ("naïve", "cp1252"),  # EF 76 too
        ("Un été à la plage, café crème.\n", "cp1252"),
        ("“quoted” — € 5\n", "cp1252"),
        ("中文文本，这是一个测试。我们今天去公园散步。\n", "gb18030"),
        (
            "简体中文和一些繁體字：體育、學習、國家。大部分是常用字。今天我们学习了很多新的知识。",
            "gb18030",
        ),
        ("Plain ASCII is UTF-8.\n", "utf-8"),
        ("中文 in UTF-8 stays UTF-8", "utf-8"),
    ],
)
def test_encoding_detection(text: str, codec: str) -> None:
    decoded, fmt = decode_document(text.encode(codec))
    assert (decoded, fmt.encoding) == (text, codec)


def test_bytes_windows_1252_does_not_define_fall_back_to_latin_1() -> None:
    text, fmt = decode_document(b"caf\xe9 \x81 and \x9d end")
    assert fmt.encoding == "iso8859-1" and fmt.describe() == "Latin-1 · LF"
    assert text == "café \x81 and \x9d end"


def test_a_utf_32_mark_is_not_mistaken_for_utf_16() -> None:
    data = codecs.BOM_UTF32_LE + "hi".encode("utf-32-le")
    assert decode_document(data) == ("hi", TextFormat("utf-32-le", True))


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        (TextFormat("utf-8", True, "\r\n"), "UTF-8 BOM · CRLF"),
        (TextFormat(), "UTF-8 · LF"),
        (TextFormat("utf-16-le", True, "\r\n"), "UTF-16 LE BOM · CRLF"),
        (TextFormat("utf-16-be", True, "\n"), "UTF-16 BE BOM · LF"),
        (TextFormat("gb18030", False, "\n"), "GB18030 · LF"),
        (TextFormat("utf-8", False, "\n", mixed=True), "UTF-8 · Mixed (LF)"),
        (TextFormat("cp1252", False, "\r"), "Windows-1252 · CR"),
        (TextFormat("latin-1"), "Latin-1 · LF"),
        (TextFormat("UTF8"), "UTF-8 · LF"),
        (TextFormat("mac-roman"), "MAC-ROMAN · LF"),
    ],
)
def test_format_description(fmt: TextFormat, shown: str) -> None:
    assert fmt.describe() == shown


def test_encoding_names_are_canonical() -> None:
    assert TextFormat("latin-1") == TextFormat("iso8859-1") == TextFormat("ISO-8859-1")
    assert TextFormat("utf_16_le").encoding == "utf-16-le"


def test_offered_encodings_all_work() -> None:
    codecs_offered = [choice.codec for choice in OFFERED_ENCODINGS]
    assert codecs_offered[0] == "utf-8"
    assert {"utf-16-le", "utf-16-be", "gb18030", "cp1252", "iso8859-1"} <= set(codecs_offered)
    assert len(set(codecs_offered)) == len(codecs_offered)
    assert len({choice.label for choice in OFFERED_ENCODINGS}) == len(OFFERED_ENCODINGS)
    for choice in OFFERED_ENCODINGS:
        assert codecs.lookup(choice.codec).name == choice.codec
        assert decode_document("plain".encode(choice.codec), choice.codec)[0] == "plain"


# ------------------------------------------------------------------ reopen with an encoding


def test_reopen_with_an_explicit_encoding(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    data = "café\r\n".encode()
    path.write_bytes(data)
    assert read_document(path)[0] == "café\n"
    text, fmt = read_document(path, encoding="cp1252")
    assert text == "cafÃ©\n" and fmt.describe() == "Windows-1252 · CRLF"
    write_document(path, text, fmt)
    assert path.read_bytes() == data


def test_reopen_as_utf_16_without_a_mark(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("wide text\n".encode("utf-16-le"))
    with pytest.raises(DocumentError, match="binary"):
        read_document(path)  # no BOM: not guessed
    text, fmt = read_document(path, encoding="utf-16-le")
    assert (text, fmt.bom) == ("wide text\n", False)
    path.write_bytes(codecs.BOM_UTF16_BE + "wide".encode("utf-16-be"))
    assert read_document(path, encoding="utf-16") == ("wide", TextFormat("utf-16-be", True))
    assert read_document(path, encoding="utf-16-be")[1].bom


@pytest.mark.parametrize(
    ("data", "encoding", "offset", "byte"),
    [
        (b"caf\xe9 au lait", "utf-8", 3, "0xE9"),
        (b"ok \x81 not in cp1252", "cp1252", 3, "0x81"),
        ("中文".encode() + b"\xff", "utf-8", 6, "0xFF"),
        (codecs.BOM_UTF8 + b"ab\xc3", "utf-8", 5, "0xC3"),
        (codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xdc", "utf-16-le", 6, "0x00"),
    ],
)
def test_undecodable_bytes_are_an_error_naming_the_offset(
    tmp_path: Path, data: bytes, encoding: str, offset: int, byte: str
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    with pytest.raises(UndecodableError, match=f"byte {byte} at offset {offset}") as caught:
        read_document(path, encoding=encoding)
    assert (caught.value.offset, caught.value.encoding) == (offset, encoding)
    assert data[offset : offset + 1] == bytes([int(byte, 16)])


def test_a_mark_followed_by_bad_bytes_is_refused_even_undetected(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"caf\xe9")
    with pytest.raises(UndecodableError, match="not valid UTF-8 text: byte 0xE9 at offset 6"):
        read_document(path)


def test_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"x")
    with pytest.raises(DocumentError, match="Unknown encoding 'klingon'"):
        read_document(path, encoding="klingon")
    with pytest.raises(DocumentError, match="unknown encoding"):
        write_document(path, "y", TextFormat("klingon"))
    assert path.read_bytes() == b"x"


# ------------------------------------------------------------------ mixed line endings


def test_mixed_line_endings_are_kept_until_edited(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    data = b"a\r\nb\nc\rd\r\ne\r\n"
    path.write_bytes(data)
    text, fmt = read_document(path)
    assert fmt.describe() == "UTF-8 · Mixed (CRLF)"
    assert write_document(path, text, fmt) is fmt
    assert path.read_bytes() == data
    # Edited and then edited back: still the original bytes.
    write_document(path, text + "x", fmt)
    assert path.read_bytes() == b"a\r\nb\r\nc\r\nd\r\ne\r\nx"
    write_document(path, text, fmt)
    assert path.read_bytes() == data
    # Choosing a line ending (even the dominant one) converts every line.
    write_document(path, text, dataclasses.replace(fmt, mixed=False))
    assert path.read_bytes() == b"a\r\nb\r\nc\r\nd\r\ne\r\n"
    write_document(path, text, dataclasses.replace(fmt, newline="\n", mixed=False))
    assert path.read_bytes() == b"a\nb\nc\nd\ne\n"


def test_changing_the_encoding_re_encodes_unedited_text(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("Größe\r\nzwei\n".encode("cp1252"))
    text, fmt = read_document(path)
    write_document(path, text, dataclasses.replace(fmt, encoding="utf-8", bom=True))
    assert path.read_bytes() == codecs.BOM_UTF8 + "Größe\r\nzwei\r\n".encode()


def test_text_the_encoding_cannot_hold_is_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("Größe\n".encode("cp1252"))
    text, fmt = read_document(path)
    with pytest.raises(
        DocumentError, match=r"as Windows-1252 \('中', U\+4E2D, on line 2, column 3\)"
    ):
        write_document(path, text + "ab中", fmt)
    assert path.read_bytes() == "Größe\n".encode("cp1252")


# ------------------------------------------------------------------ bad input


def test_binary_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(DocumentError, match=r"binary.*NUL byte at offset 8"):
        read_document(binary)
    noise = tmp_path / "noise.bin"
    rng = random.Random(7)
    noise.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))
    with pytest.raises(DocumentError, match=r"binary.*control codes"):
        read_document(noise)
    wide = tmp_path / "wide.txt"
    wide.write_bytes(codecs.BOM_UTF16_LE + "a\0b".encode("utf-16-le"))
    with pytest.raises(DocumentError, match=r"binary.*NUL character"):
        read_document(wide)
    with pytest.raises(DocumentError, match="binary"):
        read_document(binary, encoding="cp1252")


def test_text_with_a_few_control_codes_still_opens() -> None:
    assert decode_document(b"\x1b[1mbold\x1b[0m\tand\x0cpage\n")[0].startswith("\x1b[1m")
    assert decode_document(b"a \x07 bell and a \x08 backspace in a longer line of text\n")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="No such file"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="folder"):
        read_document(tmp_path)


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_document(fifo)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_bytes(b"secret")
    if not PERMISSIONS_ENFORCED:  # root reads anything: make the open fail the way it would

        def denied(path: Path, *args: object, **kwargs: object) -> object:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

        monkeypatch.setattr(documents, "read_regular_file", denied)
    else:
        path.chmod(0)
    with pytest.raises(DocumentError, match=f"Could not open {path}: Permission denied"):
        read_document(path)


def test_too_large_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"x" * 3000)
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 2048)
    with pytest.raises(DocumentError, match=r"too large to open \(3 KB; the limit is 2 KB\)"):
        read_document(path)


def test_asking_whether_a_file_is_large_is_cheap(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:  # sparse: no 10 MB written
        handle.truncate(LARGE_FILE_BYTES + 1)
    small = tmp_path / "small.txt"
    small.write_bytes(b"x")
    assert is_large_file(big) and not is_large_file(small)
    assert not is_large_file(tmp_path / "missing")


def test_a_50_mb_file_opens_and_saves_back(tmp_path: Path) -> None:
    line = "The quick brown fox jumps over the lazy dog — naïve café. " * 2 + "\r\n"
    data = (line * (50 * 1024 * 1024 // len(line.encode()))).encode()
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    assert is_large_file(path)
    start = time.perf_counter()
    text, fmt = read_document(path)
    seconds = time.perf_counter() - start
    print(f"read_document on {len(data) / 1e6:.0f} MB: {seconds:.2f} s")
    assert fmt.describe() == "UTF-8 · CRLF"
    assert len(text) == len(data.decode()) - data.count(b"\r\n")
    write_document(path, text, fmt)
    assert path.read_bytes() == data


def test_a_5_mb_single_line(tmp_path: Path) -> None:
    data = ("é" + "x" * 99).encode("cp1252") * (5 * 1024 * 1024 // 100)
    path = tmp_path / "line.txt"
    path.write_bytes(data)
    start = time.perf_counter()
    text, fmt = read_document(path)
    print(f"read_document on a {len(data) / 1e6:.1f} MB line: {time.perf_counter() - start:.3f} s")
    assert (len(text), "\n" in text, fmt.encoding) == (len(data), False, "cp1252")
    write_document(path, text, fmt)
    assert path.read_bytes() == data


# ------------------------------------------------------------------ failed saves


@pytest.fixture
def original(tmp_path: Path) -> Path:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"original \xe2\x9c\x93\n")
    path.chmod(0o640)
    return path


def _assert_untouched(path: Path) -> None:
    assert path.read_bytes() == b"original \xe2\x9c\x93\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def _fail(err: int) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(err, os.strerror(err))

    return fail


def _write_half_then_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) == 1:
            return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", write)


@pytest.mark.parametrize("step", ["mkstemp", "write", "fsync", "close", "chmod", "replace"])
def test_a_failure_at_any_step_leaves_the_original_untouched(
    original: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    if step == "write":
        _write_half_then_fail(monkeypatch)
        reason = "No space left on device"
    elif step == "mkstemp":
        # (A folder that only refuses new files is written in place: see below.)
        monkeypatch.setattr(atomic.tempfile, "mkstemp", _fail(errno.EROFS))
        reason = "Read-only file system"
    elif step == "close":
        real_close = os.close

        def close(fd: int) -> None:
            real_close(fd)
            raise OSError(errno.EIO, os.strerror(errno.EIO))

        monkeypatch.setattr(atomic.os, "close", close)
        reason = "Input/output error"
    else:
        monkeypatch.setattr(atomic.os, step, _fail(errno.EIO))
        reason = "Input/output error"
    with pytest.raises(DocumentError, match=f"Could not save {original}: {reason}"):
        write_document(original, "new text " * 1000)
    monkeypatch.undo()
    _assert_untouched(original)


def test_the_original_is_untouched_when_the_save_is_interrupted(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "chmod", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_document(original, "new")
    monkeypatch.undo()
    _assert_untouched(original)


def test_save_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="Could not save"):
        write_document(tmp_path / "gone" / "doc.txt", "text")


def test_save_where_the_folder_is_a_file(original: Path) -> None:
    with pytest.raises(DocumentError, match=r"Could not save .*Not a directory"):
        write_document(original / "doc.txt", "text")
    _assert_untouched(original)


@pytest.mark.skipif(not PERMISSIONS_ENFORCED, reason="root writes into read-only folders")
def test_save_into_a_read_only_folder(original: Path) -> None:
    original.parent.chmod(0o500)
    try:
        with pytest.raises(DocumentError, match="Permission denied"):
            write_document(original.parent / "new.txt", "new")
        notices: list[str] = []
        write_document(original, "new", notices=notices)  # the file itself is writable
    finally:
        original.parent.chmod(0o700)
    assert original.read_text() == "new" and notices
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_writable_file_in_a_read_only_folder_is_written_in_place(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_refuses_new_files(monkeypatch, original.parent)
    inode = original.stat().st_ino
    notices: list[str] = []
    write_document(original, "new text ✓\n", notices=notices)
    assert original.read_text(encoding="utf-8") == "new text ✓\n"
    assert original.stat().st_ino == inode  # the same file, overwritten
    assert stat.S_IMODE(original.stat().st_mode) == 0o640
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]
    # The copy of the old text is gone once the new one is on disk.
    assert _backups(documents.in_place_backup_folder()) == []
    assert len(notices) == 1 and "read-only" in notices[0] and "in place" in notices[0]
    write_document(original, "short")  # a shorter text leaves nothing of the longer one
    assert original.read_bytes() == b"short"


def test_a_new_file_in_a_read_only_folder_cannot_be_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_refuses_new_files(monkeypatch, tmp_path)
    with pytest.raises(DocumentError, match="Permission denied"):
        write_document(tmp_path / "new.txt", "text")
    assert list(tmp_path.iterdir()) == []


def _writes_fail_after(monkeypatch: pytest.MonkeyPatch, good_calls: int, half: int) -> None:
    """os.write: the first `good_calls` calls work, call `half` writes half, the rest fail."""
    real_write = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(fd)
        if len(calls) <= good_calls:
            return real_write(fd, data)
        if len(calls) == half:
            return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", write)


def test_an_in_place_write_that_fails_puts_the_old_text_back(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_refuses_new_files(monkeypatch, original.parent)
    real_write = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:  # 1: the backup; 2: half the new text; 3: fails
        calls.append(fd)
        if len(calls) == 2:
            return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(atomic.os, "write", write)
    backups = documents.in_place_backup_folder()  # (before undo() restores the environment)
    with pytest.raises(DocumentError, match="No space left on device"):
        write_document(original, "a much longer new text " * 50)
    monkeypatch.undo()
    _assert_untouched(original)
    assert _backups(backups) == []


def test_when_the_old_text_cannot_be_put_back_its_copy_is_kept(
    original: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder_refuses_new_files(monkeypatch, original.parent)
    _writes_fail_after(monkeypatch, good_calls=1, half=2)  # the backup, then nothing works
    backups = documents.in_place_backup_folder()
    with pytest.raises(DocumentError, match="They are kept in") as failure:
        write_document(original, "a much longer new text " * 50)
    monkeypatch.undo()
    (backup,) = _backups(backups)
    assert str(backup) in str(failure.value)
    assert backup.read_bytes() == b"original \xe2\x9c\x93\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


@pytest.mark.skipif(not PERMISSIONS_ENFORCED, reason="root may write any file")
def test_a_read_only_file_is_not_replaced(original: Path) -> None:
    original.chmod(0o440)
    with pytest.raises(DocumentError, match="read-only"):
        write_document(original, "new")
    assert original.read_bytes() == b"original \xe2\x9c\x93\n"


def test_save_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(DocumentError, match="is a folder"):
        write_document(tmp_path / "folder", "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


@contextlib.contextmanager
def _small_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_disk_full_on_a_small_tmpfs(tmp_path: Path) -> None:
    with _small_tmpfs(tmp_path / "small", "64k") as folder:
        path = folder / "doc.txt"
        path.write_bytes(b"original \xe2\x9c\x93\n")
        path.chmod(0o640)
        with pytest.raises(DocumentError, match="No space left on device"):
            write_document(path, "x" * 200_000)
        _assert_untouched(path)
        write_document(path, "still room for this")  # and nothing leaked
        assert path.read_bytes() == b"still room for this"


def test_save_keeps_the_file_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_document(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert os.stat(target).st_mode & 0o777 == 0o640
    chain = tmp_path / "chain.txt"
    chain.symlink_to(link)
    write_document(chain, "newer")
    assert chain.is_symlink() and link.is_symlink() and target.read_text() == "newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain.txt", "link.txt", "real.txt"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    write_document(path, "fresh")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~atomic._UMASK
    atomic.atomic_write(tmp_path / "private", b"x", mode=0o600)
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o600


def test_a_writer_that_takes_a_file_name_replaces_the_file_all_at_once(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)

    def replace_it(tmp: Path) -> None:  # as safetensors does: a file of its own, renamed
        (tmp_path / "own").write_bytes(b"new")
        os.replace(tmp_path / "own", tmp)

    atomic.atomic_write_with(path, replace_it)
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o640

    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        atomic.atomic_write_with(path, fail)
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]  # no temporary file


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to someone else")
def test_save_keeps_the_owner(original: Path) -> None:
    os.chown(original, 1234, 5678)
    original.chmod(0o646)  # still ours to write even without CAP_DAC_OVERRIDE
    write_document(original, "new")
    info = original.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 5678, 0o646)


def test_a_long_file_name_still_saves(tmp_path: Path) -> None:
    path = tmp_path / ("n" * 250 + ".txt")
    write_document(path, "long name")
    assert path.read_text() == "long name"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_no_temporary_file_is_visible_in_the_folder_after_saving(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    for i in range(5):
        write_document(path, f"version {i}")
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# A Trip to Rome: *Notes*?\n\nbody", "A Trip to Rome Notes.md"),
        ("Intro line\n## Later heading\n", "Later heading.md"),  # the first heading wins
        ("\n\n  Just a first line.\nsecond", "Just a first line.md"),
        ("- a list/with a slash\n", "a list with a slash.md"),
        ("__Bold__ title with snake_case", "Bold title with snake_case.md"),
        ("# 标题：中文\n", "标题：中文.md"),
        ("", "Untitled.md"),
        ("#\n***\n", "Untitled.md"),
        ("word " * 40, "word word word word word word word word word word word word.md"),
    ],
)
def test_save_as_proposes_a_name_from_the_title(text: str, expected: str) -> None:
    assert suggested_file_name(text) == expected
    assert len(suggested_file_name(text)) <= documents.FILE_NAME_CHARS + 3


def test_a_proposed_name_is_a_plain_file_name() -> None:
    name = suggested_file_name('# a/b\\c:d*e?f"g<h>i|j\x01k', ".py")
    assert name == "a b c d e f g h i j k.py"
    assert os.sep not in name
