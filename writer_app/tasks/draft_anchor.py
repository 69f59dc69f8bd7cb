"""Drafting a section point by point: the rules around each anchored passage.

Each outline point begins a passage of the section (its *anchor*: the point as the start of
a sentence, e.g. "Buy a nucleus colony in May"), which the model carries on for a sentence
or two. The passages are cleaned (`clean_piece`: chat, echoed instructions, a later point
written too early, repeats, misspelt outline terms, too many words), joined, and fitted to
the length asked for. `section_problem` says, in words for the user, what a finished
section still lacks. Measured on the built-in model with `tools/quality/score.py draft`
(see the README): anchoring took point coverage from 9% to most points.

No Qt and no torch here; the pipeline is `features/draft.py`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence

from writer_app.tasks import draft, language, quality
from writer_app.tasks.outline import Outline, Section

# A passage ends at the first sentence end once it has this share of its words.
PIECE_DONE_SHARE = 0.8
# A passage's words may run this far over its share before sentences are dropped.
PIECE_SLACK = 1.35
# A passage gets at least this many words (the anchor alone is often half of it).
MIN_PIECE_WORDS = 14
# Below this share of the words asked for, the section is written on (one more passage).
EXTEND_BELOW = 0.85
# Above this share, sentences are dropped from the end (never a point's own sentence).
TRIM_ABOVE = 1.2

_SENTENCE_END = re.compile(r"[.!?。！？…][\"'”’」』)\]]*\s*$")
# A line that ends without punctuation before one that starts with a capital: a sentence.
_LINE_END = re.compile(r"(?<=[^\W_])[ \t]*\n(?=\s*[A-ZÀ-ÖØ-Þ])")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)*")


def anchor(point: str) -> str:
    """A point as the start of a sentence: trailing punctuation off, first letter upper
    case ("buy a nucleus colony in May" → "Buy a nucleus colony in May")."""
    text = " ".join(point.split()).rstrip(".;:,")
    return text[:1].upper() + text[1:]


def point_targets(words: int, points: int) -> list[int]:
    """Words for each of `points` passages of a section of `words` words (at least
    `MIN_PIECE_WORDS` each)."""
    if points <= 0:
        return []
    share = max(MIN_PIECE_WORDS, words // points)
    return [share] * points


def piece_done(start: str, target: int) -> Callable[[str], bool]:
    """A streaming stop rule for a passage that begins with `start`: stop at the first
    sentence end once the passage has `PIECE_DONE_SHARE` of `target` words, at a blank line
    after some text, or where the section's own stop rule says (a heading, a chat turn)."""

    def done(partial: str) -> bool:
        if draft.should_stop(partial):
            return True
        text = start + partial
        if re.search(r"\S\s*\n[ \t]*\n", partial.lstrip()):
            return True
        enough = quality.word_count(text) >= PIECE_DONE_SHARE * target
        return enough and bool(_SENTENCE_END.search(text) or text.endswith("\n"))

    return done


def instruction_lines(messages: Sequence[dict[str, str]]) -> list[str]:
    """The instructions in a section's prompt (system prompt, the ask, the rules), without
    its title, outline, context or points: what the prose must never echo."""
    lines = [messages[0]["content"]] if messages else []
    user = next((m["content"] for m in messages if m["role"] == "user"), "")
    skip = ("Title:", "Readers:", "Parts:", "Previous part ends:", "- ")
    for line in user.splitlines():
        bare = line.strip()
        if bare and not bare.startswith(skip) and not bare[:1].isdigit():
            lines.append(bare)
    return lines


def allowed_text(outline: Outline, index: int) -> str:
    """The outline's own words for section `index` (title, heading, points): cues the
    chatter rules must let through when the user wrote them."""
    section = outline.sections[index]
    return "\n".join([outline.title, section.heading, *section.point_lines()])


# --- the user's spelling ------------------------------------------------------------------


