"""The summarize pipeline: part by part, streaming, checked, cancellable; on the tiny model
for its shape and on the built-in model for a real summary."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from writer_app.config import Decoding, task_defaults
from writer_app.features.base import Progress
from writer_app.features.summarize import SummaryUpdate, summarize
from writer_app.tasks import summarize as rules

TINY = Decoding(max_new_tokens=6)
ARTICLE = (
    "The Harbour Street library in Dunmore will close for repairs from 3 March. The roof "
    "leaks over the children's section, and the council found damp in the walls.\n\n"
    "During the repairs, the library's books move to the community hall on Bridge Road, "
    "which opens from nine to five on weekdays. Librarian Aoife Brennan says the library "
    "should reopen in September, with a new roof and a larger children's section."
)


def test_a_short_text_is_one_part_and_the_result_says_what_the_checks_found(tiny_backend) -> None:
    events: list[Any] = []
    result = summarize(tiny_backend, ARTICLE, TINY, on_update=events.append)
    assert isinstance(result, SummaryUpdate) and result.done and not result.cancelled
    assert (result.part, result.parts) == (1, 1)
    assert events[-1] == result
    assert not any(isinstance(e, Progress) for e in events)  # one part: no part progress
    # A random tiny model writes nothing like a summary: the checks must say so.
    assert result.problems == rules.check(result.text, ARTICLE).problems != ()
    assert not result.ok


def test_a_long_text_is_summarized_part_by_part_then_together(tiny_backend) -> None:
    long_text = "\n\n".join([" ".join(["word"] * 200)] * 4)
    events: list[Any] = []
    result = summarize(tiny_backend, long_text, TINY, on_update=events.append)
    progress = [e.message for e in events if isinstance(e, Progress)]
    parts = len(rules.split_parts(long_text))
    assert parts == 4 and result.parts == parts + 1
    assert progress == [f"Summarizing part {i} of {parts}…" for i in range(1, parts + 1)] + [
        "Summarizing the parts together…"
    ]


def test_cancel_returns_at_once_with_no_verdict(tiny_backend) -> None:
    cancel = threading.Event()
    cancel.set()
    result = summarize(tiny_backend, ARTICLE, TINY, cancel=cancel)
    assert result.cancelled and result.problems == () and not result.ok


def test_bad_requests_are_refused_before_any_model_work(tiny_backend) -> None:
    with pytest.raises(ValueError, match="no text to summarize"):
        summarize(tiny_backend, " \n\n ", TINY)
    with pytest.raises(ValueError, match="Unknown summary form"):
        summarize(tiny_backend, ARTICLE, TINY, form="haiku")


@pytest.mark.real_model
def test_the_built_in_model_writes_a_shorter_summary_that_keeps_the_key_terms(real_backend) -> None:
    result = summarize(real_backend, ARTICLE, task_defaults("summarize"))
    assert result.ok, (result.problems, result.text)
    assert rules.word_count(result.text) < rules.word_count(ARTICLE) * 0.6
    recall, missing = rules.term_recall(result.text, rules.key_terms(ARTICLE))
    assert recall >= 0.5, (missing, result.text)
    assert "library" in result.text.lower()
