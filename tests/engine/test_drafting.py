"""Outline → article on a model: progress, cancel, resume, and one section redone."""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading

import pytest

from writer_app.config import Decoding, task_defaults
from writer_app.features.draft import (
    DraftError,
    DraftOptions,
    DraftUpdate,
    _streaming_prose,
    article_outline,
    article_so_far,
    cjk_warning,
    draft_article,
    redo_section,
    section_budget,
    tone_sentence,
)
from writer_app.tasks import draft, draft_anchor, quality
from writer_app.tasks.outline import parse_outline
from writer_app.tasks.rewrite import Style, find_style

OUTLINE = parse_outline(
    """# Keeping bees

## Why keep bees
- Honey and wax
- Pollination for the garden

## The hive
- A box with frames
- One queen, many workers

## The first year
- Start in spring
- Check the hive every week
"""
)
FAST = Decoding(max_new_tokens=16, do_sample=True, temperature=0.6, seed=3)
SHORT = DraftOptions("short")
ARTICLE = draft.assemble(
    OUTLINE,
    [
        "Bees give honey and wax. They also pollinate the garden.",
        "A hive is a box with frames. One queen lives with many workers.",
        "Start in spring. Look into the hive every week.",
    ],
)


def _headings(text: str) -> list[str]:
    return re.findall(r"(?m)^#+ (.+)$", text)


# --- pure helpers ---------------------------------------------------------------------------


def test_tone_sentences_from_rewrite_styles() -> None:
    assert tone_sentence(None) == ""
    assert tone_sentence(find_style("formal")) == "Write in a formal tone."
    assert tone_sentence(find_style("expand")) == "Write with more details and examples."
    assert tone_sentence(Style("Pirate", "Talk like a pirate.")) == "Talk like a pirate."


def test_section_budget_follows_the_length_and_the_settings_cap() -> None:
    d = task_defaults("draft")
    assert section_budget(d, 80, OUTLINE).max_new_tokens == draft.max_new_tokens_for(80)
    capped = dataclasses.replace(d, max_new_tokens=50)
    assert section_budget(capped, 250, OUTLINE).max_new_tokens == 50


def test_streaming_prose_keeps_the_sentence_being_written() -> None:
    section = OUTLINE.sections[0]

    def clean(raw: str) -> str:
        return draft.clean_section(raw, section)

    assert _streaming_prose(clean, "Sure! Here is the section:\n\nBees make honey. They also") == (
        "Bees make honey. They also"
    )
    assert _streaming_prose(clean, "Bees make honey.\n") == "Bees make honey."
    assert _streaming_prose(clean, "") == ""


def test_article_so_far_is_a_prefix_of_the_article() -> None:
    proses = ["One.", "Two.", "Three."]
    full = draft.assemble(OUTLINE, proses)
    for k in range(4):
        assert full.startswith(article_so_far(OUTLINE, proses[:k]).rstrip())
    assert article_so_far(OUTLINE, ["One.", ""]).endswith("## The hive\n\n")


def test_article_outline_takes_points_from_the_drafting_outline() -> None:
    shape = article_outline(ARTICLE, OUTLINE)
    assert shape.title == "Keeping bees"
    assert [s.heading for s in shape.sections] == [s.heading for s in OUTLINE.sections]
    assert shape.sections[1].points == OUTLINE.sections[1].points
    bare = article_outline(ARTICLE)
    assert bare.title == "Keeping bees" and all(not s.points for s in bare.sections)


def test_cjk_warning_only_for_the_small_model() -> None:
    cjk = parse_outline("# 如何泡绿茶\n\n## 选茶\n- 散茶比茶包好\n")
    assert "Chinese" in cjk_warning(cjk, "SmolLM2-135M-Instruct")
    assert cjk_warning(cjk, "Qwen2.5-7B-Instruct") == ""
    assert cjk_warning(OUTLINE, "SmolLM2-135M-Instruct") == ""


# --- on the tiny model ------------------------------------------------------------------------


