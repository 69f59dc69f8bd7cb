"""Output quality rules: is a rewrite faithful, does a draft section follow its points?

Plain text in, plain verdicts out; no Qt, no torch. The same rules judge the output of any
backend (the built-in model, a larger one, a server), rank candidates, and score the dev sets
(`tools/quality/score.py`).

Rewrite (`judge_rewrite`):
    facts kept      `extract_facts` finds numbers (digits or words: "3" == "three"), times,
                    days, months, names (capitalised words), e-mail addresses and links;
                    `missing_facts` / `invented_facts` compare two texts by those facts.
    words kept      `content_recall`: the share of the source's content words (lightly
                    stemmed, one typo forgiven in long words) found in the candidate.
    not a copy      `copy_similarity` / `is_copy`: the input given back (allowed only for a
                    correction style when the input was already correct).
    length          `length_bounds`: words allowed for a style (Concise shorter, Expand
                    longer, others within a band).
    no commentary   `commentary`: sentences that talk about the text instead of being it.

Draft (`judge_section`):
    `bullet_terms` / `bullet_covered` / `bullet_coverage`: a point counts as covered when at
    least half of its key terms appear in the section's prose, spelled as the user wrote them;
    `chatter_sentences` / `strip_chatter`: chat, talk about the article, and echoes of the
    prompt's instructions; `word_count` / `length_ok`: words against the requested length.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from writer_app.tasks import draft as _draft
from writer_app.tasks import language
from writer_app.tasks import rewrite as _rewrite
from writer_app.translatable import QT_TRANSLATE_NOOP, Message, Term

# --- words --------------------------------------------------------------------------------

# Function words: left out of content words, key terms and names at a sentence start.
_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    else even ever every few for from further get gets got had has have having he her here
    hers herself him himself his how i if in into is it its itself just let like may me might
    more most much must my myself neither no nor not now of off on once only or other our ours
    ourselves out over own per quite rather really same shall she should so some such than that
    the their theirs them themselves then there these they this those though through thus to
    too under until up upon us very was we were what when where whether which while who whom
    whose why will with within without would yet you your yours yourself yourselves
    hey hi hello oh ok okay yeah yes well please thanks thank lol
    """
