"""Settings: declared once, saved as TOML, and never fatal when the file is bad."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from writer_app import paths
from writer_app.config import (
    Continuation,
    Decoding,
    SettingError,
    Settings,
    load_settings,
    save_settings,
    spec_of,
    validate,
)


def _all_fields(obj: object) -> list[dataclasses.Field[object]]:
    out = []
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out.extend(_all_fields(value))
        else:
            out.append(f)
    return out


def test_every_setting_has_help_text_and_a_valid_default() -> None:
    settings = Settings()
    for f in _all_fields(settings):
        assert spec_of(f).help, f.name
    validate(settings)


def test_round_trip_of_every_setting(tmp_path: Path) -> None:
    s = Settings()
    s.model.model = "/models/mine"
    s.model.device = "cpu"
    s.model.extra_paths = ["/a", "/b.gguf"]
    s.continuation.enabled = False
    s.continuation.delay_ms = 450
    s.continuation.stop_at = "paragraph"
    s.continuation.alternatives = 5
    s.continuation.context_tokens = 1024
    s.continuation.decoding = Decoding(
        do_sample=True,
        temperature=1.3,
        top_k=7,
        top_p=0.5,
        repetition_penalty=1.2,
        max_new_tokens=99,
        max_time=2.5,
        seed=1234,
    )
    path = tmp_path / "settings.toml"
    save_settings(s, path)
    loaded = load_settings(path)
    assert loaded.notices == []
    assert loaded.settings == s
    assert "delay_ms = 450" in path.read_text()  # human-readable


def test_missing_file_gives_defaults_silently(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "nope.toml")
    assert loaded.settings == Settings() and loaded.notices == []


def test_continuation_keeps_its_own_decoding_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[continuation.decoding]\ntemperature = 0.5\n")
    decoding = load_settings(path).settings.continuation.decoding
    assert decoding.temperature == 0.5
    assert decoding.max_new_tokens == Continuation().decoding.max_new_tokens


@pytest.mark.parametrize(
    "content",
    [
        b"this is [not toml",
        b"\xff\xfe\x00garbage",
        b"[continuation\ndelay_ms = 3",
    ],
)
def test_damaged_file_gives_defaults_a_notice_and_a_backup(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(content)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert len(loaded.notices) == 1 and "damaged" in loaded.notices[0]
    assert loaded.backup is not None and loaded.backup.read_bytes() == content


def test_bad_entries_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[continuation]\n"
        "delay_ms = 'soon'\n"  # wrong type
        "alternatives = 99\n"  # out of range
        "stop_at = 'chapter'\n"  # not a choice
        "enabled = false\n"  # fine
        "colour = 'blue'\n"  # unknown
        "[continuation.decoding]\n"
        "top_p = 0.5\n"  # fine
        "seed = -1\n"  # out of range
        "[model]\n"
        "extra_paths = 'not a list'\n"
    )
    loaded = load_settings(path)
    c = loaded.settings.continuation
    defaults = Continuation()
    assert (c.delay_ms, c.alternatives, c.stop_at) == (
        defaults.delay_ms,
        defaults.alternatives,
        defaults.stop_at,
    )
    assert c.enabled is False and c.decoding.top_p == 0.5 and c.decoding.seed is None
    assert loaded.settings.model.extra_paths == []
    text = "\n".join(loaded.notices)
    for name in ("delay_ms", "alternatives", "stop_at", "colour", "seed", "extra_paths"):
        assert name in text
    assert loaded.backup is not None and loaded.backup.exists()


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("continuation = 3\n")
    loaded = load_settings(path)
    assert loaded.settings.continuation == Continuation()
    assert any("continuation" in n for n in loaded.notices)


def test_empty_file_is_all_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("")
    assert load_settings(path).settings == Settings()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[model]\n")
    path.chmod(0)
    loaded = load_settings(path)
    assert loaded.settings == Settings() and "Could not read" in loaded.notices[0]


def test_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()
    loaded = load_settings(path)
    assert loaded.settings == Settings() and "Could not read" in loaded.notices[0]


def test_validate_refuses_out_of_range_values() -> None:
    s = Settings()
    s.continuation.decoding.top_p = 1.5
    with pytest.raises(SettingError, match="top_p"):
        validate(s)


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[model]\ndevice = 'cpu'\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_settings(Settings(), path)
    assert path.read_text() == "[model]\ndevice = 'cpu'\n"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_settings_file_lives_in_the_config_dir(app_dirs: Path) -> None:
    assert paths.settings_file().parent == paths.config_dir()
    assert str(paths.config_dir()).startswith(str(app_dirs))
