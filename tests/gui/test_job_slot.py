"""One running job and its consuming task: JobSlot with real worker jobs on the Qt-driven loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from writer_app.ui.job_slot import JobSlot
from writer_app.worker import Job, JobCancelled, JobContext, ModelWorker

LONG = 500  # steps of 10 ms: a job that runs until it is told to stop


@pytest.fixture
def worker(aio) -> Iterator[ModelWorker]:  # type: ignore[no-untyped-def]
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


async def consume(job: Job[Any], seen: list[Any]) -> None:
    """Read the job's events and how it ended into `seen`."""
    try:
        async for event in job:
            seen.append(event)
        seen.append(("result", await job.result()))
    except JobCancelled:
        seen.append("job cancelled")
    except asyncio.CancelledError:
        seen.append("task cancelled")
        raise


def test_an_empty_slot_runs_nothing_and_cancels_nothing(aio) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    assert not slot.running and slot.job is None and slot.task is None
    assert not slot.is_current(None)
    slot.stop()
    slot.cancel()
    assert not slot.running


def test_a_started_job_is_consumed_to_its_result(worker: ModelWorker, qtbot) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    job = worker.submit(ticking(3))
    seen: list[Any] = []
    task = slot.start(job, consume(job, seen))
    assert slot.running and slot.task is task and slot.is_current(job)
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert seen == [0, 1, 2, ("result", 3)]
    assert task.done() and not task.cancelled()
    assert slot.is_current(job) and not job.cancelled  # it finished; nothing was cancelled


def test_starting_anew_cancels_the_old_job_and_its_task(
    worker: ModelWorker, qtbot, run_async
) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    old = worker.submit(ticking())
    old_seen: list[Any] = []
    old_task = slot.start(old, consume(old, old_seen))
    qtbot.waitUntil(lambda: len(old_seen) >= 2, timeout=10_000)

    new = worker.submit(ticking(2))
    new_seen: list[Any] = []
    new_task = slot.start(new, consume(new, new_seen))
    assert old.cancelled and not new.cancelled
    assert slot.job is new and slot.task is new_task
    assert slot.is_current(new) and not slot.is_current(old)

    qtbot.waitUntil(old_task.done, timeout=10_000)
    assert old_task.cancelled() and old_seen[-1] == "task cancelled"
    assert run_async(old.result()) < LONG  # the worker stopped it early
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert new_seen == [0, 1, ("result", 2)]


def test_stop_ends_the_job_but_the_task_reads_how_it_ended(worker: ModelWorker, qtbot) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    job = worker.submit(ticking())
    seen: list[Any] = []
    task = slot.start(job, consume(job, seen))
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    slot.stop()
    assert job.cancelled and slot.is_current(job) and slot.task is task
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert not task.cancelled()
    kind, steps = seen[-1]
    assert kind == "result" and 2 <= steps < LONG  # what it had done when it stopped
    assert seen[:-1] == list(range(steps))


def test_cancel_drops_the_job_and_its_task_at_once(worker: ModelWorker, qtbot, run_async) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    job = worker.submit(ticking())
    seen: list[Any] = []
    task = slot.start(job, consume(job, seen))
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)
    slot.cancel()
    assert job.cancelled and not slot.running
    assert slot.job is None and slot.task is None and not slot.is_current(job)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.cancelled() and seen[-1] == "task cancelled"  # no result was read
    assert run_async(job.result()) < LONG


def test_a_task_that_runs_jobs_in_turn_stops_the_one_running_now(
    worker: ModelWorker, qtbot
) -> None:  # type: ignore[no-untyped-def]
    slot = JobSlot()
    jobs: list[Job[int]] = []
    seen: list[list[Any]] = []

    async def in_turn() -> None:
        for steps in (1, 2, LONG):
            job = slot.job = worker.submit(ticking(steps))
            jobs.append(job)
            seen.append([])
            await consume(job, seen[-1])

    slot.start(None, in_turn())
    assert slot.running and slot.job is None
    qtbot.waitUntil(lambda: len(seen) == 3 and len(seen[2]) >= 2, timeout=10_000)
    slot.stop()
    qtbot.waitUntil(lambda: not slot.running, timeout=10_000)
    assert [job.cancelled for job in jobs] == [False, False, True]
    assert seen[0] == [0, ("result", 1)] and seen[1] == [0, 1, ("result", 2)]
    kind, steps = seen[2][-1]
    assert kind == "result" and 2 <= steps < LONG
    assert slot.is_current(jobs[2]) and not slot.is_current(jobs[0])
