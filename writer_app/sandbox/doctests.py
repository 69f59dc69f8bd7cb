"""Docstring → code's check: run the target function's doctests on a candidate, in the sandbox.

The bridge between the code task (`writer_app.tasks.code`, plain-text rules: which module to
run, whether the doctests can run at all) and the child process that runs them (`runner`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from writer_app.sandbox.runner import (
    DEFAULT_LIMITS,
    SCREEN_LIMITS,
    DoctestReport,
    Limits,
    run_doctests,
    screen_doctests,
)
from writer_app.tasks.code import Target, function_source, unverifiable


def verify(
    new_source: str, target: Target, limits: Limits = DEFAULT_LIMITS
) -> DoctestReport | None:
    """Run the target's doctests on `new_source` in the sandbox; None when they cannot be run.

    Runs generated code (in a contained child process): only when the user allowed it. Blocks
    for up to the time limit, so call it off the GUI thread.
    """
    if unverifiable(target):
        return None
    return run_doctests(function_source(new_source, target), target.name, limits)


def screen(
    modules: Sequence[str],
    target: Target,
    limits: Limits = SCREEN_LIMITS,
    stop: Callable[[], bool] | None = None,
) -> list[int]:
    """Which of `modules` (each the target's `function_source` with another body) pass the
    target's doctests, tried one after another in one sandboxed child until done or `stop()`:
    a sieve, not a verdict (`verify` the one you keep). Runs generated code: only when the user
    allowed it."""
    if unverifiable(target):
        return []
    return screen_doctests(modules, target.name, limits, stop)
