"""writer-cli with bad input: one line on stderr and a non-zero exit, before any model loads
and never after wasted work (issue 18). The model is never loaded here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from writer_app import paths
from writer_app.cli import main
from writer_app.cli_context import CliContext
from writer_app.features import code as code_feature
from writer_app.features import continuation as continuation_feature


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the model is a failure of the test: the error must come first."""

    def load(self: CliContext) -> Any:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(CliContext, "load", load)


def _error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines, "nothing on stderr"
    assert sum(line.startswith("writer-cli: error:") for line in lines) == 1, err
    assert "Traceback" not in err
    return lines[-1]


FLOAT_FLAGS = [
    "--temperature",
    "--top-p",
    "--min-p",
    "--typical-p",
    "--repetition-penalty",
    "--max-time",
    "--length-penalty",
]


@pytest.mark.parametrize("flag", FLOAT_FLAGS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_non_finite_decoding_flags_are_usage_errors(
    flag: str, value: str, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["continue", "--text", "Once upon a time", f"{flag}={value}"])
    assert exited.value.code == 2
    assert "must be a finite number" in capsys.readouterr().err


def test_a_non_finite_server_timeout_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["models", "--server", "http://127.0.0.1:9/v1", "--server-timeout", "nan"])
    assert exited.value.code == 2
    assert "must be a finite number" in capsys.readouterr().err


def test_reset_settings_are_noted_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    paths.settings_file().write_text("[continuation]\ntemperature = nan\n[editor\n")
    assert main(["presets"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("writer-cli: note: settings:")
    assert "damaged" in err[0] and "using defaults" in err[0]


def test_a_nan_in_the_settings_file_is_noted_and_not_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths.settings_file().write_text("[continuation]\ntemperature = nan\n")
    assert main(["presets", "--task", "continuation"]) == 0
    err = capsys.readouterr().err
    assert "temperature must be a finite number" in err and len(err.splitlines()) == 1


def _cli(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "writer_app.cli", *args],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
        **kwargs,
    )


def test_a_fifo_at_the_settings_path_does_not_hang_the_cli(app_dirs: Path) -> None:
    os.mkfifo(paths.settings_file())
    result = _cli(["styles"])  # before: blocked forever opening the FIFO
    assert result.returncode == 0
    assert b"not a regular file" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [["continue", "--file", "-"], ["draft", "-"]])
def test_invalid_utf8_on_stdin_is_one_line(command: list[str]) -> None:
    result = _cli([*command, "--model", "/no/such/model"], input=b"caf\xe9 au lait\n")
    assert result.returncode == 1, result.stderr
    err = result.stderr.decode()
    line = _error_line(err)
    assert "standard input is not UTF-8" in line and "0xE9 at offset 3" in line


def test_a_missing_path_with_a_line_break_is_one_line(
    tmp_path: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "my\nnotes.txt"
    assert main(["continue", "--file", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert repr(str(path)) in _error_line(err)


@pytest.mark.parametrize("where", ["folder", "missing-folder"])
def test_draft_checks_its_output_before_generating(
    where: str, tmp_path: Path, no_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    outline = tmp_path / "outline.md"
    outline.write_text("# Bees\n\n## Why bees matter\n- pollination\n")
    output = tmp_path if where == "folder" else tmp_path / "missing" / "bees.md"
    assert main(["draft", str(outline), "-o", str(output)]) == 1
    line = _error_line(capsys.readouterr().err)
    assert ("it is a folder" if where == "folder" else "does not exist") in line


def test_continue_reads_only_the_end_of_a_huge_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        line = b"The long and winding road that leads to your door will never disappear.\n"
        block = line * 10_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(block)
        handle.write(b"And in the end, the love you take is equal to the")
    given: list[str] = []

    def suggest(backend: Any, request: Any, decoding: Any, **kwargs: Any) -> list[str]:
        given.append(request.prefix)
        return [" love you make."]

    fake = SimpleNamespace(name="fake")
    monkeypatch.setattr(CliContext, "load", lambda self: fake)
    monkeypatch.setattr(continuation_feature, "suggest", suggest)
    started = time.perf_counter()
    assert main(["continue", "--file", str(path)]) == 0
    seconds = time.perf_counter() - started
    assert capsys.readouterr().out == " love you make.\n"
    (prefix,) = given
    context_tokens = 512  # the default Context (tokens) setting
    assert prefix.endswith("the love you take is equal to the")
    assert len(prefix) <= context_tokens * continuation_feature.TAIL_BYTES_PER_TOKEN
    assert len(prefix) >= context_tokens * 4  # still more than the model will read
    assert seconds < 3.0, f"{seconds:.1f} s"


STUB = '''def double(x):
    """Return twice x.

    >>> double(2)
    4
    """
'''


def _fake_code_run(monkeypatch: pytest.MonkeyPatch, meanwhile: Any = None) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    def generate_body(backend: Any, source: str, where: Any, *args: Any, **kw: Any) -> Any:
        calls.append((source, where))
        if meanwhile is not None:
            meanwhile()  # another program edits the file while the model writes
        edit = SimpleNamespace(source=source + "    return 2 * x\n")
        return SimpleNamespace(edit=edit, message="wrote double()")

    monkeypatch.setattr(CliContext, "load", lambda self: SimpleNamespace(name="fake"))
    monkeypatch.setattr(code_feature, "generate_body", generate_body)
    return calls


def test_code_in_place_refuses_when_the_file_changed_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "maths.py"
    path.write_text(STUB)
    theirs = STUB + "\n\ndef half(x):\n    return x / 2\n"
    calls = _fake_code_run(monkeypatch, lambda: path.write_text(theirs))
    assert main(["code", str(path), "--in-place"]) == 1
    assert calls
    line = _error_line(capsys.readouterr().err)
    assert "changed while" in line and "not overwritten" in line
    assert path.read_text() == theirs  # their edit is kept


def test_code_in_place_writes_when_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "maths.py"
    path.write_text(STUB)
    _fake_code_run(monkeypatch)
    assert main(["code", str(path), "--in-place"]) == 0
    assert path.read_text() == STUB + "    return 2 * x\n"