STOPWORDS = frozenset(_STOPWORDS.split())

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, possessive 's dropped ("Maria's" -> "maria"); each
    Chinese or Japanese character is a word of its own."""
    out = []
    for word in _WORD_RE.findall(language.spaced(text)):
        word = word.casefold()
        out.append(re.sub(r"['’]s$", "", word))
    return out


_PLURAL_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("s", ""),
)  # fmt: skip
_VERB_ENDINGS = (("ied", "y"), ("ing", ""), ("edly", ""), ("ly", ""), ("ed", ""))


def stem(word: str) -> str:
    """A light stem, so "meeting" meets "meet", "boxes" "box", "studied" "study".

    Only common English endings are cut, and only when three letters or more remain; the
    result is for comparing words, not for showing.
    """
    w = word.casefold().replace("’", "'")
    w = re.sub(r"'s$", "", w)
    if len(w) <= 3 or not w.isalpha():
        return w
    for endings in _PLURAL_ENDINGS, _VERB_ENDINGS:
        for suffix, repl in endings:
            if w.endswith(suffix) and len(w) - len(suffix) + len(repl) >= 3:
                if not (suffix == "s" and w.endswith(("ss", "us", "is"))):
                    w = w[: len(w) - len(suffix)] + repl
                break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]  # "stopp(ed)" -> "stop"
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]  # "bake" and "bak(ing)" meet
    return w


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning: no function words, no one-letter words. In
    Chinese (and Japanese), pairs of neighbouring characters (`language.content_bigrams`),
    as most words there are two characters long."""
    found = [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    if not language.has_unspaced(text):
        return found
    return [w for w in found if not language.is_unspaced(w[0])] + language.content_bigrams(text)


def _near(a: str, b: str) -> bool:
    """Whether two stems are the same word, allowing one typo in words of 6+ letters."""
    if a == b:
        return True
    if min(len(a), len(b)) < 6 or abs(len(a) - len(b)) > 1:
        return False
    return _edit_distance(a, b, 1) <= 1


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def content_recall(source: str, candidate: str) -> float:
    """The share of the source's distinct content words that the candidate keeps (1.0 when
    the source has none). Words match by stem; one typo is forgiven in long words, so a
    spelling fix ("libary" -> "library") still counts as kept."""
    wanted = set(content_words(source))
    if not wanted:
        return 1.0
    have = set(content_words(candidate))
    kept = sum(1 for w in wanted if w in have or any(_near(w, h) for h in have))
    return kept / len(wanted)


# --- sentences ----------------------------------------------------------------------------

_ABBREVIATION_WORDS = "mr mrs ms dr prof st jr sr vs etc e.g i.e approx no dept inc ltd co mt ft"
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_BOUNDARY = re.compile(
    rf"[.!?…]+[\"'”’)\]]*\s+|(?:[{language.CJK_ENDS}]+|……)[\"'”’)\]{language.CJK_CLOSERS}]*\s*"
    r"|\n\s*"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a text; line breaks end sentences too, and "Dr." or
    "J." does not. Chinese sentences end at 。！？ or …… (and their closing quotes) with no
    space after them. Whitespace between sentences belongs to none."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group()[0] == "." and "\n" not in match.group():
            before = re.search(r"[\w.]+$", text[start : match.start()])
            word = before.group().lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            if text[match.end() : match.end() + 1].islower():
                continue  # "at 3 p.m. today"
        end = match.start() + len(match.group().rstrip())
        if text[start:end].strip():
            spans.append(_trimmed(text, start, end))
        start = match.end()
    if text[start:].strip():
        spans.append(_trimmed(text, start, len(text)))
    return spans


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + len(piece.rstrip())


def sentences(text: str) -> list[str]:
    """The sentences of a text (see `sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


# --- facts --------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_ORDINALS = {
    "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fifteenth": 15,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_SPECIAL = {"dozen": 12, "twice": 2, "half": 0.5}
# "one" and "first"/"second" are left out: "one of them", "at first", "a second" are rarely
# facts, and treating them as numbers would make paraphrases look unfaithful.
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_ORDINALS, *_SCALES, *_SPECIAL], key=len))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Units written onto a number ("100ml", "5km"); "5m" stays five million.
_UNIT_SUFFIX = r"(?:ml|l|g|kg|mg|km|cm|mm|mi|ft|lbs?|oz|hrs?|h|mins?|gb|mb|kb|tb|mph|kmh|px)"
_NUMBER = re.compile(
    rf"(?<![\w.,])(?:(?P<digits>{_DIGITS})(?:st|nd|rd|th|{_UNIT_SUFFIX})?(?:\s*(?P<scale>hundred|thousand|"
    rf"million|billion|k\b|m\b|bn\b))?|(?P<words>(?:(?:(?:hundred|thousand|million|billion)"
    rf"[\s-]+and|{_NUMBER_WORD}|one|a)[\s-]+)*"
    rf"(?:(?:{'|'.join(_TENS)})[\s-]+one|{_NUMBER_WORD})))(?![\w])",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?<![\w:])(?:(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s*(?P<ampm>[ap]\.?\s?m\b\.?|o['’]clock)"
    r"|(?P<h2>\d{1,2}):(?P<m2>[0-5]\d)(?!\d)"
    rf"|(?P<hw>{'|'.join([*_UNITS, 'one'])})\s+o['’]clock"
    r"|(?P<noon>noon|midday|midnight))",
    re.IGNORECASE,
)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_DAYS = ("today", "tonight", "tomorrow", "yesterday")
_DAY_ABBREVIATIONS = {"Mon": 0, "Tue": 1, "Tues": 1, "Wed": 2, "Thu": 3, "Thur": 3, "Thurs": 3}
_DAY_ABBREVIATIONS |= {"Fri": 4}
_DAY = re.compile(
    rf"\b(?:(?P<day>{'|'.join(_DAYS)})s?|(?P<rel>{'|'.join(_RELATIVE_DAYS)})|"
    rf"(?-i:(?P<abbr>{'|'.join(_DAY_ABBREVIATIONS)}))\b\.?)\b",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = _MONTH_NAMES.split()
_MONTH_ABBREVIATIONS = {m[:3].title(): m for m in _MONTHS} | {"Sept": "september"}
_MONTH = re.compile(
    r"\b(?:(?P<full>january|february|april|june|july|september|october|november|december)"
    r"|(?-i:(?P<cap>March|May|August))"
    rf"|(?-i:(?P<abbr>{'|'.join(_MONTH_ABBREVIATIONS)}))\.?)\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|\bhttps?://\S+[\w/]|\bwww\.\S+[\w/]"
    r"|(?<![\w,.])\+?\d{1,3}[-. ]\d{3,4}[-. ]\d{3,4}(?:[-. ]\d{3,4})?\b|\b\d{3}-\d{4}\b",
    re.I,
)
_CAPITALISED = re.compile(r"(?<![\w'’])(?:[a-z]+)?[A-Z][\w'’-]*(?:\s+(?:[a-z]+)?[A-Z][\w'’-]*)*")
# Capitalised words that are not names (or not facts worth keeping).
_NOT_NAME_WORDS = """
    i i'm i'll i've i'd ok okay am pm lol omg btw fyi asap tbh imo imho ps idk brb tgif rsvp eta
    dear sir madam colleagues colleague team everyone all folks guys customer customers
    mr mrs ms dr prof mister miss doctor
    """
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_MAY_BE_MONTH = re.compile(r"(?i)(?:\b(?:in|of|by|until|since|from|early|late|mid|next|last)\s+$)")


@dataclass(frozen=True)
class Fact:
    """Something a faithful rewrite must keep: a number, time, day, month, name or reference.

    `text` is how the text says it; `keys` are the normalised forms it matches by (a time
    "3 pm" has the keys "time:3:00" and "num:3"; "three" and "3" both have "num:3").
    """

    kind: str  # number, time, day, month, name, reference
    text: str
    keys: frozenset[str]

    def describe(self) -> str:
        """ "the number 15", "the name Maria", "the day Friday" (a `Message`)."""
        return Message(_DESCRIPTIONS.get(self.kind, _DESCRIPTIONS["name"]), text=self.text)


_DESCRIPTIONS = {
    "reference": QT_TRANSLATE_NOOP("Messages", "the address {text}"),
    "time": QT_TRANSLATE_NOOP("Messages", "the time {text}"),
    "number": QT_TRANSLATE_NOOP("Messages", "the number {text}"),
    "day": QT_TRANSLATE_NOOP("Messages", "the day {text}"),
    "month": QT_TRANSLATE_NOOP("Messages", "the month {text}"),
    "name": QT_TRANSLATE_NOOP("Messages", "the name {text}"),
}


def _num_key(value: float) -> str:
    return f"num:{value:g}" if value != int(value) else f"num:{int(value)}"


def _parse_number_words(text: str) -> float | None:
    """ "twenty-five" -> 25, "two hundred and five" -> 205, "a dozen" -> 12; None if no
    number word."""
    total, current, seen = 0.0, 0.0, False
    for token in re.split(r"[\s-]+", text.lower()):
        if token in ("and", "a", ""):
            if token == "a" and not seen:
                current = max(current, 1)
            continue
        if token == "one":
            current += 1
        elif token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token in _ORDINALS:
            current += _ORDINALS[token]
        elif token in _SPECIAL:
            value = _SPECIAL[token]
            current = current * value if current and token != "half" else value
        elif token in _SCALES:
            scale = _SCALES[token]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _numbers(text: str, taken: list[tuple[int, int]]) -> Iterable[Fact]:
    for match in _NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        if match.group("digits"):
            value = float(match.group("digits").replace(",", ""))
            scale = (match.group("scale") or "").lower()
            factors = {"hundred": 100, "thousand": 1000, "k": 1000, "million": 10**6}
            value *= {**factors, "m": 10**6, "billion": 10**9, "bn": 10**9}.get(scale, 1)
            text_of = match.group().strip()
        else:
            phrase = match.group("words")
            phrase = re.sub(r"(?i)^(?:(?:and|a)[\s-]+)+", "", phrase)  # "and two" -> "two"
            if re.fullmatch(r"(?i)(?:a[\s-]+)?half", phrase):
                continue  # "half an hour", "half of them": rarely a fact
            parsed = _parse_number_words(phrase)
            if parsed is None:
                continue
            value, text_of = parsed, phrase
        yield Fact("number", text_of, frozenset({_num_key(value)}))


def _times(text: str, taken: list[tuple[int, int]]) -> Iterable[Fact]:
    for match in _TIME.finditer(text):
        if match.group("noon"):
            word = match.group("noon").lower()
            keys = {"time:12:00", "num:12"} if word != "midnight" else {"time:0:00"}
        else:
            if match.group("hw"):
                hour = _UNITS.get(match.group("hw").lower(), 1)
                minute = 0
            else:
                hour = int(match.group("h") or match.group("h2"))
                minute = int(match.group("m") or match.group("m2") or 0)
            ampm = (match.group("ampm") or "").lower()
            if hour > 24 or (ampm and ampm[0] in "ap" and hour > 12):
                continue
            hour12 = hour % 12 or 12
            keys = {f"time:{hour12}:{minute:02d}"}
            if minute == 0:
                keys.add(f"num:{hour12}")
        taken.append(match.span())
        said = match.group().strip()
        yield Fact("time", said[:-1] if said.count(".") == 1 else said, frozenset(keys))


def _sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence (or a line, a quotation, a clause after a colon) starts."""
    starts = {a for a, _ in sentence_spans(text)}
    for match in re.finditer(r"(?:[:;]\s+|[\"“(]\s*|^\s*(?:[-*+•]|\d+[.)])\s+)", text, re.M):
        starts.add(match.end())
    return starts


def _names(text: str, taken: list[tuple[int, int]], cjk: bool = False) -> Iterable[Fact]:
    """Names: runs of capitalised words (see `extract_facts`). In Chinese or Japanese text
    (`cjk`) every capitalised Latin word is taken for a name: there a sentence does not
    start with a capital."""
    starts = set() if cjk else _sentence_starts(text)
    mid_sentence = set()
    runs = []
    for match in _CAPITALISED.finditer(text):
        tokens = [
            (m.start() + match.start(), m.group()) for m in re.finditer(r"\S+", match.group())
        ]
        runs.append(tokens)
        for offset, token in tokens:
            if offset not in starts:
                mid_sentence.add(_bare_name(token))
    for tokens in runs:
        name: list[str] = []
        for k, (offset, token) in enumerate(tokens):
            bare = _bare_name(token)
            if any(a <= offset < b for a, b in taken) or _not_a_name(token, bare):
                yield from _flush(name)
                name = []
                continue
            at_start = offset in starts and not name
            next_is_name = k + 1 < len(tokens) and not _not_a_name(
                tokens[k + 1][1], _bare_name(tokens[k + 1][1])
            )
            if at_start and not (
                bare in mid_sentence
                or (next_is_name and bare not in STOPWORDS)
                or _looks_like_a_name(token)
                or (k + 1 == len(tokens) and _acts_like_a_name(token, text[offset + len(token) :]))
            ):
                continue
            name.append(token.rstrip(".,;:!?'’\"”)").removesuffix("'s").removesuffix("’s"))
        yield from _flush(name)


_CONNECTIVE_WORDS = """
    however meanwhile therefore finally instead otherwise still besides nevertheless overall
    anyway again sorry first second third fourth lastly next then also plus later everyone
    everybody someone somebody anyone anybody
    nobody nothing everything something anything welcome congratulations great good wow sure
    note tip remember today tonight tomorrow yesterday
    """
_CONNECTIVES = frozenset(_CONNECTIVE_WORDS.split())
# Words that follow a name at a sentence start: "Kenji said", "Mateo will", "Sam fed".
_NAME_VERB_WORDS = """
    said says told tells asked asks wrote writes will would can could should must might shall
    fed met ran won lost sent paid bought made took gave came left went got found kept brought
    built drove flew sang spoke thinks thought knows knew wants wanted loves loved
    """
_NAME_VERBS = frozenset(_NAME_VERB_WORDS.split())
_VOCATIVE_WORDS = "i i'm i'll i've i'd we you thanks thank please just can could"
_VOCATIVE_NEXT = frozenset(_VOCATIVE_WORDS.split())


def _acts_like_a_name(token: str, after: str) -> bool:
    """A capitalised word at a sentence start that the words after it show to be a name:
    a verb a person does ("Kenji said", "Priya finished", "Lucia has worked"), "and" with
    another name ("Nadia and Tom"), or a comma and a word spoken to someone ("Ava, I'm…").
    Plurals, -ly adverbs and connectives ("However, I…") are left out."""
    core = token.rstrip('.,;:!?"”)')
    bare = core.casefold()
    if (
        not core.isalpha()
        or bare in _CONNECTIVES
        or bare.endswith("ly")
        or (bare.endswith("s") and not bare.endswith("ss"))
    ):
        return False
    if token != core:
        return False
    spoken = re.match(r",\s*([\w'’]+)", after)
    if spoken:
        return spoken.group(1).casefold().replace("’", "'") in _VOCATIVE_NEXT
    nxt = re.match(r"\s+([a-z][\w'’]*)(?:\s+([A-Za-z][\w'’]*))?", after)
    if not nxt:
        return False
    first, second = nxt.group(1), nxt.group(2) or ""
    if first == "and":
        return second[:1].isupper()
    if first in ("has", "had", "is", "was"):
        return second.endswith(("ed", "en", "ing")) and second.islower()
    return first in _NAME_VERBS or (first.endswith("ed") and len(first) > 4)


def _flush(name: list[str]) -> list[Fact]:
    if not name:
        return []
    text = " ".join(name)
    return [Fact("name", text, frozenset({"name:" + " ".join(words(text))}))]


def _bare_name(token: str) -> str:
    return re.sub(r"['’]s$", "", token.strip(".,;:!?'’\"”)")).casefold()


def _not_a_name(token: str, bare: str) -> bool:
    if not bare or bare in _NOT_NAMES or bare in STOPWORDS or not re.match(r"[^\W\d_]", bare):
        return True
    if bare.rstrip(".") in _DAYS or bare in _RELATIVE_DAYS or bare in _MONTHS:
        return True
    return token.rstrip(".") in _DAY_ABBREVIATIONS or token.rstrip(".") in _MONTH_ABBREVIATIONS


def _looks_like_a_name(token: str) -> bool:
    """A capitalised word at a sentence start that is surely a name: an acronym ("NASA"),
    inner capitals ("McKenzie", "iPhone"), digits ("R2D2") or a possessive ("Maria's")."""
    core = token.rstrip('.,;:!?"”)')
    return bool(
        (core.isupper() and len(core) > 1)
        or re.search(r".[A-Z]", core.removesuffix("'S"))
        or re.search(r"\d", core)
        or re.search(r"['’]s$", core)
    )


def extract_facts(text: str) -> list[Fact]:
    """The facts of a text, in order of kind: references, times, numbers, days, months, names.

    Numbers are digits ("1,200", "3.5", "15%", "$40", "3rd", "2k") or number words
    ("twenty-five", "a dozen"), all keyed by value; times ("3 pm", "10:30", "noon") are keyed
    on a 12-hour clock. Days are weekday names and today/tomorrow/tonight/yesterday. Names are
    runs of capitalised words that are not at a sentence start, or that are there but are
    also capitalised elsewhere, are acronyms, or start a run of capitalised words.

    In Chinese text the same rules find digits, times, Latin names, e-mail addresses and
    links (each Chinese character is taken as a word of its own); days are also 周五,
    星期五, 今天…, and titles in 《》 are names. Chinese numerals ("十五") are not facts of
    their own, but they do keep one ("三" keeps "3": see `missing_facts`).
    """
    original = text
    cjk = language.has_unspaced(text)
    text = language.spaced(text)
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []
    for match in _REFERENCE.finditer(text):
        taken.append(match.span())
        facts.append(Fact("reference", match.group(), frozenset({"ref:" + match.group().lower()})))
    facts += _times(text, taken)
    facts += _numbers(text, taken)
    for match in _DAY.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        word = (match.group("day") or match.group("rel") or "").lower()
        if match.group("abbr"):
            word = _DAYS[_DAY_ABBREVIATIONS[match.group("abbr")]]
        taken.append(match.span())
        facts.append(Fact("day", match.group().rstrip("."), frozenset({"day:" + word})))
    for match in _MONTH.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        word = (match.group("full") or match.group("cap") or "").lower()
        if match.group("abbr"):
            word = _MONTH_ABBREVIATIONS[match.group("abbr")]
        if match.group("cap") == "May" and not (
            _MAY_BE_MONTH.search(text[: match.start()])
            or re.match(r"\s*\d", text[match.end() :])
            or re.search(r"\d\s*$", text[: match.start()])
        ):
            continue  # "May I…", "we May…": the verb
        taken.append(match.span())
        facts.append(Fact("month", match.group().rstrip("."), frozenset({"month:" + word})))
    if cjk:
        facts += _cjk_days(original)
    facts += _names(text, taken, cjk=cjk and _draft.is_cjk(original))
    if cjk:
        facts += _titles(original)
    return _unique(facts)


_CJK_DAY = re.compile(r"(?:星期|礼拜|周)(?P<day>[一二三四五六日天])|(?P<rel>今天|今晚|明天|昨天)")
_CJK_WEEKDAYS = {c: _DAYS[i] for i, c in enumerate("一二三四五六日")} | {"天": "sunday"}
_CJK_RELATIVE = {"今天": "today", "今晚": "tonight", "明天": "tomorrow", "昨天": "yesterday"}
_TITLE = re.compile(r"《([^《》\n]{1,40})》")


def _cjk_days(text: str) -> Iterable[Fact]:
    """Days said in Chinese: 周五, 星期五, 礼拜五 (Friday), 今天, 明天… (keyed as in English)."""
    for match in _CJK_DAY.finditer(text):
        day = match.group("day")
        word = _CJK_WEEKDAYS[day] if day else _CJK_RELATIVE[match.group("rel")]
        yield Fact("day", match.group(), frozenset({"day:" + word}))


def _titles(text: str) -> Iterable[Fact]:
    """The titles of books, films and other works, in 《》: names a rewrite must keep."""
    for match in _TITLE.finditer(text):
        yield Fact("name", match.group(), frozenset({"title:" + match.group(1).strip()}))


def _unique(facts: Iterable[Fact]) -> list[Fact]:
    seen: set[frozenset[str]] = set()
    out = []
    for fact in facts:
        if fact.keys not in seen:
            seen.add(fact.keys)
            out.append(fact)
    return out


# Words that are numbers too rarely to be facts, but that do keep one: "one laptop" keeps
# "1 laptop", "first" keeps "1st".
_LOOSE_NUMBERS = {"one": 1, "first": 1, "once": 1, "second": 2, "half": 0.5}
_LOOSE = re.compile(rf"\b(?:{'|'.join(_LOOSE_NUMBERS)})\b", re.I)


def details(text: str) -> list[str]:
    """The facts of `text` as it words them, in reading order, each once: what a rewrite
    must keep, for a prompt that lists them. A number comes with what it counts ("3
    hours"); facts side by side are one ("March 3"); one inside another is left out."""
    spans: list[tuple[int, int]] = []
    for fact in extract_facts(text):
        at = text.find(fact.text)
        if at < 0:
            continue
        end = at + len(fact.text)
        if fact.kind == "number":
            unit = _COUNTED.match(text, end)
            end = unit.end() if unit and unit.group(1).casefold() not in STOPWORDS else end
        spans.append((at, end))
    merged: list[list[int]] = []
    for at, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if merged and at < merged[-1][1]:  # inside (or over) the one before
            merged[-1][1] = max(merged[-1][1], end)
        elif merged and at == merged[-1][1] + 1 and text[at - 1] == " ":
            merged[-1][1] = end
        else:
            merged.append([at, end])
    return list(dict.fromkeys(text[a:b] for a, b in merged))


_COUNTED = re.compile(r" ([^\W\d_]{2,})")


def _fact_keys(text: str) -> set[str]:
    """The keys of a text's facts, and of the numbers it says loosely ("one", "first")."""
    keys = {key for fact in extract_facts(text) for key in fact.keys}
    keys |= {_num_key(_LOOSE_NUMBERS[m.group().lower()]) for m in _LOOSE.finditer(text)}
    keys |= {_num_key(value) for value in language.chinese_numbers(text)}
    return keys


def _has_name(name: Fact, text_words: set[str], text: str = "") -> bool:
    """A name is in a text when each of its words is, in any case ("maria" keeps "Maria");
    a title in 《》 when its words are there as they stand."""
    if language.has_unspaced(name.text):
        return name.text.strip("《》") in text
    return all(w in text_words for w in words(name.text))


def _related_name(name: Fact, text_words: set[str]) -> bool:
    """Each word of the name shares all but its ending with a word of the text: "Brazilian"
    with "Brazil", "Mexican" with "Mexico" (not a new name, though a changed word)."""

    if language.has_unspaced(name.text):
        return False  # (a title is kept by its key, or it is new)

    def related(a: str, b: str) -> bool:
        if a == b:
            return True
        shorter = min(len(a), len(b))
        shared = next((i for i in range(shorter) if a[i] != b[i]), shorter)
        return shorter >= 5 and shared >= shorter - 1

    return all(any(related(w, t) for t in text_words) for w in words(name.text))


def missing_facts(source: str, candidate: str) -> list[Fact]:
    """The facts of `source` that `candidate` does not keep. Names match by their words in
    any case; everything else by key, so "3" keeps "three" and "Friday" keeps "friday"."""
    keys = _fact_keys(candidate)
    text_words = set(words(candidate))
    return [
        fact
        for fact in extract_facts(source)
        if not (
            fact.keys & keys or (fact.kind == "name" and _has_name(fact, text_words, candidate))
        )
    ]


def invented_facts(source: str, candidate: str, allowed: str = "") -> list[Fact]:
    """The facts of `candidate` that are not in `source` (nor in `allowed`, e.g. the user's
    own instruction): numbers, times, days, months, names or addresses made up."""
    reference = f"{source}\n{allowed}"
    keys = _fact_keys(reference)
    text_words = set(words(reference))
    return [
        fact
        for fact in extract_facts(candidate)
        if not (
            fact.keys & keys
            or (fact.kind == "name" and _related_name(fact, text_words))
            or (fact.kind in ("day", "month") and _misspelled_in(fact.text, text_words))
        )
    ]


def _misspelled_in(word: str, text_words: set[str]) -> bool:
    """Whether the text has the word with one typo ("tomorow" for "tomorrow"): a spelling
    fix is not a new fact."""
    word = word.casefold()
    return any(_near(word, w) for w in text_words)


# --- copies and length --------------------------------------------------------------------


def _normalised_words(text: str) -> list[str]:
    return words(text)


def copy_similarity(source: str, candidate: str) -> float:
    """How alike two texts are word for word, from 0 to 1, ignoring case and punctuation."""
    a, b = _normalised_words(source), _normalised_words(candidate)
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


COPY_SIMILARITY = 0.92


def is_copy(source: str, candidate: str, threshold: float = COPY_SIMILARITY) -> bool:
    """Whether the candidate is the source given back: the same words (case, punctuation and
    spacing aside), or nearly (at least `threshold` alike: a word or two in a long text)."""
    a, b = _normalised_words(source), _normalised_words(candidate)
    if a == b:
        return True
    return len(a) >= 8 and copy_similarity(source, candidate) >= threshold


def keeps_verbatim(source: str, candidate: str, threshold: float = COPY_SIMILARITY) -> bool:
    """Whether the candidate is the source word for word (nearly: `threshold` of its words,
    in one run with at most a word put in) with words of its own before or after it: the
    original given back with a sentence added ("…, her best time yet. She's been training
    hard!"). A light rewrite that changes words inside the text is not."""
    a, b = _normalised_words(source), _normalised_words(candidate)
    if len(a) < 8 or len(b) <= len(a):
        return False
    blocks = [m for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
              if m.size]  # fmt: skip
    kept = sum(m.size for m in blocks)
    if not blocks or kept < threshold * len(a):
        return False
    start, end = blocks[0].b, blocks[-1].b + blocks[-1].size
    return end - start - kept <= 1 and len(b) - (end - start) >= 3


def word_count(text: str) -> int:
    """Words as a reader counts them. Chinese and Japanese: about 1.5 characters a word, and
    the Latin words and numbers among them one each; Korean (CJK by `draft.is_cjk`, but
    without Chinese characters): 1.5 letters a word."""
    if not _draft.is_cjk(text):
        return len([t for t in text.split() if re.search(r"\w", t)])
    cjk = len(language.unspaced_chars(text))
    if not cjk:
        return math.ceil(len([c for c in text if c.isalpha()]) / 1.5)
    others = language.spaced(text).split()
    rest = [t for t in others if not language.has_unspaced(t) and re.search(r"\w", t)]
    return math.ceil(cjk / 1.5) + len(rest)


_CORRECTION = re.compile(
    r"(?i)\b(?:fix|correct|proofread|check)\w*\b.*\b(?:grammar|spelling|typos?|mistakes|errors)"
)
_SHORTER = re.compile(r"(?i)\b(?:concise|shorter|shorten|brief|summari[sz]e|trim|tl;?dr)")
_LONGER = _rewrite._EXPANDS  # the styles whose rewrites may run long (should_stop agrees)
_QUESTION = re.compile(r"(?i)\bquestion\b|问题|问句|疑问句")
_REQUEST = re.compile(r"(?i)\b(?:polite|courteous)\b.*\brequest\b|\bas a request\b|请求")
# What a request asks with: "please", "could you", "would you mind", "kindly", "I'd appreciate".
_ASKS = re.compile(
    r"(?i)\b(?:please|kindly|(?:could|would|can|will) you|would you mind|"
    r"(?:I|we)(?:'d| would) (?:appreciate|be grateful|like to ask)|may (?:I|we) ask)\b|请|麻烦"
)
# A question about the text rather than the text as a question ("What do you mean by…?").
_ABOUT_THE_TEXT = re.compile(
    r"(?i)^\W*(?:what do you mean|do you mean|(?:could|can|would) you (?:please )?"
    r"(?:clarify|explain|elaborate|rephrase))\b"
)


def is_request(text: str) -> bool:
    """Whether a rewrite reads as a request: it asks ("please", "could you", "would you
    mind", "kindly", "I'd appreciate"…)."""
    return bool(_ASKS.search(text))


def is_question(text: str) -> bool:
    """Whether a rewrite reads as the passage turned into a question: it ends with a
    question mark (nothing said after it) and is not a question about the text."""
    end = text.rstrip().rstrip("\"'”’)]*_」』）》")
    return end.endswith(("?", "？")) and not _ABOUT_THE_TEXT.match(text)


@dataclass(frozen=True)
class StyleRules:
    """What a style allows: length band (as a share of the source's words), the content-word
    recall it needs, and whether it is a correction (a copy may then be right)."""

    low: float
    high: float
    recall: float
    correction: bool = False
    question: bool = False
    request: bool = False


_STYLE_RULES = {
    "formal": StyleRules(0.6, 2.0, 0.35),
    "casual": StyleRules(0.5, 1.8, 0.3),
    "concise": StyleRules(0.25, 0.95, 0.3),
    "expand": StyleRules(1.15, 5.0, 0.5),
    "simplify": StyleRules(0.4, 1.6, 0.25),
    "fix grammar and spelling": StyleRules(0.8, 1.25, 0.7, correction=True),
    "academic": StyleRules(0.6, 2.2, 0.3),
    "friendly": StyleRules(0.6, 2.0, 0.35),
    "persuasive": StyleRules(0.6, 2.2, 0.3),
    "professional": StyleRules(0.6, 2.0, 0.35),
    "confident": StyleRules(0.6, 1.8, 0.35),
    "active voice": StyleRules(0.6, 1.5, 0.45),
}


def style_rules(style_name: str, instruction: str = "") -> StyleRules:
    """The rules for a built-in style by name; a user's or custom style is judged by its
    instruction (or by its name when that is the instruction: "Turn this into a question")."""
    known = _STYLE_RULES.get(" ".join(style_name.split()).casefold())
    if known is not None and not instruction:
        return known
    text = f"{style_name} {instruction}"
    asks = {"question": bool(_QUESTION.search(text)), "request": bool(_REQUEST.search(text))}
    if _CORRECTION.search(text):
        return StyleRules(0.8, 1.25, 0.7, correction=True, **asks)
    if _SHORTER.search(text):
        return StyleRules(0.2, 0.95, 0.25, **asks)
    if _LONGER.search(text):
        return StyleRules(1.15, 5.0, 0.5, **asks)
    return known or StyleRules(0.3, 3.0, 0.25, **asks)


def length_bounds(source: str, style_name: str, instruction: str = "") -> tuple[int, int]:
    """The fewest and most words a rewrite of `source` may have in this style. Short texts
    get some slack (a few words either way) except that Concise must be shorter and Expand
    longer."""
    rules = style_rules(style_name, instruction)
    n = max(1, word_count(source))
    low = max(1, math.floor(rules.low * n) - 2)
    high = math.ceil(rules.high * n) + 4
    if rules.high < 1:  # shorter
        high = max(1, min(n - 1, math.floor(rules.high * n)))
        low = min(low, high)
    if rules.low > 1:  # longer
        low = max(n + 2, math.ceil(rules.low * n))
    return low, high


# --- commentary ---------------------------------------------------------------------------

_TEXT_NOUN = (
    r"(?:sentences?|text|passage|paragraph|phrase|wording|rewording|rewrite|choice of words|"
    r"word choice|(?:rewritten|revised|formal|casual|concise|friendly|professional|simplified|"
    r"simpler|corrected|edited|improved|expanded|shorter|longer) version|"
    r"original(?=\s*(?:[.,;:!?)]|$|(?:is|was|says|reads|had|has|uses)\b)))"
)
# Each: (pattern, what it is). A sentence matching one (where the source does not) talks
# about the text instead of being its rewrite.
_COMMENTARY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)^(?:sure|certainly|of course|absolutely|gladly|okay|ok)\b[^\w]*$"), "chat"),
    (re.compile(r"(?i)^(?:sure|certainly|of course|absolutely|gladly)\b[!,.]"), "chat"),
    (
        re.compile(
            r"(?i)^(?:here(?:'s|’s| is| are)|below is)\b(?:.*\b(?:version|rewrite|rewritten|"
            r"revised|text|sentence|paragraph|passage|question|request)\b|.*:\s*$)"
        ),
        "announces the answer",
    ),
    (
        re.compile(
            r"(?i)\b(?:what an?|such an?|that's an?|this is an?) (?:\w+ )?"
            r"(?:wonderful|great|lovely|beautiful|nice|fantastic|brilliant|interesting|good|"
            r"excellent|thoughtful|clever|powerful|creative|poetic|vivid)"
            r"(?: \w+){0,2} (?:choice|words?|sentences?|phrases?|question|text|description|"
            r"writing|way|idea|thought|piece|message|statement|point|observation|example)\b"
        ),
        "praise",
    ),
    (
        re.compile(
            r"(?i)\bI (?:would|'d|’d|will|'ll|’ll|can|could|might|may)?\s*"
            r"(?:suggest|recommend|rewrite|rephrase|reword|revise|propose|change)\b"
        ),
        "advice",
    ),
    (
        re.compile(
            rf"(?i)\b(?:the|this|your|my|that|above|following) (?:original |rewritten |revised |"
            rf"given |above |following |updated |corrected |edited )?{_TEXT_NOUN}\b"
            r"|\bthis version\b"
        ),
        "talks about the text",
    ),
    (
        re.compile(r"(?i)\b(?:rewrit\w*|rephras\w*|paraphras\w*|reword\w*)\b"),
        "talks about rewriting",
    ),
    (
        re.compile(
            r"(?i)\b(?:tone|grammar|punctuation|phrasing|word choice|sentence structure|"
            r"spelling)\b|\b(?:clarity|readability|flow) of (?:the|this|your) "
            r"(?:text|sentence|message|passage|paragraph|writing)\b"
        ),
        "talks about style",
    ),
    (
        re.compile(
            r"(?i)\bmake (?:it|this|the text) (?:sound|more|less|shorter|longer|clearer)\b|"
            r"\bsounds? (?:more|less) (?:formal|casual|friendly|professional|relaxed|polite|"
            r"confident|persuasive|exciting|natural|concise)\b"
        ),
        "talks about the task",
    ),
    (
        re.compile(r"(?i)\byou (?:wrote|have written|'ve written|said|mentioned|asked|provided)\b"),
        "speaks to the writer",
    ),
    (re.compile(r"(?i)^(?:note|notes|explanation|changes?|original|rewritten)\s*:"), "a note"),
    (
        re.compile(r"(?i)\b(?:i hope (?:this|that) helps|let me know|feel free to|happy to help)"),
        "an offer of help",
    ),
    (_rewrite._ASSISTANT_TALK, "talks about itself"),
    # Chinese: "好的！", "以下是改写后的文字：", "原文…", "我建议…", "希望这对你有帮助。"
    (re.compile(r"^(?:好的|当然|没问题)[！!，,。.]?$"), "chat"),
    (re.compile(r"^(?:以下|下面)是|[：:]\s*$"), "announces the answer"),
    (re.compile(r"改写|重写|润色|原文|这段(?:文字|话)|这句话|这个版本"), "talks about the text"),
    (re.compile(r"措辞|语法|句式"), "talks about style"),
    (re.compile(r"我(?:建议|推荐)|希望(?:这|以上)?(?:对你|能)有(?:所)?帮助|请告诉我"), "advice"),
]


