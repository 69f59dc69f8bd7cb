"""writer-cli with Chinese text in any terminal encoding: never a crash on output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from writer_app import paths

STYLE = "正式一点"


def _run(
    args: list[str], encoding: str | None, lang: str = "C.UTF-8"
) -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": lang, "LC_ALL": lang}
    env.pop("PYTHONIOENCODING", None)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run(
        [sys.executable, "-m", "writer_app.cli", *args], capture_output=True, env=env, timeout=60
    )


@pytest.fixture
def chinese_style() -> None:
    """A style of the user's own with a Chinese name: `writer-cli styles` prints it."""
    paths.settings_file().parent.mkdir(parents=True, exist_ok=True)
    paths.settings_file().write_text(f'[styles]\n"{STYLE}" = "把这段文字改得更正式。"\n')


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_is_printed_as_it_is_where_the_terminal_can(
    chinese_style: None, encoding: str
) -> None:
    result = _run(["styles"], encoding)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode(encoding).splitlines()[-1] == STYLE


@pytest.mark.parametrize(("encoding", "lang"), [("ascii", "C"), ("latin-1", "C"), (None, "C")])
def test_chinese_the_terminal_cannot_show_is_escaped_not_a_crash(
    chinese_style: None, encoding: str | None, lang: str
) -> None:
    result = _run(["styles"], encoding, lang)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    last = result.stdout.decode("ascii" if encoding else "utf-8").splitlines()[-1]
    assert last == (STYLE.encode("ascii", "backslashreplace").decode() if encoding else STYLE)


@pytest.mark.parametrize("encoding", ["ascii", "gb18030"])
def test_an_error_naming_a_chinese_path_is_one_line(tmp_path: Path, encoding: str) -> None:
    missing = tmp_path / "文件.txt"
    result = _run(["continue", "--file", str(missing)], encoding)
    assert result.returncode == 1 and result.stdout == b""
    err = result.stderr.decode(encoding, "backslashreplace")
    assert err.startswith("writer-cli: error: Could not open") and err.count("\n") == 1
    assert ("文件.txt" if encoding == "gb18030" else "\\u6587\\u4ef6.txt") in err


def test_a_gb18030_file_is_read(tmp_path: Path) -> None:
    """`--file` reads a GB18030 document (no model needed: an empty one is refused)."""
    doc = tmp_path / "空白.txt"
    doc.write_bytes("　\r\n".encode("gb18030"))  # an ideographic space only
    result = _run(["continue", "--file", str(doc)], "gb18030")
    assert result.returncode == 1
    assert result.stderr.decode("gb18030") == "writer-cli: error: There is no text to continue\n"


def test_standard_input_in_the_terminals_encoding_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from writer_app.cli_context import CliError, read_stdin

    text = "# 灯塔\n\n- 守塔人\n"
    for encoding in ("utf-8", "gb18030"):
        stream = io.TextIOWrapper(io.BytesIO(text.encode(encoding)), encoding=encoding)
        monkeypatch.setattr("sys.stdin", stream)
        assert read_stdin() == text
    stream = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\x00bad"), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stream)
    with pytest.raises(CliError, match="not UTF-8 text: byte 0xFF"):
        read_stdin()
