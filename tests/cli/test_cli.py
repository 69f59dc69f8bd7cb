"""writer-cli: output on stdout, one-line errors on stderr, meaningful exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.cli import main


def test_models_lists_the_built_in_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("builtin\tSmolLM2-135M-Instruct\tbuilt-in\t")


def test_models_lists_configured_paths_and_notes_bad_ones(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from writer_app import paths

    paths.settings_file().write_text(
        f'[model]\nextra_paths = ["{tiny_model_dir}", "{tmp_path}/gone.gguf"]\n'
    )
    assert main(["models"]) == 0
    captured = capsys.readouterr()
    assert "\tfolder\t" in captured.out and str(tiny_model_dir) in captured.out
    assert "gone.gguf" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["continue", "--file", "/no/such/file.txt"], "Could not open /no/such/file.txt"),
        (["continue", "--text", "   "], "There is no text to continue"),
        (["continue", "--text", "Hi", "--model", "/no/model"], "No model at /no/model"),
    ],
)
def test_errors_are_one_line_on_stderr(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"writer-cli: error: {message}")
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["continue"],
        ["continue", "--text", "a", "--file", "b"],
        ["continue", "--text", "a", "--top-p", "1.5"],
        ["continue", "--text", "a", "--max-new-tokens", "0"],
        ["continue", "--text", "a", "--device", "tpu"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert "usage: writer-cli" in capsys.readouterr().err


def test_continue_on_a_tiny_model(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["continue", "--text", "The quick brown fox", "--model", str(tiny_model_dir)]
    assert main([*args, "--max-new-tokens", "5"]) == 0
    first = capsys.readouterr().out
    assert first.strip()
    assert main([*args, "--max-new-tokens", "5"]) == 0
    assert capsys.readouterr().out == first  # greedy by default: reproducible
    sampled = [*args, "--max-new-tokens", "8", "--temperature", "1.5", "--seed", "4"]
    assert main(sampled) == 0
    a = capsys.readouterr().out
    assert main(sampled) == 0
    assert capsys.readouterr().out == a


def test_continue_reads_a_file_and_stdin(tiny_model_dir: Path, tmp_path: Path) -> None:
    doc = tmp_path / "draft.md"
    doc.write_text("The quick brown fox")
    cmd = [
        sys.executable,
        "-m",
        "writer_app.cli",
        "continue",
        "--model",
        str(tiny_model_dir),
        "--max-new-tokens",
        "4",
    ]
    from_file = subprocess.run([*cmd, "--file", str(doc)], capture_output=True, text=True)
    from_stdin = subprocess.run(
        [*cmd, "--file", "-"], input="The quick brown fox", capture_output=True, text=True
    )
    assert from_file.returncode == 0 and from_file.stdout.strip()
    assert from_file.stdout == from_stdin.stdout


@pytest.mark.real_model
def test_continue_on_the_built_in_model() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "writer-cli"),
            "continue",
            "--text",
            "The history of the printing press begins in",
            "--max-new-tokens",
            "24",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    assert len(words) >= 5
    assert "Traceback" not in result.stderr


def _decoding(argv: list[str]):
    from writer_app import paths
    from writer_app.cli import _parser, decoding_from_args
    from writer_app.config import load_settings

    args = _parser().parse_args(["continue", "--text", "x", *argv])
    return decoding_from_args(load_settings(paths.settings_file()).settings, args)


def test_flags_override_the_preset_which_overrides_the_saved_settings() -> None:
    from writer_app import paths

    paths.settings_file().write_text("[continuation]\ntop_k = 11\nmax_new_tokens = 7\n")
    saved = _decoding([])
    assert (saved.top_k, saved.max_new_tokens) == (11, 7)
    preset = _decoding(["--preset", "CREATIVE"])
    assert preset.top_k == 100 and preset.do_sample  # the preset replaces the saved values
    flagged = _decoding(["--preset", "creative", "--top-k", "5", "--no-do-sample"])
    assert flagged.top_k == 5 and not flagged.do_sample
    assert _decoding(["--temperature", "0.9"]).do_sample  # a temperature asks for sampling
    assert _decoding(["--max-new-tokens", "9"]).max_time == 0  # N tokens, however long
    assert _decoding(["--max-new-tokens", "9", "--max-time", "2"]).max_time == 2
    assert not _decoding(["--temperature", "0"]).do_sample  # 0 means greedy
    listed = _decoding(
        ["--stop-strings", "\n\n", "--stop-strings", "END", "--banned-words", "very"]
    )
    assert listed.stop_strings == ["\n\n", "END"] and listed.banned_words == ["very"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--preset", "nope"], "No preset 'nope' for continuation; choose one of: Precise"),
        (["--length-penalty", "2"], "cannot work together: Beams is not set"),
        (["--top-k", "-1"], "top_k must be at least 0"),
        (["--precision", "int3"], "invalid choice"),
    ],
)
def test_bad_decoding_flags_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["continue", "--text", "x", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_presets_lists_each_task(capsys: pytest.CaptureFixture[str]) -> None:
    from writer_app import paths

    paths.settings_file().write_text(
        "[presets.rewrite.'My Tone']\ntemperature = 0.4\n[rewrite]\ndo_sample = false\n"
    )
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "Rewrite:\n  Precise (built-in)\n" in out
    assert "  My Tone (yours)" in out
    assert "Draft:\n  Precise (built-in)\n  Balanced (built-in, current)" in out
    assert main(["presets", "--task", "code"]) == 0
    assert capsys.readouterr().out.startswith("Code:\n")


def test_continue_with_a_preset_and_int8(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["continue", "--text", "The quick brown fox", "--model", str(tiny_model_dir)]
    assert main([*args, "--preset", "Deterministic", "--precision", "int8"]) == 0
    assert capsys.readouterr().out.strip()
