"""Where suggestions end, how they are cleaned, and when they are offered."""

from __future__ import annotations

import pytest

from writer_app.tasks.continuation import (
    ContinuationRequest,
    boundary,
    clean,
    context_before,
    distinct,
    is_complete,
    next_word,
    wants_auto_suggestion,
)


@pytest.mark.parametrize(
    ("raw", "stop_at", "expected"),
    [
        (" the 14th century. Then it", "sentence", " the 14th century."),
        (" and left! She", "sentence", " and left!"),
        (' he said "stop." Then', "sentence", ' he said "stop."'),
        (" Mr. Smith went home. He", "sentence", " Mr. Smith went home."),
        (" e.g. this one. More", "sentence", " e.g. this one."),
        (" no end here yet", "sentence", None),
        (" version 3.5 is out", "sentence", None),
        (" one line\nnext line", "sentence", " one line"),
        ("\n\nA new paragraph. More", "sentence", "\n\nA new paragraph."),
        (" a sentence. And more\nnext", "paragraph", " a sentence. And more"),
        (" a sentence. And more", "paragraph", None),
        (" a sentence. And more\n", "length", None),
    ],
)
def test_boundary(raw: str, stop_at: str, expected: str | None) -> None:
    end = boundary(raw, stop_at)
    assert (raw[:end] if end is not None else None) == expected
    assert is_complete(raw, stop_at) == (expected is not None)


def test_a_sentence_end_needs_the_next_character() -> None:
    # "3." may become "3.5": the end is only certain once whitespace follows.
    assert boundary(" it cost 3.", "sentence") is None
    assert boundary(" it cost 3. ", "sentence") == len(" it cost 3.")


def test_clean_cuts_at_the_boundary_and_trims_trailing_space() -> None:
    assert clean("He said", " hello there.  And then", "sentence") == " hello there."
    assert clean("He said", " hello there   ", "length") == " hello there"


def test_clean_drops_whitespace_and_control_characters() -> None:
    assert clean("Text", "   \n  ", "sentence") == ""
    assert clean("Text", " a\x02b\x1bc\ufffd", "length") == " abc"


def test_clean_never_repeats_a_whole_sentence_already_written() -> None:
    prefix = "The rain fell on the roof all night. The rain fell on the roof all night."
    assert clean(prefix, " The rain fell on the roof all night.", "sentence") == ""


def test_clean_cuts_where_a_long_copied_run_starts() -> None:
    prefix = "It was the best of times, it was the worst of times, it was the age of wisdom."
    raw = " Indeed, it was the best of times, it was the worst of times again"
    assert clean(prefix, raw, "length") == " Indeed,"


def test_clean_keeps_short_common_phrases() -> None:
    prefix = "She walked to the end of the road."
    assert clean(prefix, " Then she ran to the end of the road.", "sentence") == (
        " Then she ran to the end of the road."
    )


def test_distinct_keeps_order_and_drops_empties() -> None:
    assert distinct(["a", "", "b", "a", "c"]) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("suggestion", "word"),
    [
        (" hello, world", " hello,"),
        ("ing the", "ing"),
        ("... and", "..."),
        (" don't stop", " don't"),
        ("\n\nNext", "\n\nNext"),
        ("   ", "   "),
    ],
)
def test_next_word(suggestion: str, word: str) -> None:
    assert next_word(suggestion) == word


def test_context_before_cuts_only_before_the_cursor() -> None:
    text = "x" * 10_000 + "END" + "after"
    before = context_before(text, 10_003, max_tokens=100)
    assert before.endswith("END") and "after" not in before
    assert 0 < len(before) < 10_003


@pytest.mark.parametrize(
    ("before", "after", "wanted"),
    [
        ("Some text", "", True),
        ("Some text", "   ", True),
        ("He said (hello", ")", True),
        ("Some text", " more words", False),
        ("", "", False),
        ("   \n ", "", False),
    ],
)
def test_wants_auto_suggestion(before: str, after: str, wanted: bool) -> None:
    assert wants_auto_suggestion(before, after) is wanted


def test_request_rejects_unknown_stop_rule() -> None:
    with pytest.raises(ValueError, match="stop_at"):
        ContinuationRequest("text", "chapter")


@pytest.mark.parametrize(
    ("raw", "stop_at", "expected"),
    [
        # The length limit came mid-number or mid-word: end at the last whole word.
        (" sales grew by 15", "length", " sales grew by"),
        (" the river ran thr", "sentence", " the river ran"),
        (" one line and anoth", "paragraph", " one line and"),
        (" ends with a comma,", "length", " ends with a comma,"),
        (" ends with a space ", "length", " ends with a space"),
        (" it cost 3.", "sentence", " it cost 3."),
        (" single", "length", " single"),  # one word: nothing to cut back to
        ("ep well", "length", "ep"),  # finishing the word at the cursor, then one more
        ("我们今天去公园", "length", "我们今天去公园"),  # no spaces to cut at
        # A natural end is never cut.
        (" sales grew by 15%. Then", "sentence", " sales grew by 15%."),
        ("\n    return x + 1", "code", "\n    return x + 1"),
    ],
)
def test_a_suggestion_cut_off_by_the_length_limit_ends_at_a_whole_word(
    raw: str, stop_at: str, expected: str
) -> None:
    assert clean("Before", raw, stop_at) == expected
