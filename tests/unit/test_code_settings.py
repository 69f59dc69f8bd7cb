"""The Code task's candidate count: its default, its range, and settings files written before."""

from __future__ import annotations

from pathlib import Path

from writer_app.config import load_settings, save_settings, task_defaults
from writer_app.tasks.code.schedule import DEFAULT_CANDIDATES


def test_code_tries_up_to_twelve_candidates_by_default() -> None:
    assert DEFAULT_CANDIDATES == 12
    assert task_defaults("code").alternatives == 12
    assert task_defaults("continuation").alternatives == 3  # other tasks keep theirs


def test_a_settings_file_from_before_still_loads_with_its_own_count(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[code]\n"
        "temperature = 0.4\n"
        "max_new_tokens = 256\n"
        "max_time = 60.0\n"
        "alternatives = 4\n"
        "run_generated_code = true\n"
    )
    loaded = load_settings(path)
    assert loaded.notices == [] and loaded.backup is None
    code = loaded.settings.code
    assert (code.alternatives, code.run_generated_code, code.temperature) == (4, True, 0.4)


def test_up_to_sixteen_candidates_can_be_saved_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    loaded = load_settings(path)
    loaded.settings.code.alternatives = 16
    save_settings(loaded.settings, path)
    assert load_settings(path).settings.code.alternatives == 16
    path.write_text("[code]\nalternatives = 17\n")
    again = load_settings(path)
    assert again.settings.code.alternatives == 12
    assert any("alternatives" in n for n in again.notices)
