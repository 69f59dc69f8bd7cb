"""writer-cli code: the file with the generated body on stdout (or written in place)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from writer_app.cli import main
from writer_app.sandbox import run_doctests

SOURCE = '''\
def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards.

    >>> is_palindrome("racecar")
    True
    >>> is_palindrome("hello")
    False
    """


def shout(text):
    """Upper-case the text."""
    return text.upper()
'''


@pytest.fixture
def source_file(tmp_path: Path) -> Path:
    path = tmp_path / "helpers.py"
    path.write_bytes(SOURCE.replace("\n", "\r\n").encode())  # CRLF, kept on writing
    return path


def _tiny(tiny_model_dir: Path) -> list[str]:
    return [
        "--model",
        str(tiny_model_dir),
        "--device",
        "cpu",
        "--max-new-tokens",
        "8",
        "--seed",
        "0",
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--function", "nope"], "helpers.py: No function named 'nope' in the file."),
        (["--function", "shout"], "helpers.py: shout() already has a body."),
    ],
)
def test_what_cannot_be_written_is_an_error_before_the_model_loads(
    source_file: Path, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["code", str(source_file), *extra, "--model", "/no/model"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("writer-cli: error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_a_file_with_nothing_to_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "done.py"
    path.write_text("def f():\n    return 1\n")
    assert main(["code", str(path)]) == 1
    assert "no function has a docstring and an empty body" in capsys.readouterr().err


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", str(tmp_path / "gone.py")]) == 1
    assert capsys.readouterr().err.startswith("writer-cli: error: Could not open")


@pytest.mark.parametrize(
    "args",
    [["code"], ["code", "x.py", "--candidates", "0"], ["code", "x.py", "--candidates", "17"]],
)
def test_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2


def test_junk_from_the_tiny_model_is_an_error_with_the_reasons(
    source_file: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = source_file.read_bytes()
    args = ["code", str(source_file), "--in-place", "--candidates", "2", *_tiny(tiny_model_dir)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "writer-cli: error: No usable body: all 2 suggestions rejected." in captured.err
    assert "candidate 1 of 2" in captured.err and "candidate 2 of 2" in captured.err
    assert source_file.read_bytes() == before  # untouched


@pytest.mark.real_model
def test_built_in_model_writes_is_palindrome_with_verification(
    source_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["code", str(source_file), "--verify", "--seed", "0"]) == 0
    captured = capsys.readouterr()
    assert "writer-cli: is_palindrome(): doctests pass (2 examples passed)" in captured.err
    new = captured.out
    assert new.startswith(SOURCE[: SOURCE.index('    """\n\n\n') + 8])
    assert new.endswith(SOURCE[SOURCE.index("\n\ndef shout") :])
    ast.parse(new)
    assert run_doctests(new, "is_palindrome").passed
    # In place: the same body, written with the file's own line endings.
    assert main(["code", str(source_file), "--verify", "--seed", "0", "--in-place"]) == 0
    assert capsys.readouterr().out == ""
    assert source_file.read_bytes() == new.replace("\n", "\r\n").encode()
