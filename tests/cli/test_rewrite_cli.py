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


def test_rewrite_on_a_tiny_model_keeps_paragraphs(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["rewrite", "--style", "FORMAL", "--model", str(tiny_model_dir)]
    text = "The fox was quick.\n\nThe dog was lazy."
    assert main([*args, "--text", text, "--max-new-tokens", "6"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n\n") == 1 and out.endswith("\n")
    assert main([*args, "--text", text, "--max-new-tokens", "6"]) == 0
    assert capsys.readouterr().out == out  # greedy by default: reproducible


def test_a_users_style_is_found_case_insensitively(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from writer_app import paths

    paths.settings_file().write_text("[styles]\nPirate = 'Rewrite it as a pirate would.'\n")
    args = ["rewrite", "--style", "pIRATE", "--text", "Hello there.", "--max-new-tokens", "4"]
    assert main([*args, "--model", str(tiny_model_dir)]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--style", "Shouty", "--text", "Hi"], 2, "No style 'Shouty'; choose one of: Formal"),
        (["--style", "formal", "--text", "  \n"], 1, "There is no text to rewrite"),
        (["--style", "formal", "--file", "/no/such.txt"], 1, "Could not open /no/such.txt"),
        (["--style", "formal", "--text", "Hi", "--top-p", "2"], 2, "top_p"),
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
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    assert out and "gonna" not in out.lower() and "Traceback" not in result.stderr
    assert not out.lower().startswith(("sure", "certainly", "here is", "here's"))
