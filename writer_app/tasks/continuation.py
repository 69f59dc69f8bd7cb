"""Inline continuation: what the model reads, where a suggestion ends, and how it is cleaned.

Plain text in, plain text out; no Qt and no torch, so the rules are easy to test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from writer_app.tasks.language import CJK_CLOSERS, CJK_ENDS, UNSPACED, is_unspaced

# A sentence ends at . ! ? or … (possibly followed by closing quotes or brackets), once the
# next character shows the sentence is really over (whitespace). In Chinese and Japanese it
# ends at 。！？ or …… and their closing quotes, with no space after them: there the next
# character, whatever it is, shows that no closing quote is still to come.
_CLOSING = f"\"'”’)\\]{CJK_CLOSERS}"
_SENTENCE_END = re.compile(
    rf"[.!?…]+[{_CLOSING}]*(?=\s)"
    rf"|(?:[{CJK_ENDS}]|……)[{CJK_ENDS}…!?]*[{_CLOSING}]*(?=[^{_CLOSING}{CJK_ENDS}…!?])",
    re.S,
)
# Words for cutting copied runs: each CJK character is one, other words run to a space.
_WORD = re.compile(f"[{UNSPACED}]|(?:(?![{UNSPACED}])\\S)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")
_LAST_WORD = re.compile(r"[\w.]+$")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "fig",
}
# Roughly how many characters one token covers; used only to cut the text before tokenizing.
CHARS_PER_TOKEN_BOUND = 8
# A suggestion is cut where it starts copying this many words in a row from the text (or
# this many characters of Chinese or Japanese, about as much text).
COPY_RUN_WORDS = 8
COPY_RUN_CJK = 12
STOP_CHOICES = ("sentence", "paragraph", "length", "code")


@dataclass(frozen=True)
class ContinuationRequest:
    """One request for ghost text: the text before the cursor and how to end suggestions.

    `stop_at` "code" (code files) ends a suggestion at the end of the line, or, where the
    line before the cursor opens a block (ends with ":"), at the end of that block.
    """

    prefix: str
    stop_at: str = "sentence"

    def __post_init__(self) -> None:
        if self.stop_at not in STOP_CHOICES:
            raise ValueError(f"stop_at must be one of {', '.join(STOP_CHOICES)}")


def context_start(cursor: int, max_tokens: int) -> int:
    """Where the text the model reads for a suggestion at `cursor` begins.

    A generous cut by characters (the engine trims to the exact token budget), at a start
    that moves in steps of a quarter of the window rather than with every keystroke, so the
    model's cache of the text stays valid while the writer types. Positions may be in any
    unit (the editor's are UTF-16 code units) as long as `cursor` uses the same one.
    """
    span = max_tokens * CHARS_PER_TOKEN_BOUND
    step = max(1, span // 4)
    start = max(0, cursor - span)
    return min(-(-start // step) * step, cursor)  # up to the next step boundary


def context_before(text: str, cursor: int, max_tokens: int) -> str:
    """The part of `text` before `cursor` (a character index) that the model should read."""
    return text[context_start(cursor, max_tokens) : cursor]


def wants_auto_suggestion(before: str, after_on_line: str) -> bool:
    """Offer ghost text on a pause only at the end of a line with something to continue."""
    return bool(before.strip()) and not after_on_line.strip(f" \t)]}}\"'”’{CJK_CLOSERS}")


def boundary(text: str, stop_at: str, prefix: str = "") -> int | None:
    """Where a suggestion should end (an index into `text`), or None if not reached yet.

    Leading whitespace (a suggestion that starts a new line or paragraph) never ends it.
    `prefix`, the text before the cursor, matters only for "code".
    """
    if stop_at == "length":
        return None
    if stop_at == "code":
        return _code_boundary(prefix, text)
    lead = len(text) - len(text.lstrip())
    newline = text.find("\n", lead)
    if stop_at == "sentence":
        for match in _SENTENCE_END.finditer(text, lead):
            if newline >= 0 and match.start() > newline:
                break
            word = _LAST_WORD.search(text, lead, match.start())
            if match.group()[0] == "." and word and word.group().lower() in _ABBREVIATIONS:
                continue
            return match.end()
    return newline if newline >= 0 else None


def is_complete(text: str, stop_at: str, prefix: str = "") -> bool:
    return boundary(text, stop_at, prefix) is not None


def _code_width(line: str) -> int:
    """The indentation width of a line of code (tabs to multiples of 8, as Python reads them)."""
    return len(line[: len(line) - len(line.lstrip(" \t"))].expandtabs(8))


def _opens_block(line: str) -> bool:
    """Whether a line of code ends with ":" (a def, if, for… header), ignoring a comment."""
    code = line.split("#", 1)[0] if "#" in line and "'" not in line and '"' not in line else line
    return code.rstrip().endswith(":")


def _code_boundary(prefix: str, text: str) -> int | None:
    """Code: the end of the line being written; after a line that opens a block, the end of
    the block (before the first line of code indented no deeper than the block's header)."""
    current = prefix[prefix.rfind("\n") + 1 :]  # the cursor's line, up to the cursor
    before = prefix[: len(prefix) - len(current)].rstrip("\n").split("\n")
    if current.strip():
        header = current
    else:  # on an empty (or indented) line: the line above decides
        header = next((line for line in reversed(before) if line.strip()), "")
    if not _opens_block(header):
        lead = len(text) - len(text.lstrip())
        newline = text.find("\n", lead)
        return newline if newline >= 0 else None
    # The lines of the block as they will stand: the cursor's line continues with the text.
    width = _code_width(header)
    position = -len(current)  # where each line starts, as an index into `text`
    for i, line in enumerate((current + text).split("\n")):
        if (i > 0 or not current.strip()) and line.strip() and _code_width(line) <= width:
            return max(0, position - 1) if i > 0 else 0
        position += len(line) + 1
    return None


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _cut_copied_run(prefix: str, suggestion: str) -> str:
    """Cut the suggestion where it starts repeating a long run of words from the prefix
    (COPY_RUN_WORDS words, or COPY_RUN_CJK characters of Chinese or Japanese)."""
    haystack = f" {_normalized(prefix).lower()} "
    words = list(_WORD.finditer(suggestion))
    for i, first in enumerate(words):
        cjk = is_unspaced(first.group())
        n = COPY_RUN_CJK if cjk else COPY_RUN_WORDS
        if i + n > len(words):
            continue
        run = _normalized(suggestion[first.start() : words[i + n - 1].end()]).lower()
        if (run if cjk else f" {run}") in haystack:
            return suggestion[: first.start()]
    return suggestion


def _whole_words(text: str) -> str:
    """Text that stopped short of its end (the length limit, or still streaming) without its
    last word when that may be cut off ("…grew by 15" may have become "150"); a text of one
    word, or one that ends in a space or punctuation, is kept as it is."""
    if not text or not (text[-1].isalnum() or text[-1] in "'’-_") or is_unspaced(text[-1]):
        return text  # (where a Chinese word ends is not known here: kept)
    lead = len(text) - len(text.lstrip())
    cut = max(text.rfind(" ", lead), text.rfind("\n", lead), text.rfind("\t", lead))
    # A number or a Latin word right after Chinese text ("增长了15") starts where the
    # Chinese ends.
    run = _LATIN_RUN.search(text)
    if run and run.start() > lead and is_unspaced(text[run.start() - 1]):
        cut = max(cut, run.start())
    return text[:cut] if cut > lead else text


def clean(prefix: str, raw: str, stop_at: str) -> str:
    """Turn raw model output into the suggestion shown after the cursor.

    A suggestion that reached no natural end (the generation hit its length limit) ends at
    the last whole word (code suggestions excepted).
    """
    text = _CONTROL.sub("", raw)
    end = boundary(text, stop_at, prefix)
    if end is None and stop_at != "code":
        text = _whole_words(text)
    text = text if end is None else text[:end]
    text = _cut_copied_run(prefix, text)
    text = text.rstrip()
    if not text.strip():
        return ""
    # A whole suggestion that is already there, word for word, is not worth showing.
    said = _normalized(text)
    if len(_WORD.findall(said)) >= 3 and said in _normalized(prefix):
        return ""
    return text


def distinct(candidates: list[str]) -> list[str]:
    """Non-empty candidates, each once, in order."""
    seen: set[str] = set()
    out = []
    for c in candidates:
        if c and c not in seen:
            seen.add(c)
            out.append(c)
    return out


def next_word(suggestion: str, word_end: Callable[[str, int], int] | None = None) -> str:
    """The part of a suggestion that Ctrl+Right accepts: leading space, then one word.

    Punctuation directly after the word comes with it, as in other editors, and so do
    apostrophes and hyphens inside it ("don't", "well-known"). `word_end(text, start)` says
    where the word that starts at `start` ends; the editor passes Qt's word boundaries
    (which take Chinese a word, or without a dictionary a character, at a time). Without
    it, a word is a run of letters and digits, and each CJK character is one word.
    """
    end_of = word_end or _word_end
    n = len(suggestion)
    i = len(suggestion) - len(suggestion.lstrip())
    while i < n:
        if _is_word_char(suggestion[i]):
            i = max(i + 1, min(n, end_of(suggestion, i)))
            if i < n and _is_word_char(suggestion[i]):
                break  # a word ends between two letters: in Chinese, say
        elif suggestion[i] in _JOINERS:
            i += 1
        else:
            break
    while i < n and not suggestion[i].isspace() and not _is_word_char(suggestion[i]):
        i += 1  # the punctuation after it
    return suggestion[:i]


_JOINERS = "'’-"
_LATIN_RUN = re.compile(f"(?:(?![{UNSPACED}])[^\\W_])+$")
_FALLBACK_WORD = re.compile(f"[{UNSPACED}]|(?:(?![{UNSPACED}])\\w)+")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _word_end(text: str, start: int) -> int:
    match = _FALLBACK_WORD.match(text, start)
    return match.end() if match else start + 1
