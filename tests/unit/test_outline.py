"""Parsing Markdown outlines: titles, sections, nested points, and forgiving input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.tasks.outline import (
    EMPTY_MESSAGE,
    Outline,
    OutlineError,
    Point,
    Section,
    parse_outline,
)

TEA = """# How to brew green tea

## Choosing the tea
- Loose leaves taste better than bags
  - Bags hold broken leaves
- Buy small amounts

## Water
1. Use water at 70–80 °C
2) Soft or filtered water

### Why not boiling
* It burns the leaves
+ Bitter taste
"""


def headings(outline: Outline) -> list[str]:
    return [s.heading for s in outline.sections]


def texts(section: Section) -> list[str]:
    return [p.text for p in section.points]


def test_title_sections_and_points() -> None:
    outline = parse_outline(TEA)
    assert outline.title == "How to brew green tea"
    assert headings(outline) == ["Choosing the tea", "Water", "Why not boiling"]
    assert [s.level for s in outline.sections] == [2, 2, 3]
    assert texts(outline.sections[0]) == [
        "Loose leaves taste better than bags",
        "Buy small amounts",
    ]


def test_nested_bullets_are_sub_points() -> None:
    first = parse_outline(TEA).sections[0].points[0]
    assert first == Point(
        "Loose leaves taste better than bags", (Point("Bags hold broken leaves"),)
    )


def test_numbered_and_mixed_markers() -> None:
    outline = parse_outline(TEA)
    assert texts(outline.sections[1]) == ["Use water at 70–80 °C", "Soft or filtered water"]
    assert texts(outline.sections[2]) == ["It burns the leaves", "Bitter taste"]


def test_deeply_nested_and_oddly_indented_bullets() -> None:
    outline = parse_outline("# T\n## S\n   - a\n      - b\n\t- c\n         - d\n   - e\n")
    (a, e) = outline.sections[0].points
    assert a.text == "a" and e.text == "e"
    assert [c.text for c in a.children] == ["b", "c"]
    assert a.children[1].children == (Point("d"),)


def test_bullets_only_become_sections() -> None:
    outline = parse_outline("- Flexibility\n  - Choose your hours\n- Focus\n- Costs\n")
    assert outline.title == ""
    assert headings(outline) == ["Flexibility", "Focus", "Costs"]
    assert texts(outline.sections[0]) == ["Choose your hours"]
    assert outline.sections[1].points == ()


def test_title_and_bullets_without_headings() -> None:
    outline = parse_outline("# Remote work\n\n1. Flexibility\n2. Focus\n")
    assert outline.title == "Remote work"
    assert headings(outline) == ["Flexibility", "Focus"]


def test_a_short_first_line_is_the_title_when_there_is_no_heading() -> None:
    outline = parse_outline("Why remote work works\n- Flexibility\n- Focus\n")
    assert outline.title == "Why remote work works"
    assert headings(outline) == ["Flexibility", "Focus"]


def test_only_a_title_is_one_untitled_section() -> None:
    outline = parse_outline("# The joy of walking\n")
    assert outline == Outline("The joy of walking", (Section("", 2, ()),))


def test_a_title_with_notes_only_is_one_section_with_those_points() -> None:
    outline = parse_outline("# Walking\nIt clears the head.\nIt is free.\n")
    assert headings(outline) == [""]
    assert texts(outline.sections[0]) == ["It clears the head.", "It is free."]


@pytest.mark.parametrize(
    "markdown", ["", "   \n\t\n", "-\n- \n*   \n1.\n", "#\n##   \n", "\ufeff\u200b\n", "---\n***\n"]
)
def test_empty_outline_is_an_error_with_a_clear_message(markdown: str) -> None:
    with pytest.raises(OutlineError, match="outline is empty") as info:
        parse_outline(markdown)
    assert str(info.value) == EMPTY_MESSAGE
    assert isinstance(info.value, ValueError)


def test_cjk_headings_and_bullets() -> None:
    markdown = "\n".join(
        [
            "# 如何泡绿茶",
            "## 选茶",
            "- 散茶比茶包好",
            "・少量购买",
            "### 水温",
            "1.七十到八十度",
            "一、不要用沸水",
        ]
    )
    outline = parse_outline(markdown)
    assert outline.title == "如何泡绿茶"
    assert headings(outline) == ["选茶", "水温"]
    assert texts(outline.sections[0]) == ["散茶比茶包好", "少量购买"]
    assert texts(outline.sections[1]) == ["七十到八十度", "不要用沸水"]


def test_japanese_with_full_width_spaces() -> None:
    outline = parse_outline("#\u3000お茶の歴史\u3000\n##\u3000起源\n-\u3000中国で始まった\u3000\n")
    assert outline.title == "お茶の歴史"
    assert outline.sections[0] == Section("起源", 2, (Point("中国で始まった"),))


def test_crlf_trailing_spaces_tabs_and_invisible_characters() -> None:
    crlf = "\ufeff# Title  \r\n\r\n## One \t\r\n-   first   point  \r\n\t- sub\u200b\r\n"
    assert parse_outline(crlf) == parse_outline("# Title\n## One\n- first point\n    - sub\n")
    assert parse_outline(crlf).sections[0].points[0].children == (Point("sub"),)


def test_title_not_on_the_first_line() -> None:
    outline = parse_outline("\n\n<!-- draft,\nv2 -->\n\n# Real title\n\n## A\n- x\n")
    assert outline == Outline("Real title", (Section("A", 2, (Point("x"),)),))
    stray = parse_outline("Notes for later.\n\n# Real title\n\n## A\n- x\n")
    assert stray.title == "Real title"
    assert headings(stray) == ["", "A"]  # the line before the title became the lead


def test_title_after_sections_is_still_the_title() -> None:
    outline = parse_outline("## A\n- x\n# Late title\n## B\n")
    assert outline.title == "Late title"
    assert headings(outline) == ["A", "B"]


def test_paragraphs_under_headings_are_points() -> None:
    markdown = (
        "# T\n## Intro\nThis section sets the scene.\nIt should be short.\n\n- then a bullet\n"
    )
    assert texts(parse_outline(markdown).sections[0]) == [
        "This section sets the scene.",
        "It should be short.",
        "then a bullet",
    ]


def test_wrapped_lines_continue_their_point() -> None:
    markdown = "# T\n## A\n- a long point that\n  wraps onto the next line\nand lazily continues\n"
    assert texts(parse_outline(markdown).sections[0]) == [
        "a long point that wraps onto the next line and lazily continues"
    ]


def test_text_under_the_title_is_the_lead_section() -> None:
    outline = parse_outline("# T\nA short guide for beginners.\n\n## Choosing\n- leaves\n")
    assert outline.sections[0] == Section("", 2, (Point("A short guide for beginners."),))
    assert headings(outline) == ["", "Choosing"]


def test_headings_deeper_than_three_levels() -> None:
    outline = parse_outline("# T\n## A\n### B\n#### C\n##### D\n###### E\n- e\n")
    assert [(s.heading, s.level) for s in outline.sections] == [
        ("A", 2),
        ("B", 3),
        ("C", 4),
        ("D", 5),
        ("E", 6),
    ]


def test_section_levels_are_shifted_to_start_at_two() -> None:
    assert [s.level for s in parse_outline("### A\n#### B\n### C\n").sections] == [2, 3, 2]
    # Several level-1 headings: the first is the title, the others are sections.
    outline = parse_outline("# T\n# A\n## A1\n# B\n")
    assert outline.title == "T"
    assert [(s.heading, s.level) for s in outline.sections] == [("A", 2), ("A1", 3), ("B", 2)]


def test_heading_variants() -> None:
    outline = parse_outline("Title\n=====\n\nPart one\n--------\n- x\n\n## Closed ##\n#NoSpace\n")
    assert outline.title == "Title"
    assert headings(outline) == ["Part one", "Closed", "NoSpace"]


def test_task_boxes_front_matter_and_code_fences() -> None:
    markdown = (
        "---\ntitle: ignored\n---\n# T\n## A\n- [ ] todo\n- [x] done\n```\n# not a heading\n```\n"
    )
    outline = parse_outline(markdown)
    assert outline.title == "T"
    assert texts(outline.sections[0]) == ["todo", "done", "# not a heading"]


def test_a_heading_without_text_is_ignored() -> None:
    outline = parse_outline("# T\n## A\n- a\n##   \n- still under A\n")
    assert outline.sections == (Section("A", 2, (Point("a"), Point("still under A"))),)


def test_a_rule_is_not_a_bullet() -> None:
    assert headings(parse_outline("# T\n## A\n- x\n\n* * *\n\n## B\n")) == ["A", "B"]


def test_container_headings_need_no_prose() -> None:
    outline = parse_outline("# T\n## Methods\n### Data\n- d\n### Analysis\n## Results\n")
    assert [outline.needs_prose(i) for i in range(4)] == [False, True, True, True]
    assert outline.has_subsections(0)
    assert not outline.has_subsections(1)


def test_to_markdown_is_canonical() -> None:
    outline = parse_outline(TEA)
    markdown = outline.to_markdown()
    assert markdown.startswith("# How to brew green tea\n\n## Choosing the tea\n- Loose")
    assert "\n  - Bags hold broken leaves\n" in markdown
    assert parse_outline(markdown) == outline


def test_to_markdown_keeps_the_lead_a_lead() -> None:
    for source in ["# T\nNote one.\nNote two.\n", "# T\nOpening note.\n- A\n- B\n"]:
        outline = parse_outline(source)
        assert parse_outline(outline.to_markdown()) == outline


_word = st.text(alphabet=st.sampled_from("abcxyz ABC 茶の历史1.)\t\u3000"), min_size=0, max_size=12)
_line = st.builds(
    lambda prefix, word: prefix + word,
    st.sampled_from(
        ["", "# ", "## ", "### ", "#### ", "- ", "  - ", "    * ", "1. ", "  2) ", " "]
    ),
    _word,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=15), st.sampled_from(["\n", "\r\n"]))
def test_parsing_never_fails_unexpectedly_and_is_stable(lines: list[str], newline: str) -> None:
    try:
        outline = parse_outline(newline.join(lines))
    except OutlineError:
        return
    assert outline.title or outline.sections
    for section in outline.sections:
        assert 2 <= section.level <= 6
        assert section.heading == section.heading.strip()
    assert parse_outline(outline.to_markdown()) == outline


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_or_says_it_is_empty(text: str) -> None:
    try:
        outline = parse_outline(text)
    except OutlineError as exc:
        assert str(exc) == EMPTY_MESSAGE
    else:
        assert outline.title or outline.sections
