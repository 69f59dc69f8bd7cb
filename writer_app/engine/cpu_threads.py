"""How many CPU threads decoding uses: measured on this machine, now, not guessed.

A small model's decoding step is hundreds of tiny kernels. On an idle machine two threads
share each one; on a busy one a thread that is not scheduled holds up the other at every
kernel, and two threads fall far below one (measured: 3 tok/s on 2 threads against 29 on 1,
with other work on both cores). So the count is picked by timing a few decoding steps with
each choice, at load and again whenever real generations slow down markedly.
"""

from __future__ import annotations

import contextlib
import functools
import os
import statistics
import time
from collections.abc import Callable, Iterator

import torch

ROUNDS = 2  # each choice is timed this often, in turn, and the median kept
CLEARLY_FASTER = 1.5  # one round is enough when one choice is this much faster
RECHECK_SLOWDOWN = 0.6  # re-measure when real speed falls below this share of the measured
RECHECK_EVERY = 30.0  # seconds at least between two re-measurements


@functools.cache
def default_count() -> int:
    """The count torch starts with (its cores), read before anything changes it."""
    return max(1, torch.get_num_threads())


def choices() -> tuple[int, ...]:
    """1, and every core torch would use by default where that is more."""
    most = default_count()
    return (1, most) if most > 1 else (1,)


@contextlib.contextmanager
def using(count: int) -> Iterator[None]:
    """torch's thread count set to `count` for a while (e.g. 1 while loading: the work is
    memory-bound, and on a busy machine two threads stall each other)."""
    default_count()
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class ThreadChooser:
    """Picks the fastest thread count for decoding and notices when it no longer is."""

    def __init__(self, step: Callable[[], int]) -> None:
        """`step()` decodes a few tokens and returns how many."""
        self.step = step
        self.threads = default_count()
        self.measured: dict[int, float] = {}  # tokens/s per count, at the last measurement
        self.last_check = 0.0

    def choose(self) -> int:
        """Time each choice in turn (again, up to ROUNDS times, unless one is clearly
        faster), use the fastest; returns it."""
        rates: dict[int, list[float]] = {n: [] for n in choices()}
        for _ in range(ROUNDS):
            for count in rates:
                torch.set_num_threads(count)
                started = time.perf_counter()
                tokens = self.step()
                rates[count].append(tokens / max(1e-9, time.perf_counter() - started))
            self.measured = {n: statistics.median(r) for n, r in rates.items()}
            if max(self.measured.values()) > CLEARLY_FASTER * min(self.measured.values()):
                break
        self.threads = max(self.measured, key=lambda n: self.measured[n])
        torch.set_num_threads(self.threads)
        self.last_check = time.monotonic()
        return self.threads

    def slowed(self, tokens_per_second: float) -> bool:
        """Whether a real generation's speed says the choice should be measured again."""
        best = self.measured.get(self.threads)
        return (
            best is not None
            and tokens_per_second < RECHECK_SLOWDOWN * best
            and time.monotonic() - self.last_check > RECHECK_EVERY
        )


def fixed_by_environment() -> bool:
    """Whether the user fixed the count (OMP_NUM_THREADS, which torch reads)."""
    return bool(os.environ.get("OMP_NUM_THREADS"))
