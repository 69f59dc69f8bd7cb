"""Rewrite a selection in a chosen style: styles, splitting, the prompt, and output cleaning.

Plain text in, plain text out; no Qt and no torch. The flow, for the worker and the UI:

    pieces = split_passages(selection)
    for i in passage_indices(pieces):            # progress: k of len(passage_indices(...))
        messages = build_messages(style, pieces[i].text)
        ... stream the model's reply, stopping when should_stop(partial, pieces[i].text, style)
        rewritten[i] = clean_output(raw, pieces[i].text)
    preview = join_pieces(pieces, rewritten)     # also fine mid-way: the rest stays as it was
    diff = preview_diff(pieces, rewritten)       # the same, as a word diff against the selection
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from writer_app.tasks.diff import word_diff
from writer_app.tasks.language import (
    UNSPACED,
    content_bigrams,
    has_unspaced,
    is_chinese,
    is_unspaced,
    spaced,
)
from writer_app.translatable import QT_TRANSLATE_NOOP


@dataclass(frozen=True)
class Style:
    """A way to rewrite: a name to pick it by, and the one-sentence instruction the model gets."""

    name: str
    instruction: str


# Short, direct, one sentence each: a 135M-parameter model follows these best. The names are
# the styles' ids (settings, command line); the window shows them, and the instructions as
# tooltips, translated.
BUILTIN_STYLES: tuple[Style, ...] = (
    Style(
        QT_TRANSLATE_NOOP("Style", "Formal"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in a formal tone."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Casual"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in a casual, relaxed tone."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Concise"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text to be shorter and more concise."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Expand"),
        QT_TRANSLATE_NOOP("Style", "Expand the text with more details and examples."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Simplify"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in simple words that are easy to understand."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Fix grammar and spelling"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text with correct spelling and grammar."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Academic"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in an academic style."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Friendly"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in a warm, friendly tone."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Persuasive"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text to be more persuasive."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Professional"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in a professional tone."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Confident"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text to sound more confident."),
    ),
    Style(
        QT_TRANSLATE_NOOP("Style", "Active voice"),
        QT_TRANSLATE_NOOP("Style", "Rewrite the text in the active voice."),
    ),
)
CUSTOM = QT_TRANSLATE_NOOP("Style", "Custom")  # the name of a one-off instruction's style

SYSTEM_PROMPT = "You rewrite text. Reply with only the rewritten text, nothing else."


def custom_style(instruction: str) -> Style:
    """A one-off style from the user's own instruction ("Custom")."""
    instruction = " ".join(instruction.split())
    if not instruction:
        raise ValueError("A custom style needs an instruction.")
    if is_unspaced(instruction[-1]):
        instruction += "。"
    elif instruction[-1].isalnum():
        instruction += "."
    return Style(CUSTOM, instruction[0].upper() + instruction[1:])


def user_styles(saved: Mapping[str, str]) -> list[Style]:
    """The user's own styles, from the settings (name -> instruction)."""
    return [
        Style(" ".join(name.split()), text.strip()) for name, text in saved.items() if text.strip()
    ]


def style_problems(saved: Mapping[str, str]) -> list[str]:
    """What is wrong with the user's own styles (empty if nothing)."""
    found: list[str] = []
    seen: set[str] = set()
    builtin = {s.name.casefold() for s in BUILTIN_STYLES}
    for name, instruction in saved.items():
        key = " ".join(name.split()).casefold()
        if not key:
            found.append("a style needs a name")
        elif key in builtin:
            found.append(f"{name!r} is a built-in style; choose another name")
        elif key in seen:
            found.append(f"there are two styles named {name!r}")
        elif not instruction.strip():
            found.append(f"style {name!r} needs an instruction")
        seen.add(key)
    return found


def style_names(user_styles: Sequence[Style] = ()) -> list[str]:
    """Built-in style names, then the user's own (a name already taken is left out)."""
    names: list[str] = []
    for style in (*BUILTIN_STYLES, *user_styles):
        if style.name.casefold() not in {n.casefold() for n in names}:
            names.append(style.name)
    return names


def find_style(name: str, user_styles: Sequence[Style] = ()) -> Style:
    """A style by name, matched case-insensitively; built-ins win over user styles.

    Raises KeyError listing the available names.
    """
    wanted = " ".join(name.split()).casefold()
    for style in (*BUILTIN_STYLES, *user_styles):
        if style.name.casefold() == wanted:
            return style
    raise KeyError(f"No style {name!r}; choose one of: {', '.join(style_names(user_styles))}")


