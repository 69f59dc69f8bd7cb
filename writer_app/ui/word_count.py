"""What the status bar counts: words (each Chinese or Japanese character is one, as in Word
and Google Docs), words in the selection, and the line and column of the cursor."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtGui import QTextCursor

from writer_app.tasks.language import UNSPACED

# Scripts written without spaces between words (Han, kana, Bopomofo: see tasks/language)
# count a character as a word. Hangul is written with spaces, so Korean words are counted
# like English ones.
_CJK = re.compile(f"[{UNSPACED}]")
_WORDS = re.compile(r"\w+(?:['’-]\w+)*")
_WORDS_AND_CJK = re.compile(
    f"[{UNSPACED}]|(?:(?![{UNSPACED}])\\w)+(?:['’-](?:(?![{UNSPACED}])\\w)+)*"
)
PARAGRAPH_SEPARATOR = "\u2029"


def count_words(text: str) -> int:
    """Words as a writer counts them: "don't" and "three-four" are one word each, and so is
    each CJK character ("我们是学生" is five)."""
    if _CJK.search(text) is None:
        return len(_WORDS.findall(text))
    return sum(1 for _ in _WORDS_AND_CJK.finditer(text))


def has_cjk(text: str) -> bool:
    """Whether the text has characters that count one each (Chinese, Japanese)."""
    return _CJK.search(text) is not None


def number(n: int) -> str:
    """A count as the user's locale writes it ("1,234"; the C locale too groups digits)."""
    locale = QLocale()
    return f"{n:,}" if locale.language() == QLocale.Language.C else locale.toString(n)


def _plural(text: str, n: int) -> str:
    """Qt's text for the count `n`: the number written as the locale writes it, and, in the
    English source text (no translation loaded), "(s)" made singular or plural."""
    return text.replace("(s)", "" if n == 1 else "s").replace(str(n), number(n), 1)


def describe_words(total: int, selected: int | None = None, *, cjk: bool = False) -> str:
    """ "340 words", or with a selection "12 of 340 words"; "… words and characters" when
    `cjk` (the document has Chinese or Japanese, whose characters count one each)."""
    if selected is None:
        if cjk:
            text = QCoreApplication.translate(
                "WordCount", "%n word(s) and character(s)", None, total
            )
        else:
            text = QCoreApplication.translate("WordCount", "%n word(s)", None, total)
        return _plural(text, total)
    if cjk:
        text = QCoreApplication.translate(
            "WordCount", "{selected} of %n word(s) and character(s)", None, total
        )
    else:
        text = QCoreApplication.translate("WordCount", "{selected} of %n word(s)", None, total)
    return _plural(text, total).format(selected=number(selected))


def count_text(text: str, selected: str) -> tuple[int, int | None]:
    """The words of a document and of its selection (None when nothing is selected)."""
    return count_words(text), (count_words(selected) if selected else None)


def word_count_label(text: str, selected: str) -> str:
    """The status bar's count for a document and its selection, e.g. "12 of 340 words" or
    "1,234 words and characters" (safe to call on a worker thread)."""
    total, part = count_text(text, selected)
    return describe_words(total, part, cjk=has_cjk(text))


def selected_text(cursor: QTextCursor) -> str:
    return cursor.selectedText().replace(PARAGRAPH_SEPARATOR, "\n")


def line_and_column(cursor: QTextCursor) -> str:
    """ "Ln 12, Col 5" (both from 1; tabs count as one column)."""
    return QCoreApplication.translate("WordCount", "Ln {line}, Col {column}").format(
        line=number(cursor.blockNumber() + 1), column=number(cursor.positionInBlock() + 1)
    )
