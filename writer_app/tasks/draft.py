"""Outline → article: section prompts, cleaning the model's prose, and finding sections.

The article is Markdown: the outline's title as `# Title`, then each section's heading at its
level, followed by the prose written for it. Sections are generated one after another; each
prompt carries the title, the whole outline and the end of the previous section's prose.
No Qt and no torch here, so every rule is easy to test.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from writer_app.tasks.language import is_chinese, is_unspaced, join_lines
from writer_app.tasks.outline import Outline, Point, Section
from writer_app.tasks.rewrite import BUILTIN_STYLES

# Words of prose per section for each target length.
LENGTHS = {"short": 80, "medium": 150, "long": 250}
MIN_WORDS, MAX_WORDS = 20, 2000

# Tokens per word, measured with the SmolLM2 tokenizer: plain English prose is ~1.2 tokens a
# word; 1.4 leaves room for names, numbers and punctuation. CJK text has no spaces: a "word"
# there means about 1.5 characters of Chinese or Japanese (so a target of 150 words is about
# 225 characters), and the tokenizer spends ~1.9 tokens per CJK character.
TOKENS_PER_WORD = 1.4
TOKENS_PER_CJK_WORD = 2.8
# Headroom over the target so the model can finish its last sentence (the cleaner cuts an
# unfinished one).
TOKEN_HEADROOM = 1.3

# The outline in a prompt is cut to about this many characters (other sections' points go
# first): a 135M-parameter model follows short prompts much better than long ones.
OUTLINE_CHARS = 700
TAIL_CHARS = 280
LEAD_NAME = "Introduction"
LEAD_NAME_ZH = "引言"

SYSTEM_PROMPT = (
    "You are a writer. You write the requested text itself, with no comments before or after it."
)
SYSTEM_PROMPT_ZH = "你是一名作者。只写所要求的文字本身，前后不加任何说明。"
# Chinese characters that say as much as one English word, about.
CJK_CHARS_PER_WORD = 1.5

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# CJK characters and CJK punctuation: text that runs on without spaces.
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


# --- lengths ------------------------------------------------------------------------------


def words_for(length: str | int) -> int:
    """Words per section for a length name (short, medium, long) or an explicit number."""
    if isinstance(length, str):
        key = length.strip().lower()
        if key in LENGTHS:
            return LENGTHS[key]
        if not key.isdigit():
            choices = ", ".join(LENGTHS)
            raise ValueError(f"Length must be {choices} or a number of words, not {length!r}")
        length = int(key)
    if isinstance(length, bool) or not MIN_WORDS <= length <= MAX_WORDS:
        raise ValueError(f"Words per section must be from {MIN_WORDS} to {MAX_WORDS}")
    return length


def is_cjk(text: str) -> bool:
    """Whether most letters in `text` are Chinese, Japanese or Korean."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and len(_CJK.findall(text)) * 2 >= len(letters)


def max_new_tokens_for(words: int, sample: str = "") -> int:
    """The token budget for a section of `words` words in the language of `sample` (the
    outline): words × 1.4 for English-like text, × 2.8 for CJK, plus 30% headroom."""
    per_word = TOKENS_PER_CJK_WORD if is_cjk(sample) else TOKENS_PER_WORD
    return math.ceil(words * per_word * TOKEN_HEADROOM)


def language_of(text: str) -> str:
    """The language to ask for: Chinese, Japanese or Korean for CJK text, else ""."""
    if not is_cjk(text):
        return ""
    if _KANA.search(text):
        return "Japanese"
    return "Korean" if _HANGUL.search(text) else "Chinese"


# --- prompts ------------------------------------------------------------------------------


def section_name(outline: Outline, index: int, chinese: bool = False) -> str:
    """What a prompt calls a section: its heading, or "Introduction" (引言) for the untitled
    lead."""
    return outline.sections[index].heading or (LEAD_NAME_ZH if chinese else LEAD_NAME)