# One worked example before the request: a small model copies the shape of an answer (the
# facts kept, nothing said about the text). Each built-in style has its own answer to the same
# note; other styles get the Formal one. tools/quality/score.py measured the gain.
EXAMPLE_SOURCE = (
    "hey team, the printer on floor 2 is jammed again so use the one by the kitchen until its "
    "fixed."
)
EXAMPLE_ANSWERS = {
    "Formal": "The printer on floor 2 is jammed again. Please use the printer by the kitchen "
    "until it has been repaired.",
    "Casual": "Heads up, the floor 2 printer is jammed again, so just use the one by the "
    "kitchen till it's fixed.",
    "Concise": "The floor 2 printer is jammed; use the kitchen one until it's fixed.",
    "Expand": "The printer on floor 2 has jammed again, so it cannot print anything at the "
    "moment. Until it is fixed, please send your documents to the printer by the kitchen, "
    "which is working normally.",
    "Simplify": "The printer on floor 2 is stuck again. Use the printer by the kitchen until "
    "it works.",
    "Fix grammar and spelling": "Hey team, the printer on floor 2 is jammed again, so use the "
    "one by the kitchen until it's fixed.",
    "Academic": "The printer on floor 2 is once again jammed; until the fault is repaired, the "
    "printer adjacent to the kitchen should be used.",
    "Friendly": "Hi everyone! The printer on floor 2 is jammed again, so please use the one by "
    "the kitchen until it's fixed. Thanks!",
    "Persuasive": "Save yourself the wait: the printer on floor 2 is jammed again, so head "
    "straight to the one by the kitchen until it's fixed.",
    "Professional": "Please note that the printer on floor 2 is jammed again. Until it is "
    "repaired, please use the printer by the kitchen.",
    "Confident": "The printer on floor 2 is jammed again. Use the one by the kitchen until "
    "it's fixed.",
    "Active voice": "The printer on floor 2 has jammed again, so use the one by the kitchen "
    "until someone fixes it.",
}


# Worked examples for what custom instructions most often ask: the same example passage,
# rewritten as asked, every fact kept. An instruction is matched by its words (first match).
INTENT_EXAMPLES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"(?i)\bpolite\b.*\brequest|\brequest\b|\bask\b.*\bpolitely\b"),
        "Write it as a polite request.",
        "Could everyone please use the printer by the kitchen until the printer on floor 2, "
        "which is jammed again, has been fixed?",
    ),
    (
        re.compile(r"(?i)\bquestions?\b"),
        "Turn this into a question.",
        "Is the printer on floor 2 jammed again, so that we should use the one by the kitchen "
        "until it is fixed?",
    ),
    (
        re.compile(r"(?i)\b(?:exciting|excited|enthusiastic|energetic|dramatic|lively)\b"),
        "Make it sound more exciting.",
        "Big news, team: the printer on floor 2 is jammed again! Head over to the one by the "
        "kitchen until it's fixed!",
    ),
    (
        re.compile(r"(?i)\b(?:bullet|bulleted|list)\b"),
        "Turn this into a bulleted list.",
        "- The printer on floor 2 is jammed again.\n- Use the one by the kitchen until it is "
        "fixed.",
    ),
    (
        re.compile(r"(?i)\b(?:headline|title)\b"),
        "Turn this into a headline.",
        "Floor 2 Printer Jammed Again: Use the Kitchen Printer Until It Is Fixed",
    ),
)


