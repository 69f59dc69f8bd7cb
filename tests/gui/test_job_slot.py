"""One running job and its consuming task: JobSlot with real worker jobs on the Qt-driven loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from writer_app.features.base import Notice, Progress
from writer_app.ui.job_slot import JobSlot
from writer_app.worker import Job, JobContext, ModelWorker

LONG = 500  # steps of 10 ms: a job that runs until it is told to stop


@pytest.fixture
def worker(aio) -> Iterator[ModelWorker]:
    w = ModelWorker()
    w.start()
    yield w
    w.shutdown()


def ticking(steps: int = LONG) -> Callable[[JobContext], int]:
    """A job that emits 0, 1, 2… every 10 ms until cancelled; returns how far it got."""

    def work(ctx: JobContext) -> int:
        done = 0
        while not ctx.cancelled and done < steps:
            ctx.emit(done)
            time.sleep(0.01)
            done += 1
        return done

    return work


def run(slot: JobSlot, job: Job[Any], seen: list[Any]) -> asyncio.Task[None]:
    """Consume `job` in `slot`, recording every callback in `seen`."""
    return slot.run(
        job,
        on_event=seen.append,
        on_progress=lambda message: seen.append(("progress", message)),
        on_result=lambda value: seen.append(("result", value)),
        on_cancelled=lambda: seen.append("cancelled"),
        on_error=lambda exc: seen.append(("error", str(exc))),
        on_done=lambda: seen.append("done"),
    )


def test_an_empty_slot_runs_nothing_and_cancels_nothing(aio) -> None:
    slot = JobSlot()
    assert not slot.running and slot.job is None and slot.task is None
    assert not slot.is_current(None)
    slot.stop()
    slot.cancel()
    assert not slot.running


def test_a_started_job_is_consumed_to_its_result(worker: ModelWorker, qtbot) -> None:
    slot = JobSlot()
    job = worker.submit(ticking(3))
    seen: list[Any] = []
    task = run(slot, job, seen)
    assert slot.running and slot.task is task and slot.is_current(job)
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert seen == [0, 1, 2, ("result", 3), "done"]
    assert task.done() and not task.cancelled()
    assert slot.is_current(job) and not job.cancelled  # it finished; nothing was cancelled


def test_progress_and_notices_go_to_on_progress(worker: ModelWorker, qtbot) -> None:
    def work(ctx: JobContext) -> str:
        ctx.emit(Progress("step 1"))
        ctx.emit("partial")
        ctx.emit(Notice("fell back to the CPU"))
        return "whole"

    slot = JobSlot()
    seen: list[Any] = []
    run(slot, worker.submit(work), seen)
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert seen == [
        ("progress", "step 1"),
        "partial",
        ("progress", "fell back to the CPU"),
        ("result", "whole"),
        "done",
    ]


def test_a_failing_job_calls_on_error_then_on_done(worker: ModelWorker, qtbot) -> None:
    def work(ctx: JobContext) -> None:
        raise RuntimeError("out of memory")

    slot = JobSlot()
    seen: list[Any] = []
    run(slot, worker.submit(work), seen)
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert seen == [("error", "out of memory"), "done"]


def test_starting_anew_cancels_the_old_job_and_drops_its_callbacks(
    worker: ModelWorker, qtbot, run_async
) -> None:
    slot = JobSlot()
    old = worker.submit(ticking())
    old_seen: list[Any] = []
    old_task = run(slot, old, old_seen)
    qtbot.waitUntil(lambda: len(old_seen) >= 2, timeout=10_000)

    new = worker.submit(ticking(2))
    new_seen: list[Any] = []
    new_task = run(slot, new, new_seen)
    assert old.cancelled and not new.cancelled
    assert slot.job is new and slot.task is new_task
    assert slot.is_current(new) and not slot.is_current(old)

    qtbot.waitUntil(old_task.done, timeout=10_000)
    assert all(isinstance(e, int) for e in old_seen)  # no result, cancel or done for it
    assert run_async(old.result()) < LONG  # the worker stopped it early
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert new_seen == [0, 1, ("result", 2), "done"]


def test_stop_ends_the_job_but_the_slot_reads_how_it_ended(worker: ModelWorker, qtbot) -> None:
    slot = JobSlot()
    job = worker.submit(ticking())
    seen: list[Any] = []
    task = run(slot, job, seen)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    slot.stop()
    assert job.cancelled and slot.is_current(job) and slot.task is task
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert not task.cancelled()
    assert seen[-1] == "done"
    kind, steps = seen[-2]
    assert kind == "result" and 2 <= steps < LONG  # what it had done when it stopped
    assert seen[:-2] == list(range(steps))


def test_a_job_cancelled_before_it_ran_calls_on_cancelled(worker: ModelWorker, qtbot) -> None:
    blocker = worker.submit(ticking())  # keeps the worker busy
    slot = JobSlot()
    job = worker.submit(ticking(3))
    seen: list[Any] = []
    run(slot, job, seen)
    slot.stop()
    blocker.cancel()
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert seen == ["cancelled", "done"]


def test_cancel_drops_the_job_and_its_task_at_once(worker: ModelWorker, qtbot, run_async) -> None:
    slot = JobSlot()
    job = worker.submit(ticking())
    seen: list[Any] = []
    task = run(slot, job, seen)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    slot.cancel()
    assert job.cancelled and not slot.running
    assert slot.job is None and slot.task is None and not slot.is_current(job)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert all(isinstance(e, int) for e in seen)  # no callback after the cancel
    assert run_async(job.result()) < LONG
