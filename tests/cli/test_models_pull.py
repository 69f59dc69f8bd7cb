"""writer-cli models pull / rm / list, on the local hub server: exit codes, one-line errors,
and Ctrl+C that pauses (a later run resumes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_server import Fault, HubRepo, HubServer, hub_env, use_hub

from writer_app.cli import main
from writer_app.engine import library

REPO = "test/big"
MiB = 2**20


@pytest.fixture
def hub(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HubServer]:
    """The tiny model's config and tokenizer with 4 MiB of weights: bigger than the CLI's
    1 MiB chunks, so that a part is written before a drop or a Ctrl+C (never loaded)."""
    files = {p.name: p.read_bytes() for p in tiny_model_dir.iterdir() if p.is_file()}
    files["model.safetensors"] = os.urandom(4 * MiB)
    with HubServer([HubRepo.from_bytes(REPO, files)]) as server:
        use_hub(monkeypatch, server, tmp_path)
        yield server


def test_pull_list_and_remove(hub: HubServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", REPO]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{REPO}\n" and captured.err == ""  # stdout: what --model takes
    assert main(["models"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{REPO}\t{REPO}\thf-cache\t") for line in listed)
    assert main(["models", "rm", REPO]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"writer-cli: removed {REPO} (") and "freed" in captured.err
    assert main(["models"]) == 0
    assert REPO not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["models", "pull", "org/missing"], "There is no model org/missing on the Hub"),
        (["models", "pull", "org/pickled"], "Writer will not use org/pickled"),
        (["models", "pull", REPO, "--file", "model.safetensors"], "model.safetensors is not"),
        (["models", "rm", "org/never"], "org/never is not in the Hugging Face cache"),
    ],
)
def test_failures_exit_1_with_one_line(
    hub: HubServer, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.add(HubRepo.from_bytes("org/pickled", {"config.json": b"{}", "pytorch_model.bin": b"x"}))
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"writer-cli: error: {message}")
    assert captured.err.count("\n") == 1


def test_a_failed_transfer_exits_1_and_the_next_pull_resumes(
    hub: HubServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.faults.append(Fault("drop", after=int(2.5 * MiB)))
    hub.faults.append(Fault("status", status=500, times=0))
    monkeypatch.setattr(library, "Downloader", _quick_downloader())
    assert main(["models", "pull", REPO]) == 1
    captured = capsys.readouterr()
    assert "keeps failing" in captured.err and captured.err.count("\n") == 1
    assert main(["models"]) == 0
    assert f"models pull {REPO}` resumes it" in capsys.readouterr().err
    hub.faults.clear()
    assert main(["models", "pull", REPO]) == 0
    assert hub.cdn_requests()[-1].range is not None


def _quick_downloader() -> type[library.Downloader]:
    class Quick(library.Downloader):
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs.setdefault("retry_wait", 0.01)
            kwargs.setdefault("retries", 1)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    return Quick


def test_ctrl_c_pauses_and_a_new_process_resumes(hub: HubServer, tmp_path: Path) -> None:
    hub.faults.append(Fault("slow", after=64 * 1024, seconds=0.05, times=1))
    env = {**os.environ, **hub_env(hub, tmp_path)}
    command = [sys.executable, "-m", "writer_app.cli", "models", "pull", REPO]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    weights_sha = hub.repos[REPO].files["model.safetensors"].sha256
    partial = tmp_path / "hub" / "models--test--big" / "blobs" / f"{weights_sha}.incomplete"
    while not (partial.exists() and partial.stat().st_size >= MiB):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the download did not start"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == b"" and err.decode().count("\n") == 1
    assert "what was downloaded is kept; run the same command again to resume" in err.decode()
    kept = partial.stat().st_size
    assert MiB <= kept < 4 * MiB

    done = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == f"{REPO}\n"
    resumed = hub.cdn_requests("model.safetensors")[-1]
    assert resumed.range == f"bytes={kept}-"
    assert not partial.exists()