# The same for Chinese text: a small model answers in the language it is spoken to, so a
# Chinese passage gets its instruction, the system prompt and the worked example in Chinese.
SYSTEM_PROMPT_ZH = "你负责改写文字。只回复改写后的文字，不要写别的。"
INSTRUCTIONS_ZH = {
    "Formal": "用正式的语气改写这段文字。",
    "Casual": "用随意、轻松的语气改写这段文字。",
    "Concise": "把这段文字改写得更短、更简洁。",
    "Expand": "扩写这段文字，加入更多细节和例子。",
    "Simplify": "用简单易懂的词语改写这段文字。",
    "Fix grammar and spelling": "改正这段文字中的错别字和语病。",
    "Academic": "用学术的文风改写这段文字。",
    "Friendly": "用温暖、亲切的语气改写这段文字。",
    "Persuasive": "改写这段文字，使它更有说服力。",
    "Professional": "用专业的语气改写这段文字。",
    "Confident": "改写这段文字，使它听起来更自信。",
    "Active voice": "把这段文字改写成主动句。",
}
ANSWER_IN_CHINESE = "请用中文回答。"
EXAMPLE_SOURCE_ZH = "大家好，二楼的打印机又卡纸了，修好之前先用厨房旁边那台吧。"
EXAMPLE_ANSWERS_ZH = {
    "Formal": "二楼的打印机再次卡纸。在修复之前，请使用厨房旁边的打印机。",
    "Casual": "提醒一下，二楼打印机又卡了，修好前就先用厨房那台吧。",
    "Concise": "二楼打印机卡纸，修好前请用厨房那台。",
    "Expand": "二楼的打印机又卡纸了，目前无法打印任何文件。在它修好之前，请把文件发送到厨房旁边"
    "的那台打印机，那台一切正常。",
    "Simplify": "二楼的打印机又坏了。修好之前，请用厨房旁边的打印机。",
    "Fix grammar and spelling": "大家好，二楼的打印机又卡纸了，修好之前请先用厨房旁边的那台。",
    "Academic": "二楼打印机再度出现卡纸故障；在故障排除之前，应使用厨房附近的打印机。",
    "Friendly": "大家好！二楼的打印机又卡纸了，修好之前麻烦先用厨房旁边那台，谢谢！",
    "Persuasive": "别再干等了：二楼的打印机又卡纸了，修好之前直接去用厨房旁边那台吧。",
    "Professional": "请注意，二楼的打印机再次卡纸。在修复完成之前，请使用厨房旁边的打印机。",
    "Confident": "二楼的打印机又卡纸了。修好之前，用厨房旁边那台。",
    "Active voice": "二楼的打印机又卡纸了，在有人修好它之前，请用厨房旁边那台。",
}
# For each of INTENT_EXAMPLES, in order: Chinese words that ask for it, and the example.
INTENT_EXAMPLES_ZH: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"礼貌|客气|请求"),
        "改写成礼貌的请求。",
        "二楼的打印机又卡纸了，在修好之前，能否请大家先使用厨房旁边的那台打印机？",
    ),
    (
        re.compile(r"问题|问句|疑问"),
        "改写成一个问题。",
        "二楼的打印机是不是又卡纸了，所以在修好之前我们应该先用厨房旁边那台？",
    ),
    (
        re.compile(r"激动|兴奋|生动|热烈|有激情"),
        "改写得更激动人心。",
        "大家注意：二楼的打印机又卡纸啦！修好之前，快去用厨房旁边那台吧！",
    ),
    (
        re.compile(r"列表|清单|要点|条目"),
        "改写成项目列表。",
        "- 二楼的打印机又卡纸了。\n- 修好之前请用厨房旁边那台。",
    ),
    (
        re.compile(r"标题"),
        "改写成一个标题。",
        "二楼打印机再次卡纸：修好前请用厨房打印机",
    ),
)


def _is_builtin(style: Style) -> bool:
    """A built-in style as it is (not a user's style that took a built-in name)."""
    return any(style == own for own in BUILTIN_STYLES)


def example_for(style: Style, passage: str = "") -> tuple[str, str]:
    """The instruction and answer of the worked example shown before a rewrite in `style`:
    the style's own; for a custom instruction, the example of what it asks for (a question,
    a polite request, …) where it is a common one, else the Formal one. In Chinese when the
    passage is Chinese."""
    chinese = is_chinese(passage)
    if _is_builtin(style):
        if chinese:
            return INSTRUCTIONS_ZH[style.name], EXAMPLE_ANSWERS_ZH[style.name]
        return style.instruction, EXAMPLE_ANSWERS[style.name]
    asked = f"{style.name} {style.instruction}"
    for (pattern, instruction, answer), (words_zh, instruction_zh, answer_zh) in zip(
        INTENT_EXAMPLES, INTENT_EXAMPLES_ZH, strict=True
    ):
        if pattern.search(asked) or words_zh.search(asked):
            return (instruction_zh, answer_zh) if chinese else (instruction, answer)
    if chinese:
        return INSTRUCTIONS_ZH["Formal"], EXAMPLE_ANSWERS_ZH["Formal"]
    return BUILTIN_STYLES[0].instruction, EXAMPLE_ANSWERS["Formal"]


def example_text(style: Style, passage: str = "") -> str:
    """The worked example the model is shown for `passage` (its source and answer), for the
    checks that a rewrite does not copy from it."""
    source = EXAMPLE_SOURCE_ZH if is_chinese(passage) else EXAMPLE_SOURCE
    return f"{source} {example_for(style, passage)[1]}"


def instruction_for(style: Style, passage: str) -> str:
    """What the model is asked to do with `passage`: the style's instruction, in Chinese
    for a Chinese passage (a user's own instruction in another language is asked to be
    answered in Chinese)."""
    if not is_chinese(passage):
        return style.instruction
    if _is_builtin(style):
        return INSTRUCTIONS_ZH[style.name]
    if is_chinese(style.instruction):
        return style.instruction
    return f"{style.instruction} {ANSWER_IN_CHINESE}"


KEEP_DETAILS = "Keep these details exactly as they are: {details}."
KEEP_DETAILS_ZH = "这些细节必须原样保留：{details}。"


def keep_line(passage: str, details: Sequence[str]) -> str:
    """The sentence that lists the details a rewrite must keep (names, numbers, days: the
    facts the checks look for), in the passage's language; "" when there are none."""
    if not details:
        return ""
    if is_chinese(passage):
        return KEEP_DETAILS_ZH.format(details="、".join(details))
    return KEEP_DETAILS.format(details="; ".join(details))


