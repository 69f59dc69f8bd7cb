"""A word-level diff between a passage and its rewrite, for the rewrite preview.

Plain text in, plain text out. The pieces always rebuild both texts exactly:

    "".join(t for op, t in word_diff(old, new) if op != "insert") == old
    "".join(t for op, t in word_diff(old, new) if op != "delete") == new
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
STRAY_WORDS = 2  # unchanged filler this short between two changes joins the change

# A word (with inner apostrophes or hyphens: "don't", "well-known") or a single other
# character (punctuation, symbols), each with the whitespace before it; or whitespace at the
# very end. Keeping the whitespace with its word halves the number of tokens, which makes
# the matcher several times faster than with whitespace tokens of its own.
_TOKEN = re.compile(r"\s*(?:\w+(?:['’-]\w+)*|[^\w\s])|\s+")
_LEADING_SPACE = re.compile(r"\s*")
_PARAGRAPH_BREAK = re.compile(r"(\r?\n[ \t\r]*\n\s*)")


def tokens(text: str) -> list[str]:
    """Split text into words and punctuation marks, each with the whitespace before it."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The edits that turn `old` into `new`, word by word, as (op, text) pairs.

    Ops are "equal", "insert" and "delete"; in a change, the deletion comes first. No text
    is empty and neighbours never share an op. Whitespace before a changed word stays out of
    the change when both sides have it ("cat" → "dog", not " cat" → " dog").

    Paragraphs are matched first; where the same number of paragraphs changed, each is
    compared with its counterpart. That keeps words from matching across paragraphs, and it
    keeps re-diffing a long text cheap while one paragraph of it streams in (the results for
    unchanged pairs are cached).
    """
    a, b = _paragraphs(old), _paragraphs(new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _append(out, EQUAL, "".join(a[i1:i2]))
        elif i2 - i1 == j2 - j1:
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                _extend(out, _words(x, y))
        else:
            _extend(out, _words("".join(a[i1:i2]), "".join(b[j1:j2])))
    return out


def _paragraphs(text: str) -> list[str]:
    """Paragraphs, each with the blank line(s) after it; they join back to `text`."""
    parts = _PARAGRAPH_BREAK.split(text)
    units = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        units.append(parts[-1])
    return units


@lru_cache(maxsize=1024)
def _words(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The word-level diff of two (short) texts."""
    a, b = tokens(old), tokens(new)
    start = _common_prefix(a, b)
    end = _common_prefix(a[start:][::-1], b[start:][::-1])
    a_mid, b_mid = a[start : len(a) - end], b[start : len(b) - end]
    out: list[tuple[str, str]] = []
    _append(out, EQUAL, "".join(a[:start]))
    ops = SequenceMatcher(None, a_mid, b_mid, autojunk=False).get_opcodes()
    removed = added = ""
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        # A "the" or a comma left alike between changes reads as noise ("~~cat~~dog the
        # ~~sat~~ran"): it joins one larger change, as diff tools' "semantic cleanup" does.
        stray = (
            0 < k < len(ops) - 1
            and i2 - i1 <= STRAY_WORDS
            and all(_filler(t) for t in a_mid[i1:i2])
        )
        if tag == "equal" and not stray:
            _change(out, removed, added)
            removed = added = ""
            _append(out, EQUAL, "".join(a_mid[i1:i2]))
        else:
            removed += "".join(a_mid[i1:i2])
            added += "".join(b_mid[j1:j2])
    _change(out, removed, added)
    _append(out, EQUAL, "".join(a[len(a) - end :]))
    return tuple(out)


_FILLERS_WORDS = "a an the of to in on at by for as and or but is are was were be it its this that"
_FILLERS = frozenset(_FILLERS_WORDS.split())


def _filler(token: str) -> bool:
    """Punctuation or a little function word: no meaning of its own to keep in view."""
    word = token.strip().casefold()
    return not any(c.isalnum() for c in word) or word in _FILLERS


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _change(out: list[tuple[str, str]], removed: str, added: str) -> None:
    """Emit one change; whitespace that starts both sides alike is shown as unchanged."""
    if removed and added:
        space = _LEADING_SPACE.match(removed).group()  # type: ignore[union-attr]
        while space and not added.startswith(space):
            space = space[:-1]
        if len(space) < min(len(removed), len(added)):
            _append(out, EQUAL, space)
            removed, added = removed[len(space) :], added[len(space) :]
    _append(out, DELETE, removed)
    _append(out, INSERT, added)


def _append(out: list[tuple[str, str]], op: str, text: str) -> None:
    """Add a piece, merging it into the previous one when the op is the same."""
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))


def _extend(out: list[tuple[str, str]], pieces: Iterable[tuple[str, str]]) -> None:
    for op, text in pieces:
        _append(out, op, text)
