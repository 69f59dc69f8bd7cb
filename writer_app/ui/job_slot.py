"""One running model job at a time, and the one way the window consumes a job.

Each AI feature of the window runs at most one worker job at a time. `JobSlot.run(job, ...)`
consumes it in an asyncio task and calls back, always by the same rules:

- `on_event(event)` for each event the job emits (its partial results), and
  `on_progress(message)` for the `Progress` and `Notice` events every feature may emit;
- then exactly one of `on_result(value)`, `on_cancelled()` or `on_error(exc)`;
- then `on_done()`, whichever way it ended.

Starting anew cancels what was there; a superseded job's callbacks are never called, so a
late result can never land over a newer one. `stop()` asks the job to stop while the slot
still sees how it ends (finished work is kept, e.g. the sections of a draft); `cancel()`
drops both the job and its callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from writer_app.features.base import Notice, Progress
from writer_app.ui import i18n
from writer_app.worker import Job, JobCancelled


class JobSlot:
    """At most one running job and the task consuming it."""

    def __init__(self) -> None:
        self.job: Job[Any] | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """The consuming task has not finished yet."""
        return self.task is not None and not self.task.done()

    def run(
        self,
        job: Job[Any],
        *,
        on_event: Callable[[Any], None] | None = None,
        on_progress: Callable[[str], None] | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_done: Callable[[], None] | None = None,
    ) -> asyncio.Task[None]:
        """Cancel whatever runs, then consume `job`, calling back as the module says."""
        self.cancel()
        self.job = job

        async def consume() -> None:
            try:
                async for event in job:
                    if not self.is_current(job):
                        continue
                    if isinstance(event, Progress | Notice) and on_progress is not None:
                        on_progress(i18n.shown(event.message))
                    elif on_event is not None:
                        on_event(event)
                value = await job.result()
            except (JobCancelled, asyncio.CancelledError):
                if self.is_current(job) and on_cancelled is not None:
                    on_cancelled()
            except Exception as exc:
                if self.is_current(job) and on_error is not None:
                    on_error(exc)
            else:
                if self.is_current(job) and on_result is not None:
                    on_result(value)
            finally:
                if self.is_current(job) and on_done is not None:
                    on_done()

        self.task = asyncio.ensure_future(consume())
        return self.task

    def is_current(self, job: Job[Any] | None) -> bool:
        """`job` is still the one this slot cares about (its events are not stale)."""
        return job is not None and job is self.job

    def stop(self) -> None:
        """Ask the job to stop within a token; its callbacks still say how it ended."""
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