def test_draft_streams_progress_section_by_section(tiny_backend) -> None:
    updates: list[DraftUpdate] = []
    final = draft_article(tiny_backend, OUTLINE, SHORT, FAST, on_update=updates.append)
    assert final.done and not final.cancelled and final.section == final.total == 3
    sections = [u.section for u in updates]
    assert sections == sorted(sections) and set(sections) == {0, 1, 2, 3}
    assert next(u.label for u in updates if not u.done) == "Section 1 of 3"
    assert all(not u.done for u in updates[:-1]) and updates[-1] is not None
    assert updates[-1].done and updates[-1].text == final.text
    # The streamed text only grows at the end of what was shown: the start stays put.
    for before, after in itertools.pairwise(updates):
        if after.section > before.section:
            assert after.text.startswith(before.text.rstrip()[: len(draft.article_start(OUTLINE))])
    assert final.text.startswith("# Keeping bees\n\n## Why keep bees\n\n")
    assert _headings(final.text) == ["Keeping bees", "Why keep bees", "The hive", "The first year"]
    assert len(final.proses) == 3


def test_each_section_is_judged_by_the_quality_checks(tiny_backend) -> None:
    final = draft_article(tiny_backend, OUTLINE, SHORT, FAST)
    assert len(final.problems) == 3
    for i, (section, prose) in enumerate(zip(OUTLINE.sections, final.proses, strict=True)):
        messages = draft.build_section_messages(OUTLINE, i, words=SHORT.words)
        assert final.problems[i] == draft_anchor.section_problem(
            prose, section, SHORT.words, instructions=draft_anchor.instruction_lines(messages),
            allowed=draft_anchor.allowed_text(OUTLINE, i),
        )  # fmt: skip
        # Every point begins a passage of its section, even on a random model.
        assert all(quality.bullet_covered(p.text, prose) for p in section.points), prose
    flagged = DraftUpdate(OUTLINE, final.proses, 3, True, problems=("", "misses 1 of 2", ""))
    assert flagged.flagged == ["The hive: misses 1 of 2"]


def test_cancel_keeps_what_was_written(tiny_backend) -> None:
    cancel = threading.Event()

    def stop_in_second_section(update: DraftUpdate) -> None:
        if update.section == 1 and update.proses[1]:
            cancel.set()

    final = draft_article(
        tiny_backend, OUTLINE, SHORT, FAST, cancel=cancel, on_update=stop_in_second_section
    )
    assert final.cancelled and final.done and final.section == 1
    assert len(final.proses) == 2 and final.proses[0]
    assert _headings(final.text) == ["Keeping bees", "Why keep bees", "The hive"]
    assert final.text.endswith("\n") and final.proses[0] in final.text


def test_resume_writes_only_the_rest(tiny_backend) -> None:
    one = draft_article(tiny_backend, OUTLINE, SHORT, FAST, sections=1)
    assert not one.done and len(one.proses) == 1 and one.section == 0
    rest = draft_article(tiny_backend, OUTLINE, SHORT, FAST, written=one.proses)
    assert rest.done and rest.proses[0] == one.proses[0] and len(rest.proses) == 3


def test_between_runs_before_each_section_after_the_first(tiny_backend) -> None:
    seen: list[int] = []
    calls: list[int] = []

    def record(update: DraftUpdate) -> None:
        if update.section not in seen:
            seen.append(update.section)

    draft_article(
        tiny_backend,
        OUTLINE,
        SHORT,
        FAST,
        on_update=record,
        between=lambda: calls.append(len(seen)),
    )
    assert calls == [1, 2]  # before the second and the third of three sections


def test_a_bad_length_fails_before_any_work(tiny_backend) -> None:
    with pytest.raises(ValueError, match="Length"):
        draft_article(tiny_backend, OUTLINE, DraftOptions("huge"), FAST)