def _summary(point: Point) -> str:
    """A point and its sub-points on one line: "point (sub, sub)"."""
    if not point.children:
        return point.text
    return f"{point.text} ({', '.join(_summary(c) for c in point.children)})"


def outline_brief(
    outline: Outline,
    current: int | None = None,
    *,
    points: bool = True,
    max_chars: int = OUTLINE_CHARS,
    chinese: bool = False,
) -> str:
    """The whole outline, one compact line per section ("2. Water: point; point"), with
    subsections indented and the `current` section marked. Points are left out when
    `points` is false or the lines would be longer than `max_chars`. `chinese`: the marks
    in Chinese."""
    mark = " ← 本部分" if chinese else " ← this part"

    def lines(with_points: bool) -> list[str]:
        out = []
        for i, section in enumerate(outline.sections):
            name = section_name(outline, i, chinese)
            line = f"{'  ' * max(0, section.level - 2)}{i + 1}. {name}"
            if with_points and section.points:
                line += ": " + "; ".join(_summary(p) for p in section.points)
            out.append(line + (mark if i == current else ""))
        return out

    full = "\n".join(lines(points))
    return full if len(full) <= max_chars else "\n".join(lines(False))


def _shape(words: int) -> str:
    if words <= 100:
        return "one paragraph"
    return "one or two paragraphs" if words <= 200 else "a few paragraphs"


def build_section_messages(
    outline: Outline,
    index: int,
    *,
    tone: str = "",
    audience: str = "",
    words: int,
    previous_tail: str = "",
    outline_points: bool = False,
    points_upto: int | None = None,
) -> list[dict[str, str]]:
    """Chat messages (system, user) asking for the prose of section `index`.

    The prompt gives the title, the audience, the outline (every heading, this one marked),
    the end of the previous section, then the instruction last, where a small model heeds
    it most: this section's points in order, the length, the tone. Other sections' points
    are listed only with `outline_points`: the built-in 135M model, given them, tends to
    write about the first section's points instead of its own. With `points_upto`, only the
    section's first that many points are listed (drafting point by point, a passage that
    came out short is tried again without the points still to come: see
    `features/draft.FOCUS_PROMPT`). For a Chinese outline the instructions are in Chinese
    (a model answers in the language it is asked in) and the length is in characters.
    """
    section = outline.sections[index]
    last = index == len(outline.sections) - 1
    chinese = is_chinese(outline.to_markdown())
    user = [f"Title: {outline.title}"] if outline.title else []
    if audience.strip():
        user.append(f"Readers: {' '.join(audience.split())}")
    user += ["Parts:", outline_brief(outline, index, points=outline_points, chinese=chinese)]
    if previous_tail.strip():
        user.append(f'Previous part ends: "{tail(previous_tail)}"')
    points = section.points if points_upto is None else section.points[:points_upto]
    if chinese:
        ask = f"写第{index + 1}部分“{section_name(outline, index, True)}”，"
        ask += f"写成{_shape_zh(words)}，约{chinese_chars(words)}字。"
        user += ["", ask + ("依次说明：" if points else "")]
    else:
        ask = f'Write part {index + 1}, "{section_name(outline, index)}", as {_shape(words)}'
        ask += f" of about {words} words."
        user += ["", ask + (" Explain, in order:" if points else "")]
    user += [line for point in points for line in point.lines()]
    if chinese:
        rules = [_tone_zh(tone), "只写正文：不要标题，不要列表。"]
        rules.append("这是最后一部分：写完全文。" if last else "不要总结，后面还有其他部分。")
        rules.append("用中文写作。")
        user.append("".join(r for r in rules if r) + " Write in Chinese.")
    else:
        rules = [tone.strip(), "Plain prose only: no heading, no list."]
        rules.append(
            "This is the last part: end the text." if last else "Do not sum up; more parts follow."
        )
        language = language_of(outline.to_markdown())
        if language:
            rules.append(f"Write in {language}.")
        user.append(" ".join(r for r in rules if r))
    return [
        {"role": "system", "content": SYSTEM_PROMPT_ZH if chinese else SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(user)},
    ]


