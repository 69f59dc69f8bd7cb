"""writer-cli adapt, writer-cli adapters, and --adapter on a generating command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from adapter_corpus import prose
from safetensors import safe_open

from writer_app.cli import main
from writer_app.engine import adapters, training


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "empty.txt").write_text("  \n")
    (folder / "binary.txt").write_bytes(b"text\0with a NUL byte")
    (folder / "short.md").write_text(prose(300, 1))
    (folder / "notes.txt").write_text(prose(2500, 2))
    (folder / "pictures").mkdir()
    (folder / "pictures" / "cat.png").write_bytes(b"\x89PNG\r\n")
    return folder


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["empty.txt"], 1, "empty.txt is empty"),
        (["binary.txt"], 1, "binary.txt"),
        (["missing.txt"], 1, "Could not open"),
        (["pictures"], 1, "There is no text in these documents"),
        (["notes.txt", "--name", "../x"], 2, "cannot name an adapter"),
        (["notes.txt", "--minutes", "0"], 2, "must be more than 0"),
        (["notes.txt", "--steps", "3", "--minutes", "2"], 2, "not allowed with argument"),
        (["notes.txt", "--rank", "0"], 2, "must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_status(
    inputs: Path,
    argv: list[str],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(inputs)
    if "--name" not in argv:
        argv = [*argv, "--name", "mine"]
    result, out, err = _run(["adapt", *argv], capsys)
    assert result == code
    assert message in err and "Traceback" not in err
    assert out == ""
    assert adapters.list_adapters() == []


def test_too_little_text_is_refused_by_the_training_child(
    inputs: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["adapt", str(inputs / "short.md"), "--name", "mine", "--model", str(tiny_model_dir)]
    code, out, err = _run(argv, capsys)
    assert code == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("writer-cli: error: These documents hold only ")
    assert "at least 2,000" in last


def _checkpoint_step(name: str) -> int:
    path = adapters.store_dir() / adapters.WORK / name / training.CHECKPOINT
    try:
        with safe_open(str(path), framework="pt") as handle:
            return int(json.loads((handle.metadata() or {})["meta"])["step"])
    except OSError:
        return -1


def test_ctrl_c_keeps_a_checkpoint_the_same_command_resumes_and_the_adapter_is_used(
    inputs: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = str(inputs / "notes.txt")
    adapt = ["adapt", notes, "--name", "mine", "--model", str(tiny_model_dir), "--threads", "1"]
    cli = Path(sys.executable).parent / "writer-cli"
    process = subprocess.Popen(
        [str(cli), *adapt, "--steps", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
    )
    try:
        deadline = time.monotonic() + 90
        while _checkpoint_step("mine") < 2 and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "interrupted at step" in err and "run the same command again to resume" in err
    assert out == "" and "Traceback" not in err
    kept = _checkpoint_step("mine")
    assert kept >= 2

    code, out, err = _run([*adapt, "--steps", str(kept + 2)], capsys)
    assert code == 0, err
    assert f"resuming from the checkpoint at step {kept}" in err
    assert out.startswith("Adapter 'mine' saved: held-out perplexity ")

    code, out, _err = _run(["adapters"], capsys)
    assert code == 0 and out.startswith(f"mine\t{tiny_model_dir.name}\t1 document, ")

    generate = ["continue", "--text", "The quick brown", "--model", str(tiny_model_dir)]
    generate += ["--max-new-tokens", "8"]
    code, plain, _err = _run(generate, capsys)
    assert code == 0 and plain.strip()
    code, adapted, err = _run([*generate, "--adapter", "mine"], capsys)
    assert code == 0 and adapted.strip() and "note" not in err  # (what it changes: tests/engine)
    code, out, err = _run([*generate, "--adapter", "other"], capsys)
    assert code == 1 and out == ""
    assert "There is no adapter named 'other'; there are: mine" in err

    code, _out, err = _run(["adapters", "--rename", "mine", "yours"], capsys)
    assert code == 0 and [a.name for a in adapters.list_adapters()] == ["yours"]
    code, _out, err = _run(["adapters", "--delete", "yours"], capsys)
    assert code == 0 and adapters.list_adapters() == []
    code, _out, err = _run(["adapters", "--delete", "yours"], capsys)
    assert code == 1 and "There is no adapter named 'yours'" in err


def test_an_existing_adapter_is_not_replaced_unless_asked(
    inputs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapters.save("mine", {adapters.CONFIG: b"{}", adapters.WEIGHTS: b"x"}, {"base": {}}, False)
    code, out, err = _run(["adapt", str(inputs / "notes.txt"), "--name", "mine"], capsys)
    assert code == 1 and out == ""
    assert "An adapter named 'mine' exists already (--replace replaces it)" in err
