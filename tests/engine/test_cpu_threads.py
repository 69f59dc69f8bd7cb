"""Choosing how many CPU threads decoding uses, by measuring (`engine.cpu_threads`)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import torch

from writer_app.engine import cpu_threads
from writer_app.engine.cpu_threads import ThreadChooser
from writer_app.engine.local import LocalBackend
from writer_app.options import Decoding


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a 2-core machine, whatever this one has; torch's count restored after."""
    before = torch.get_num_threads()
    monkeypatch.setattr(cpu_threads, "default_count", lambda: 2)
    yield
    torch.set_num_threads(before)


def _step(seconds_by_threads: dict[int, float]) -> ThreadChooser:
    def step() -> int:
        time.sleep(seconds_by_threads[torch.get_num_threads()])
        return 4

    return ThreadChooser(step)


def test_the_faster_count_is_chosen_and_used() -> None:
    busy = _step({1: 0.01, 2: 0.05})  # two threads stall each other: one is faster
    assert busy.choose() == 1 and torch.get_num_threads() == 1
    assert busy.measured[1] > busy.measured[2]
    idle = _step({1: 0.04, 2: 0.02})
    assert idle.choose() == 2 and torch.get_num_threads() == 2


def test_a_marked_slowdown_asks_for_a_new_measure_but_not_too_often(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chooser = _step({1: 0.04, 2: 0.01})
    chooser.choose()
    best = chooser.measured[2]
    assert not chooser.slowed(best * 0.9)
    assert not chooser.slowed(best * 0.3)  # just measured
    monkeypatch.setattr(chooser, "last_check", time.monotonic() - cpu_threads.RECHECK_EVERY - 1)
    assert chooser.slowed(best * 0.3) and not chooser.slowed(best * 0.9)


def test_using_sets_and_restores_the_count() -> None:
    torch.set_num_threads(2)
    with cpu_threads.using(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    assert cpu_threads.choices() == (1, 2)


def test_the_local_backend_chooses_at_warm_up_and_when_slowed(
    tiny_lm, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalBackend(tiny_lm, choose_threads=True)
    assert backend.threads is not None
    backend.warm_up()
    assert backend.threads.threads == torch.get_num_threads()
    assert set(backend.threads.measured) == {1, 2}
    chosen: list[int] = []

    def choose() -> int:
        chosen.append(1)
        return 1

    monkeypatch.setattr(backend.threads, "slowed", lambda rate: True)
    monkeypatch.setattr(backend.threads, "choose", choose)
    result = backend.generate("The quick", Decoding(max_new_tokens=10))
    assert result.new_tokens >= backend.speed.MIN_TOKENS and chosen == [1]
    assert LocalBackend(tiny_lm).threads is None  # a count from the settings: kept
