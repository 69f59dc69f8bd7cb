"""Training in a child process: it survives a kill -9 (the next run resumes from its last
checkpoint), and cancelling ends it at once. (A resumed run that finishes, and errors as
one line: tests/cli/test_adapt_cli.py.)"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from adapter_corpus import tiny_job
from safetensors import safe_open

from writer_app.engine import adapters, training
from writer_app.engine.training_process import TrainingRun

TIMEOUT = 90.0


def _until(run: TrainingRun, wanted: Any) -> dict[str, Any]:
    """Reports until one satisfies `wanted`; that one."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for event in run.events(0.5):
            if wanted(event):
                return event
        assert run.outcome is None, run.outcome
    raise AssertionError("no such report in time")


def _checkpoint_step(name: str) -> int:
    path = adapters.work_dir(name) / training.CHECKPOINT
    with safe_open(str(path), framework="pt") as handle:
        return int(json.loads((handle.metadata() or {})["meta"])["step"])


def test_a_killed_run_resumes_from_its_last_checkpoint_and_cancel_is_prompt(
    tiny_model_dir: Path,
) -> None:
    job = tiny_job(tiny_model_dir, max_steps=100_000, checkpoint_seconds=0.0, eval_every=100_000)
    job["threads"] = 1
    run = TrainingRun(job)
    run.start()
    _until(run, lambda e: e["event"] == "checkpoint" and e["step"] >= 3)
    assert run.pid is not None
    os.kill(run.pid, signal.SIGKILL)
    outcome = run.wait(10)
    assert outcome is not None and outcome.resumable and outcome.manifest is None
    assert "stopped unexpectedly" in outcome.message
    kept = _checkpoint_step("mine")
    assert kept >= 3
    assert adapters.list_adapters() == []

    again = TrainingRun(job)
    again.start()
    start = _until(again, lambda e: e["event"] == "start")
    assert start["resumed_step"] == kept
    progress = _until(again, lambda e: e["event"] == "progress")
    assert progress["step"] == kept + 1
    began = time.monotonic()
    outcome = again.cancel()
    assert time.monotonic() - began < 2.0
    assert again.process is not None and not again.process.is_alive()
    assert outcome.cancelled and outcome.resumable and outcome.manifest is None
    assert _checkpoint_step("mine") >= kept
    assert adapters.list_adapters() == []


def test_a_run_that_outgrows_its_memory_limit_is_stopped_with_a_message(
    tiny_model_dir: Path,
) -> None:
    from writer_app.engine.training_process import default_memory_limit, resident_bytes

    limit = default_memory_limit()
    assert limit is not None and limit > 2**28  # half of this machine's memory
    assert (resident_bytes(os.getpid()) or 0) > 2**20  # this process holds some
    job = tiny_job(tiny_model_dir, max_steps=100_000, checkpoint_seconds=0.0, eval_every=100_000)
    job["threads"] = 1
    run = TrainingRun(job, memory_limit=2**20)  # 1 MiB: any Python process holds more
    run.start()
    outcome = run.wait(TIMEOUT)
    assert outcome is not None and outcome.resumable and outcome.manifest is None
    assert outcome.message.startswith("Training stopped: it needed more than 0.0 GB of memory")
    assert run.process is not None and not run.process.is_alive()
    unlimited = TrainingRun(job, memory_limit=None)
    assert unlimited.memory_limit is None
