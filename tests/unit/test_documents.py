"""Reading and atomically saving text files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from writer_app import documents
from writer_app.documents import DocumentError, TextFormat, read_document, write_document


@pytest.mark.parametrize(
    ("data", "newline", "bom"),
    [
        (b"one\ntwo\n", "\n", False),
        (b"one\r\ntwo\r\n", "\r\n", False),
        (b"\xef\xbb\xbfcaf\xc3\xa9\n", "\n", True),
        (b"no final newline", "\n", False),
        (b"", "\n", False),
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


def test_binary_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(DocumentError, match="binary"):
        read_document(binary)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    with pytest.raises(DocumentError, match="UTF-8"):
        read_document(latin)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="No such file"):
        read_document(tmp_path / "missing.txt")
    with pytest.raises(DocumentError, match="folder"):
        read_document(tmp_path)


def test_failed_save_leaves_the_original_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(b"original")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(documents.os, "fsync", disk_full)
    with pytest.raises(DocumentError, match="No space left"):
        write_document(path, "new text")
    assert path.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


def test_save_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="Could not save"):
        write_document(tmp_path / "gone" / "doc.txt", "text")


def test_save_keeps_the_file_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_document(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert os.stat(target).st_mode & 0o777 == 0o640


def test_format_description() -> None:
    assert TextFormat("utf-8", True, "\r\n").describe() == "UTF-8 BOM · CRLF"