def chinese_chars(words: int) -> int:
    """About how many Chinese characters say as much as `words` English words (1.5 each),
    rounded to ten."""
    return max(10, round(words * CJK_CHARS_PER_WORD / 10) * 10)


def _shape_zh(words: int) -> str:
    if words <= 100:
        return "一段"
    return "一到两段" if words <= 200 else "几段"


# The built-in styles' tones for a Chinese draft, by style name (see _tone_zh).
TONES_ZH = {
    "Formal": "语气正式。",
    "Casual": "语气随意、轻松。",
    "Concise": "写得简短、精炼。",
    "Expand": "多写细节和例子。",
    "Simplify": "用简单易懂的词语。",
    "Fix grammar and spelling": "用词准确，没有错别字和语病。",
    "Academic": "用学术的文风。",
    "Friendly": "语气温暖、亲切。",
    "Persuasive": "写得有说服力。",
    "Professional": "语气专业。",
    "Confident": "语气自信。",
    "Active voice": "多用主动句。",
}


def _tone_zh(tone: str) -> str:
    """A tone sentence for a Chinese prompt: a built-in style's drafting tone ("Write in a
    formal tone.", made from "Rewrite the text in a formal tone.") in Chinese; a user's own
    as written (with a full stop)."""
    tone = " ".join(tone.split())
    if not tone:
        return ""
    if tone.startswith("Write "):
        for style in BUILTIN_STYLES:
            if style.instruction.endswith(" " + tone.removeprefix("Write ")):
                return TONES_ZH[style.name]
    return tone if tone[-1] in "。！？.!?" else tone + "。"


# --- text helpers -------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’」』)\]]*(?=\s|$)|[。！？]")


