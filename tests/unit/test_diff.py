"""The word-level diff shown in the rewrite preview."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from writer_app.tasks.diff import tokens, word_diff


def old_side(diff: list[tuple[str, str]]) -> str:
    return "".join(text for op, text in diff if op != "insert")


def new_side(diff: list[tuple[str, str]]) -> str:
    return "".join(text for op, text in diff if op != "delete")


# Words, punctuation and all kinds of whitespace, so tokens meet at every kind of boundary.
prose = st.lists(
    st.sampled_from([*"ab cd.,'\n\t-é", "the ", "cat ", "\n\n", "  "]), max_size=40
).map("".join)


@given(prose, prose)
def test_both_texts_are_rebuilt_exactly(old: str, new: str) -> None:
    diff = word_diff(old, new)
    assert old_side(diff) == old
    assert new_side(diff) == new


@given(prose, prose)
def test_pieces_are_never_empty_and_neighbours_differ(old: str, new: str) -> None:
    diff = word_diff(old, new)
    assert all(text for _, text in diff)
    assert all(op in {"equal", "insert", "delete"} for op, _ in diff)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(diff))


@given(prose)
def test_a_text_against_itself_is_one_equal_piece(text: str) -> None:
    assert word_diff(text, text) == ([("equal", text)] if text else [])


@given(prose)
def test_tokens_join_back_to_the_text(text: str) -> None:
    assert "".join(tokens(text)) == text


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "The cat sat on the mat.",
            "The dog sat on the mat.",
            [("equal", "The "), ("delete", "cat"), ("insert", "dog"),
             ("equal", " sat on the mat.")],
        ),
        (
            "I dont know",
            "I do not know.",
            [("equal", "I "), ("delete", "dont"), ("insert", "do not"), ("equal", " know"),
             ("insert", ".")],
        ),
        (
            "We will go tomorrow.",
            "We will definitely go tomorrow.",
            [("equal", "We will"), ("insert", " definitely"), ("equal", " go tomorrow.")],
        ),
        (
            "It was very, very cold.",
            "It was cold.",
            [("equal", "It was"), ("delete", " very, very"), ("equal", " cold.")],
        ),
        ("", "New text.", [("insert", "New text.")]),
        ("Old text.", "", [("delete", "Old text.")]),
    ],
)  # fmt: skip
def test_typical_edits(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    assert word_diff(old, new) == expected


def test_words_are_whole_words_not_letters() -> None:
    diff = word_diff("The meeting is tomorrow.", "The meeting was yesterday.")
    assert ("delete", "is tomorrow") in diff
    assert ("insert", "was yesterday") in diff


def test_contractions_and_hyphenated_words_are_one_word() -> None:
    assert ("delete", "don't") in word_diff("I don't care.", "I do care.")
    assert tokens("a well-known fact") == ["a", " well-known", " fact"]


def test_paragraphs_are_compared_with_their_counterparts() -> None:
    old = "The sun rose.\n\nThe birds sang loudly.\n\nWe left."
    new = "The sun came up.\n\nThe birds sang.\n\nWe left."
    diff = word_diff(old, new)
    assert diff == [
        ("equal", "The sun "),
        ("delete", "rose"),
        ("insert", "came up"),
        ("equal", ".\n\nThe birds sang"),
        ("delete", " loudly"),
        ("equal", ".\n\nWe left."),
    ]


def test_a_half_written_rewrite_shows_the_rest_as_deleted() -> None:
    diff = word_diff("One two three four.", "One two")
    assert diff == [("equal", "One two"), ("delete", " three four.")]


PROSE_WORDS = (
    "the writer keeps a quiet notebook where every morning small ideas grow into "
    "longer passages about rivers cities friends letters and the slow work of revision"
)


def _long_text(words: int) -> str:
    vocabulary = PROSE_WORDS.split()
    sentences, paragraph, text = [], [], []
    for i in range(words):
        paragraph.append(vocabulary[(i * 7 + i // 13) % len(vocabulary)])
        if i % 15 == 14:
            sentences.append(" ".join(paragraph).capitalize() + ".")
            paragraph = []
        if len(sentences) == 6:
            text.append(" ".join(sentences))
            sentences = []
    return "\n\n".join(text)


def test_fast_enough_to_rerun_on_every_streamed_update() -> None:
    old = _long_text(2000)
    new = old.replace(" the ", " a ").replace("ideas", "thoughts")
    word_diff("warm", "up")
    started = time.perf_counter()
    diff = word_diff(old, new)
    assert time.perf_counter() - started < 1.0  # about 20 ms here; generous for slow CI
    assert new_side(diff) == new
    # While one paragraph streams in, only that paragraph is compared again.
    done, rest = new.split("\n\n"), old.split("\n\n")
    started = time.perf_counter()
    for end in range(10, 110, 10):
        partial = "\n\n".join([*done[:5], done[5][:end], *rest[6:]])
        assert new_side(word_diff(old, partial)) == partial
    assert (time.perf_counter() - started) / 10 < 0.1  # under 1 ms here


def test_filler_between_changes_joins_them() -> None:
    old = "hey team, the launch is gonna slip a week"
    new = "Dear colleagues, the release will be delayed by a fortnight"
    ops = word_diff(old, new)
    assert [op for op, _t in ops] == ["delete", "insert"]  # not "…, the …" and " a " kept
    # Words that carry meaning stay in view as unchanged.
    assert word_diff("The cat sat on the mat.", "The dog sat on the rug.") == [
        ("equal", "The "),
        ("delete", "cat"),
        ("insert", "dog"),
        ("equal", " sat on the "),
        ("delete", "mat"),
        ("insert", "rug"),
        ("equal", "."),
    ]