def _fold(word: str) -> str:
    """Lower case without accents or strokes ("Tromsø" → "tromso")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(str.maketrans("øłđæœß", "oldaes"))


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def outline_terms(source: str) -> list[str]:
    """Words of the outline whose spelling the prose must keep, of five letters or more:
    words with letters beyond ASCII, and names (capitalised, not first on their line; in a
    Title Case line, where every word is capitalised, only the former)."""
    terms: list[str] = []
    for line in source.splitlines():
        tokens = _WORD.findall(line.lstrip("#-*+ \t"))
        title_case = all(
            t[:1].isupper() or not t[:1].isalpha() or t.lower() in quality.STOPWORDS for t in tokens
        )
        for k, token in enumerate(tokens):
            special = not token.isascii()
            name = k > 0 and token[:1].isupper() and not title_case
            if (special or name) and len(token) >= 5 and token not in terms:
                terms.append(token)
    return terms


def respell(text: str, source: str) -> str:
    """`text` with near-misses of the outline's terms (`outline_terms` of `source`) spelt
    as the user wrote them: the same word without its accents or in another case, or one
    letter off (two in words of nine letters or more) when capitalised."""
    terms = outline_terms(source)
    if not terms:
        return text
    known = set(_WORD.findall(source))
    folded = {t: _fold(t) for t in terms}

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if word in known or len(word) < 4:
            return word
        key = _fold(word)
        for term, term_key in folded.items():
            if key == term_key:
                return term
            if key.startswith(term_key):
                continue  # "Weekends": the term inflected, not misspelt
            allowed = 2 if len(term) >= 9 else 1
            near = abs(len(key) - len(term_key)) <= allowed
            if near and word[:1].isupper() and _distance(key, term_key) <= allowed:
                return term
        return word

    return _WORD.sub(fix, text)


# --- one passage ----------------------------------------------------------------------------


def _trigrams(text: str) -> set[tuple[str, ...]]:
    said = quality.words(text)
    return {tuple(said[i : i + 3]) for i in range(len(said) - 2)}


def repeats(sentence: str, earlier: Sequence[str]) -> bool:
    """Whether a sentence mostly says again one of `earlier` (half its word triples)."""
    mine = _trigrams(sentence)
    if not mine:
        return any(quality.words(sentence) == quality.words(e) for e in earlier)
    return any(len(mine & _trigrams(e)) * 2 >= len(mine) for e in earlier)


_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:–—]|\s(?:and|but|then|so|or)\b)\s")
_MIXED = re.compile(r"\b(?=[^\W_]*\d)(?=[^\W\d_]*[^\W\d_])[^\W_]{2,}\b")


def _stop_before_later(sentence: str, start: str, later: Sequence[str]) -> str:
    """The anchored first sentence cut before it runs on into `later` points ("Buy a colony
    in May, inspect the frames and feed syrup" → "Buy a colony in May"): at the last clause
    break before the first place where two key terms of one later point (its only one, if
    it has one) have appeared."""
    rest = sentence[len(start) :] if start and sentence.startswith(start) else ""
    if not rest or not later:
        return sentence
    stems = [quality.stem(w) for w in quality.words(rest)]
    spans = [m.start() for m in _WORD.finditer(rest)]
    first = len(rest)
    for point in later:
        terms = {quality.stem(t) for t in quality.bullet_terms(point)}
        need = min(2, len(terms))
        seen = 0
        for k, word in enumerate(stems):
            if word in terms:
                seen += 1
                if seen >= need and need and k < len(spans):
                    first = min(first, spans[k])
                    break
    if first == len(rest):
        return sentence
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(rest[:first])]
    return start + rest[: breaks[-1]] if breaks else start


def _garbled(sentence: str, source: str) -> bool:
    """Whether a sentence has a word of letters and digits mixed that the outline does not
    have ("Rema100A"): the model garbling a name or a number."""
    known = {w.lower() for w in _WORD.findall(source)}
    return any(m.group().lower() not in known for m in _MIXED.finditer(sentence))


def _close(text: str) -> str:
    """Text that does not end a sentence, ended: cut at its last clause break (if most of it
    comes before), then a full stop."""
    text = text.rstrip(" ,;:-–—")
    if _SENTENCE_END.search(text):
        return text
    cut = max(text.rfind(","), text.rfind(";"))
    if cut > len(text) * 0.6:
        text = text[:cut]
    return text.rstrip(" ,;:-–—") + "."


def clean_piece(
    raw: str,
    start: str,
    *,
    later: Sequence[str] = (),
    earlier: Sequence[str] = (),
    before: str = "",
    instructions: Sequence[str] = (),
    allowed: str = "",
    max_words: int = 0,
    last: bool = False,
    other_headings: Sequence[str] = (),
) -> str:
    """One passage of a section: `start` (the anchor, or "") carried on by the model's
    `raw` output, cleaned, as one paragraph; "" if nothing is left.

    Cleaned as a section is (`draft.clean_prose`), then: chatter and echoes of the prompt's
    `instructions` removed (`quality.strip_chatter`); from the first sentence that covers
    one of the `later` points on, cut (its own passage comes later; the first sentence is cut
    at a clause break before it runs on into one); a sentence after the first with a garbled
    word (letters and digits mixed, not in the outline), or that covers one of the
    `earlier` points or repeats a sentence of `before` (the prose so far) or of this
    passage, dropped; the outline's terms (`allowed`) spelt as the
    user wrote them; and sentences after the first dropped beyond `max_words` words.
    """
    text = raw.replace("\r\n", "\n")
    if start and re.match(r"[ \t]*\n", text):
        text = "." + text  # the model ended the anchor's line as if it were a heading
    text = _LINE_END.sub(".\n", start + text)  # lines without a full stop are sentences too
    text = draft.clean_prose(text, last=last, other_headings=other_headings)
    text = re.sub(r"\s*\n\s*", " ", text)
    text = quality.strip_chatter(text, instructions, allowed)
    kept: list[str] = []
    seen = quality.sentences(before)
    for k, sentence in enumerate(quality.sentences(text)):
        if k == 0:
            cut = _stop_before_later(sentence, start, later)
            sentence = sentence if cut == sentence else _close(cut)
        if k and _garbled(sentence, allowed):
            continue
        if k and any(quality.bullet_covered(p, sentence) for p in later):
            break
        if k and any(quality.bullet_covered(p, sentence) for p in earlier):
            continue
        if repeats(sentence, seen + kept):
            continue
        kept.append(sentence)
    if max_words:
        while len(kept) > 1 and quality.word_count(" ".join(kept)) > max_words:
            kept.pop()
    piece = respell(language.join_lines(" ".join(kept)), allowed)
    return _close(piece) if piece else ""


def covers(piece: str, point: str) -> bool:
    """Whether a passage covers its point (`quality.bullet_covered`)."""
    return quality.bullet_covered(point, piece)


# --- the section --------------------------------------------------------------------------


def join_pieces(pieces: Sequence[str], words: int) -> str:
    """A section's passages as prose: one paragraph up to about 100 words, else a paragraph
    a passage once the section is long enough to carry them."""
    kept = [p.strip() for p in pieces if p.strip()]
    if words <= 100:
        return language.join_lines(" ".join(kept))
    return "\n\n".join(kept)


def fit_length(text: str, words: int, keep: Sequence[str] = ()) -> str:
    """Prose of at most about `TRIM_ABOVE` × `words` words: sentences dropped from the end,
    except those covering one of the points `keep` (the section's own), and never the
    first."""
    limit = math.floor(TRIM_ABOVE * words)
    if quality.word_count(text) <= limit:
        return text
    paragraphs = [quality.sentences(p) for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    flat = [(i, s) for i, sentences in enumerate(paragraphs) for s in sentences]
    needed = {k for k, (_, s) in enumerate(flat) if any(quality.bullet_covered(p, s) for p in keep)}
    order = [k for k in reversed(range(1, len(flat))) if k not in needed]
    dropped: set[int] = set()
    count = quality.word_count(text)
    for k in order:
        if count <= limit:
            break
        dropped.add(k)
        count -= quality.word_count(flat[k][1])
    out: dict[int, list[str]] = {}
    for k, (i, sentence) in enumerate(flat):
        if k not in dropped:
            out.setdefault(i, []).append(sentence)
    return "\n\n".join(language.join_lines(" ".join(s)) for _, s in sorted(out.items()))


def section_problem(
    prose: str,
    section: Section,
    words: int,
    *,
    instructions: Sequence[str] = (),
    allowed: str = "",
) -> str:
    """What a written section still lacks, for the user ("" when it passes the checks):
    points it does not cover, chatter left in it, or a length far from the one asked for."""
    if not prose.strip():
        return "nothing usable was written"
    bullets = [p.text for p in section.points]
    verdict = quality.judge_section(
        prose, bullets, words, instructions=instructions, allowed=allowed
    )
    problems = []
    missed = [b for b, ok in zip(bullets, verdict.covered, strict=True) if not ok]
    if missed:
        problems.append(f"misses {len(missed)} of {len(bullets)} points (“{missed[0]}”)")
    if verdict.chatter:
        problems.append("has text that is not part of the article")
    if not verdict.length_ok:
        side = "shorter" if verdict.words < words else "longer"
        problems.append(f"is {side} than asked ({verdict.words} of {words} words)")
    return "; ".join(problems)