def tail(text: str, max_chars: int = TAIL_CHARS) -> str:
    """The end of `text` in whole sentences, at most about `max_chars` characters."""
    flat = join_lines(text)
    if len(flat) <= max_chars:
        return flat
    window = flat[-max_chars:]
    for match in _SENTENCE_END.finditer(window):
        rest = window[match.end() :].strip()
        if rest and match.end() < len(window) * 0.75:
            return rest
    cut = window.find(" ")
    return "…" + (window[cut + 1 :] if 0 <= cut < len(window) // 2 else window)


# --- cleaning -----------------------------------------------------------------------------

_CHAT_TOKEN = re.compile(r"<\|[^|>\n]{1,20}\|>|</?s>|\[/?INST\]")
_TURN = re.compile(
    r"(?im)^[ \t]*(?:user|assistant|system|human|###[ \t]*(?:instruction|response))[ \t]*:?[ \t]*$"
)
_HEADING_LINE = re.compile(r"(?m)^ {0,3}#{1,6}(?:[ \t]|$)")
_STARTED_HEADING = re.compile(r"(?m)^ {0,3}#{1,6}[ \t]")
_BULLET_LINE = re.compile(r"^[ \t]*(?:[-*+•・●◦▪‣]|\d{1,3}[.)、])[ \t]+(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_BOLD_LINE = re.compile(r"^[ \t]*(?:\d{1,3}[.)][ \t]*)?(\*\*|__)[^*_\n]+\1[ \t]*:?[ \t]*$")
_OPENER = re.compile(
    r"^(?:sure|certainly|of course|absolutely|okay|ok|great|alright|gladly|awesome)\b"
    r"[^.!:\n]{0,60}"
    r"[.!,:][ \t]*"
    r"|^(?:好的|当然|没问题)[！!，,。.：:][ \t]*",
    re.IGNORECASE,
)
# "以下是第一部分：", "下面是这一部分的内容。": a Chinese announcement of the answer.
_INTRO_ZH = re.compile(r"^(?:以下|下面|这)是[^\n。]{0,30}(?:部分|内容|文章|段落|正文|草稿)")
_INTRO_CUE = re.compile(r"(?i)\b(?:here(?:'s|’s| is| are)|below|the following)\b")
# What an announcement of the answer talks about ("Here is the revised paragraph:").
_ANSWER_NOUN = re.compile(
    r"(?i)\b(?:version|revised|rewritten|text|section|paragraph|article|sample|draft|"
    r"requested|content|essay|post|response|answer|part|prose)\b"
)
_SIGN_OFF = re.compile(
    r"(?i)^(?:i hope (?:this|that|you (?:find|enjoy) this)|let me know|please let me know|"
    r"feel free to (?:ask|reach|let|adjust|modify|change|use)|changes made|p\.\s?s\.|"
    r"happy (?:brewing|writing|reading|cooking)\b|best regards|warm regards|cheers[,!]|"
    r"\(?word count|\(\d+ words\)|if you (?:need|want|would like|'d like) (?:any|more|me)|"
    r"希望(?:这|本文|以上)?(?:对你|能)有(?:所)?帮助|如(?:果)?(?:你)?(?:还)?(?:有|需要)"
    r"(?:其他|任何|进一步)|[（(]?字数)"
)
_META_START = re.compile(
    r"(?i)^(?:notes?:|i(?: have|'ve| also)? (?:made|changed|added|used|rewrote|revised|kept|tried|"
    r"removed|replaced|focused|aimed|maintained|reorganized|rephrased)|"
    r"(?:this|the) (?:rewritten|revised|new|updated|edited) |"
    r"(?:this|the above) (?:paragraph|section|text|piece|version|response) )"
)
# A later paragraph that talks about the text as a whole ("This essay aims to explore…").
_ABOUT_TEXT = re.compile(
    r"(?i)^(?:(?:this|the|our|my) (?:essay|article|piece|post|blog(?: post)?|guide|text|part|"
    r"section|paragraph|conclusion|summary|ending) (?:aims|will|explores|discusses|"
    r"is designed|has been|was written|highlights|provides|covers|shows|concludes|ends|"
    r"focuses)\b|in this (?:essay|article|piece|post|blog post|guide|text|part|section|"
    r"response), (?:i|we)\b)"
)
_META_CUE = re.compile(
    r"(?i)\b(?:tone|clarity|sentences?|version|changes?|original|phrases?|grammar|wording|"
    r"readability|flow|coherence|rewrite|rewritten|revised|text|paragraph|section)\b"
)
_CONCLUSION = re.compile(
    r"(?im)(?:^|(?<=[.!?]\s))(?:in conclusion|in summary|to conclude|to sum up|"
    r"to summari[sz]e|all in all)\b"
)
# Stage directions of a chatty persona: "(laughs)", "(smiling)".
_STAGE = re.compile(
    r"[ \t]*\((?:laugh|smil|smirk|paus|sigh|wink|chuckl|grin|nod)[a-z]*[^()\n]{0,20}\)", re.I
)
_SENTENCE_PUNCT = (".", "!", "?", "。", "！", "？", "…", '"', "”", "’", "」", "』", ")")
_QUOTES = {'"': '"', "“": "”", "「": "」"}


def _norm(text: str) -> str:
    """Lower-case letters and digits only, for comparing headings and points."""
    return "".join(c for c in text.lower() if c.isalnum())


def _bare(line: str) -> str:
    """A line without Markdown emphasis, heading marks, list numbers or label decorations."""
    text = _EMPHASIS.sub(r"\2", line).strip().strip('#*_<>[]:：-–—"“” \t')
    return re.sub(r"^(?:(?:section|part|step)\s*)?\d+[.:)]?\s+", "", text, flags=re.IGNORECASE)


def _echoes(line: str, headings: Sequence[str]) -> bool:
    """Whether a line only restates one of `headings` ("## Water", "**Water**", "Water:")."""
    key = _norm(_bare(line))
    return bool(key) and any(key == _norm(h) for h in headings if _norm(h))


def _title_like(line: str, alone: bool) -> bool:
    """A title or heading the model put before its prose: a labelled line ("Title: …"), a
    decorated one (**…**, <<…>>), or, when a blank line follows it, a short line that is
    not a sentence and not a list item."""
    text = line.strip()
    if re.match(r"(?i)^(?:title|heading|section(?:\s*\d+)?)\s*[:：]", text):
        return True
    if _BOLD_LINE.match(text) or re.fullmatch(r"<<[^<>]+>>", text):
        return True
    bare = _bare(text)
    short = len(bare.split()) <= 10 and len(bare) <= (24 if is_cjk(bare) else 80)
    return (
        alone
        and bool(bare)
        and short
        and not _BULLET_LINE.match(text)
        and not text.endswith((":", "："))
        and not _SENTENCE_END.search(bare)
    )


def _is_meta(paragraph: str) -> bool:
    """A paragraph about the answer rather than part of it ("I made several changes…")."""
    return bool(_SIGN_OFF.match(paragraph)) or (
        bool(_META_START.match(paragraph)) and bool(_META_CUE.search(paragraph))
    )


def _is_intro(paragraph: str) -> bool:
    """An opening paragraph that announces the answer: "… Here's a revised version:" or
    "Here is the paragraph you asked for."."""
    text = paragraph.strip()
    if _INTRO_ZH.match(text) and len(text) <= 40:
        return True
    if not _ANSWER_NOUN.search(text):
        return False  # "Here's how to brew it:" leads into content
    if text.endswith((":", "：")) and _INTRO_CUE.search(text):
        return True
    return len(text.split()) <= 30 and "\n" not in text and bool(_INTRO_CUE.match(text))


def _drop_opening(text: str, headings: Sequence[str]) -> str:
    """Remove what comes before the prose: "Sure!", "Here is the section:", an echoed
    heading, a title line."""
    for _ in range(6):
        before = text
        text = _OPENER.sub("", text, count=1).lstrip()
        first, newline, rest = text.partition("\n")
        paragraph = re.split(r"\n[ \t]*\n", text, maxsplit=1)[0]
        if _is_intro(paragraph):
            text = text[len(paragraph) :].lstrip()
        elif newline and (
            _TURN.match(first)
            or _HEADING_LINE.match(first)
            or _echoes(first, headings)
            or _title_like(first, alone=not rest.split("\n", 1)[0].strip())
        ):
            text = rest.lstrip()
        if text == before:
            break
    return text


def _cut_at_next_section(text: str, stops: Sequence[str]) -> str:
    """Cut where the model starts something else: a Markdown heading, a chat turn, or a line
    that names another section (or "Conclusion")."""
    cut = len(text)
    for pattern in (_HEADING_LINE, _TURN):
        match = pattern.search(text)
        if match:
            cut = min(cut, match.start())
    offset = 0
    for line in text[:cut].split("\n"):
        if offset and _echoes(line, stops):
            return text[:offset]
        offset += len(line) + 1
    return text[:cut]


def _bullets_to_prose(text: str) -> str:
    """Join a list the model wrote instead of prose into sentences of one paragraph. A line
    that is only a label over prose (a bold line, or "4. Boiling" above a paragraph) is a
    sub-heading, and is dropped."""
    out: list[str] = []
    items: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _BOLD_LINE.match(line):
            continue
        match = _BULLET_LINE.match(line)
        if match:
            item = _EMPHASIS.sub(r"\2", match.group(1)).strip()
            following = lines[i + 1] if i + 1 < len(lines) else ""
            short = len(item) <= 10 if is_cjk(item) else len(item.split()) <= 5
            label = short and not _SENTENCE_END.search(item)
            if label and following.strip() and not _BULLET_LINE.match(following):
                continue
            if item:
                items.append(_as_sentence(item))
            continue
        if items and line.strip() and line[:1] in " \t":  # an item's wrapped line
            items[-1] = f"{items[-1].removesuffix('.').removesuffix('。')} {line.strip()}"
            continue
        if items:
            out.append(join_lines(" ".join(items)))
            items.clear()
        out.append(line)
    if items:
        out.append(join_lines(" ".join(items)))
    return "\n".join(out)


def _as_sentence(item: str) -> str:
    """A list item as a sentence: a full stop added to a short one without its own (a long
    one without is more likely cut off, and is left for `_cut_unfinished`)."""
    closed = item.rstrip("\"'”’」』)]")[-1:] in ".!?。！？…:："
    if is_unspaced(item[-1]):  # Chinese: about 1.5 characters a word
        return item if closed or len(item) > 15 * CJK_CHARS_PER_WORD else item + "。"
    return item if closed or len(item.split()) > 15 else item + "."


def _unquote(paragraph: str) -> str:
    """A paragraph wrapped whole in quotation marks, without them."""
    close = _QUOTES.get(paragraph[:1])
    inner = paragraph[1:-1]
    if close and paragraph.endswith(close) and paragraph[:1] not in inner and close not in inner:
        return inner.strip()
    return paragraph


def _paragraphs(text: str) -> list[str]:
    """Paragraphs with their lines joined and spaces collapsed."""
    blocks = (join_lines(b) for b in re.split(r"\n[ \t\u3000]*\n", text))
    return [_unquote(p) for p in blocks if p]


def _drop_sign_off(paragraphs: list[str]) -> list[str]:
    """Drop meta paragraphs and sign-offs at the end, and a sign-off sentence that closes
    the last paragraph ("… Let me know if you want changes!")."""
    for i, paragraph in enumerate(paragraphs):
        if _is_meta(paragraph) or (i and _ABOUT_TEXT.match(paragraph)):
            paragraphs = paragraphs[:i]
            break
    if paragraphs:
        sentences = re.split(r"(?<=[.!?])\s+", paragraphs[-1])
        while len(sentences) > 1 and _SIGN_OFF.match(sentences[-1]):
            sentences.pop()
        paragraphs[-1] = " ".join(sentences)
    return paragraphs


def _drop_conclusion(text: str) -> str:
    """Cut a closing "In conclusion, …" that starts in the second half of the text."""
    matches = list(_CONCLUSION.finditer(text))
    if matches and matches[-1].start() >= len(text) * 0.5:
        return text[: matches[-1].start()].rstrip()
    return text


def _cut_unfinished(text: str) -> str:
    """Drop a last sentence cut off by the token limit, if enough text comes before it."""
    if text.endswith(_SENTENCE_PUNCT):
        return text
    ends = list(_SENTENCE_END.finditer(text))
    if ends and ends[-1].end() >= len(text) * 0.4:
        return text[: ends[-1].end()]
    return text


def clean_section(
    raw: str,
    section: Section,
    *,
    last: bool = False,
    other_headings: Sequence[str] = (),
) -> str:
    """Turn the model's raw output for a section into its prose: paragraphs separated by
    one blank line, or "" if nothing usable is left.

    Removes chat tokens; openers ("Sure! Here is the section:") and an echoed heading or
    title line; everything from the next Markdown heading, chat turn or line naming another
    section on; meta paragraphs and sign-offs ("I made several changes…", "Let me know…");
    an unfinished last sentence; and, unless `last`, a closing "In conclusion, …" in the
    second half (restating the article in every section reads badly). Lists become
    sentences of one paragraph.
    """
    text = _drop_opening(_plain(raw).strip(), [section.heading, LEAD_NAME, LEAD_NAME_ZH])
    return _clean_body(text, last, other_headings)


def clean_prose(raw: str, *, last: bool = False, other_headings: Sequence[str] = ()) -> str:
    """Prose that is known to start right (an anchored passage: see `tasks/draft_anchor`),
    cleaned as `clean_section` cleans a section's, without looking for an opening to drop."""
    return _clean_body(_plain(raw).strip(), last, other_headings)


def _plain(raw: str) -> str:
    """Raw output with LF line ends, no chat tokens and no stage directions."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return _STAGE.sub("", _CHAT_TOKEN.sub("\n", text))


def _clean_body(text: str, last: bool, other_headings: Sequence[str]) -> str:
    stops = [*other_headings, *([] if last else ["Conclusion", "Summary", "结论", "总结"])]
    text = _bullets_to_prose(_cut_at_next_section(text, stops))
    body = "\n\n".join(p for p in _drop_sign_off(_paragraphs(text)) if p)
    return _cut_unfinished(body if last else _drop_conclusion(body))


def copies_points(text: str, section: Section) -> bool:
    """Whether the prose is only the section's points (or heading) said again, or empty:
    then the caller should generate again."""
    words = _norm_words(text)
    if not words:
        return True
    source = set(_norm_words(" ".join([section.heading, *section.point_lines()])))
    new = [w for w in words if w not in source]
    return len(new) < max(8, len(words) // 4)


# The model answering the user instead of writing: "I'm glad you enjoyed our chat."
_CHAT_REPLY = re.compile(
    r"(?i)\b(?:our (?:chat|conversation)|glad (?:you|to help)|if you have any (?:more |other )?"
    r"questions|i'll do my best|as an ai|i(?:'m| am) (?:an ai|a language model|smollm))\b"
)


def needs_retry(text: str, section: Section, words: int) -> bool:
    """Whether cleaned prose is not worth keeping, so the caller should generate again:
    empty or far too short (under a quarter of `words`), only the points said again, or
    the model chatting with the user instead of writing."""
    if copies_points(text, section) or _CHAT_REPLY.search(text):
        return True
    count = len(_norm_words(text))
    wanted = words * 1.5 if is_cjk(text) else words  # CJK: about 1.5 characters a word
    return count < wanted / 4


def _norm_words(text: str) -> list[str]:
    """Lower-case words; CJK characters count one each."""
    spaced = _CJK.sub(lambda m: f" {m.group()} ", text.lower())
    return [w for w in re.split(r"[\W_]+", spaced) if w]


# --- streaming ----------------------------------------------------------------------------


def should_stop(partial: str) -> bool:
    """Whether streaming should stop: the model began a Markdown heading after its first
    line (a heading first is an echo, removed by the cleaner), a chat turn, or a paragraph
    about its answer ("I made several changes…")."""
    if _CHAT_TOKEN.search(partial) or _TURN.search(partial):
        return True
    body = partial.lstrip()
    first_line_end = body.find("\n")
    if first_line_end >= 0 and _STARTED_HEADING.search(body, first_line_end + 1):
        return True
    paragraphs = re.split(r"\n[ \t]*\n", body)
    return len(paragraphs) > 1 and _is_meta(paragraphs[-1].strip())


# --- the article --------------------------------------------------------------------------


def article_start(outline: Outline) -> str:
    """The start of the article: its title line and a blank line ("" without a title)."""
    return f"# {outline.title}\n\n" if outline.title else ""


def section_header(section: Section) -> str:
    """A section's heading line and a blank line ("" for the untitled lead)."""
    return f"{'#' * section.level} {section.heading}\n\n" if section.heading else ""


def assemble(outline: Outline, proses: Sequence[str]) -> str:
    """The article from the outline and each section's prose (in order; missing ones are
    left empty), ending with one newline."""
    parts = [article_start(outline)]
    for i, section in enumerate(outline.sections):
        parts.append(section_header(section))
        prose = proses[i].strip() if i < len(proses) else ""
        if prose:
            parts.append(prose + "\n\n")
    return "".join(parts).rstrip() + "\n"


@dataclass(frozen=True)
class SectionSpan:
    """Where one section of an article is.

    `heading_start` is where its heading line starts (== `start` for the untitled lead);
    `start`..`end` is its body: from after the heading line to the next heading (of any
    level, so subsections are never part of their parent's body) or the end of the text;
    `prose_start`..`prose_end` is the body without surrounding blank space.
    """

    index: int
    heading: str
    level: int
    heading_start: int
    start: int
    end: int
    prose_start: int
    prose_end: int


_ARTICLE_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_ARTICLE_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _headings(article: str) -> list[tuple[int, int, int, str]]:
    """(line start, line end, level, text) of each Markdown heading outside code fences."""
    found = []
    offset = 0
    in_fence = False
    for line in article.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if _ARTICLE_FENCE.match(bare):
            in_fence = not in_fence
        elif not in_fence and (match := _ARTICLE_HEADING.match(bare)):
            found.append((offset, offset + len(line), len(match.group(1)), match.group(2) or ""))
        offset += len(line)
    return found


def _span(
    article: str, index: int, heading: str, level: int, bounds: tuple[int, int, int]
) -> SectionSpan:
    heading_start, start, end = bounds
    body = article[start:end]
    lead = len(body) - len(body.lstrip())
    trail = len(body.rstrip())
    prose_start = start + lead if trail else start
    return SectionSpan(index, heading, level, heading_start, start, end, prose_start, start + trail)


def article_sections(article: str) -> list[SectionSpan]:
    """Every section of an article in order: an untitled lead (prose between the title and
    the first heading, if there is any), then one per heading other than the `#` title."""
    heads = _headings(article)
    title_end = 0
    if heads and heads[0][2] == 1 and not article[: heads[0][0]].strip():
        title_end = heads.pop(0)[1]
    spans: list[SectionSpan] = []
    first = heads[0][0] if heads else len(article)
    if article[title_end:first].strip():
        spans.append(_span(article, 0, "", 2, (title_end, title_end, first)))
    for k, (line_start, line_end, level, text) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(article)
        bounds = (line_start, line_end, end)
        spans.append(_span(article, len(spans), " ".join(text.split()), level, bounds))
    return spans


def find_section(article_markdown: str, cursor: int) -> SectionSpan | None:
    """The section the cursor is in (its heading line or its body), or None on the title
    line or in the blank stretch between the title and the first heading."""
    for span in reversed(article_sections(article_markdown)):
        if span.heading_start <= cursor and (
            cursor < span.end or span.end == len(article_markdown)
        ):
            return span
    return None


def section_context(article_markdown: str, span: SectionSpan, max_chars: int = TAIL_CHARS) -> str:
    """The end of the prose before a section (headings left out), for `previous_tail`."""
    before = article_markdown[: span.heading_start]
    for line_start, line_end, _, _ in reversed(_headings(before)):
        before = before[:line_start] + "\n" + before[line_end:]
    return tail(before, max_chars)


def outline_index(outline: Outline, span: SectionSpan) -> int | None:
    """The outline section a span of the article belongs to, matched by heading (if a
    heading repeats, the one nearest in position), or None when the outline has none."""
    key = _norm(span.heading) if span.heading else ""
    matches = [
        i
        for i, s in enumerate(outline.sections)
        if (_norm(s.heading) == key if s.heading else not span.heading)
    ]
    return min(matches, key=lambda i: abs(i - span.index)) if matches else None


def prose_edit(article_markdown: str, span: SectionSpan, prose: str) -> tuple[int, int, str]:
    """The edit (start, end, text) that puts `prose` in place of the section's prose,
    keeping the blank lines around it, so the caller can apply it as one undo step."""
    prose = prose.strip()
    if span.prose_end > span.prose_start:
        return span.prose_start, span.prose_end, prose
    at_end = span.end == len(article_markdown)
    return span.start, span.end, f"\n{prose}\n" + ("" if at_end else "\n")