def commentary(candidate: str, source: str = "") -> list[str]:
    """The sentences of `candidate` that talk about the text instead of rewriting it ("What
    a wonderful choice of words.", "The original sentence is…", "I would suggest…", "Here is
    the rewrite:", "Sure!"). A cue the source has too ("the text" in a note about a text) is
    not held against the candidate."""
    found = []
    source_words = {_ALIASES.get(w, w) for w in words(source)}
    for sentence in sentences(candidate):
        for pattern, _what in _COMMENTARY:
            match = pattern.search(sentence)
            if not match or pattern.search(source):
                continue
            cue = {_ALIASES.get(w, w) for w in words(match.group())}
            if cue and cue <= source_words:
                continue  # the source says it too ("okay" for "ok")
            found.append(sentence)
            break
    return found


_ALIASES = {"ok": "okay", "i'd": "would", "i'll": "will", "'d": "would"}


# --- the rewrite verdict ------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A rewrite judged: whether it passes, why not, and a score to rank candidates by
    (higher is better; a passing one scores at least 1.0, a failing one less)."""

    passed: bool
    reasons: tuple[str, ...]
    score: float
    missing: tuple[Fact, ...] = ()
    invented: tuple[Fact, ...] = ()
    recall: float = 1.0
    copy: bool = False
    commentary: tuple[str, ...] = ()
    words: int = 0
    bounds: tuple[int, int] = (0, 0)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def faithful(self) -> bool:
        """Every fact kept and none invented."""
        return not self.missing and not self.invented

    @property
    def length_ok(self) -> bool:
        return self.bounds[0] <= self.words <= self.bounds[1]


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def judge_rewrite(
    source: str,
    candidate: str,
    style_name: str,
    *,
    instruction: str = "",
    source_is_correct: bool | None = None,
    example: str = "",
    hint: str = "",
) -> Verdict:
    """Judge a rewrite of `source` in a style (a built-in name, or a custom instruction given
    as `style_name` or `instruction`).

    It fails when it drops a fact of the source or adds one (numbers, times, days, months,
    names, addresses; facts in the instruction may be added), keeps too few of the source's
    content words for the style, gives the source back (allowed for a correction style unless
    `source_is_correct` is False; in a built-in style other than Expand, also the source
    word for word with words added: `keeps_verbatim`), is outside the style's length band,
    talks about the text instead of rewriting it, still has chat the cleaner would strip,
    does not do what a question or request style asks (end up a question; ask:
    `is_request`), copies words of the worked `example` the model was shown, or repeats the
    `hint` it was given (the details to keep, as listed: three words in a row of it that are
    not so in the source). The reasons are short messages for people.
    """
    text = candidate.strip()
    rules = style_rules(style_name, instruction)
    allowed = f"{style_name if style_name.casefold() not in _STYLE_RULES else ''} {instruction}"
    if not text:
        checks = dict.fromkeys(("recall", "length", "style"), False)
        checks |= {"facts": not extract_facts(source), "copy": True, "commentary": True}
        empty = Message(QT_TRANSLATE_NOOP("Messages", "is empty"))
        return Verdict(False, (empty,), -10.0, recall=0.0, checks=checks)
    missing = tuple(missing_facts(source, text))
    invented = tuple(invented_facts(source, text, allowed))
    recall = content_recall(source, text)
    # A correction's changes may be a capital letter or an apostrophe ("I can't"), which
    # word-for-word likeness ignores: only the same text, spacing aside, is a copy of it.
    copied = text.split() == source.split() if rules.correction else is_copy(source, text)
    copy_ok = rules.correction and source_is_correct is not False
    # A built-in style other than Expand does not keep the original whole and add to it (a
    # user's instruction may ask for just that: "Add a greeting").
    builtin = " ".join(style_name.split()).casefold() in _STYLE_RULES and not instruction
    padded = builtin and rules.low <= 1.0 and not copied and keeps_verbatim(source, text)
    talk = tuple(commentary(text, source))
    cleaned = _rewrite.clean_output(text, source).strip()
    chat_left = cleaned != text and not talk
    n = word_count(text)
    low, high = length_bounds(source, style_name, instruction)
    question_ok = not rules.question or "?" in source or "？" in source or is_question(text)
    request_ok = not rules.request or is_request(source) or is_request(text)
    borrowed = borrowed_phrase(text, example, source) if example else ""
    echoed = borrowed_phrase(text, hint, source, 5 if language.has_unspaced(source) else 3)

    reasons: list[str] = []

    def say(template: str, **values: object) -> None:
        reasons.append(Message(template, **values))

    for fact in missing:
        say(QT_TRANSLATE_NOOP("Messages", "drops {fact}"), fact=fact.describe())
    for fact in invented:
        adds = QT_TRANSLATE_NOOP("Messages", "adds {fact}, which is not in the original")
        say(adds, fact=fact.describe())
    if recall < rules.recall:
        keeps = QT_TRANSLATE_NOOP("Messages", "keeps only {share} of the original's words")
        say(keeps, share=f"{recall:.0%}")
    if copied and not copy_ok:
        say(QT_TRANSLATE_NOOP("Messages", "gives the original back (almost) unchanged"))
    if padded:
        say(
            QT_TRANSLATE_NOOP("Messages", "gives the original back word for word, with words added")
        )
    if talk:
        talks = QT_TRANSLATE_NOOP(
            "Messages", "talks about the text instead of rewriting it: {quote}"
        )
        say(talks, quote=_quote(talk[0]))
    if chat_left:
        if cleaned:
            say(QT_TRANSLATE_NOOP("Messages", "has chat around the text"))
        else:
            say(QT_TRANSLATE_NOOP("Messages", "is not a rewrite of the text"))
    if not low <= n <= high:
        if n > high:
            long = QT_TRANSLATE_NOOP(
                "Messages", "too long for {style}: {n} words, {low}–{high} expected"
            )
        else:
            long = QT_TRANSLATE_NOOP(
                "Messages", "too short for {style}: {n} words, {low}–{high} expected"
            )
        say(long, style=Term("Style", style_name), n=n, low=low, high=high)
    if not question_ok:
        say(QT_TRANSLATE_NOOP("Messages", "is not a question"))
    if not request_ok:
        say(QT_TRANSLATE_NOOP("Messages", "is not a request"))
    if borrowed:
        borrows = QT_TRANSLATE_NOOP("Messages", "borrows from the prompt's example: {quote}")
        say(borrows, quote=_quote(borrowed))
    if echoed:
        say(QT_TRANSLATE_NOOP("Messages", "repeats the request: {quote}"), quote=_quote(echoed))

    score = 1.0 + recall - 0.6 * (len(missing) + len(invented)) - 1.5 * bool(talk or chat_left)
    score -= 1.0 if (copied and not copy_ok) or padded else 0.0
    score -= 0.0 if low <= n <= high else 0.3
    score -= 0.0 if recall >= rules.recall else 0.5
    score -= 0.0 if question_ok and request_ok else 0.5
    score -= 1.0 if borrowed or echoed else 0.0
    passed = not reasons
    if not passed:
        score = min(score, 0.99)
    checks = {
        "facts": not missing and not invented,
        "recall": recall >= rules.recall,
        "copy": (not copied or copy_ok) and not padded,
        "commentary": not talk and not chat_left and not borrowed and not echoed,
        "length": low <= n <= high,
        "style": question_ok and request_ok,
    }
    return Verdict(
        passed, tuple(reasons), round(score, 4), missing, invented, recall, copied, talk, n,
        (low, high), checks,
    )  # fmt: skip


def borrowed_phrase(text: str, example: str, source: str, n: int = 5) -> str:
    """A run of `n` words of `text` found in `example` (a worked example shown to the model)
    but not in `source`: the model copying the example instead of rewriting; "" if none."""
    tokens = words(text)
    theirs, ours = _ngrams(words(example), n), _ngrams(words(source), n)
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        if gram in theirs and gram not in ours:
            return " ".join(gram)
    return ""


def trimmed_versions(source: str, candidate: str) -> list[str]:
    """`candidate` without its last sentences where those carry nothing of `source` (a
    small model often ends a good rewrite with a sentence of its own: "Please ensure
    that…"), shortest first, then `candidate` itself. The checks then pick among them."""
    spans = sentence_spans(candidate)
    full = content_recall(source, candidate)
    versions = [candidate]
    for k in range(len(spans) - 1, 0, -1):
        shorter = candidate[: spans[k - 1][1]].rstrip()
        if content_recall(source, shorter) < full - 0.02:
            break
        versions.insert(0, shorter)
    return versions


def best_rewrite(
    source: str, candidates: Sequence[str], style_name: str, **options: object
) -> tuple[int, Verdict] | None:
    """The index and verdict of the best candidate (passing ones first, then by score), or
    None when there are none. Ties keep the earlier candidate (greedy first)."""
    judged = [
        (i, judge_rewrite(source, c, style_name, **options))  # type: ignore[arg-type]
        for i, c in enumerate(candidates)
    ]
    if not judged:
        return None
    return max(judged, key=lambda iv: (iv[1].passed, iv[1].score, -iv[0]))


# --- draft: bullet coverage ---------------------------------------------------------------


def bullet_terms(bullet: str) -> list[str]:
    """The key terms of an outline point: its content words (numbers included), lower-cased
    and spelled as the user wrote them; a list marker or bold is ignored. Chinese gives
    pairs of characters (`language.content_bigrams`)."""
    text = re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s+", "", bullet)
    terms: list[str] = []
    for k, token in enumerate(_WORD_RE.findall(language.spaced(text))):
        word = words(token)[0]
        name = k > 0 and token[0].isupper()  # "in May": the month, not the verb
        if (word in STOPWORDS and not name) or (len(word) < 3 and not word.isdigit()):
            continue
        if word not in terms:
            terms.append(word)
    terms += [pair for pair in dict.fromkeys(language.content_bigrams(text)) if pair not in terms]
    return terms


def _prose_stems(prose: str) -> set[str]:
    return {stem(w) for w in words(prose)} | set(language.bigrams(prose))


def bullet_hits(bullet: str, prose: str) -> list[str]:
    """The key terms of `bullet` that the prose uses (by light stem: "brews" uses "brewing";
    a misspelling does not count)."""
    have = _prose_stems(prose)
    return [t for t in bullet_terms(bullet) if stem(t) in have]


def bullet_covered(bullet: str, prose: str, share: float = 0.5) -> bool:
    """Whether the prose covers a point: at least `share` of its key terms (and at least one)
    appear in it. A point without key terms counts as covered."""
    terms = bullet_terms(bullet)
    if not terms:
        return True
    return len(bullet_hits(bullet, prose)) >= max(1, math.ceil(share * len(terms)))


def bullet_coverage(bullets: Sequence[str], prose: str, share: float = 0.5) -> float:
    """The share of `bullets` the prose covers (1.0 for no bullets)."""
    if not bullets:
        return 1.0
    return sum(bullet_covered(b, prose, share) for b in bullets) / len(bullets)


# --- draft: chatter and prompt leakage ----------------------------------------------------

_DOC = r"(?:article|essay|section|piece|post|blog(?: post)?|guide|outline|paragraph|chapter)"
_CHATTER: list[re.Pattern[str]] = [
    re.compile(
        r"(?i)^(?:sure|certainly|of course|absolutely|okay|ok|great|alright|gladly)\b[!,.:]"
    ),
    re.compile(
        rf"(?i)^(?:here(?:'s|’s| is| are)|below is) (?:an? |the |your |my )?(?:\w+ ){{0,3}}"
        rf"(?:{_DOC}|part|text|draft|version|prose|response|answer|story|continuation|rest)\b"
    ),
    # "In this section, we will…", "This article should be written…", "The next part covers…"
    re.compile(rf"(?i)\bin (?:this|the following|the next|today's) (?:{_DOC}|part)\b"),
    re.compile(
        rf"(?i)\b(?:this|the|our|my) (?:next |previous |following |last |first |final )?"
        rf"(?:{_DOC}|part \d+)\s+(?:should|will|must|aims|explores|discusses|is written|"
        rf"covers|focuses|ends|is the|was|has been|provides|concludes|continues|describes|"
        rf"looks|takes|introduces|highlights|is about|is designed)\b"
    ),
    re.compile(
        r"(?i)\b(?:this|that) is (?:the|my|our) (?:last|first|final|next|previous) "
        r"(?:part|section|piece)\b|^this is (?:part|section) \d|"
        r"\b(?:write|finish|complete) the rest\b|\bthe rest of the (?:paragraph|section|part)\b|"
        r"^my name is\b|\bI(?:'ve|’ve| have) never written\b|"
        r"\bno (?:additional|further|more) (?:explanation|details?|information) (?:is )?needed\b"
    ),
    re.compile(
        r"(?i)\b(?:no summary|(?:a|the) (?:short )?summary of the (?:content|text|article)|"
        r"the other parts|more parts|discussed elsewhere|"
        r"happy to (?:help|continue (?:writing|helping)|write more)|"
        r"I(?:'ll|’ll| will) (?:continue|now write|start writing))\b"
    ),
    re.compile(r"(?i)\b(?:the )?(?:next|previous|following) sections?\b"),
    re.compile(
        r"(?i)\b(?:in|of|complete|write|finish|continue|start) the (?:next|previous) part\b"
    ),
    # The prompt's own words: instructions, lengths, formats.
    re.compile(
        r"(?i)\b(?:narrative style|flowing (?:narrative|prose)|plain prose|no headings?|"
        r"no lists?|bullet points?|word count|(?:about|around|approximately|exactly) \d+ words|"
        r"\d+[- ]words? (?:long|limit|paragraph|section)|do not sum up|more parts follow|"
        r"finish with a (?:sentence|paragraph)|end the text|explain,? in order|the outline)\b"
    ),
    re.compile(r"(?i)^(?:write|explain)(?: part| section| in an? | one| two| about \d|,)"),
    re.compile(r"(?i)^(?:title|heading|part|section)\s*\d*\s*:"),
    # Talk about a text instead of the topic: "the rest of the passage talks about…"
    re.compile(
        r"(?i)\b(?:the|this|that|next|first|last|previous) (?:passage|sentence|text|"
        r"paragraph|prompt|request|instructions?)\b[^.!?]{0,40}?\b(?:talks?|mentions?|"
        r"mentioning|speaks?|goes into|describes?|begins?|discusses|explains?|asks?|says)\b"
    ),
    re.compile(r"(?i)\b(?:rewrit\w*|rephras\w*|paraphras\w*|reword\w*)\b"),
    re.compile(r"(?i)\bI (?:think|hope|believe) you(?:'ve|’ve| have| will|'ll| are|'re)?\b"),
    re.compile(
        r"(?i)\b(?:this|the next|the previous|the last|the final|the first|each|every) "
        r"sentence\b|"
        r"\bthe original (?:text|message|sentence|passage|outline|prompt|request)\b|"
        r"\b(?:the|this) explanation\b|"
        r"\b(?:the|this) (?:next|previous|final|last|first) part (?:will|is|was|of (?:the|this) "
        r"(?:article|story|text|essay|post))\b"
    ),
    re.compile(
        r"(?i)(?:#\w+\s*){2,}|^[A-E]:\s|\b(?:length|word) (?:restriction|limit)s?\b|"
        r"\bthis was (?:added|done|written|included)\b|"
        r"^(?:you're welcome|this is the end|the end)\b|\bwhat do you (?:guys )?think\b|"
        r"\bwhat would you like\b|\bjust ask\b|^(?:premise|prompt|instruction|answer|output)s?:"
    ),
    _rewrite._ASSISTANT_TALK,
    _draft._CHAT_REPLY,
    # Chinese: chat, talk about the article, and the prompt's own words.
    re.compile(
        r"^(?:好的|当然|没问题)[！!，,。.]|^(?:以下|下面)是|"
        r"(?:这|本)(?:一)?(?:部分|节|篇文章|篇)(?:将|会)(?:介绍|讨论|讲|探讨|说明|围绕)|"
        r"希望(?:这|本文|以上)?(?:对你|能)有(?:所)?帮助|约\s*\d+\s*字|字数|"
        r"后面还有其他部分|不要总结|用中文写作|写第\s*\d+\s*部分"
    ),
]


def _ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def echoes_instruction(sentence: str, instructions: Sequence[str], allowed: str = "") -> bool:
    """Whether a sentence repeats the prompt's instructions: it shares five words in a row
    with them, or most of its three-word runs, leaving out runs that are also in `allowed`
    (the outline's own words, which the prose may rightly use)."""
    if not instructions:
        return False
    said = words(sentence)
    source = words(" ".join(instructions))
    free = words(allowed)
    five = _ngrams(said, 5) & _ngrams(source, 5) - _ngrams(free, 5)
    if five:
        return True
    threes = _ngrams(said, 3)
    shared = threes & _ngrams(source, 3) - _ngrams(free, 3)
    return len(threes) >= 2 and len(shared) * 2 > len(threes)


def is_chatter(sentence: str, instructions: Sequence[str] = (), allowed: str = "") -> bool:
    """Whether a sentence of a draft is not part of the article: chat ("Sure, here is…"),
    talk about the article ("In this section, we will…", "This article should be written…"),
    the prompt's words ("This is the last part…", "about 80 words"), a note or sign-off, or
    an echo of `instructions`. A cue that the outline itself uses (`allowed`) is fine."""
    text = sentence.strip()
    if not text:
        return False
    for pattern in _CHATTER:
        match = pattern.search(text)
        if match and not (allowed and pattern.search(allowed)):
            return True
    if _draft._is_meta(text):
        return True
    return echoes_instruction(text, instructions, allowed)


def chatter_sentences(text: str, instructions: Sequence[str] = (), allowed: str = "") -> list[str]:
    """The sentences of a draft's prose that `is_chatter` flags."""
    return [s for s in sentences(text) if is_chatter(s, instructions, allowed)]


def strip_chatter(text: str, instructions: Sequence[str] = (), allowed: str = "") -> str:
    """The prose without its chatter sentences (see `is_chatter`); paragraphs stay apart by
    one blank line, a paragraph left empty goes. Running it again changes nothing."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        kept = [s for s in sentences(block) if not is_chatter(s, instructions, allowed)]
        if kept:
            paragraphs.append(language.join_lines(" ".join(kept)))
    return "\n\n".join(paragraphs)


# --- draft: length and the section verdict ------------------------------------------------


def length_ok(text: str, words_wanted: int, tolerance: float = 0.3) -> bool:
    """Whether a section's word count is within ±`tolerance` of the words asked for."""
    n = word_count(text)
    return (1 - tolerance) * words_wanted <= n <= (1 + tolerance) * words_wanted


@dataclass(frozen=True)
class SectionVerdict:
    """A draft section judged against its points and the length asked for."""

    covered: tuple[bool, ...]  # per point, in order
    chatter: tuple[str, ...]  # chatter or leaked-prompt sentences
    words: int
    words_wanted: int
    length_ok: bool

    @property
    def coverage(self) -> float:
        return sum(self.covered) / len(self.covered) if self.covered else 1.0

    @property
    def passed(self) -> bool:
        return all(self.covered) and not self.chatter and self.length_ok


def judge_section(
    prose: str,
    bullets: Sequence[str],
    words_wanted: int,
    *,
    instructions: Sequence[str] = (),
    allowed: str = "",
    tolerance: float = 0.3,
) -> SectionVerdict:
    """Judge one section's prose: which of its points it covers, its chatter and leaked
    instructions, and its length against `words_wanted` (±`tolerance`)."""
    allowed = " ".join([allowed, *bullets])
    return SectionVerdict(
        covered=tuple(bullet_covered(b, prose) for b in bullets),
        chatter=tuple(chatter_sentences(prose, instructions, allowed)),
        words=word_count(prose),
        words_wanted=words_wanted,
        length_ok=length_ok(prose, words_wanted, tolerance),
    )
