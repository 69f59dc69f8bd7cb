"""Docstring → code's best-of-N on the built-in model: candidates one at a time, counted in the
progress events, stopping at the first whose doctests pass."""

from __future__ import annotations

import dataclasses

import pytest

from writer_app.config import task_defaults
from writer_app.features.code import generate_body
from writer_app.sandbox import run_doctests

COUNT_VOWELS = '''\
def count_vowels(text: str) -> int:
    """Count the vowels (a, e, i, o, u) in the text, ignoring case.

    >>> count_vowels("Hello World")
    3
    >>> count_vowels("xyz")
    0
    """
'''


@pytest.mark.real_model
def test_built_in_model_writes_candidates_until_one_passes_then_stops(real_backend) -> None:
    decoding = dataclasses.replace(task_defaults("code"), seed=0, max_time=0.0)
    assert decoding.alternatives == 12
    messages: list[str] = []
    result = generate_body(
        real_backend, COUNT_VOWELS, "count_vowels", decoding, verify_doctests=True,
        on_update=lambda event: messages.append(event.message),
    )  # fmt: skip
    assert result.passed, result.message
    written = len(result.candidates)
    # The model's likeliest plain completion fails here; a later candidate passes, and it is
    # the last one written: none after it.
    assert 1 < written < 12
    assert [m for m in messages if "checking" not in m] == [
        f"Writing count_vowels(): candidate {k} of 12…" for k in range(1, written + 1)
    ]
    assert result.best is not None and result.best.candidate is result.candidates[-1]
    assert all(r.status != "doctests pass" for r in result.ranked[1:])
    assert result.edit is not None
    assert run_doctests(result.edit.source, "count_vowels").passed  # checked again


CLAMP = '''\
def clamp(value: int, low: int, high: int) -> int:
    """Return value limited to the range from low to high (inclusive).

    >>> clamp(5, 0, 10)
    5
    >>> clamp(-3, 0, 10)
    0
    >>> clamp(42, 0, 10)
    10
    """
'''

MORE_CLAMP = '''

def more_examples():
    """
    >>> clamp(5, 6, 9)
    6
    >>> clamp(-1, -5, 5)
    -1
    >>> clamp(100, 1, 50)
    50
    """
'''


@pytest.mark.real_model
def test_built_in_model_s_failing_candidates_are_combined_into_one_that_passes(
    real_backend,
) -> None:
    # None of the twelve bodies the model writes for clamp passes; parts of them, put
    # together, do, and are right beyond the docstring's examples (whose `low` is always 0).
    decoding = dataclasses.replace(task_defaults("code"), seed=0, max_time=0.0)
    result = generate_body(real_backend, CLAMP, "clamp", decoding, verify_doctests=True)
    assert result.passed, result.message
    assert result.best is not None and result.best.candidate.combined
    assert len(result.candidates) == 13 and "made by combining parts of the 12" in result.message
    assert result.edit is not None
    assert run_doctests(result.edit.source + MORE_CLAMP, "more_examples").passed
