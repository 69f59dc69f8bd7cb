"""Ghost text in code files: a suggestion ends with the line, or with the block it opens."""

from __future__ import annotations

import pytest

from writer_app.tasks.continuation import (
    STOP_CHOICES,
    ContinuationRequest,
    boundary,
    clean,
    is_complete,
)


def _cut(prefix: str, raw: str) -> str | None:
    end = boundary(raw, "code", prefix)
    assert is_complete(raw, "code", prefix) == (end is not None)
    return raw[:end] if end is not None else None


@pytest.mark.parametrize(
    ("prefix", "raw", "expected"),
    [
        # Mid-line: the rest of the line, never a sentence end.
        ("    total = sum(", "values) / len(values)\n    return total", "values) / len(values)"),
        ('    print("Done', '. Bye.")\n    x = 1', '. Bye.")'),
        ("    x = 1", "", None),
        ("    x = 1", "  # not finished", None),
        # At the end of a line: the next line (leading line breaks do not end it).
        ("    x = 1", "\n    y = 2\n    z = 3", "\n    y = 2"),
        # After a line that opens a block: the whole block, up to the first dedent.
        (
            "def area(r):",
            "\n    pi = 3.14\n\n    return pi * r * r\n\nprint(area(2))",
            "\n    pi = 3.14\n\n    return pi * r * r\n",
        ),
        (
            "for x in xs:  # each",
            "\n    if x:\n        yield x\nrest",
            "\n    if x:\n        yield x",
        ),
        # On the empty, indented line under a block header: the block.
        ("class A:\n    def f(self):\n        ", "return 1\n\n    def g(self):", "return 1\n"),
        ("if ok:\n", "    go()\n    stop()\nelse:", "    go()\n    stop()"),
        # The block is not over while only blank or deeper lines have come.
        ("while True:", "\n    step()\n\n", None),
        # Under a plain statement: one line.
        ("x = 1\n    ", "y = 2\nz = 3", "y = 2"),
    ],
)
def test_code_boundary(prefix: str, raw: str, expected: str | None) -> None:
    assert _cut(prefix, raw) == expected


def test_a_line_dedented_right_away_ends_an_empty_suggestion() -> None:
    assert boundary("print(1)", "code", "def f():\n") == 0


def test_clean_keeps_code_whole_and_trims_the_end() -> None:
    prefix = "def area(r):"
    raw = "\n    return 3.14 * r * r\n\nprint(area(2))"
    assert clean(prefix, raw, "code") == "\n    return 3.14 * r * r"
    # A sentence end inside code does not cut it.
    assert clean('    msg = "', 'Saved. Done."\n    log(msg)', "code") == 'Saved. Done."'


def test_code_is_a_request_mode() -> None:
    assert "code" in STOP_CHOICES
    assert ContinuationRequest("x = ", "code").stop_at == "code"
