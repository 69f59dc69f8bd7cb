"""What the status bar counts: words (each Chinese or Japanese character is one, as in Word
and Google Docs), words in the selection, and the line and column of the cursor."""

from __future__ import annotations

import re

from PySide6.QtGui import QTextCursor

# Scripts written without spaces between words: Han (CJK ideographs and their extensions,
# compatibility ideographs, 〆 々 〇), Hiragana, Katakana and Bopomofo. Hangul is written
# with spaces, so Korean words are counted like English ones.
_CJK_RANGES = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f"
    "\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
_CJK = re.compile(f"[{_CJK_RANGES}]")
_WORDS = re.compile(r"\w+(?:['’-]\w+)*")
_WORDS_AND_CJK = re.compile(
    f"[{_CJK_RANGES}]|(?:(?![{_CJK_RANGES}])\\w)+(?:['’-](?:(?![{_CJK_RANGES}])\\w)+)*"
)
PARAGRAPH_SEPARATOR = "\u2029"


def count_words(text: str) -> int:
    """Words as a writer counts them: "don't" and "three-four" are one word each, and so is
    each CJK character ("我们是学生" is five)."""
    if _CJK.search(text) is None:
        return len(_WORDS.findall(text))
    return sum(1 for _ in _WORDS_AND_CJK.finditer(text))


def describe_words(total: int, selected: int | None = None) -> str:
    """ "340 words", or with a selection "12 of 340 words"."""
    unit = "word" if total == 1 else "words"
    if selected is None:
        return f"{total:,} {unit}"
    return f"{selected:,} of {total:,} {unit}"


def count_text(text: str, selected: str) -> tuple[int, int | None]:
    """The words of a document and of its selection (None when nothing is selected)."""
    return count_words(text), (count_words(selected) if selected else None)


def selected_text(cursor: QTextCursor) -> str:
    return cursor.selectedText().replace(PARAGRAPH_SEPARATOR, "\n")


def line_and_column(cursor: QTextCursor) -> str:
    """ "Ln 12, Col 5" (both from 1; tabs count as one column)."""
    return f"Ln {cursor.blockNumber() + 1:,}, Col {cursor.positionInBlock() + 1}"
