"""The one thread that owns the model, and the asyncio-facing handle of each job it runs.

Jobs are plain functions run on the worker thread in priority order. The GUI sees each job
as a `Job`: an async iterator of the events the function emits, and an awaitable result.
Leaving the iteration early, or calling `cancel()`, sets the job's `threading.Event`, which
the model code checks every token. A new job in a group (for example "continuation")
cancels the older one, running or queued. A long job offers `JobContext.checkpoint()`
between its steps: waiting jobs of a higher priority run there, then it goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_END = object()


class Priority(IntEnum):
    """Lower runs first among queued jobs; a running job is never pre-empted, only cancelled."""

    LOAD = 0
    INTERACTIVE = 10
    BACKGROUND = 20


class JobCancelled(Exception):
    """The job was cancelled before it finished."""


class JobContext:
    """What a job function gets on the worker thread: the cancel flag and a way to report."""

    def __init__(self, job: Job[Any], worker: ModelWorker | None = None, priority: int = 0) -> None:
        self._job = job
        self._worker = worker
        self._priority = priority
        self.cancel = job.cancel_event

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def emit(self, event: Any) -> None:
        """Send an event to whoever iterates the job (thread-safe)."""
        self._job._post(event)

    def checkpoint(self) -> None:
        """Run the waiting jobs that come before this one (a higher priority), then return.

        A long job calls this between its steps, so that, say, a suggestion never waits for
        a whole draft, only for the draft's current section."""
        if self._worker is not None:
            self._worker._run_waiting(before=self._priority)


class Job(Generic[T]):
    """A unit of model work as the asyncio side sees it."""

    def __init__(self, fn: Callable[[JobContext], T], group: str | None) -> None:
        self.fn = fn
        self.group = group
        self.cancel_event = threading.Event()
        self._loop = asyncio.get_running_loop()
        self._events: asyncio.Queue[Any] = asyncio.Queue()
        self._result: asyncio.Future[T] = self._loop.create_future()

    def cancel(self) -> None:
        """Ask the job to stop; generation ends within one token."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        finished = False
        try:
            while (event := await self._events.get()) is not _END:
                yield event
            finished = True
        finally:
            if not finished:
                self.cancel()

    def add_done_callback(self, callback: Callable[[asyncio.Future[T]], None]) -> None:
        """Call `callback(future)` on the asyncio thread when the job has finished."""
        self._result.add_done_callback(callback)

    async def result(self) -> T:
        """The function's return value; raises its exception, or JobCancelled."""
        return await asyncio.shield(self._result)

    # Called on the worker thread.
    def _post(self, event: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening
            self._loop.call_soon_threadsafe(self._events.put_nowait, event)

    def _finish(self, value: Any = None, error: BaseException | None = None) -> None:
        def settle() -> None:
            if not self._result.done():
                if error is not None:
                    self._result.set_exception(error)
                else:
                    self._result.set_result(value)
                # Nobody may ever await a cancelled or failed job; that is fine.
                self._result.exception()
            self._events.put_nowait(_END)

        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(settle)


@dataclass(order=True)
class _Entry:
    priority: int
    seq: int
    job: Job[Any] | None = field(compare=False)


class ModelWorker:
    """Runs jobs one at a time on a dedicated thread."""

    def __init__(self, name: str = "model-worker") -> None:
        self._queue: queue.PriorityQueue[_Entry] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._groups: dict[str, Job[Any]] = {}
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def submit(
        self,
        fn: Callable[[JobContext], T],
        *,
        priority: Priority = Priority.INTERACTIVE,
        group: str | None = None,
    ) -> Job[T]:
        """Queue `fn` for the worker thread. Call from a running asyncio loop (the GUI thread)."""
        job: Job[T] = Job(fn, group)
        with self._lock:
            if group is not None:
                older = self._groups.get(group)
                if older is not None:
                    older.cancel()
                self._groups[group] = job
        self._queue.put(_Entry(int(priority), next(self._seq), job))
        return job

    def cancel_group(self, group: str) -> None:
        with self._lock:
            job = self._groups.pop(group, None)
        if job is not None:
            job.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything and stop the thread (waits up to `timeout` seconds)."""
        with self._lock:
            for job in self._groups.values():
                job.cancel()
        self._queue.put(_Entry(-1, -1, None))
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run_waiting(self, before: int) -> None:
        """Run queued jobs whose priority is higher than `before` (on the worker thread)."""
        while True:
            with self._queue.mutex:
                waiting = self._queue.queue  # a heap: its first entry comes next
                if not waiting or waiting[0].priority >= before:
                    return
            entry = self._queue.get()
            if entry.job is None:  # shutting down: leave it for the main loop
                self._queue.put(entry)
                return
            self._execute(entry)

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry.job is None:
                break
            self._execute(entry)
        # Drain: whatever is still queued is cancelled.
        while not self._queue.empty():
            leftover = self._queue.get_nowait().job
            if leftover is not None:
                leftover._finish(error=JobCancelled())

    def _execute(self, entry: _Entry) -> None:
        job = entry.job
        assert job is not None
        if job.cancelled:
            job._finish(error=JobCancelled())
            return
        try:
            value = job.fn(JobContext(job, self, entry.priority))
        except JobCancelled as exc:
            job._finish(error=exc)
        except Exception as exc:
            if job.cancelled:
                job._finish(error=JobCancelled())
            else:
                log.exception("job failed")
                job._finish(error=exc)
        else:
            job._finish(value=value)
        finally:
            with self._lock:
                if job.group is not None and self._groups.get(job.group) is job:
                    del self._groups[job.group]
