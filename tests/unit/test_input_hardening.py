"""Bad files and leftovers: huge files read by their end, paths that cannot be shown on one
line, symlink loops, stale temporary files of ours, private lists (issue 18)."""

from __future__ import annotations

import codecs
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from writer_app import atomic, documents, paths
from writer_app.documents import DocumentError, read_document, write_document
from writer_app.recent import RecentFiles, RecentList

HOURS_AGO = time.time() - 2 * 3600


def _age(path: Path) -> Path:
    os.utime(path, (HOURS_AGO, HOURS_AGO), follow_symlinks=False)
    return path


def _old_file(path: Path, data: bytes = b"half-written") -> Path:
    path.write_bytes(data)
    return _age(path)


# --- huge files: only the end is read ---------------------------------------------------


def _big_text_file(path: Path, size: int, end: str, encoding: str = "utf-8") -> None:
    line = "All work and no play makes Jack a dull boy. Ünïcödé ✓ 漢字\n"
    block = (line * 2000).encode(encoding)
    with path.open("wb") as handle:
        if encoding.startswith("utf-16"):
            handle.write(codecs.BOM_UTF16_LE)
            block = (line * 2000).encode("utf-16-le")
        while handle.tell() < size:
            handle.write(block)
        handle.write(end.encode("utf-16-le" if encoding.startswith("utf-16") else encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_end_of_a_50_mb_file_is_read_quickly(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "novel.txt"
    _big_text_file(path, 50 * 1024 * 1024, "And so the story ends, at last.", encoding)
    started = time.perf_counter()
    tail = documents.read_document_tail(path, 16 * 1024)
    seconds = time.perf_counter() - started
    assert tail.endswith("Jack a dull boy. Ünïcödé ✓ 漢字\nAnd so the story ends, at last.")
    assert len(tail) < 16 * 1024
    assert tail.startswith("All work")  # whole lines: no character cut in two
    assert seconds < 0.5, f"{seconds:.2f} s to read the end"


def test_a_file_larger_than_the_editor_accepts_can_still_be_continued(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with path.open("wb") as handle:  # 300 MB, almost all of it a hole
        handle.write(b"Once upon a time.\n" * 5000)
        handle.seek(300 * 1024 * 1024)
        handle.write(b"The very end of it.\n" * 5000)
    with pytest.raises(DocumentError, match="too large"):
        read_document(path)
    assert documents.read_document_tail(path, 4096).endswith("The very end of it.\n")


def test_a_small_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(b"caf\xe9\r\nend")  # Windows-1252, CRLF
    assert documents.read_document_tail(path, 4096) == "café\nend"


def test_a_binary_file_is_refused_by_its_start(tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    with path.open("wb") as handle:
        handle.write(b"\x89PNG\x00\x00" + b"x" * 200_000)
        handle.write(b"plain text at the end\n" * 1000)
    with pytest.raises(DocumentError, match="binary"):
        documents.read_document_tail(path, 4096)


def test_one_long_utf8_line_cut_mid_character(tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_bytes(("漢" * 100_000).encode())
    for size in (4096, 4097, 4098):
        tail = documents.read_document_tail(path, size)
        assert set(tail) == {"漢"} and len(tail) >= size // 3 - 1


def test_one_long_utf16_line_cut_mid_pair(tmp_path: Path) -> None:
    path = tmp_path / "emoji.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + ("😀" * 100_000).encode("utf-16-le"))
    for size in (4096, 4097, 4098, 4099):  # every way to cut a surrogate pair
        tail = documents.read_document_tail(path, size)
        assert set(tail) == {"😀"} and len(tail) >= size // 4 - 1


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError, match="not a regular file"):
        documents.read_document_tail(fifo, 4096)


def test_the_recent_list_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "recent.json"
    os.mkfifo(fifo)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(RecentList(fifo).items()), daemon=True)
    worker.start()
    worker.join(10)
    assert done == [[]], "blocked on a FIFO"
    with pytest.raises(atomic.NotRegularFile):
        atomic.read_regular_file(fifo)


# --- paths in messages, symlink loops, where a result can go ------------------------------


def test_a_path_with_a_line_break_gives_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "no such\nfile.txt"
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    message = str(raised.value)
    assert "\n" not in message and repr(str(path)) in message


def test_saving_through_a_symlink_loop_is_a_document_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(DocumentError, match=r"Could not save .*a\.txt: Too many levels"):
        write_document(a, "text")
    with pytest.raises(DocumentError):
        read_document(a)
    with pytest.raises(DocumentError):
        documents.check_can_save(a)


def test_where_a_result_could_not_be_saved_is_known_before_the_work(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="it is a folder"):
        documents.check_can_save(tmp_path)
    with pytest.raises(DocumentError, match="does not exist"):
        documents.check_can_save(tmp_path / "missing" / "out.md")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(DocumentError, match="not a regular file"):
        documents.check_can_save(tmp_path / "pipe")
    documents.check_can_save(tmp_path / "new.md")  # fine: nothing is created
    assert not (tmp_path / "new.md").exists()
    (tmp_path / "old.md").write_text("x")
    documents.check_can_save(tmp_path / "old.md")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_file_or_folder_is_known_before_the_work(tmp_path: Path) -> None:
    (tmp_path / "ro.md").write_text("x")
    (tmp_path / "ro.md").chmod(0o400)
    with pytest.raises(DocumentError, match="read-only"):
        documents.check_can_save(tmp_path / "ro.md")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(DocumentError, match="read-only"):
            documents.check_can_save(folder / "new.md")
    finally:
        folder.chmod(0o700)


# --- stale temporary files of ours ---------------------------------------------------------


def test_opening_or_saving_removes_old_temporary_files_of_that_document(tmp_path: Path) -> None:
    doc = tmp_path / "story.txt"
    doc.write_text("text")
    old = _old_file(tmp_path / ".story.txt.ab12cd_9.tmp")  # a save killed two hours ago
    fresh = tmp_path / ".story.txt.zz99yy88.tmp"  # maybe a save under way right now
    fresh.write_bytes(b"x")
    others = [
        tmp_path / ".other.txt.ab12cd34.tmp",  # another document's: left to it
        tmp_path / ".story.txt.tmp",  # not a name we make
        tmp_path / ".story.txt.ab12cd34.swp",
        tmp_path / "story.txt.ab12cd34.tmp",
        tmp_path / ".story.txt.AB12CD34.tmp",
    ]
    for other in others:
        _old_file(other, b"theirs")
    read_document(doc)
    assert not old.exists() and fresh.exists()
    assert all(p.exists() for p in others)

    again = _old_file(tmp_path / ".story.txt.qq11ww22.tmp")
    write_document(doc, "new text")
    assert not again.exists() and fresh.exists() and all(p.exists() for p in others)
    assert doc.read_text() == "new text"


def test_a_folder_named_like_a_temporary_file_is_left_alone(tmp_path: Path) -> None:
    doc = tmp_path / "story.txt"
    doc.write_text("text")
    folder = tmp_path / ".story.txt.ab12cd34.tmp"
    folder.mkdir()
    _age(folder)
    read_document(doc)
    assert folder.is_dir()


def test_at_start_old_leftovers_in_our_own_folders_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    models = paths.model_cache_dir()
    converted = models / "SmolLM2-abcdef123456"  # a finished conversion: kept
    converted.mkdir()
    _age(converted)
    abandoned = models / ".SmolLM2-abcdef123456.k3j4h5g6"  # a conversion killed midway
    abandoned.mkdir()
    _old_file(abandoned / "model.safetensors", b"x" * 4096)
    _age(abandoned)
    working = models / ".SmolLM2-abcdef123456.a1b2c3d4"  # converting right now
    working.mkdir()
    settings_tmp = _old_file(paths.config_dir() / ".settings.toml.a1b2c3d4.tmp")
    recent_tmp = _old_file(paths.state_dir() / ".recent.json.a1b2c3d4.tmp")
    not_ours = _old_file(paths.state_dir() / "notes.txt", b"mine")

    removed = paths.remove_stale_leftovers()
    assert set(removed) == {abandoned, settings_tmp, recent_tmp}
    assert converted.is_dir() and working.is_dir() and not_ours.exists()


def test_the_cli_cleans_up_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from writer_app.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    abandoned = paths.model_cache_dir() / ".SmolLM2-abcdef123456.k3j4h5g6"
    abandoned.mkdir()
    _age(abandoned)
    assert main(["presets"]) == 0
    assert not abandoned.exists()


# --- private lists -------------------------------------------------------------------------


def test_the_recent_files_list_is_private(tmp_path: Path) -> None:
    file = tmp_path / "state" / "recent.json"
    recent = RecentFiles(file)
    recent.add(tmp_path / "secret-plans.md")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    file.chmod(0o644)  # written by an older version
    recent.add(tmp_path / "more.md")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [p.name for p in recent.paths()] == ["more.md", "secret-plans.md"]


def test_the_apps_own_folders_are_private(app_dirs: Path) -> None:
    for folder in (paths.config_dir(), paths.state_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
