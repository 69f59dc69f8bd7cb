"""Light Markdown highlighting: headings, emphasis, code, lists, quotes and links."""

from __future__ import annotations

import re

from PySide6.QtGui import QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
GUESS_LINES = 400  # how much of a document the Markdown guess reads

_HEADING = re.compile(r"^#{1,6}\s+\S")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_INLINE = re.compile(r"\[[^\]]+\]\([^)\s]+\)|\*\*\S[^*]*\S\*\*|^>\s")


def looks_like_markdown(text: str) -> bool:
    """Whether an untitled text reads as Markdown: a heading, a fenced code block, a link,
    bold text or a quote, or a list of two items or more."""
    items = 0
    for line in text.split("\n", GUESS_LINES)[:GUESS_LINES]:
        if _HEADING.match(line) or _FENCE.match(line) or _INLINE.search(line):
            return True
        if _LIST_ITEM.match(line):
            items += 1
            if items >= 2:
                return True
    return False


def _fmt(
    *, bold: bool = False, italic: bool = False, mono: bool = False, larger: bool = False
) -> QTextCharFormat:
    f = QTextCharFormat()
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    if italic:
        f.setFontItalic(True)
    if mono:
        f.setFontFixedPitch(True)
        f.setFontFamilies(["monospace"])
    if larger:
        f.setProperty(QTextCharFormat.Property.FontSizeAdjustment, 1)
    return f


class MarkdownHighlighter(QSyntaxHighlighter):
    """Formats Markdown line by line (fenced code blocks span lines via the block state)."""

    IN_FENCE = 1

    def __init__(self, document: QTextDocument) -> None:
        self.rules: list[tuple[re.Pattern[str], QTextCharFormat]] = [
            (re.compile(r"^#{1,6}\s.*$"), _fmt(bold=True, larger=True)),
            (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s"), _fmt(bold=True)),
            (re.compile(r"^\s*>.*$"), _fmt(italic=True)),
            (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), _fmt(bold=True)),
            (re.compile(r"(?<![*\w])([*_])(?=\S)(.+?)(?<=\S)\1(?![*\w])"), _fmt(italic=True)),
            (re.compile(r"`[^`]+`"), _fmt(mono=True)),
            (re.compile(r"\[[^\]]+\]\([^)]+\)"), _fmt(italic=True)),
        ]
        self.code = _fmt(mono=True)
        super().__init__(document)

    def highlightBlock(self, text: str) -> None:
        fence = text.lstrip().startswith(("```", "~~~"))
        inside = self.previousBlockState() == self.IN_FENCE
        if inside or fence:
            self.setFormat(0, len(text), self.code)
            self.setCurrentBlockState(self.IN_FENCE if inside != fence else 0)
            return
        self.setCurrentBlockState(0)
        for pattern, fmt in self.rules:
            for m in pattern.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), fmt)