def build_messages(style: Style, passage: str, keep: Sequence[str] = ()) -> list[dict[str, str]]:
    """Chat messages asking the model for the rewritten passage alone: the system prompt, a
    worked example (`example_for`), then the request, followed by `keep_line` when `keep`
    lists details to keep; all in Chinese for a Chinese passage."""
    chinese = is_chinese(passage)
    instruction, answer = example_for(style, passage)
    request = f"{instruction_for(style, passage)}\n\n{passage.strip()}"
    if keep:
        request += f"\n\n{keep_line(passage, keep)}"
    return [
        {"role": "system", "content": SYSTEM_PROMPT_ZH if chinese else SYSTEM_PROMPT},
        {
            "role": "user",
            "content": f"{instruction}\n\n{EXAMPLE_SOURCE_ZH if chinese else EXAMPLE_SOURCE}",
        },
        {"role": "assistant", "content": answer},
        {"role": "user", "content": request},
    ]


QUESTION_OPENING = "Is it true that"  # begins any statement turned into a question


def opening(passage: str, details: Sequence[str]) -> str:
    """The words an answer may be begun with to hold a small model to the passage: its
    first words up to the first detail that is not at its very start (at most four), else
    its first two words; "" for text without spaces between words (Chinese)."""
    text = passage.strip()
    if has_unspaced(text):
        return ""
    at = [text.find(d) for d in details if text.find(d) > 0]
    head = text[: min(at)].split() if at else []
    return " ".join(head[:4] if head else text.split()[:2])


# --- Splitting a selection into passages ---------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A part of the selection: a passage to rewrite, or text to keep as it is."""

    text: str
    rewrite: bool


