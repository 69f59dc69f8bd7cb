"""One running model job at a time, and the asyncio task that reads its events.

Each AI feature of the window runs at most one worker job at a time and consumes it in an
asyncio task. A `JobSlot` holds that pair: starting anew cancels what was there, `stop()`
asks the job to stop while its task still sees how it ends (finished work is kept),
`cancel()` drops both, and `is_current(job)` tells a consumer whether it has been superseded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from writer_app.worker import Job


class JobSlot:
    """At most one running job and the task consuming it."""

    def __init__(self) -> None:
        # The job being consumed; a consumer that runs several jobs in turn sets it as each
        # one starts, so that stop() and cancel() reach the one running now.
        self.job: Job[Any] | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """The consuming task has not finished yet."""
        return self.task is not None and not self.task.done()

    def start(self, job: Job[Any] | None, consume: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Cancel whatever runs, then consume `job` with the coroutine `consume`."""
        self.cancel()
        self.job = job
        self.task = asyncio.ensure_future(consume)
        return self.task

    def is_current(self, job: Job[Any] | None) -> bool:
        """`job` is still the one this slot cares about (its events are not stale)."""
        return job is not None and job is self.job

    def stop(self) -> None:
        """Ask the job to stop within a token; the task still reads how it ends."""
        if self.job is not None:
            self.job.cancel()

    def cancel(self) -> None:
        """Stop the job and its task now, and forget both (late results are dropped)."""
        job, self.job = self.job, None
        if job is not None:
            job.cancel()
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
