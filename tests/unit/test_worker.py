"""The model worker thread and its asyncio-facing jobs."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from writer_app.worker import JobCancelled, JobContext, ModelWorker, Priority


@pytest.fixture
def worker():
    w = ModelWorker()
    w.start()
    yield w
    w.shutdown()


def test_events_stream_and_the_result_arrives(worker: ModelWorker) -> None:
    threads = []

    def work(ctx: JobContext) -> str:
        threads.append(threading.current_thread().name)
        for i in range(3):
            ctx.emit(i)
        return "done"

    async def main() -> tuple[list[int], str]:
        job = worker.submit(work)
        events = [e async for e in job]
        return events, await job.result()

    assert asyncio.run(main()) == ([0, 1, 2], "done")
    assert threads == ["model-worker"]


def test_errors_reach_the_awaiting_side(worker: ModelWorker) -> None:
    def work(ctx: JobContext) -> None:
        raise ValueError("bad model")

    async def main() -> None:
        job = worker.submit(work)
        assert [e async for e in job] == []
        await job.result()

    with pytest.raises(ValueError, match="bad model"):
        asyncio.run(main())


def _wait_for_cancel(started: threading.Event) -> Callable[[JobContext], int]:
    def work(ctx: JobContext) -> int:
        started.set()
        steps = 0
        while not ctx.cancelled and steps < 500:
            time.sleep(0.01)
            steps += 1
        return steps

    return work


def test_leaving_the_iteration_cancels_the_job(worker: ModelWorker) -> None:
    started = threading.Event()

    async def main() -> None:
        job = worker.submit(_wait_for_cancel(started))
        task = asyncio.ensure_future(job.__aiter__().__anext__())
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        t0 = time.perf_counter()
        steps = await job.result()
        assert steps < 500 and time.perf_counter() - t0 < 1.0
        assert job.cancelled

    asyncio.run(main())


def test_a_newer_job_in_the_group_supersedes_the_older(worker: ModelWorker) -> None:
    started = threading.Event()
    ran = []

    def second(ctx: JobContext) -> str:
        ran.append("second")
        return "second"

    def third(ctx: JobContext) -> str:
        ran.append("third")
        return "third"

    async def main() -> None:
        first = worker.submit(_wait_for_cancel(started), group="continuation")
        while not started.is_set():
            await asyncio.sleep(0.01)
        queued = worker.submit(second, group="continuation")
        latest = worker.submit(third, group="continuation")
        assert first.cancelled and queued.cancelled and not latest.cancelled
        assert await latest.result() == "third"
        with pytest.raises(JobCancelled):
            await queued.result()
        await first.result()  # it returns early: it saw the cancel flag

    asyncio.run(main())
    assert ran == ["third"]


def test_queued_jobs_run_by_priority(worker: ModelWorker) -> None:
    gate = threading.Event()
    order: list[str] = []

    def blocker(ctx: JobContext) -> None:
        gate.wait(5)

    def named(name: str):
        return lambda ctx: order.append(name)

    async def main() -> None:
        first = worker.submit(blocker)
        jobs = [
            worker.submit(named("background"), priority=Priority.BACKGROUND),
            worker.submit(named("interactive"), priority=Priority.INTERACTIVE),
            worker.submit(named("load"), priority=Priority.LOAD),
        ]
        gate.set()
        await first.result()
        for job in jobs:
            await job.result()

    asyncio.run(main())
    assert order == ["load", "interactive", "background"]


def test_shutdown_cancels_running_and_queued_work() -> None:
    worker = ModelWorker()
    worker.start()
    started = threading.Event()

    async def main() -> None:
        running = worker.submit(_wait_for_cancel(started), group="a")
        queued = worker.submit(lambda ctx: "never", group="b")
        while not started.is_set():
            await asyncio.sleep(0.01)
        await asyncio.get_running_loop().run_in_executor(None, worker.shutdown)
        assert not worker.running
        await running.result()
        with pytest.raises(JobCancelled):
            await queued.result()

    asyncio.run(main())


def test_a_checkpoint_runs_waiting_jobs_of_a_higher_priority_first(worker: ModelWorker) -> None:
    order: list[str] = []
    step = threading.Event()

    def long(ctx: JobContext) -> None:
        order.append("draft 1")
        step.wait(5)
        ctx.checkpoint()  # the suggestion queued meanwhile runs here
        order.append("draft 2")
        ctx.checkpoint()  # nothing waiting that comes first: goes straight on
        order.append("draft 3")

    def quick(_ctx: JobContext) -> None:
        order.append("suggestion")

    def later(_ctx: JobContext) -> None:
        order.append("other draft")

    async def main() -> None:
        draft = worker.submit(long, priority=Priority.BACKGROUND)
        while not order:
            await asyncio.sleep(0.005)
        other = worker.submit(later, priority=Priority.BACKGROUND)  # not before: same rank
        suggestion = worker.submit(quick, priority=Priority.INTERACTIVE)
        step.set()
        await suggestion.result()
        await draft.result()
        await other.result()

    asyncio.run(main())
    assert order == ["draft 1", "suggestion", "draft 2", "draft 3", "other draft"]


def test_the_speed_shown_is_measured_on_real_generations_not_the_warm_up() -> None:
    from writer_app.engine.backend import GenerationResult, Speed

    speed = Speed()
    assert speed.tokens_per_second() is None  # nothing is shown until there is a measure
    speed.add(GenerationResult(["x"], 3, 0.1, 0.05, False))  # too short to tell
    assert speed.tokens_per_second() is None
    for tokens_per_second in (20.0, 40.0, 30.0):
        seconds = 31 / tokens_per_second  # 32 tokens: the first, then 31 decoded
        speed.add(GenerationResult(["x"], 32, 0.5 + seconds, 0.5, False))
    assert speed.tokens_per_second() == pytest.approx(30.0)  # the median of the recent ones