# A blank line (with any whitespace around it) separates paragraphs.
_PARAGRAPH_BREAK = re.compile(r"[ \t\r]*\n[ \t\r]*\n\s*")
# Fenced code blocks are never rewritten (an unclosed fence runs to the end).
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^`\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
# Markdown line starts that are kept as they are: headings, list items, quotes.
_LINE_MARKER = re.compile(r"[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]?)")
_TABLE_ROW = re.compile(r"[ \t]*\|")
# A sentence end and the whitespace after it (none after Chinese 。！？).
_SENTENCE_END = re.compile(r"(?:[.!?…]+[\"'”’)\]]*(?=\s)|[。！？]+[\"'”’）」』》)\]]*)(\s*)")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e"}


def split_passages(text: str, max_chars: int = 1200) -> list[Piece]:
    """Cut a selection into passages to rewrite one at a time, and the text between them.

    Passages are paragraphs (and Markdown headings and list items, without their markers);
    one longer than `max_chars` is cut at sentence ends into parts of about equal size.
    Whitespace, blank lines, list markers, table rows, rules and fenced code are kept
    verbatim. Always: "".join(p.text for p in split_passages(text)) == text.
    """
    pieces: list[Piece] = []
    pos = 0
    for fence in _FENCE.finditer(text):
        _split_prose(text[pos : fence.start()], max_chars, pieces)
        _add(pieces, fence.group(), False)
        pos = fence.end()
    _split_prose(text[pos:], max_chars, pieces)
    return pieces


def passage_indices(pieces: Sequence[Piece]) -> list[int]:
    """The indices of the pieces to rewrite, in order."""
    return [i for i, piece in enumerate(pieces) if piece.rewrite]


def join_pieces(pieces: Sequence[Piece], rewritten: Mapping[int, str]) -> str:
    """The selection with passages replaced by their rewrites, keyed by piece index.

    A passage missing from `rewritten`, or rewritten as "" (nothing usable came back),
    keeps its original text; so this also gives the preview while the rewrite is under way.
    Raises ValueError for an index that is not a passage.
    """
    return "".join(_new_texts(pieces, rewritten))


def preview_diff(pieces: Sequence[Piece], rewritten: Mapping[int, str]) -> list[tuple[str, str]]:
    """The word diff of the selection against join_pieces(pieces, rewritten), for the preview.

    Each passage is compared with its own rewrite only, so re-running this on every streamed
    update costs about one paragraph's diff, however long the selection.
    """
    out: list[tuple[str, str]] = []
    for piece, new in zip(pieces, _new_texts(pieces, rewritten), strict=True):
        for op, text in word_diff(piece.text, new):
            if out and out[-1][0] == op:
                out[-1] = (op, out[-1][1] + text)
            else:
                out.append((op, text))
    return out


def _new_texts(pieces: Sequence[Piece], rewritten: Mapping[int, str]) -> list[str]:
    """Each piece's text after the rewrite (see join_pieces)."""
    for i in rewritten:
        if not 0 <= i < len(pieces) or not pieces[i].rewrite:
            raise ValueError(f"Piece {i} is not a passage to rewrite")
    return [(rewritten.get(i) or p.text) if p.rewrite else p.text for i, p in enumerate(pieces)]


def _add(pieces: list[Piece], text: str, rewrite: bool) -> None:
    """Append a piece; text kept verbatim merges with the kept text before it."""
    if not text:
        return
    if not rewrite and pieces and not pieces[-1].rewrite:
        pieces[-1] = Piece(pieces[-1].text + text, False)
    else:
        pieces.append(Piece(text, rewrite))


def _split_prose(text: str, max_chars: int, pieces: list[Piece]) -> None:
    """Paragraphs and the blank lines between them."""
    pos = 0
    for gap in _PARAGRAPH_BREAK.finditer(text):
        _split_block(text[pos : gap.start()], max_chars, pieces)
        _add(pieces, gap.group(), False)
        pos = gap.end()
    _split_block(text[pos:], max_chars, pieces)


def _split_block(block: str, max_chars: int, pieces: list[Piece]) -> None:
    """One paragraph: its units (lines that start a heading, list item or quote begin one)."""
    units: list[str] = []
    for line in block.split("\n"):
        starts_unit = _LINE_MARKER.match(line) or _TABLE_ROW.match(line)
        if not units or starts_unit or _single_line(units[-1]):
            units.append(line)
        else:
            units[-1] += "\n" + line
    for k, unit in enumerate(units):
        if k:
            _add(pieces, "\n", False)
        _split_unit(unit, max_chars, pieces)


def _single_line(unit: str) -> bool:
    """Headings and table rows end at the end of their line."""
    return bool(_TABLE_ROW.match(unit) or re.match(r"[ \t]*#{1,6}[ \t]", unit))


def _split_unit(unit: str, max_chars: int, pieces: list[Piece]) -> None:
    """A heading, list item or plain paragraph: marker and outer whitespace kept verbatim."""
    if _TABLE_ROW.match(unit):
        _add(pieces, unit, False)
        return
    marker = _LINE_MARKER.match(unit)
    start = marker.end() if marker else 0
    core = unit[start:].strip()
    if not re.search(r"\w", core):
        _add(pieces, unit, False)
        return
    lead = start + len(unit[start:]) - len(unit[start:].lstrip())
    _add(pieces, unit[:lead], False)
    for part, rewrite in _sentence_chunks(core, max_chars):
        _add(pieces, part, rewrite and re.search(r"\w", part) is not None)
    _add(pieces, unit[lead + len(core) :], False)


def _sentence_chunks(text: str, max_chars: int) -> list[tuple[str, bool]]:
    """Cut a long passage at sentence ends into parts of about equal size (≤ max_chars where
    the sentences allow); the whitespace at each cut is kept verbatim."""
    if len(text) <= max_chars:
        return [(text, True)]
    target = len(text) / math.ceil(len(text) / max_chars)
    out: list[tuple[str, bool]] = []
    start = 0
    cut: tuple[int, int] | None = None  # the last sentence end seen: (end of text, next start)
    for end, next_start in _sentence_ends(text):
        length = end - start
        if cut and length > max_chars:
            out += [(text[start : cut[0]], True), (text[cut[0] : cut[1]], False)]
            start = cut[1]
            length = end - start
        cut = (end, next_start)
        if length >= target:
            out += [(text[start:end], True), (text[end:next_start], False)]
            start, cut = next_start, None
    if cut and len(text) - start > max_chars:
        out += [(text[start : cut[0]], True), (text[cut[0] : cut[1]], False)]
        start = cut[1]
    out.append((text[start:], True))
    return out


def _sentence_ends(text: str) -> list[tuple[int, int]]:
    """(end of sentence, start of the next) for each sentence boundary inside `text`."""
    ends = []
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"[\w.]+$", text[: match.start()])
        before = word.group().lower() if word else ""
        if match.group()[0] == "." and (before in _ABBREVIATIONS or len(before) == 1):
            continue  # "Dr. Smith", "J. Smith"
        following = text[match.end() : match.end() + 1]
        if match.end() == len(text) or following.islower():
            continue
        ends.append((match.start(1), match.end()))
    return ends


# --- Cleaning the model's output -----------------------------------------------------------

_CHAT_TOKEN = re.compile(r"<\|[\w-]+\|>|</?s>")
_LEADING_ROLE = re.compile(r"\A\s*(?:<\|im_start\|>)?\s*(?:assistant|user|system)?\s*\n", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")

# Chat openers: "Sure!", "Certainly, here's the text:", "Here is a more formal version:",
# "I'd be happy to help.", and labels such as "Rewritten text:" or "**Formal version:**".
_INTERJECTION = r"(?:sure(?: thing)?|certainly|of course|absolutely|okay|ok|alright|great|gladly)"
_ABOUT_TEXT = (
    r"(?:text|version|rewrite|rewritten|revision|revised|edit|edited|output|answer|result|"
    r"response|paraphrase|sentence|paragraph|passage|correction|corrected|tone|style|voice)"
)
_PREAMBLES = [
    re.compile(rf"{_INTERJECTION}(?:\s*!\s*|\s*[.,]*[ \t]*(?:\n\s*|$|(?=here\b|i\b)))", re.I),
    re.compile(
        r"i(?:'d|’d| would| will|'ll|’ll) (?:be (?:happy|glad) to|gladly)[^\n.!:]*[.!:]\s*", re.I
    ),
    # "Here's a more formal version:" (inline only when it speaks of the text)
    re.compile(
        r"here(?:'s|’s| is| are| it is| you go| goes)\b"
        rf"(?:[^\n]{{0,160}}?\b{_ABOUT_TEXT}\b[^\n]{{0,80}}?[:.]\s*"
        r"|[^\n]{0,160}[:.]?[ \t]*\n\s*)",
        re.I,
    ),
    # "Rewritten text:" or "The revised version:" (a label), or a short line ending in a colon
    re.compile(
        rf"(?:\*\*|__)?(?:the |a |my |your )?(?:[\w-]+ ){{0,3}}{_ABOUT_TEXT}"
        r"(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*",
        re.I,
    ),
    re.compile(rf"(?:[\w'’-]+ ){{0,6}}{_ABOUT_TEXT}\b[^\n:]{{0,40}}:[ \t]*\n\s*", re.I),
    # Chinese: "好的，以下是改写后的文字：", "改写后的版本："
    re.compile(r"(?:好的|当然|没问题|可以)[！!，,。.]?\s*(?=(?:以下|下面|这)是)"),
    re.compile(
        r"(?:以下|下面|这)是[^\n。：:]{0,30}?(?:改写|重写|修改|润色|版本|文字|文本|结果|内容)"
        r"[^\n。：:]{0,10}[：:]\s*"
    ),
    re.compile(r"(?:改写|重写|修改|润色)(?:后)?(?:的)?(?:文字|文本|版本|内容|结果)?\s*[：:]\s*"),
]
# "…explanation… Here's the corrected sentence:" followed by the text on the next line.
_INTRO_LINE = re.compile(
    r"(?:^|(?<=[.!?] )|(?<=\n))[ \t]*(?:here(?:'s|’s| is| are)|below is|the (?:corrected|revised|"
    rf"rewritten|new))\b[^\n]{{0,160}}?\b{_ABOUT_TEXT}\b[^\n]{{0,80}}?:[ \t]*\n\s*",
    re.I,
)
# What the model says after the text: explanations, notes, sign-offs, offers of more help.
_TRAILER = re.compile(
    r"(?:[*_(\[\-]+\s*)?(?:"
    r"notes?\s*:|note that\b|explanation|changes\s*:|changes made|key changes|"
    r"summary of changes|i (?:changed|replaced|removed|added|corrected|rephrased|rewrote|"
    r"simplified|adjusted|fixed|expanded|shortened|reworded|revised)\b|"
    r"i (?:have|['’]ve) (?:made|changed|rewritten|revised|removed|added|replaced|used|kept|"
    r"corrected|tried|no further|also)\b|i['’]ve\b|"
    r"i also (?:changed|added|removed|replaced|made|used|corrected|rephrased|adjusted)\b|"
    r"i used (?!to\b)|i made (?:a |some |several |the following |minor |slight |changes|"
    r"adjustments|it |sure |the text|the sentence)|i kept the\b|i hope (?:this|that)\b|"
    r"i tried to (?:make|keep|maintain|preserve|use)\b|i chose\b|"
    r"this (?:version|rewrite|revised|rewritten|revision|change|correction|edit|adjustment|"
    r"maintains|keeps|conveys)\b|"
    r"this text (?:is|now|has|uses|maintains|keeps)\b|"
    r"in (?:this|the) (?:revised|rewritten) |in this version\b|"
    r"the (?:revised|rewritten|changes|main changes|new version|original text)\b|"
    r"here,? i\b|let me know|feel free|hope this helps|alternatively,|original(?: text)?:|"
    r"these changes\b|(?:best|kind|warm|warmest) regards|sincerely,|regards,|"
    r"yours (?:truly|sincerely)|\[your name\]|cheers[,!]|"
    r"(?:thanks|thank you|best|cheers|take care)[,!]?[ \t]*$|---|===|"
    # Chinese notes and offers: "注：…", "说明：…", "我修改了…", "希望这对你有帮助"
    r"(?:注|说明|解释|备注|改动|修改说明|修改之处)\s*[：:]|希望(?:这|以上|这个|这样|对你)|"
    r"如(?:果)?(?:你)?(?:还)?(?:有|需要)(?:其他|任何|进一步)|"
    r"我(?:修改|调整|改写|润色|删除|添加|保留|替换|更改)了|这(?:个)?(?:版本|改写))",
    re.I,
)
# "This keeps the formal tone.", "In this one, I've made a few tweaks…": talk about the rewrite.
_META_TALK = re.compile(
    r"[^\n]{0,100}?\b(tone|version|rewrit\w*|revis\w*|original (?:text|sentence|message)|"
    r"wording|grammar|active voice|passive voice|clarity|readability|phrasing|rephras\w*|"
    r"correction|tweaks?|I(?:'ve|’ve| have)? (?:made|changed|added|replaced|removed|adjusted|"
    r"reworded|used))\b",
    re.I,
)
_GREETING = re.compile(r"(?:dear|hi|hello|hey|greetings)\b[^\n]{0,30}[,:!][ \t]*\n", re.I)
_PLACEHOLDER_GREETING = re.compile(r"\A(?:dear|hi|hello|hey)\s+\[[^\]\n]{1,40}\][,:!.]?\s*", re.I)
_PLACEHOLDER_SIGNATURE = re.compile(r"\s*\[(?:your|my|sender)[^\]\n]{0,30}\]\s*\Z", re.I)
_ASSISTANT_TALK = re.compile(
    r"\bas an? (?:[\w-]+ )?(?:AI|language model|assistant)\b|\bI(?:'m| am) (?:just )?an AI\b|"
    r"\bI(?:'m| am) (?:\w+ )?here to (?:help|assist)\b|"
    r"作为(?:一个|一名)?(?:AI|人工智能|语言模型|助手)|我是(?:一个)?(?:AI|人工智能|语言模型)",
    re.I,
)
# Styles whose rewrites may run long.
_EXPANDS = re.compile(r"\b(?:expand|longer|lengthen|elaborate|more detail|add detail)", re.I)
_QUOTE_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»", "`": "`"}


def clean_output(raw: str, original: str) -> str:
    """The rewrite alone, from the model's raw reply to `original`.

    Drops chat openers ("Sure! Here is…:", "Rewritten text:"), what follows the text
    (explanations, notes, sign-offs), chat tokens, and quotes, code fences or bold that wrap
    the whole reply; keeps inner paragraph breaks and puts back the original's leading and
    trailing whitespace. Returns "" when nothing usable is left.
    """
    text = _strip_chat_tokens(raw)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").strip()
    core = original.strip()
    text = _strip_openers(text, core)
    text = _strip_trailer(text, core)
    text = _strip_wrapping(text, core)
    if not text or (not re.search(r"\w", text) and re.search(r"\w", core)):
        return ""  # nothing but punctuation (or nothing at all) came back
    if _ASSISTANT_TALK.search(text) and not _ASSISTANT_TALK.search(core):
        return ""  # the model talked about itself instead of rewriting
    if _unrelated(text, core):
        return ""  # a text about something else: the model made it up
    lead = original[: len(original) - len(original.lstrip())]
    trail = original[len(original.rstrip()) :] if core else ""
    return lead + text + trail


_WORD = re.compile(r"[^\W\d_]{3,}")
_COMMON_WORDS = (
    "the and you your our for are was were but not this that with have has had from they "
    "them she her his him its will would can could all any out about into than then there "
    "what when which who why how been being also just very"
)
_COMMON = frozenset(_COMMON_WORDS.split())


def _stems(text: str) -> set[str]:
    """Content words, cut to a rough stem so "fail" meets "failing" and "failure"."""
    return {w.casefold()[:4] for w in _WORD.findall(text) if w.casefold() not in _COMMON}


def _unrelated(text: str, original: str) -> bool:
    """A rewrite of several words that shares none of the original's content words.

    A rewrite keeps the subject, so it keeps some of its words; a small model given a few
    words sometimes writes about something else entirely. Chinese is compared by pairs of
    characters; other texts not written in Latin, Greek or Cyrillic letters (no spaces
    between words) are not judged.
    """
    if is_chinese(original):  # Chinese: by pairs of characters (and any Latin words)
        before = _stems(spaced(original)) | set(content_bigrams(original))
        after = _stems(spaced(text)) | set(content_bigrams(text))
        return len(before) >= 4 and len(after) >= 4 and not before & after
    before, after = _stems(original), _stems(text)
    if not before or len(after) < 4 or (not original.isascii() and " " not in original):
        return False
    return not before & after


def should_stop(partial: str, original: str, style: Style | None = None) -> bool:
    """Whether a streamed rewrite should stop now: it has finished the text and begun
    something else (a note, an explanation, a sign-off, a new chat turn), it is going round
    in a loop, or it is far longer than the original (more slack for styles that expand)."""
    if _CHAT_TOKEN.search(partial):
        return True
    core = original.strip()
    text = partial.strip()
    allowed = 3 * len(core) + 200
    if style is not None and _EXPANDS.search(style.instruction):
        allowed = 6 * len(core) + 400
    if len(text) > allowed or _looping(text, core):
        return True
    body = _strip_openers(partial.lstrip(), core)  # trailing space: the line may go on
    return _trailer_start(body, core, streaming=True) is not None


def _strip_chat_tokens(text: str) -> str:
    """Drop a leading role header; cut at the first chat token after the text."""
    text = _LEADING_ROLE.sub("", text, count=1) if text.lstrip().startswith("<|") else text
    text = re.sub(r"\A\s*(?:<\|[\w-]+\|>|</?s>)+", "", text)
    token = _CHAT_TOKEN.search(text)
    return text[: token.start()] if token else text


def _strip_openers(text: str, original: str) -> str:
    """Remove chat openers, greetings and wrappers; they can nest: **"Here's the text:" …**."""
    for _ in range(4):
        before = text
        text = _strip_preamble(text, original)
        text = _strip_wrapping(text, original)
        text = _strip_greeting(text, original)
        if text == before:
            break
    return text


def _starts_alike(pattern: re.Pattern[str], original: str) -> bool:
    return pattern.match(original) is not None


def _strip_preamble(text: str, original: str) -> str:
    """Remove one chat opener at the start, unless the original starts the same way."""
    intro = _INTRO_LINE.search(text, 0, 600)
    if intro and text[intro.end() :].strip() and not _INTRO_LINE.search(original):
        return text[intro.end() :]
    for pattern in _PREAMBLES:
        match = pattern.match(text)
        if not match or _starts_alike(pattern, original):
            continue
        rest = text[match.end() :].lstrip()
        if rest or pattern is not _PREAMBLES[0]:  # a lone "Sure!" may be the rewrite
            return rest
    return text


def _strip_greeting(text: str, original: str) -> str:
    """Remove a "Dear …," line the model added to turn the text into a letter."""
    if "[" not in original:  # "Hi [Name]!" … "[Your Name]"
        text = _PLACEHOLDER_GREETING.sub("", text, count=1)
        text = _PLACEHOLDER_SIGNATURE.sub("", text, count=1)
    match = _GREETING.match(text)
    if match and not _GREETING.match(original):
        rest = text[match.end() :].strip()
        if rest:
            return rest
    return text


def _strip_wrapping(text: str, original: str) -> str:
    """Remove a code fence, bold, or quotes around the whole text (not if the original has them)."""
    fence = re.fullmatch(r"(```|~~~)[\w+-]*[ \t]*\n?(.*?)\n?[ \t]*\1", text, re.S)
    if fence and fence.group(2).strip():
        return fence.group(2).strip()
    for mark in ("**", "__"):
        inner = text[len(mark) : -len(mark)]
        if (
            len(text) > 2 * len(mark)
            and text.startswith(mark)
            and text.endswith(mark)
            and mark not in inner
            and not original.startswith(mark)
        ):
            return inner.strip()
    if len(text) >= 2 and text[0] in _QUOTE_PAIRS and not original.startswith(text[0]):
        opening, closing = text[0], _QUOTE_PAIRS[text[0]]
        body = text[1:]
        if body.endswith(closing):
            body = body[:-1]
        elif body[-1:] in ".!?" and body[:-1].endswith(closing):
            body = body[:-2] + body[-1]  # "The text".
        else:
            return text
        if opening not in body and closing not in body and body.strip():
            return body.strip()
    return text


