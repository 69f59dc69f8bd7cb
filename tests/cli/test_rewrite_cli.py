"""writer-cli rewrite and writer-cli styles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.cli import main
from writer_app.tasks.rewrite import BUILTIN_STYLES


def test_styles_lists_built_in_then_the_users_own(capsys: pytest.CaptureFixture[str]) -> None:
    from writer_app import paths

    paths.settings_file().write_text("[styles]\nPirate = 'Rewrite it as a pirate would.'\n")
    assert main(["styles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [s.name for s in BUILTIN_STYLES] + ["Pirate"]


def test_a_rewrite_the_checks_fail_is_an_error_with_the_reason(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The tiny random model's text keeps none of the passage: nothing is printed, and the one
    # line on stderr says why (the same each run: greedy settings give the same versions).
    args = ["rewrite", "--style", "FORMAL", "--model", str(tiny_model_dir), "--versions", "2"]
    text = "Ana flew to Lima on Monday.\n\nBo met Kai in Oslo at 9 am."
    assert main([*args, "--text", text, "--max-new-tokens", "6"]) == 1
    first = capsys.readouterr()
    assert first.out == "" and "Traceback" not in first.err
    assert "Could not rewrite the text faithfully: its best version" in first.err
    assert main([*args, "--text", text, "--max-new-tokens", "6"]) == 1
    assert capsys.readouterr().err == first.err


def test_a_users_style_is_found_case_insensitively(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from writer_app import paths

    paths.settings_file().write_text("[styles]\nPirate = 'Rewrite it as a pirate would.'\n")
    args = ["rewrite", "--style", "pIRATE", "--text", "Hi Ana.", "--max-new-tokens", "4"]
    assert main([*args, "--model", str(tiny_model_dir), "--versions", "1"]) == 1
    assert "Could not rewrite the text faithfully" in capsys.readouterr().err  # found, tried


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--style", "Shouty", "--text", "Hi"], 2, "No style 'Shouty'; choose one of: Formal"),
        (["--style", "formal", "--text", "  \n"], 1, "There is no text to rewrite"),
        (["--style", "formal", "--file", "/no/such.txt"], 1, "Could not open /no/such.txt"),
        (["--style", "formal", "--text", "Hi", "--top-p", "2"], 2, "top_p"),
        (["--style", "formal", "--text", "Hi", "--versions", "0"], 2, "--versions must be"),
    ],
)
def test_bad_input_is_a_message_and_an_exit_code(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        result = main(["rewrite", *argv])
    except SystemExit as exc:
        result = int(exc.code or 0)
    assert result == code
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.real_model
def test_rewrite_formal_on_the_built_in_model() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "writer-cli"),
            "rewrite",
            "--style",
            "formal",
            "--text",
            "gonna be late today, my car broke down again, sorry!!",
            "--versions",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    assert out and "gonna" not in out.lower() and "Traceback" not in result.stderr
    assert not out.lower().startswith(("sure", "certainly", "here is", "here's"))
