"""writer-cli draft: outline in, article out, progress on stderr, Ctrl+C keeps a valid file."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from writer_app.cli import main
from writer_app.tasks.outline import parse_outline

OUTLINE = """# Keeping bees

## Why keep bees
- Honey and wax

## The hive
- A box with frames

## The first year
- Start in spring
"""
HEADINGS = ["Keeping bees", "Why keep bees", "The hive", "The first year"]


def _headings(text: str) -> list[str]:
    return re.findall(r"(?m)^#+ (.+)$", text)


@pytest.fixture
def outline_file(tmp_path: Path) -> Path:
    path = tmp_path / "outline.md"
    path.write_text(OUTLINE, encoding="utf-8")
    return path


def test_draft_writes_the_article_with_progress_on_stderr(
    tiny_model_dir: Path, outline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "article.md"
    argv = ["draft", str(outline_file), "-o", str(out), "--length", "short", "--tone", "formal"]
    argv += ["--audience", "children", "--model", str(tiny_model_dir), "--max-new-tokens", "12"]
    assert main([*argv, "--seed", "5"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    text = out.read_text(encoding="utf-8")
    assert _headings(text) == HEADINGS and text.endswith("\n") and not text.endswith("\n\n")
    assert "Section 3 of 3" in captured.err and "3/3" in captured.err
    assert f"wrote {out}" in captured.err
    # No temporary files left behind.
    assert {p.name for p in tmp_path.iterdir()} == {"outline.md", "article.md"}


def test_draft_prints_to_stdout_without_an_output_file(
    tiny_model_dir: Path, outline_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["draft", str(outline_file), "--length", "40", "--model", str(tiny_model_dir)]
    assert main([*argv, "--max-new-tokens", "8", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert _headings(out) == HEADINGS and out.startswith("# Keeping bees\n\n## Why keep bees\n\n")


@pytest.mark.parametrize(
    ("outline", "argv", "code", "message"),
    [
        ("  \n\n", [], 1, "The outline is empty"),
        (None, [], 1, "Could not open"),
        (OUTLINE, ["--length", "huge"], 2, "Length must be short, medium, long"),
        (OUTLINE, ["--length", "5"], 2, "Words per section must be from"),
        (OUTLINE, ["--tone", "Shouty"], 2, "No style 'Shouty'"),
        (OUTLINE, ["--top-p", "2"], 2, "top_p"),
    ],
)
def test_bad_input_is_a_message_and_an_exit_code(
    outline: str | None,
    argv: list[str],
    code: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "outline.md"
    if outline is not None:
        path.write_text(outline, encoding="utf-8")
    out = tmp_path / "article.md"
    try:
        result = main(["draft", str(path), "-o", str(out), *argv, "--model", "/no/model"])
    except SystemExit as exc:  # argparse's own checks
        result = int(str(exc.code))
    assert result == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()  # no empty article


def test_ctrl_c_leaves_a_valid_partial_file_and_exits_130(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    sections = [f"## Part {n}\n- Point {n}\n" for n in range(1, 16)]
    outline = tmp_path / "long.md"
    outline.write_text("# A long article\n\n" + "\n".join(sections), encoding="utf-8")
    out = tmp_path / "article.md"
    argv = [sys.executable, "-m", "writer_app.cli", "draft", str(outline), "-o", str(out)]
    argv += ["--model", str(tiny_model_dir), "--length", "long", "--max-new-tokens", "300"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        deadline = time.monotonic() + 120
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out.exists(), proc.communicate()[1] if proc.poll() is not None else "no file"
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "writer-cli: interrupted: kept" in stderr and "Traceback" not in stderr
    text = out.read_text(encoding="utf-8")
    found = _headings(text)
    assert found[0] == "A long article" and 2 <= len(found) < 16
    assert found[1:] == [f"Part {n}" for n in range(1, len(found))]
    assert text.endswith("\n") and parse_outline(text).title == "A long article"
    assert {p.name for p in tmp_path.iterdir()} == {"long.md", "article.md"}
