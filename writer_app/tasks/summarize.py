"""Summaries: the prompt, splitting a long text into parts, cleaning the reply, and the
checks a summary must pass (shorter than its source, its key terms kept).

Plain-text rules only: no Qt, no torch. The pipeline is `features/summarize.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from writer_app.tasks.quality import invented_facts
from writer_app.tasks.rewrite import clean_output

FORMS = ("sentence", "paragraph", "bullets")
SYSTEM_PROMPT = "You summarize text. Reply with only the summary, nothing else."
# The request comes after the text, and the answer is begun for the model (an anchor): on
# the built-in model this kept summaries on the text and in the form asked for, where the
# request alone before the text often got a made-up title or a reply about the text
# (`tools/quality/`, see the README's Summarize section).
_ASK = {
    "sentence": "Summarize the text above in one sentence.",
    "paragraph": "Summarize the text above in two sentences.",
    "bullets": "Summarize the text above as three to five short bullet points.",
}
ANSWER_START = {"sentence": "In short,", "paragraph": "In short,", "bullets": "-"}
# Roughly how many words each form should have; the token budget follows from it.
TARGET_WORDS = {"sentence": 30, "paragraph": 70, "bullets": 70}
PART_WORDS = 350  # a longer text is summarized part by part (a small model loses track)
MIN_TERM_RECALL = 0.25  # below this share of the key terms, a summary is about something else
MAX_NOVELTY = 0.6  # above this share of content words not in the text, it tells another story

# A reply that talks to the user or about the text, instead of summarizing it.
_COMMENTARY = re.compile(
    r"\b(?:your (?:text|passage|writing|sentence|paragraph|article)|the (?:text|passage) "
    r"(?:is|was|seems)|I'll|I will|I would|I'd|I can|let me|here is|here's|feel free)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_STOP_WORDS = """a an the and or but if then than that this these those there their they them he she
    his her him its it is are was were be been being have has had do does did not no nor so
    of on in at to for from by with about into over after before under between through
    during without within as also just very more most much many some any all each every
    other such only own same too can could will would shall should may might must our ours
    we you your yours i me my mine who whom whose which what when where why how here while
    up down out off again further once both few nor yet one two said says say"""
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Check:
    """What the checks found about a summary: problems for the user (empty = it passes)."""

    problems: tuple[str, ...]
    recall: float  # share of the source's key terms the summary keeps
    missing: tuple[str, ...]  # key terms it leaves out

    @property
    def ok(self) -> bool:
        return not self.problems


def build_messages(text: str, form: str = "paragraph") -> list[dict[str, str]]:
    """Chat messages asking for the summary alone, the last one the begun answer (the model
    continues it: see `ANSWER_START`)."""
    if form not in FORMS:
        raise ValueError(f"Unknown summary form {form!r}; choose one of: {', '.join(FORMS)}")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"{text.strip()}\n\n{_ASK[form]}"},
        {"role": "assistant", "content": ANSWER_START[form]},
    ]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def split_parts(text: str, max_words: int = PART_WORDS) -> list[str]:
    """The text in parts of at most about `max_words` words, split between paragraphs (a
    longer paragraph is a part of its own)."""
    parts: list[str] = []
    current: list[str] = []
    words = 0
    for paragraph in (p.strip() for p in _PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        n = word_count(paragraph)
        if current and words + n > max_words:
            parts.append("\n\n".join(current))
            current, words = [], 0
        current.append(paragraph)
        words += n
    if current:
        parts.append("\n\n".join(current))
    return parts


def clean_summary(raw: str, source: str, form: str = "") -> str:
    """The summary alone, from the model's continuation of `ANSWER_START[form]` (or a whole
    reply): chat openers ("Sure! Here is a summary:"), notes after it and wrapping quotes
    dropped; a prose summary starts with a capital letter, bullets with "- "."""
    start = ANSWER_START.get(form, "")
    text = raw if start != "-" else "- " + raw.lstrip(" -")
    text = clean_output(text, source).strip()
    text = re.sub(r"\A(?:summary|in summary|tl;dr)\s*[:\-–—]\s*", "", text, flags=re.I)
    if text[:1].islower() and start != "-":
        text = text[0].upper() + text[1:]
    return text.strip()


def key_terms(source: str, limit: int = 8) -> list[str]:
    """The words a summary of `source` should keep, as the source spells them: those it
    uses most, names (capitalised words that are not only sentence starts) counting double;
    ties in the order they first appear."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    first: dict[str, int] = {}
    named: set[str] = set()
    for match in _WORD.finditer(source):
        word = re.sub(r"['’]s$", "", match.group()).strip("'’-")
        key = word.casefold()
        if len(key) < 3 or key in _STOP:
            continue
        counts[key] += 1
        spelling.setdefault(key, word)
        first.setdefault(key, match.start())
        before = source[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in '.!?:\n"“'
        if word[0].isupper() and not starts_sentence:
            named.add(key)
    weight = {k: n + (1 if k in named else 0) for k, n in counts.items()}
    candidates = [k for k in counts if weight[k] >= 2]
    chosen = sorted(candidates, key=lambda k: (-weight[k], first[k]))[:limit]
    return [spelling[k] for k in chosen]


def _stem(word: str) -> str:
    return word.casefold()[:5]


def term_recall(summary: str, terms: list[str]) -> tuple[float, list[str]]:
    """The share of `terms` the summary mentions (a rough stem match), and those it misses."""
    if not terms:
        return 1.0, []
    have = {_stem(w) for w in _WORD.findall(summary)}
    missing = [t for t in terms if _stem(t) not in have]
    return 1 - len(missing) / len(terms), missing


def _commentary(summary: str, source: str) -> str:
    """The first phrase of talk about the text or to the user that the source lacks."""
    said = {m.group().casefold() for m in _COMMENTARY.finditer(source)}
    return next(
        (m.group() for m in _COMMENTARY.finditer(summary) if m.group().casefold() not in said), ""
    )


def check(summary: str, source: str) -> Check:
    """Whether `summary` can be offered as a summary of `source`, and why not."""
    problems: list[str] = []
    terms = key_terms(source)
    recall, missing = term_recall(summary, terms)
    if not summary.strip():
        problems.append("the model wrote nothing usable")
    elif word_count(summary) >= word_count(source):
        problems.append("it is not shorter than the text")
    elif recall < MIN_TERM_RECALL and len(terms) >= 3:
        problems.append("it leaves out what the text is about (" + ", ".join(missing[:4]) + ")")
    elif talk := _commentary(summary, source):
        problems.append(f"it talks about the text instead of summarizing it (“{talk}”)")
    elif novelty(summary, source) > MAX_NOVELTY:
        problems.append("most of what it says is not in the text")
    elif invented := invented_facts(source, summary):
        made_up = ", ".join(fact.describe() for fact in invented[:3])
        problems.append(f"it adds {made_up}, which the text does not have")
    return Check(tuple(problems), recall, tuple(missing))


def novelty(summary: str, source: str) -> float:
    """The share of the summary's content words (by a rough stem) that the text lacks."""
    have = {_stem(w) for w in _WORD.findall(source)}
    own = [_stem(w) for w in _WORD.findall(summary) if w.casefold() not in _STOP and len(w) > 2]
    return sum(1 for w in own if w not in have) / len(own) if own else 0.0


def score(summary: str, source: str) -> float:
    """Higher is better: passing first, then key terms kept and little that is new, then
    brevity."""
    result = check(summary, source)
    brevity = 1 - min(1.0, word_count(summary) / max(1, word_count(source)))
    new = novelty(summary, source)
    return (0.0 if result.problems else 2.0) + result.recall - new + 0.25 * brevity
