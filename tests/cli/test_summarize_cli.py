"""writer-cli summarize."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.cli import main

ARTICLE = (
    "The Harbour Street library in Dunmore will close for repairs from 3 March. The roof "
    "leaks over the children's section, and the council found damp in the walls. During the "
    "repairs, the library's books move to the community hall on Bridge Road. Librarian Aoife "
    "Brennan says the library should reopen in September, with a new roof."
)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--text", "  \n"], 1, "There is no text to summarize"),
        (["--file", "/no/such.txt"], 1, "Could not open /no/such.txt"),
        (["--text", "Hi", "--form", "haiku"], 2, "invalid choice: 'haiku'"),
        (["--text", "Hi", "--top-p", "2"], 2, "top_p"),
    ],
)
def test_bad_input_is_a_message_and_an_exit_code(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        result = main(["summarize", *argv])
    except SystemExit as exc:
        result = int(exc.code or 0)
    assert result == code
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_a_summary_the_checks_refuse_is_an_error_not_output(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["summarize", "--text", ARTICLE, "--model", str(tiny_model_dir)]
    assert main([*argv, "--max-new-tokens", "4"]) == 1
    captured = capsys.readouterr()
    assert "the model could not summarize this well" in captured.err
    assert captured.out == ""


@pytest.mark.real_model
def test_summarize_on_the_built_in_model() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "writer-cli"), "summarize", "--text", ARTICLE],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    assert out and len(out.split()) < len(ARTICLE.split()) and "library" in out.lower()
    assert "Traceback" not in result.stderr
