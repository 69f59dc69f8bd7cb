"""Drafting anchored on the user's points, on the built-in model: every section mentions its
bullet terms, spelt as the user wrote them, with no chatter and about the length asked for."""

from __future__ import annotations

import dataclasses

import pytest

from writer_app.config import task_defaults
from writer_app.features.draft import DraftOptions, redo_section, write_section
from writer_app.tasks import draft, draft_anchor, quality
from writer_app.tasks.outline import parse_outline

OUTLINE = parse_outline(
    """# A Winter Weekend in Tromsø

## Getting around
- the airport bus stops on Storgata
- rent studded tyres before driving to Ersfjordbotn

## Staying warm
- dress in layers of merino wool
- book a sauna at the harbour
"""
)
SHORT = DraftOptions("short")
BRIEF = DraftOptions(40)  # words a section: keeps the test quick


def _judge(prose: str, index: int, words: int = SHORT.words) -> quality.SectionVerdict:
    messages = draft.build_section_messages(OUTLINE, index, words=words)
    section = OUTLINE.sections[index]
    return quality.judge_section(
        prose, [p.text for p in section.points], words,
        instructions=draft_anchor.instruction_lines(messages),
        allowed=f"{OUTLINE.title} {section.heading}",
    )  # fmt: skip


@pytest.mark.real_model
def test_a_drafted_section_mentions_its_bullet_terms_without_chatter(real_backend) -> None:
    decoding = dataclasses.replace(task_defaults("draft"), seed=5, max_time=0.0)
    prose, cancelled = write_section(real_backend, OUTLINE, 0, [], SHORT, decoding)
    assert not cancelled and prose
    verdict = _judge(prose, 0)
    assert all(verdict.covered), prose
    for point in OUTLINE.sections[0].points:
        assert quality.bullet_covered(point.text, prose), (point.text, prose)
    assert quality.chatter_sentences(prose, draft_anchor.instruction_lines(
        draft.build_section_messages(OUTLINE, 0, words=SHORT.words))) == []  # fmt: skip
    assert "Ersfjordbotn" in prose and "Storgata" in prose  # the user's spelling
    assert verdict.length_ok, (verdict.words, prose)


@pytest.mark.real_model
def test_regenerate_and_continue_use_the_anchored_path(real_backend) -> None:
    article = draft.assemble(
        OUTLINE,
        ["Take the airport bus into town.", "Wool keeps you warm in the cold."],
    )
    decoding = dataclasses.replace(task_defaults("draft"), seed=2, max_time=0.0)
    span = draft.article_sections(article)[1]
    edit = redo_section(
        real_backend, article, span.prose_start, "regenerate", BRIEF, decoding, outline=OUTLINE
    )
    prose = edit.text.strip()
    assert not edit.cancelled and prose
    verdict = _judge(prose, 1, BRIEF.words)
    assert all(verdict.covered) and not verdict.chatter, prose
    assert edit.problem == draft_anchor.section_problem(
        prose, OUTLINE.sections[1], BRIEF.words,
        instructions=draft_anchor.instruction_lines(
            draft.build_section_messages(OUTLINE, 1, words=BRIEF.words)),
        allowed=draft_anchor.allowed_text(OUTLINE, 1),
    )  # fmt: skip
    # Continue writes the points the section does not cover yet.
    span = draft.article_sections(article)[0]
    more = redo_section(
        real_backend, article, span.prose_start, "continue", BRIEF, decoding, outline=OUTLINE
    )
    assert more.start == more.end == span.prose_end and more.text.strip()
    after = more.apply(article)
    section = after[span.prose_start : span.prose_end + len(more.text)]
    assert quality.bullet_covered(OUTLINE.sections[0].points[1].text, section), section
    assert not quality.chatter_sentences(more.text), more.text
