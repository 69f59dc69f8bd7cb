"""What the assistant needs to know about a text's language: is it mainly Chinese, and how
to take apart text written without spaces between words.

Plain text in; no Qt. Chinese is told by its share of CJK Unified Ideographs (hanzi) among
the letters; Japanese uses them too, but with kana between them.
"""

from __future__ import annotations

import re

# Han: CJK Unified Ideographs and their extensions, compatibility ideographs, 々 〆 〇 and
# the Hangzhou numerals.
HAN = (
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# Scripts written without spaces between words: Han, kana, Bopomofo, radicals and strokes.
# (Hangul is written with spaces, so Korean words are taken like English ones.)
UNSPACED = HAN + KANA + "\u2e80-\u2fdf\u3100-\u312f\u31a0-\u31ef"
# Punctuation that ends a sentence in Chinese and Japanese (no space follows it), and the
# closing quotes and brackets that may come after it.
CJK_ENDS = "。！？"
CJK_CLOSERS = "」』”’）》】〕〉"

_HAN = re.compile(f"[{HAN}]")
_KANA = re.compile(f"[{KANA}]")
_UNSPACED = re.compile(f"[{UNSPACED}]")
_UNSPACED_RUN = re.compile(f"[{UNSPACED}]+")


def han_share(text: str) -> float:
    """The share of the letters in `text` that are Chinese characters (0.0 without letters)."""
    letters = sum(1 for c in text if c.isalpha())
    return len(_HAN.findall(text)) / letters if letters else 0.0


def is_chinese(text: str) -> bool:
    """Whether `text` is mainly Chinese: at least half its letters are Chinese characters,
    and there is little kana among them (else it is Japanese)."""
    han = len(_HAN.findall(text))
    return han_share(text) >= 0.5 and len(_KANA.findall(text)) * 4 < han


def has_unspaced(text: str) -> bool:
    """Whether `text` has any character of a script written without spaces (CJK)."""
    return _UNSPACED.search(text) is not None


def is_unspaced(char: str) -> bool:
    """Whether a character belongs to a script written without spaces between words."""
    return _UNSPACED.fullmatch(char) is not None


def spaced(text: str) -> str:
    """`text` with a space on each side of every CJK character, so that rules which find
    words, numbers and names by word boundaries see "下午3点" as "下 午 3 点"."""
    return _UNSPACED.sub(lambda m: f" {m.group()} ", text) if has_unspaced(text) else text


def unspaced_chars(text: str) -> list[str]:
    """The CJK characters of `text`, in order."""
    return _UNSPACED.findall(text)


# Characters that are grammar rather than content (particles, pronouns, "one", "this"…):
# they separate the runs that content bigrams are taken from.
FUNCTION_CHARS = (
    "的地得了着过是在和与及或也都就而之其以于为对从向到给让把被将这那个们我你他她它吗呢吧啊很又还一"
)
_CONTENT_RUN = re.compile(f"(?:(?![{FUNCTION_CHARS}])[{UNSPACED}])+")


def bigrams(text: str) -> list[str]:
    """Pairs of neighbouring CJK characters (a character standing alone counts alone): the
    units that Chinese text is compared by, most Chinese words being two characters long."""
    return _pairs(_UNSPACED_RUN.findall(text))


def content_bigrams(text: str) -> list[str]:
    """`bigrams` of the content of Chinese text: function characters (的, 了, 是, 在 …) split
    the runs and are left out, so "在五月购买蜂群" gives 五月, 月购, 购买, 买蜂, 蜂群."""
    return _pairs(_CONTENT_RUN.findall(text))


def _pairs(runs: list[str]) -> list[str]:
    out: list[str] = []
    for run in runs:
        out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    return out


# Full-width punctuation (、。「」【】 and the like, ，！？：；（）): no space goes next to it.
# Curly quotes and … are shared with English: no space between them and Chinese text.
_WIDE_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_CJK_SIDE = f"{UNSPACED}{_WIDE_PUNCT}“”‘’…"
_NEEDLESS_SPACE = re.compile(
    f"(?<=[{_CJK_SIDE}]) (?=[{_CJK_SIDE}])|(?<=[{_WIDE_PUNCT}]) | (?=[{_WIDE_PUNCT}])"
)


def join_lines(text: str) -> str:
    """`text` on one line with its whitespace collapsed to single spaces, as in English,
    except that Chinese and Japanese get no space between characters or next to full-width
    punctuation (a line break in Chinese text joins without one)."""
    flat = " ".join(text.split())
    return _NEEDLESS_SPACE.sub("", flat) if has_unspaced(flat) else flat


# --- Chinese numerals ---------------------------------------------------------------------

_DIGIT_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGIT_VALUES |= {"六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_NUMERAL = re.compile("[零〇一二两三四五六七八九十百千万亿]+")


def parse_chinese_number(numeral: str) -> int | None:
    """The value of a Chinese numeral ("十五" 15, "三百零五" 305, "两万" 20000, "二〇二四"
    2024), or None if it is not one."""
    if not numeral or not _NUMERAL.fullmatch(numeral):
        return None
    if all(c in _DIGIT_VALUES for c in numeral):  # read digit by digit: 二〇二四
        return int("".join(str(_DIGIT_VALUES[c]) for c in numeral))
    total, section, digit = 0, 0, None
    for c in numeral:
        if c in _DIGIT_VALUES:
            digit = _DIGIT_VALUES[c]
        elif c in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[c]
            digit = None
        else:
            section += digit or 0
            total = (total + section) * _BIG_UNITS[c] if c == "亿" else total + section * 10_000
            section, digit = 0, None
    return total + section + (digit or 0)


def chinese_numbers(text: str) -> list[int]:
    """The values of the Chinese numerals in `text`, in order."""
    values = (parse_chinese_number(m.group()) for m in _NUMERAL.finditer(text))
    return [v for v in values if v is not None]
