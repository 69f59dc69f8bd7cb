"""Bad numbers and bad settings files never crash, hang or waste (issue 18)."""

from __future__ import annotations

import math
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from writer_app import config
from writer_app.atomic import FolderNotWritable
from writer_app.config import (
    Decoding,
    SettingError,
    Settings,
    coerce,
    load_settings,
    spec_of,
    task_defaults,
)

FLOAT_SETTINGS = [
    "temperature",
    "top_p",
    "min_p",
    "typical_p",
    "repetition_penalty",
    "length_penalty",
    "max_time",
]


def backup_path(path: Path) -> Path:
    """Where the one copy of a damaged settings file is kept."""
    return path.with_name(path.name + ".bak")


def _field(name: str) -> Any:
    return next(f for f in Decoding.__dataclass_fields__.values() if f.name == name)


@pytest.mark.parametrize("name", FLOAT_SETTINGS)
@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 10**400], ids=["nan", "inf", "-inf", "10**400"]
)
def test_non_finite_numbers_are_refused_where_values_are_checked(name: str, value: Any) -> None:
    with pytest.raises(SettingError, match=f"{name} must be a finite number"):
        coerce(name, float, spec_of(_field(name)), value)


def test_a_nan_in_the_settings_file_falls_back_entry_by_entry(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[continuation]\ntemperature = nan\ntop_p = inf\nmin_p = 0.05\n"
        "[draft]\nmax_time = -inf\n[editor]\nfont_size = nan\n"
    )
    loaded = load_settings(path)
    c = loaded.settings.continuation
    assert c.temperature == task_defaults("continuation").temperature
    assert c.top_p == task_defaults("continuation").top_p and c.min_p == 0.05
    assert loaded.settings.draft.max_time == task_defaults("draft").max_time
    assert loaded.settings.editor.font_size == Settings().editor.font_size
    text = "\n".join(loaded.notices)
    for name in ("temperature", "top_p", "max_time", "font_size"):
        assert f"{name} must be a finite number" in text
    assert loaded.backup == backup_path(path)


@pytest.mark.parametrize(
    "content",
    [
        "a = " + "[" * 100_000 + "]" * 100_000,
        "a = " + "{b = " * 100_000 + "1" + "}" * 100_000,
        "[editor]\ndelay_ms = " + "9" * 5000,  # beyond Python's digit limit for int()
    ],
    ids=["arrays", "inline-tables", "huge-number"],
)
def test_pathological_toml_is_a_damaged_file_not_a_crash(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(content)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert len(loaded.notices) == 1 and "damaged" in loaded.notices[0]
    assert "\n" not in loaded.notices[0] and len(loaded.notices[0]) < 1000


def test_deeply_nested_values_give_short_notices(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[continuation]\nstop_strings = " + "[" * 500 + "]" * 500 + "\n")
    loaded = load_settings(path)
    assert loaded.settings.continuation.stop_strings == []
    assert all(len(n) < 1000 for n in loaded.notices)


def _load_in_thread(path: Path, seconds: float = 10.0) -> config.Loaded:
    result: list[config.Loaded] = []
    worker = threading.Thread(target=lambda: result.append(load_settings(path)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"load_settings blocked for {seconds} s"
    return result[0]


def test_a_fifo_in_place_of_the_settings_file_never_blocks(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    os.mkfifo(path)
    loaded = _load_in_thread(path)
    assert loaded.settings == Settings()
    assert len(loaded.notices) == 1 and "not a regular file" in loaded.notices[0]
    assert stat.S_ISFIFO(path.stat().st_mode)  # left as it is


def test_a_link_to_a_fifo_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    path = tmp_path / "settings.toml"
    path.symlink_to(fifo)
    assert "not a regular file" in _load_in_thread(path).notices[0]


def test_a_damaged_file_in_a_read_only_folder_gives_defaults_and_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"this is [not toml")

    def read_only(target: Path, data: bytes, *, mode: int | None = None) -> None:
        raise FolderNotWritable(13, "Permission denied", str(target))

    monkeypatch.setattr(config, "atomic_write", read_only)  # root can write anywhere
    loaded = load_settings(path)
    assert loaded.settings == Settings() and loaded.backup is None
    assert len(loaded.notices) == 1
    assert "damaged" in loaded.notices[0] and "No copy" in loaded.notices[0]
    assert path.read_bytes() == b"this is [not toml"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.toml").write_text("[editor]\ndelay_ms = 'soon'\n")
    folder.chmod(0o500)
    try:
        loaded = load_settings(folder / "settings.toml")
    finally:
        folder.chmod(0o700)
    assert loaded.backup is None and any("No copy" in n for n in loaded.notices)


def test_a_huge_damaged_file_keeps_one_bounded_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    with path.open("wb") as handle:
        chunk = b"[[[ not toml at all ]]] \x00\xff" * 4096
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    started = time.perf_counter()
    for _run in range(3):  # every start of the app
        loaded = load_settings(path)
        assert loaded.settings == Settings() and "damaged" in loaded.notices[0]
    assert time.perf_counter() - started < 5.0
    backups = sorted(p.name for p in tmp_path.iterdir() if p.name != "settings.toml")
    assert backups == ["settings.toml.bak"]
    backup = tmp_path / "settings.toml.bak"
    assert loaded.backup == backup
    assert backup.stat().st_size == config.MAX_SETTINGS_BYTES
    with path.open("rb") as handle:
        assert backup.read_bytes() == handle.read(config.MAX_SETTINGS_BYTES)


def test_a_second_start_does_not_rewrite_the_same_backup(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[editor\n")
    first = load_settings(path).backup
    assert first is not None
    inode = first.stat().st_ino
    load_settings(path)
    assert first.stat().st_ino == inode  # not replaced


@pytest.mark.parametrize("content", [b"[editor\n", b"[editor]\ndelay_ms = 'soon'\n"])
def test_the_backup_keeps_the_originals_permissions(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    path.chmod(0o600)  # it may hold an API key
    old = backup_path(path)
    old.write_bytes(b"an older backup")
    old.chmod(0o644)
    loaded = load_settings(path)
    assert loaded.backup == old and old.read_bytes() == content
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    path.unlink()
    old.unlink()
    path.write_bytes(content)
    path.chmod(0o600)
    new = load_settings(path).backup
    assert new is not None and stat.S_IMODE(new.stat().st_mode) == 0o600


def test_notices_are_bounded_in_number_and_length(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    lines = [f'"key\\n{i}{"x" * 2000}" = 1' for i in range(200)]
    path.write_text("[editor]\n" + "\n".join(lines) + "\n")
    loaded = load_settings(path)
    assert len(loaded.notices) <= config.MAX_NOTICES + 2
    assert all("\n" not in n and len(n) <= 500 for n in loaded.notices)
    assert "180 more" in loaded.notices[-2]