def _section_text(article: str, index: int) -> str:
    span = draft.article_sections(article)[index]
    return article[span.heading_start : span.end]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_regenerate_replaces_only_its_section(tiny_backend, index: int) -> None:
    span = draft.article_sections(ARTICLE)[index]
    cursor = (span.prose_start + span.prose_end) // 2
    edit = redo_section(tiny_backend, ARTICLE, cursor, "regenerate", SHORT, FAST, outline=OUTLINE)
    assert span.start <= edit.start <= edit.end <= span.end and edit.text.strip()
    after = edit.apply(ARTICLE)
    for other in {0, 1, 2} - {index}:
        assert _section_text(after, other) == _section_text(ARTICLE, other)
    assert _section_text(after, index) != _section_text(ARTICLE, index)
    assert _headings(after) == _headings(ARTICLE)
    assert after.startswith("# Keeping bees\n\n")


def test_continue_adds_after_the_sections_prose(tiny_backend) -> None:
    span = draft.article_sections(ARTICLE)[1]
    edit = redo_section(tiny_backend, ARTICLE, span.heading_start, "continue", SHORT, FAST)
    assert edit.start == edit.end == span.prose_end and edit.text.strip()
    after = edit.apply(ARTICLE)
    assert after.startswith(ARTICLE[: span.prose_end])
    assert after.endswith(ARTICLE[span.prose_end :])


def test_redo_outside_a_section_says_so(tiny_backend) -> None:
    with pytest.raises(DraftError, match="cursor"):
        redo_section(tiny_backend, ARTICLE, 2, "regenerate", SHORT, FAST)


# --- on the built-in model ------------------------------------------------------------------

THREE = parse_outline(
    """# Starting a vegetable garden

## Choosing the spot
- At least six hours of sun
- Close to a water tap

## Preparing the soil
- Remove weeds and stones
- Mix in compost

## What to plant first
- Lettuce and radishes grow fast
- Tomatoes need support
"""
)


@pytest.mark.real_model
def test_a_three_section_outline_becomes_an_article(real_backend) -> None:
    decoding = dataclasses.replace(task_defaults("draft"), seed=7)
    result = draft_article(real_backend, THREE, DraftOptions("short"), decoding)
    text = result.text
    assert result.done and not result.cancelled
    assert _headings(text) == [
        "Starting a vegetable garden",
        "Choosing the spot",
        "Preparing the soil",
        "What to plant first",
    ]
    assert text.startswith("# Starting a vegetable garden\n\n## Choosing the spot\n\n")
    spans = draft.article_sections(text)
    assert len(spans) == 3
    bullets = {line[2:].strip().lower() for s in THREE.sections for line in s.point_lines()}
    for span, section in zip(spans, THREE.sections, strict=True):
        prose = text[span.prose_start : span.prose_end]
        assert len(prose.split()) >= 15, prose  # real prose under every heading
        assert not draft.copies_points(prose, section), prose
        # Sentences of its own, not the bullet points as lines.
        assert not any(line.strip().lower().lstrip("-* ") in bullets for line in prose.split("\n"))
        assert not re.search(r"(?m)^\s*[-*] ", prose)


@pytest.mark.real_model
def test_regenerating_a_section_on_the_built_in_model(real_backend) -> None:
    article = draft.assemble(
        THREE,
        [
            "Pick a place with at least six hours of sun, close to a tap.",
            "Pull out the weeds and stones, then dig in compost.",
            "Lettuce and radishes come up fast; tomatoes need a stake.",
        ],
    )
    span = draft.article_sections(article)[1]
    decoding = dataclasses.replace(task_defaults("draft"), seed=3)
    edit = redo_section(
        real_backend, article, span.prose_start, "regenerate", DraftOptions("short"), decoding,
        outline=THREE,
    )  # fmt: skip
    after = edit.apply(article)
    assert after[: span.prose_start] == article[: span.prose_start]
    assert after.endswith(article[span.prose_end :])
    prose = after[span.prose_start : span.prose_end - len(article) + len(after)]
    assert len(prose.split()) >= 15 and not draft.copies_points(prose, THREE.sections[1])
    assert prose != article[span.prose_start : span.prose_end]