def _trailer_start(text: str, original: str, streaming: bool = False) -> int | None:
    """Where an explanation or sign-off begins (at the start of a later line), if any.

    While streaming, a match must not run to the end of the text: "Best" may yet become
    "Best of all, …".
    """
    paragraphs = len(_PARAGRAPH_BREAK.findall(original.strip())) + 1
    for line in re.finditer(r"(?<=\n)[ \t]*(\S[^\n]*)", text):
        words = line.group(1)
        unsure = streaming and line.end() == len(text)
        match = _TRAILER.match(words)
        if (
            match
            and not (unsure and match.end() == len(words))
            and not re.search(rf"(?m)^[ \t]*{re.escape(match.group())}", original, re.I)
        ):
            return line.start()
        # A paragraph more than the original has, that talks about the rewrite.
        before = text[: line.start()]
        if re.search(r"\n[ \t]*\n[ \t]*$", before) and (
            len(_PARAGRAPH_BREAK.findall(before)) >= paragraphs
        ):
            talk = _META_TALK.match(words)
            if (
                talk
                and not (unsure and talk.end() == len(words))
                and not re.search(rf"\b{re.escape(talk.group(1))}\b", original, re.I)
            ):
                return line.start()
    return None


def _strip_trailer(text: str, original: str) -> str:
    start = _trailer_start(text, original)
    return text if start is None else text[:start].rstrip()


_CJK_END = re.compile(f"[{UNSPACED}][^{UNSPACED}]{{0,3}}$")


def _looping(text: str, original: str) -> bool:
    """The text ends with the same stretch three times over (and the original does not): a
    stretch of 10 characters or more, or of 4 in Chinese or Japanese (denser text)."""
    shortest = 4 if _CJK_END.search(text) else 10
    for period in range(shortest, min(len(text) // 3, 300) + 1):
        unit = text[-period:]
        if text.endswith(unit * 3) and original.count(unit) < 2:
            return True
    return False
