"""Recovery copies: written atomically, offered only after a crash, damage never fatal."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from writer_app import recovery
from writer_app.documents import DocumentError, TextFormat
from writer_app.recovery import RecoveryStore

TYPIST = Path(__file__).with_name("recovery_typist.py")
REPO = Path(__file__).resolve().parents[2]
TEXT = "Chapter one\n\nIt was a dark and stormy night — «naïve» 中文 🙂.\n"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _crash(store: RecoveryStore) -> None:
    """What the kernel does to a killed process: its lock goes, its files stay."""
    assert store._lock_fd is not None
    os.close(store._lock_fd)
    store._lock_fd = None


def test_save_list_load_discard(tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    first = RecoveryStore(folder)
    gb = TextFormat("gb18030", False, "\r\n")
    first.save("untitled-1", TEXT, path=None, fmt=TextFormat(), title="Untitled")
    first.save("doc-2", "old", path="/home/me/notes.txt", fmt=gb, title="notes.txt")
    time.sleep(0.01)
    first.save("doc-2", "新的 text\n", path=Path("/home/me/notes.txt"), fmt=gb, title="notes.txt")
    first.save("doc-3", "saved later", path=None, fmt=TextFormat(), title="Untitled 2")
    first.discard("doc-3")
    first.discard("never-saved")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.iterdir() if p.name.endswith(recovery.SUFFIX)]
    assert len(files) == 2
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)

    # While the first session runs, nobody else is offered its documents (nor itself).
    second = RecoveryStore(folder)
    assert second.entries() == [] and first.entries() == []

    _crash(first)
    entries = second.entries()
    assert [e.doc_id for e in entries] == ["doc-2", "untitled-1"]  # newest first
    notes, untitled = entries
    assert (notes.path, notes.title, notes.fmt, notes.chars) == (
        "/home/me/notes.txt",
        "notes.txt",
        gb,
        len("新的 text\n"),
    )
    assert (untitled.path, untitled.title, untitled.fmt) == (None, "Untitled", TextFormat())
    assert {e.session for e in entries} == {first.session}
    assert {e.pid for e in entries} == {os.getpid()}
    assert abs(notes.saved_at - time.time()) < 60
    assert second.load(notes) == "新的 text\n" and second.load(untitled) == TEXT
    assert second.damaged == []

    second.remove(notes)
    assert [e.doc_id for e in second.entries()] == ["untitled-1"]
    second.remove(untitled)
    assert second.entries() == []
    assert _names(folder) == []  # the dead session's lock file went with its last copy


def test_a_clean_exit_with_unsaved_documents_offers_them_next_time(tmp_path: Path) -> None:
    with RecoveryStore(tmp_path) as store:
        store.save("a", "kept", path=None, fmt=TextFormat(), title="Untitled")
        store.save("b", "saved", path=None, fmt=TextFormat(), title="Untitled 2")
        store.discard("b")
    entries = RecoveryStore(tmp_path).entries()
    assert [(e.doc_id, e.chars) for e in entries] == [("a", 4)]
    assert not any(name.endswith(recovery.LOCK_SUFFIX) for name in _names(tmp_path))


def test_a_copy_with_nothing_unsaved_in_it_is_not_offered(tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    saved = tmp_path / "saved.txt"
    saved.write_bytes("the same text ✓\r\n".encode("cp1252", "replace"))
    changed = tmp_path / "changed.txt"
    changed.write_text("on disk")
    crashed = RecoveryStore(folder)
    cp1252 = TextFormat("cp1252", False, "\r\n")
    text_on_disk = saved.read_bytes().decode("cp1252").replace("\r\n", "\n")
    # Edited, then undone back to what the file holds, just before the crash.
    crashed.save("same", text_on_disk, path=saved, fmt=cp1252, title="saved.txt")
    crashed.save("other", "my edits", path=changed, fmt=TextFormat(), title="changed.txt")
    crashed.save("empty", "", path=None, fmt=TextFormat(), title="Untitled")
    crashed.save("note", "a note", path=None, fmt=TextFormat(), title="Untitled 2")
    _crash(crashed)
    entries = RecoveryStore(folder).entries()
    assert sorted(e.doc_id for e in entries) == ["note", "other"]
    assert len([n for n in _names(folder) if n.endswith(recovery.SUFFIX)]) == 2


def test_nothing_to_recover(tmp_path: Path) -> None:
    assert RecoveryStore(tmp_path / "missing").entries() == []
    with RecoveryStore(tmp_path) as store:
        store.save("a", "x", path=None, fmt=TextFormat(), title="t")
        store.discard("a")
    assert _names(tmp_path) == []


def _corrupt(file: Path, how: str) -> None:
    data = file.read_bytes()
    if how == "truncated":
        file.write_bytes(data[:-3])
    elif how == "flipped":
        file.write_bytes(data[:-2] + bytes([data[-2] ^ 0x20]) + data[-1:])
    elif how == "header":
        file.write_bytes(data.replace(b'"chars"', b'"charz"'))
    elif how == "json":
        file.write_bytes(data.replace(b"{", b"[", 1))
    elif how == "no-header":
        file.write_bytes(recovery.MAGIC + b'{"doc_id": "x"')
    elif how == "garbage":
        file.write_bytes(random.Random(1).randbytes(300))
    elif how == "empty":
        file.write_bytes(b"")


DAMAGE = ["truncated", "flipped", "header", "json", "no-header", "garbage", "empty"]


def test_damaged_files_are_skipped_reported_and_kept(tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path)
    for i in range(len(DAMAGE) + 1):
        store.save(f"doc-{i}", f"text {i} ✓", path=None, fmt=TextFormat(), title=f"Doc {i}")
    files = sorted(p for p in tmp_path.iterdir() if p.name.endswith(recovery.SUFFIX))
    by_doc = {json.loads(f.read_bytes().split(b"\n")[1])["doc_id"]: f for f in files}
    for i, how in enumerate(DAMAGE):
        _corrupt(by_doc[f"doc-{i}"], how)
    _crash(store)

    fresh = RecoveryStore(tmp_path)
    entries = fresh.entries()
    good = f"doc-{len(DAMAGE)}"
    assert [e.doc_id for e in entries] == [good]
    assert fresh.load(entries[0]) == f"text {len(DAMAGE)} ✓"
    assert len(fresh.damaged) == len(DAMAGE)
    reasons = " | ".join(d.reason for d in fresh.damaged)
    for words in ("cut off", "checksum", "header is damaged", "not a Writer recovery file"):
        assert words in reasons
    kept = tmp_path / recovery.DAMAGED_FOLDER
    assert sorted(d.file for d in fresh.damaged) == sorted(kept.iterdir())
    assert len(list(kept.iterdir())) == len(DAMAGE)

    again = RecoveryStore(tmp_path)
    assert [e.doc_id for e in again.entries()] == [good] and again.damaged == []

    _corrupt(entries[0].file, "flipped")  # damaged after it was listed
    with pytest.raises(DocumentError, match="damaged"):
        fresh.load(entries[0])
    entries[0].file.unlink()
    with pytest.raises(DocumentError, match="Could not read the recovery copy of Doc"):
        fresh.load(entries[0])


def test_leftovers_of_a_crash_are_cleaned_up_but_not_those_of_a_live_session(
    tmp_path: Path,
) -> None:
    dead = RecoveryStore(tmp_path, session="111-dead")
    live = RecoveryStore(tmp_path, session="222-live")
    for store in (dead, live):
        store.save("d", "text", path=None, fmt=TextFormat(), title="t")
        name = store._file_for("d").name
        (tmp_path / f".{name}.abc123.tmp").write_bytes(b"half a save")
    _crash(dead)
    scanner = RecoveryStore(tmp_path)
    (entry,) = scanner.entries()
    assert entry.session == "111-dead"
    scanner.remove(entry)
    assert [n for n in _names(tmp_path) if "111-dead" in n] == []
    assert len([n for n in _names(tmp_path) if "222-live" in n]) == 3  # copy, temp file, lock


def test_a_session_that_died_before_its_first_copy_leaves_no_lock_behind(
    tmp_path: Path,
) -> None:
    dead = RecoveryStore(tmp_path, session="111-dead")
    live = RecoveryStore(tmp_path, session="222-live")
    for store in (dead, live):
        store._hold_session_lock()  # killed between taking its lock and writing a copy
    _crash(dead)
    assert RecoveryStore(tmp_path).entries() == []
    assert _names(tmp_path) == ["222-live.lock"]


def test_saving_waits_for_someone_checking_whether_it_is_alive(tmp_path: Path) -> None:
    lock = tmp_path / f"333-busy{recovery.LOCK_SUFFIX}"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    assert recovery._try_lock(fd)
    timer = threading.Timer(0.2, lambda: os.close(fd))
    timer.start()
    try:
        store = RecoveryStore(tmp_path, session="333-busy")
        store.save("d", "text", path=None, fmt=TextFormat(), title="t")
    finally:
        timer.join()
    assert RecoveryStore(tmp_path).entries() == []  # it holds its lock now
    store.close()
    assert [e.doc_id for e in RecoveryStore(tmp_path).entries()] == ["d"]


def test_a_save_that_fails_says_so_and_keeps_the_older_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RecoveryStore(tmp_path)
    store.save("d", "older", path=None, fmt=TextFormat(), title="story.txt")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery.os, "fsync", full)
    with pytest.raises(DocumentError, match=r"recovery copy of story\.txt: No space left"):
        store.save("d", "newer", path=None, fmt=TextFormat(), title="story.txt")
    monkeypatch.undo()
    _crash(store)
    (entry,) = RecoveryStore(tmp_path).entries()
    assert RecoveryStore(tmp_path).load(entry) == "older"

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with pytest.raises(DocumentError):
        RecoveryStore(blocked / "recovery").save("d", "x", path=None, fmt=TextFormat(), title="t")


def test_session_ids_cannot_escape_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="session id"):
        RecoveryStore(tmp_path, session="../evil")


_CHILD = """
import sys
from pathlib import Path
from writer_app.documents import TextFormat
from writer_app.recovery import RecoveryStore
store = RecoveryStore(Path(sys.argv[1]))
store.save("live", "typing…", path=None, fmt=TextFormat(), title="Untitled")
print("saved", flush=True)
sys.stdin.read()
"""


def test_a_running_instance_is_not_recovered_until_it_dies(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"saved\n"
        assert RecoveryStore(tmp_path).entries() == []
    finally:
        child.kill()
        child.communicate()
    (entry,) = RecoveryStore(tmp_path).entries()
    assert (entry.doc_id, entry.pid) == ("live", child.pid)


# ------------------------------------------------------------------ the crash test


def _typist() -> ModuleType:
    spec = importlib.util.spec_from_file_location("recovery_typist", TYPIST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(rng: random.Random, n: int) -> str:
    vocabulary = ["the", "writer", "naïve", "café", "中文", "🙂", "storm", "night", "Ωμέγα"]
    out: list[str] = []
    length = 0
    while length < n:
        out += [rng.choice(vocabulary), rng.choice([" ", " ", " ", ", ", ".\n", "\n\n"])]
        length += len(out[-2]) + len(out[-1])
    return "".join(out)[:n]


def _parse_events(out: bytes) -> tuple[list[float], list[tuple[int, float]], bool]:
    """Key times; (keys typed, time taken) of each completed save; whether one was under way."""
    assert out.startswith(b"R")
    keys: list[float] = []
    saves: list[tuple[int, float]] = []
    saving = False
    for event in out[1:].decode().split(";"):
        if event.startswith("K"):
            keys.append(float(event[1:]))
        elif event.startswith("W"):
            saving = True
        elif event.startswith("S"):
            saves.append((len(keys), float(event[1:])))
            saving = False
        else:
            assert not event, f"unexpected output {event!r}"
    return keys, saves, saving


class _Typist:
    """The typist in a child process, its output collected as it comes."""

    def __init__(self, folder: Path, script: Path) -> None:
        self.child = subprocess.Popen(
            [sys.executable, str(TYPIST), str(folder), str(script)],
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        self.chunks: list[bytes] = []
        assert self.child.stdout is not None
        fd = self.child.stdout.fileno()
        self.reader = threading.Thread(
            target=lambda: self.chunks.extend(iter(lambda: os.read(fd, 65536), b""))
        )
        self.reader.start()

    def output(self) -> bytes:
        return b"".join(list(self.chunks))

    def wait_for(self, condition: Callable[[bytes], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.output()):
            assert time.monotonic() < deadline, f"typist stuck: {self.output()[-200:]!r}"
            time.sleep(0.001)

    def kill(self) -> bytes:
        if self.child.poll() is None:
            os.kill(self.child.pid, signal.SIGKILL)
        self.child.wait()
        self.reader.join()
        assert self.child.stdout is not None
        self.child.stdout.close()
        return self.output()


def test_killed_while_typing_loses_at_most_one_autosave_interval(tmp_path: Path) -> None:
    typist = _typist()
    max_lost_keys = int(typist.MAX_WAIT_S / typist.CHAR_INTERVAL_S) + 2
    trials, worst_keys, worst_seconds, mid_save, with_entry = 20, 0, 0.0, 0, 0
    rng = random.Random(2024)
    started = time.monotonic()
    for trial in range(trials):
        folder = tmp_path / f"trial-{trial}"
        base = _words(rng, 200_000)  # a long document, so that saves take a while
        typed = _words(rng, 5_000)
        script = tmp_path / f"script-{trial}.json"
        slow = 0.03 if trial % 2 else 0.0  # a slow disk, to be killed in the middle of a save
        script.write_text(
            json.dumps({"base": base, "typed": typed, "seed": trial, "slow_disk_s": slow})
        )
        child = _Typist(folder, script)
        try:
            child.wait_for(lambda out: out.startswith(b"R"))
            time.sleep(rng.uniform(0.05, 1.2))
            assert RecoveryStore(folder).entries() == []  # alive: not offered
            if slow:  # kill it while a save is under way
                child.wait_for(lambda out: out.count(b"W") > out.count(b"S"))
                time.sleep(rng.uniform(0.0, 0.04))
            else:
                time.sleep(rng.uniform(0.0, 0.1))
            killed_at = time.monotonic()
        finally:
            out = child.kill()
        assert child.child.returncode == -signal.SIGKILL
        keys, saves, saving = _parse_events(out)
        mid_save += saving

        store = RecoveryStore(folder)
        entries = store.entries()
        assert store.damaged == []
        if not entries:
            assert not saves, f"trial {trial}: saved {len(saves)} times, nothing to recover"
            recovered = 0
        else:
            with_entry += 1
            (entry,) = entries
            assert (entry.doc_id, entry.title, entry.path) == (
                "doc-1",
                "story.txt",
                "/tmp/story.txt",
            )
            assert entry.fmt == TextFormat("utf-8", False, "\r\n")
            text = store.load(entry)
            assert text.startswith(base), f"trial {trial}: the document itself was damaged"
            recovered = len(text) - len(base)
            assert text == base + typed[:recovered], f"trial {trial}: not what was typed"
            store.remove(entry)
        last_saved = saves[-1][0] if saves else 0
        assert last_saved <= recovered <= len(keys), f"trial {trial}: {last_saved=} {recovered=}"
        lost = len(keys) - recovered
        assert lost <= max_lost_keys, f"trial {trial}: lost {lost} keys"
        lost_seconds = killed_at - keys[recovered] if lost else 0.0
        assert lost_seconds <= typist.MAX_WAIT_S + 2.0, f"trial {trial}: lost {lost_seconds} s"
        worst_keys = max(worst_keys, lost)
        worst_seconds = max(worst_seconds, lost_seconds)
        assert _names(folder) == [], f"trial {trial}: left behind {_names(folder)}"
    print(
        f"\n{trials} kills in {time.monotonic() - started:.1f} s, {with_entry} with a copy "
        f"to recover, {mid_save} in the middle of a save; worst loss {worst_keys} keys, the "
        f"oldest typed {worst_seconds:.2f} s before the kill (autosave: "
        f"{typist.DEBOUNCE_S} s after the last key, at most {typist.MAX_WAIT_S} s after the "
        f"first unsaved one)"
    )
