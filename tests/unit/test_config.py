"""Settings: declared once, saved as TOML, never fatal when the file is bad; presets."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, cast

import pytest

from writer_app import paths
from writer_app.config import (
    PRESETS,
    TASKS,
    Decoding,
    Editor,
    SettingError,
    Settings,
    builtin_preset,
    find_preset,
    knobs,
    load_settings,
    matching_preset,
    preset_names,
    save_settings,
    spec_of,
    task_defaults,
    validate,
    with_knobs,
)
from writer_app.decoding import generate_kwargs, problems
from writer_app.features.code import CodeSettings
from writer_app.features.rewrite import RewriteSettings


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
    for task in TASKS:
        assert problems(settings.decoding(task)) == [], task


def test_defaults_differ_by_task() -> None:
    c, r, d, k = (task_defaults(t) for t in ("continuation", "rewrite", "draft", "code"))
    assert not c.do_sample and c.max_new_tokens < r.max_new_tokens  # short and focused
    assert d.do_sample and d.max_new_tokens > c.max_new_tokens  # longer, varied drafting
    assert not k.do_sample and k.temperature < d.temperature  # greedy-ish code


def _everything_changed() -> Settings:
    s = Settings()
    s.editor = Editor(
        suggestions=False,
        delay_ms=450,
        suggestion_length="paragraph",
        context_tokens=1024,
        font_family="Serif",
        font_size=14.5,
        theme="dark",
        spell_check=False,
        autosave_seconds=3.0,
        language="zh_CN",
    )
    s.code.run_generated_code = True
    s.summarize.form = "bullets"
    # (the rewrite section, its versions included, is replaced below)
    s.model.model = "/models/mine"
    s.model.device = "cpu"
    s.model.precision = "int8"
    s.model.threads = 2
    s.model.extra_paths = ["/a", "/b.gguf"]
    s.model.backend = "server"
    s.model.server = "http://gpu-box:8000/v1"
    s.model.server_model = "big-model"
    s.model.server_key = "sk-secret"
    s.model.server_timeout = 12.0
    s.model.server_fallback = False
    s.model.adapter = "my-voice"
    s.model.adapter_use = "every task"
    # Feature sections are added at runtime; mypy lets them be read, not assigned.
    cast(Any, s).rewrite = RewriteSettings(
        versions=3,
        do_sample=True,
        temperature=1.3,
        top_k=7,
        top_p=0.5,
        min_p=0.05,
        typical_p=0.9,
        repetition_penalty=1.2,
        no_repeat_ngram_size=3,
        num_beams=2,
        length_penalty=0.8,
        max_new_tokens=99,
        max_time=2.5,
        alternatives=2,
        seed=1234,
        stop_strings=["\n\n", "THE END"],
        banned_words=["very", "really quite"],
    )
    s.presets = {"draft": {"Mine": builtin_preset("draft", "Creative")}}
    s.styles = {"Pirate": "Rewrite the text as a pirate would say it.", "Ünï": "Say it «nicely»."}
    return s


def test_round_trip_of_every_setting(tmp_path: Path) -> None:
    s = _everything_changed()
    defaults = Settings()
    # The test really changes every setting (a new setting must be added here too).
    for f in _all_fields(defaults.editor) + _all_fields(defaults.model):
        section = "editor" if f in dataclasses.fields(Editor) else "model"
        assert getattr(getattr(s, section), f.name) != getattr(getattr(defaults, section), f.name)
    for f in dataclasses.fields(RewriteSettings):
        assert getattr(s.rewrite, f.name) != getattr(defaults.rewrite, f.name), f.name
    path = tmp_path / "settings.toml"
    save_settings(s, path)
    assert path.stat().st_mode & 0o777 == 0o600  # it holds an API key: its owner's only
    loaded = load_settings(path)
    assert loaded.notices == []
    assert loaded.settings == s
    assert "delay_ms = 450" in path.read_text()  # human-readable


def test_missing_file_gives_defaults_silently(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "nope.toml")
    assert loaded.settings == Settings() and loaded.notices == []


def test_a_task_keeps_its_own_defaults_for_keys_not_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[draft]\ntemperature = 0.5\n")
    draft = load_settings(path).settings.draft
    assert draft.temperature == 0.5
    assert draft.max_new_tokens == task_defaults("draft").max_new_tokens


@pytest.mark.parametrize(
    "content",
    [b"this is [not toml", b"\xff\xfe\x00garbage", b"[editor\ndelay_ms = 3"],
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
        "[editor]\n"
        "delay_ms = 'soon'\n"  # wrong type
        "context_tokens = 999999\n"  # out of range
        "suggestion_length = 'chapter'\n"  # not a choice
        "suggestions = false\n"  # fine
        "colour = 'blue'\n"  # unknown
        "[continuation]\n"
        "top_p = 0.5\n"  # fine
        "seed = -1\n"  # out of range
        "alternatives = 99\n"  # out of range
        "[model]\n"
        "extra_paths = 'not a list'\n"
        "[presets.poetry.Mine]\n"  # no such task
        "temperature = 1.0\n"
        "[presets.draft.Mine]\n"
        "temperature = 'hot'\n"  # a bad value inside a user preset
        "[styles]\n"
        "Pirate = 'Talk like a pirate.'\n"  # fine
        "Empty = ''\n"  # no instruction
        "Number = 3\n"  # not text
    )
    loaded = load_settings(path)
    e, c = loaded.settings.editor, loaded.settings.continuation
    assert (e.delay_ms, e.context_tokens, e.suggestion_length) == (300, 512, "sentence")
    assert e.suggestions is False and c.top_p == 0.5 and c.seed is None
    assert c.alternatives == task_defaults("continuation").alternatives
    assert loaded.settings.model.extra_paths == []
    assert list(loaded.settings.presets) == ["draft"]
    assert loaded.settings.presets["draft"]["Mine"].temperature == Decoding().temperature
    assert loaded.settings.styles == {"Pirate": "Talk like a pirate."}
    text = "\n".join(loaded.notices)
    for name in (
        "delay_ms",
        "context_tokens",
        "suggestion_length",
        "colour",
        "seed",
        "alternatives",
        "extra_paths",
        "poetry",
        "presets.draft.Mine.temperature",
        "styles.Empty",
        "styles.Number",
    ):
        assert name in text
    assert loaded.backup is not None and loaded.backup.exists()


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("editor = 3\n")
    loaded = load_settings(path)
    assert loaded.settings.editor == Editor()
    assert any("editor" in n for n in loaded.notices)


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
    s.rewrite.top_p = 1.5
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


# ---------------------------------------------------------------------------- presets


def test_builtin_presets_keep_the_task_length_and_change_the_style() -> None:
    s = Settings()
    assert preset_names(s, "draft")[:4] == ["Precise", "Balanced", "Creative", "Deterministic"]
    for name in PRESETS:
        preset = find_preset(s, "draft", name)
        assert preset.max_new_tokens == task_defaults("draft").max_new_tokens
        assert problems(preset) == [], name
    assert find_preset(s, "draft", "Balanced") == task_defaults("draft")
    assert not find_preset(s, "draft", "Precise").do_sample
    assert find_preset(s, "draft", "Creative").temperature > task_defaults("draft").temperature
    assert find_preset(s, "draft", "Deterministic").seed == 0
    assert matching_preset(s, "draft") == "Balanced"


def test_presets_match_case_insensitively_and_user_presets_follow() -> None:
    s = Settings()
    s.presets["rewrite"] = {"My Tone": dataclasses.replace(task_defaults("rewrite"), top_k=7)}
    assert preset_names(s, "rewrite")[-1] == "My Tone"
    assert find_preset(s, "rewrite", "  my tone ").top_k == 7
    assert find_preset(s, "rewrite", "CREATIVE") == builtin_preset("rewrite", "Creative")
    with pytest.raises(KeyError, match="Precise, Balanced"):
        find_preset(s, "rewrite", "Nope")
    cast(Any, s).rewrite = find_preset(s, "rewrite", "my tone")
    assert matching_preset(s, "rewrite") == "My Tone"
    s.rewrite.top_k = 8
    assert matching_preset(s, "rewrite") is None


# --------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"length_penalty": 2.0}, "Length penalty"),
        ({"num_beams": 2, "alternatives": 1, "do_sample": False, "length_penalty": 0.5}, None),
        ({"stop_strings": ["", "x"]}, "empty stop string"),
    ],
)
def test_invalid_combinations_are_explained(changes: dict[str, Any], message: str | None) -> None:
    found = problems(dataclasses.replace(task_defaults("rewrite"), **changes))
    if message is None:
        assert found == []
    else:
        assert len(found) == 1 and message in found[0]
        assert "pretrained" not in found[0] and "`" not in found[0]


def test_greedy_settings_do_not_send_sampling_knobs() -> None:
    kwargs = generate_kwargs(task_defaults("code"), sample=False)
    assert kwargs["do_sample"] is False and kwargs["temperature"] is None
    sampled = generate_kwargs(dataclasses.replace(task_defaults("code"), min_p=0.1), sample=True)
    assert sampled["temperature"] == 0.4 and sampled["min_p"] == 0.1


def test_every_feature_has_a_settings_section_from_its_declaration() -> None:
    from writer_app.features import FEATURES

    settings = Settings()
    assert tuple(FEATURES) == TASKS
    for name, feature in FEATURES.items():
        section = settings.decoding(name)
        assert isinstance(section, feature.settings)
        for key, value in feature.defaults.items():
            assert getattr(section, key) == value, (name, key)


def test_an_older_file_with_run_generated_code_in_editor_moves_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[editor]\nrun_generated_code = true\ndelay_ms = 400\n", encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.notices == []
    assert loaded.settings.code.run_generated_code is True
    assert loaded.settings.editor.delay_ms == 400


def test_a_preset_keeps_a_features_own_options() -> None:
    settings = Settings()
    settings.code.run_generated_code = True
    assert matching_preset(settings, "code") == "Balanced"
    creative = find_preset(settings, "code", "Creative")
    applied = with_knobs(settings.code, creative)
    assert isinstance(applied, CodeSettings)
    assert applied.run_generated_code is True and applied.do_sample is True
    assert not hasattr(knobs(applied), "run_generated_code")
