"""Outline → article: lengths, section prompts, cleaning model output, finding sections."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.tasks.draft import (
    LENGTHS,
    SectionSpan,
    article_sections,
    article_start,
    assemble,
    build_section_messages,
    clean_section,
    copies_points,
    find_section,
    language_of,
    max_new_tokens_for,
    needs_retry,
    outline_index,
    prose_edit,
    section_context,
    section_header,
    should_stop,
    tail,
    words_for,
)
from writer_app.tasks.outline import Outline, Point, Section, parse_outline

TEA = parse_outline(
    """# How to brew green tea

## Choosing the tea
- Loose leaves taste better than bags
- Buy small amounts and keep them fresh

## Water
- Use water at 70–80 °C, never boiling
- Soft or filtered water

## Steeping
- Two to three minutes for the first cup
- Good leaves can be steeped three times
"""
)
WATER = TEA.sections[1]
OTHERS = ["Choosing the tea", "Steeping"]


def clean_water(raw: str, *, last: bool = False) -> str:
    return clean_section(raw, WATER, last=last, other_headings=OTHERS)


# --- lengths ------------------------------------------------------------------------------


def test_words_for_names_and_numbers() -> None:
    assert words_for("short") < words_for("medium") < words_for("long")
    assert words_for(" Medium ") == LENGTHS["medium"]
    assert words_for(120) == 120
    assert words_for("120") == 120


@pytest.mark.parametrize("bad", ["huge", "", "-5", 0, 5, 100_000, True])
def test_words_for_refuses_nonsense(bad: str | int) -> None:
    with pytest.raises(ValueError, match=r"[Ll]ength|[Ww]ords"):
        words_for(bad)


def test_token_budget_follows_the_documented_rule() -> None:
    assert max_new_tokens_for(100) == 182  # 100 words × 1.4 tokens × 1.3 headroom
    assert max_new_tokens_for(100, "How to brew green tea") == 182
    assert max_new_tokens_for(100, "如何泡绿茶") == 364  # CJK: 2.8 tokens a word


@given(st.integers(min_value=20, max_value=2000))
def test_token_budget_grows_with_words_and_covers_them(words: int) -> None:
    assert max_new_tokens_for(words) >= 1.4 * words
    assert max_new_tokens_for(words + 1) >= max_new_tokens_for(words)
    assert max_new_tokens_for(words, "日本語の文章です") > max_new_tokens_for(words)


def test_language_of() -> None:
    assert language_of("How to brew tea") == ""
    assert language_of("如何泡绿茶 green") == "Chinese"
    assert language_of("お茶の淹れ方") == "Japanese"
    assert language_of("차를 끓이는 법") == "Korean"


# --- cleaning -----------------------------------------------------------------------------

# Real outputs of the built-in model (SmolLM2-135M-Instruct) for section prompts, kept whole
# where they are short and trimmed in the middle ("[…]") where they are long.
REAL_PREAMBLE = (
    "Here's a sample of your article with the requested content:\n\n"
    "The world is abuzz with the promise of green tea – it’s one of those rare ingredients "
    "that has been touted as a health elixir. But what exactly is it? Well, let me tell you, "
    "it’s more complicated than you think.\n\n"
    "Now, let’s talk about how to brew it. The process itself isn’t too bad, but there’s a "
    "lot of different ways to do it. Some people just boil it, while others use a machine."
)
REAL_REWRITE_META = (
    "Here's a rewritten version of the text with a friendly and warm tone:\n\n"
    "In today's world, where sustainability is paramount, it has become increasingly "
    "important to understand how to make the most out of limited resources like water. This "
    "approach not only reduces waste but also provides individuals with an opportunity to "
    "enjoy a beverage made from a resource they can't grow their own.\n\n"
    "I made several changes to enhance the clarity and style of the original text while "
    "maintaining its warmth and friendly tone. I added a few personal touches, such as "
    "mentioning sustainable practices and emphasizing the importance of reducing waste."
)
REAL_QUOTED_META = (
    "\"Brewing a cup of green tea can be as simple as sipping on a glass of water. Here's how "
    "it all starts. First, you need to prepare your ingredients - the ground fine powder of "
    'the finest green tea leaves and the fresh water that has been carefully selected."\n\n'
    "I made changes to improve clarity and grammar while maintaining a friendly tone. I added "
    "an apostrophe after 'to' which indicates possession."
)
REAL_LIST = (
    "<<Benefits of Remote Work>>\n\n"
    "1. **Faster and more flexible**\n"
    "This will allow employees can focus while working as their personal lives do not "
    "change during that period or anytime. \n\n"
    "   This makes it possible to get what you want without having to start from scratch "
    "every single day.\n\n"
    "2. **Increased productivity and clarity**. When you don't need to commute sometimes "
    "how much less has been done with minimal amount of extra money compared to just using "
    "email once a month."
)
REAL_INTRO_AND_OUTRO = (
    "The article's opening touches on the benefits of remote work and highlights its "
    "advantages, but it could be more concise and impactful. Here's a revised version with a "
    "focus on clarity and precision:\n\n"
    "In today's digital age, where flexibility and convenience have become indistinguishable "
    "from reality, there has been a shift towards a hybrid work model that leverages "
    "technology to enhance productivity while minimizing distractions.\n\n"
    "This rewritten piece aims to convey the main ideas effectively without using overly "
    "technical language or cluttering with"
)
REAL_CONCLUSION = (
    "The advent of remote work has revolutionized the industry and transformed various "
    "aspects of life. By prioritizing mental health and providing employees with the tools "
    "necessary to thrive in today’s fast-paced world, businesses have successfully "
    "implemented remote work solutions that offer both convenience and efficiency.\n\n"
    "In conclusion, the future of work will undoubtedly lie somewhere between the "
    "traditional office setup and the virtual one. The"
)
REAL_UNFINISHED = (
    'Here\'s a sample of the "How to Brew Green Tea" article with the requested text:\n\n'
    "To make Green Tea, you need to use water at 65°F (18°C) and avoid boiling. This process "
    "takes time and effort but the end result is well worth it.\n\n"
    "We hope to inspire people everywhere to try Green Tea as a healthy alternative to "
    "traditional"
)


def test_real_output_with_a_preamble() -> None:
    cleaned = clean_water(REAL_PREAMBLE)
    assert cleaned.startswith("The world is abuzz with the promise of green tea")
    assert cleaned.endswith("while others use a machine.")
    assert "\n\nNow, let’s talk" in cleaned


def test_real_output_with_rewrite_commentary() -> None:
    cleaned = clean_water(REAL_REWRITE_META)
    assert cleaned.startswith("In today's world, where sustainability is paramount")
    assert cleaned.endswith("a resource they can't grow their own.")
    assert "I made" not in cleaned


def test_real_output_in_quotes_with_commentary() -> None:
    cleaned = clean_water(REAL_QUOTED_META)
    assert cleaned.startswith("Brewing a cup of green tea")
    assert cleaned.endswith("carefully selected.")
    assert '"' not in cleaned.replace("'", "")


def test_real_output_with_a_title_and_bold_list_labels() -> None:
    cleaned = clean_section(REAL_LIST, parse_outline("# R\n## Flexibility\n").sections[0])
    assert cleaned.startswith("This will allow employees")
    assert "<<" not in cleaned and "**" not in cleaned and "1." not in cleaned
    assert cleaned.endswith("email once a month.")


def test_real_output_with_an_intro_and_a_cut_off_outro() -> None:
    cleaned = clean_water(REAL_INTRO_AND_OUTRO)
    assert cleaned.startswith("In today's digital age")
    assert cleaned.endswith("minimizing distractions.")


def test_real_output_concluding_a_middle_section() -> None:
    cleaned = clean_water(REAL_CONCLUSION)
    assert "In conclusion" not in cleaned
    assert cleaned.endswith("convenience and efficiency.")
    # The last section may conclude; only the unfinished sentence goes.
    last = clean_water(REAL_CONCLUSION, last=True)
    assert last.endswith("the virtual one.")


def test_real_output_describing_its_own_conclusion() -> None:
    raw = (
        "Furthermore, companies reap significant financial savings from reduced travel costs. "
        "As such, the positive impact of remote work cannot be overstated.\n\n"
        "This conclusion concludes with a final sentence of about 50 words. It provides a "
        "summary of the main points covered so far and leaves readers with something to think "
        "about."
    )
    section = parse_outline("# R\n## Conclusion\n- here to stay\n").sections[0]
    assert clean_section(raw, section, last=True) == raw.split("\n\n")[0]


def test_real_output_cut_off_mid_sentence() -> None:
    cleaned = clean_water(REAL_UNFINISHED)
    assert cleaned.startswith("To make Green Tea")
    assert cleaned.endswith("well worth it.")


def test_real_output_with_an_essay_note_and_a_numbered_paragraph() -> None:
    raw = (
        "The benefits of remote work extend far beyond just productivity; it has transformed "
        "industries worldwide.\n\n"
        "3. Remote work has transformed the way people manage their personal lives. This has "
        "led to a new era where\n\n"
        "This essay aims to explore the impact of remote work on both employees and employers "
        "alike. It explores how remote workers can bring new perspectives and skills into the "
        "workforce, but also"
    )
    assert clean_water(raw) == (
        "The benefits of remote work extend far beyond just productivity; it has transformed "
        "industries worldwide.\n\n"
        "Remote work has transformed the way people manage their personal lives."
    )


def test_real_output_with_a_lead_in_to_content_keeps_it() -> None:
    raw = (
        "The key lies in choosing your tea – loose leaves taste better and last longer when "
        "you use it right. Here’s how to make it:\n\n"
        "Choose the right kind of tea.\n\n"
        "In this piece, I aimed to convey the idea that tea is good."
    )
    assert clean_water(raw) == (
        "The key lies in choosing your tea – loose leaves taste better and last longer when "
        "you use it right. Here’s how to make it:\n\nChoose the right kind of tea."
    )


@pytest.mark.parametrize(
    "raw",
    [
        "## Water\n\nKeep the water below boiling.",
        "Water\n\nKeep the water below boiling.",
        "**Water**\nKeep the water below boiling.",
        "Water:\nKeep the water below boiling.",
        "Section 2: Water\n\nKeep the water below boiling.",
        "Sure! Here is the section about water:\n\nKeep the water below boiling.",
        "Certainly! Here's the paragraph you asked for.\n\nKeep the water below boiling.",
        "Title: The perfect cup\n\nKeep the water below boiling.",
        "<|im_start|>assistant\nKeep the water below boiling.<|im_end|>",
        "  Keep the water\n below   boiling.  \n\n\n",
        "Keep the water below boiling.\n\nLet me know if you would like any changes!",
        "Keep the water below boiling. I hope this helps!",
        "Keep the water (smiles) below boiling. (laughs)",
    ],
)
def test_openers_echoes_and_sign_offs_go(raw: str) -> None:
    assert clean_water(raw) == "Keep the water below boiling."


@pytest.mark.parametrize(
    "raw",
    [
        "Keep it below boiling.\n\n## Steeping\n\nSteep for two minutes.",
        "Keep it below boiling.\n\nSteeping\n\nSteep for two minutes.",
        "Keep it below boiling.\n\n**Steeping**\nSteep for two minutes.",
        "Keep it below boiling.\n\n**Conclusion**\nTea is great.",
        "Keep it below boiling.<|im_end|>\n<|im_start|>user\nThanks!",
        "Keep it below boiling.\nuser\nNow write the next part.",
    ],
)
def test_everything_from_the_next_section_on_goes(raw: str) -> None:
    assert clean_water(raw) == "Keep it below boiling."


def test_a_list_becomes_sentences() -> None:
    raw = (
        "Good water matters:\n\n- Use water at 75 °C\n- **Soft water** tastes sweeter\n"
        "- Filtered water works too\n\nThen pour."
    )
    assert clean_water(raw) == (
        "Good water matters:\n\nUse water at 75 °C. Soft water tastes sweeter. "
        "Filtered water works too.\n\nThen pour."
    )


def test_paragraphs_are_kept_and_normalised() -> None:
    raw = "First paragraph\nwraps here.\r\n\r\n\r\nSecond   paragraph.\n \n\tThird one."
    assert clean_water(raw) == "First paragraph wraps here.\n\nSecond paragraph.\n\nThird one."


def test_an_early_conclusion_phrase_is_kept() -> None:
    raw = "In summary, water matters. " + "Keep it below boiling and soft. " * 6
    assert clean_water(raw).startswith("In summary, water matters.")


def test_first_person_prose_is_not_mistaken_for_commentary() -> None:
    raw = "I used to boil my water.\n\nI made tea for my friends, and they loved it."
    assert clean_water(raw) == raw


def test_cjk_output() -> None:
    section = parse_outline("# 如何泡绿茶\n## 水温\n- 七十到八十度\n").sections[0]
    raw = "## 水温\n\n泡绿茶的水温最好在七十到八十度之间。沸水会烫坏茶叶\n\n## 泡茶时间"
    assert clean_section(raw, section) == "泡绿茶的水温最好在七十到八十度之间。"


def test_nothing_usable_is_empty() -> None:
    assert clean_water("") == ""
    assert clean_water("## Water\n\n## Steeping\n") == ""
    assert clean_water("Sure! Here is the section:\n\n<|im_end|>") == ""


def test_copies_points() -> None:
    assert copies_points("", WATER)
    assert copies_points("Use water at 70–80 °C, never boiling. Soft or filtered water.", WATER)
    assert copies_points(
        "Water. Use water at 70-80 °C, never boiling; soft, filtered water!", WATER
    )
    prose = (
        "Green tea is delicate, so the water matters as much as the leaves. Let the kettle "
        "cool for a few minutes after it boils, until it is around 75 °C: boiling water burns "
        "the leaves and makes the cup bitter. Soft or filtered water keeps the taste sweet."
    )
    assert not copies_points(prose, WATER)


def test_needs_retry() -> None:
    good = (
        "Green tea is delicate, so the water matters as much as the leaves. Let the kettle "
        "cool for a few minutes after it boils, until it is around 75 °C: boiling water burns "
        "the leaves and makes the cup bitter. Soft or filtered water keeps the taste sweet."
    )
    assert not needs_retry(good, WATER, 60)
    assert needs_retry(good, WATER, 400)  # far too short
    assert needs_retry("", WATER, 60)
    assert needs_retry("Use water at 70–80 °C, never boiling. Soft or filtered water.", WATER, 10)
    # A real output: the model answered as a chat assistant.
    chat = (
        "Awesome! I'm glad you enjoyed our chat. If you have any more questions or need help "
        "with something else, just ask. I'll do my best to assist you. Just try to find your "
        "way around, and we might even take a walk together."
    )
    assert needs_retry(clean_water(chat), WATER, 40)
    assert not needs_retry(
        "绿茶很娇嫩，所以水和茶叶一样重要。水开后让它凉几分钟，八十度左右最好。", WATER, 20
    )


def test_real_output_with_a_postscript() -> None:
    raw = (
        "If you're looking for something different, try making your own green tea, it will "
        "change your life forever.\n\nP.S. Happy brewing!"
    )
    assert clean_water(raw) == raw.split("\n\n")[0]


_raw_text = st.lists(
    st.sampled_from(
        [
            "Keep it cool.",
            "## Steeping",
            "**Water**",
            "- a point",
            "1. step one",
            "Here is the section:",
            "<|im_end|>",
            "I made several changes to the tone.",
            "In conclusion, tea.",
            "",
            "   ",
            "茶很好。",
            "unfinished words",
        ]
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_raw_text, st.booleans())
def test_cleaned_text_is_plain_prose(raw: str, last: bool) -> None:
    cleaned = clean_water(raw, last=last)
    assert cleaned == cleaned.strip()
    assert "\n\n\n" not in cleaned
    assert not re.search(r"(?m)^#{1,6} |<\|", cleaned)
    assert not re.search(r"(?m)^\s*(?:[-*+]|\d+\.) ", cleaned)


# --- streaming ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "stop"),
    [
        ("Keep it below boiling.", False),
        ("## Water\n\nKeep it below boiling.", False),  # an echo: the cleaner removes it
        ("Keep it below boiling.\n\n## Steep", True),
        ("Keep it below boiling.\n#", False),  # not a heading yet
        ("Keep it below boiling.\n### Why", True),
        ("Keep it below boiling. Use #hashtags sparingly.", False),
        ("Keep it below boiling.<|im_end|>", True),
        ("Keep it below boiling.\n<|im_start|>", True),
        ("Keep it below boiling.\n\nuser\n", True),
        ("Keep it below boiling.\n\nI made several changes to improve the tone", True),
        ("Keep it below boiling.\n\nI made tea for friends", False),
    ],
)
def test_should_stop(partial: str, stop: bool) -> None:
    assert should_stop(partial) is stop


# --- the article --------------------------------------------------------------------------

PROSE = [
    "Choose loose leaves.\n\nBuy a little at a time.",
    "Keep the water below boiling.",
    "Steep for two minutes.",
]
ARTICLE = assemble(TEA, PROSE)


def test_assembled_article() -> None:
    assert article_start(TEA) == "# How to brew green tea\n\n"
    assert section_header(WATER) == "## Water\n\n"
    assert section_header(Section("", 2)) == ""
    assert ARTICLE == (
        "# How to brew green tea\n\n## Choosing the tea\n\nChoose loose leaves.\n\n"
        "Buy a little at a time.\n\n## Water\n\nKeep the water below boiling.\n\n"
        "## Steeping\n\nSteep for two minutes.\n"
    )
    assert assemble(Outline("", (Section("", 2),)), ["Just prose."]) == "Just prose.\n"


def test_article_start_and_headers_build_the_same_article() -> None:
    streamed = article_start(TEA)
    for section, prose in zip(TEA.sections, PROSE, strict=True):
        streamed += section_header(section) + prose + "\n\n"
    assert streamed.rstrip() + "\n" == ARTICLE


def span_at(text: str, needle: str, offset: int = 0) -> SectionSpan | None:
    return find_section(text, text.index(needle) + offset)


def test_find_section_in_prose_heading_and_last_section() -> None:
    in_prose = span_at(ARTICLE, "below boiling")
    assert in_prose is not None
    assert (in_prose.index, in_prose.heading, in_prose.level) == (1, "Water", 2)
    assert ARTICLE[in_prose.prose_start : in_prose.prose_end] == "Keep the water below boiling."
    assert span_at(ARTICLE, "## Water") == in_prose
    assert span_at(ARTICLE, "## Water", 5) == in_prose
    last = span_at(ARTICLE, "two minutes")
    assert last is not None and last.index == 2 and last.end == len(ARTICLE)
    assert find_section(ARTICLE, len(ARTICLE)) == last


def test_find_section_between_sections_belongs_to_the_one_above() -> None:
    blank = ARTICLE.index("\n\n## Water") + 1
    span = find_section(ARTICLE, blank)
    assert span is not None and span.heading == "Choosing the tea"
    assert ARTICLE[span.start : span.end].strip() == PROSE[0]


def test_find_section_on_the_title_is_none() -> None:
    assert find_section(ARTICLE, 0) is None
    assert find_section(ARTICLE, 5) is None
    assert find_section("", 0) is None
    assert find_section("Just some text without headings", 3) is not None


def test_lead_section_and_subsections() -> None:
    outline = parse_outline("# T\nA guide.\n## Methods\n### Data\n- d\n### Analysis\n- a\n")
    article = assemble(outline, ["Opening words.", "", "About data.", "About analysis."])
    spans = article_sections(article)
    assert [(s.index, s.heading, s.level) for s in spans] == [
        (0, "", 2),
        (1, "Methods", 2),
        (2, "Data", 3),
        (3, "Analysis", 3),
    ]
    lead = span_at(article, "Opening")
    assert lead is not None and lead.heading == "" and outline_index(outline, lead) == 0
    methods = span_at(article, "## Methods")
    assert methods is not None
    # A parent's body ends at its first subsection, so replacing it never drops them.
    assert article[methods.start : methods.end].strip() == ""
    assert [outline_index(outline, s) for s in spans] == [0, 1, 2, 3]


def test_prose_edit_replaces_only_that_section() -> None:
    span = span_at(ARTICLE, "below boiling")
    assert span is not None
    start, end, text = prose_edit(ARTICLE, span, "  Cooler water, sweeter tea.\n")
    edited = ARTICLE[:start] + text + ARTICLE[end:]
    assert edited == ARTICLE.replace("Keep the water below boiling.", "Cooler water, sweeter tea.")


def test_prose_edit_fills_an_empty_section() -> None:
    article = assemble(TEA, [PROSE[0], "", PROSE[2]])
    span = span_at(article, "## Water")
    assert span is not None and span.prose_start == span.prose_end
    start, end, text = prose_edit(article, span, "New prose.")
    assert article[:start] + text + article[end:] == assemble(
        TEA, [PROSE[0], "New prose.", PROSE[2]]
    )
    # The last section, empty at the end of the text.
    article = assemble(TEA, PROSE[:2])
    span = find_section(article, len(article))
    assert span is not None and span.heading == "Steeping"
    start, end, text = prose_edit(article, span, "Steep.")
    assert article[:start] + text + article[end:] == assemble(TEA, [*PROSE[:2], "Steep."])


def test_section_context_is_the_prose_before() -> None:
    span = span_at(ARTICLE, "two minutes")
    assert span is not None
    assert section_context(ARTICLE, span) == (
        "Choose loose leaves. Buy a little at a time. Keep the water below boiling."
    )
    first = span_at(ARTICLE, "Choose")
    assert first is not None and section_context(ARTICLE, first) == ""
    assert len(section_context(ARTICLE, span, max_chars=40)) <= 41


def test_cjk_and_crlf_articles() -> None:
    outline = parse_outline("# 如何泡绿茶\n## 选茶\n- 散茶\n## 水温\n- 八十度\n")
    article = assemble(outline, ["散茶比茶包好。", "水温八十度左右。"]).replace("\n", "\r\n")
    span = span_at(article, "八十度左右")
    assert span is not None and span.heading == "水温" and outline_index(outline, span) == 1
    assert article[span.prose_start : span.prose_end] == "水温八十度左右。"
    assert section_context(article, span) == "散茶比茶包好。"


def test_outline_index_for_unknown_and_repeated_headings() -> None:
    outline = parse_outline("# T\n## Example\n- a\n## Other\n## Example\n- b\n")
    article = assemble(outline, ["One.", "Two.", "Three."])
    spans = article_sections(article)
    assert [outline_index(outline, s) for s in spans] == [0, 1, 2]
    edited = article.replace("## Other", "## Renamed")
    assert outline_index(outline, article_sections(edited)[1]) is None


def test_tail_keeps_whole_sentences() -> None:
    text = "First sentence here. " * 30 + "The very end."
    assert tail(text, 60) == "First sentence here. First sentence here. The very end."
    assert tail("short") == "short"
    assert tail("一二三四五六七八九十。" * 40, 50).endswith("十。")
    assert len(tail("word " * 200, 50)) <= 51


_prose = st.lists(
    st.sampled_from(["Tea is good.", "Keep it cool", "茶很好。", "A # not a heading.", "x"]),
    min_size=0,
    max_size=4,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_prose, min_size=3, max_size=3), st.data())
def test_every_section_is_found_and_replaced_alone(proses: list[str], data: st.DataObject) -> None:
    article = assemble(TEA, proses)
    spans = article_sections(article)
    assert [s.heading for s in spans] == [s.heading for s in TEA.sections]
    for i, span in enumerate(spans):
        cursor = data.draw(
            st.integers(
                span.heading_start, span.end - 1 if span.end > span.heading_start else span.end
            )
        )
        assert find_section(article, cursor) == span
        assert outline_index(TEA, span) == i
        start, end, text = prose_edit(article, span, "NEW")
        replaced = [*proses[:i], "NEW", *proses[i + 1 :]]
        assert article[:start] + text + article[end:] == assemble(TEA, replaced)


# --- prompts ------------------------------------------------------------------------------


def user_text(messages: list[dict[str, str]]) -> str:
    assert [m["role"] for m in messages] == ["system", "user"]
    return messages[1]["content"]


def test_point_nesting_in_prompts() -> None:
    outline = Outline("T", (Section("A", 2, (Point("p", (Point("sub"),)),)),))
    text = user_text(build_section_messages(outline, 0, words=80))
    assert "- p\n  - sub" in text


PREVIOUS = (
    "Tea has a long history. It came from China. "
    "Loose leaves give a fuller, sweeter cup than bags, and buying a little at a time keeps "
    "them fresh. Keep them in a dark tin."
)


def water_prompt(**kwargs: object) -> str:
    args: dict[str, object] = {
        "tone": "Write in a friendly, warm tone.",
        "audience": "beginners",
        "words": 120,
        "previous_tail": PREVIOUS,
    }
    args.update(kwargs)
    return user_text(build_section_messages(TEA, 1, **args))  # type: ignore[arg-type]


def test_section_prompt_carries_title_outline_tail_tone_audience_and_length() -> None:
    text = water_prompt()
    assert "Title: How to brew green tea" in text
    assert "Readers: beginners" in text
    assert "Parts:\n1. Choosing the tea\n2. Water ← this part\n3. Steeping\n" in text
    assert "Keep them in a dark tin." in text
    assert "Write in a friendly, warm tone." in text
    assert "about 120 words" in text
    assert 'Write part 2, "Water"' in text
    # The instruction comes last, after the context.
    assert text.index("Title:") < text.index("Previous part ends") < text.index("Write part 2")


def test_section_prompt_can_list_every_point_of_the_outline() -> None:
    text = water_prompt(outline_points=True)
    for section in TEA.sections:
        for point in section.points:
            assert point.text in text
    assert "2. Water: Use water at 70–80 °C, never boiling; Soft or filtered water ← this part" in (
        text
    )
    assert "1. Choosing the tea: Loose leaves taste better than bags; Buy small amounts" in text


def test_section_prompt_lists_the_section_points_in_order() -> None:
    text = water_prompt()
    instruction = text[text.index("Write part 2") :]
    first = instruction.index("- Use water at 70–80 °C, never boiling")
    second = instruction.index("- Soft or filtered water")
    assert first < second
    assert "Choosing" not in instruction and "Steeping" not in instruction


def test_section_prompt_asks_for_prose_and_holds_back_conclusions() -> None:
    text = water_prompt()
    assert "no heading, no list" in text
    assert "Do not sum up" in text
    last = user_text(build_section_messages(TEA, 2, words=120))
    assert "Do not sum up" not in last and "last part" in last


def test_only_the_end_of_the_previous_section_is_included() -> None:
    long_previous = "An early sentence that should not be sent. " + "Filler words go on. " * 40
    text = water_prompt(previous_tail=long_previous + "The last words.")
    assert "An early sentence" not in text
    assert "The last words." in text
    assert "Previous part" not in water_prompt(previous_tail="  \n")


def test_section_prompt_is_short() -> None:
    messages = build_section_messages(
        TEA,
        1,
        tone="Write in a friendly, warm tone.",
        audience="beginners",
        words=120,
        previous_tail=PREVIOUS,
    )
    assert sum(len(m["content"]) for m in messages) < 1100  # about 220 tokens
    big = parse_outline(
        "# Big\n"
        + "".join(
            f"## Section number {i}\n"
            + "".join(f"- a rather long point {j} here\n" for j in range(5))
            for i in range(30)
        )
    )
    text = user_text(build_section_messages(big, 7, words=150, previous_tail=PREVIOUS * 10))
    assert len(text) < 1600
    assert all(f"Section number {i}" in text for i in range(30))
    assert text.count("a rather long point") == 5  # only this section's points


def test_optional_parts_leave_no_trace() -> None:
    outline = parse_outline("- Flexibility\n- Focus\n")
    text = user_text(build_section_messages(outline, 0, words=80))
    assert "Title" not in text and "Readers" not in text and "Previous" not in text
    assert "Explain, in order" not in text
    assert "one paragraph of about 80 words" in text
    assert "  " not in text.replace("\n  ", "\n")


def test_lead_and_subsections_in_prompts() -> None:
    outline = parse_outline("# T\nOpening note.\n## Methods\n### Data\n- d\n")
    lead = user_text(build_section_messages(outline, 0, words=80))
    assert 'Write part 1, "Introduction"' in lead and "- Opening note." in lead
    data = user_text(build_section_messages(outline, 2, words=80))
    assert "\n1. Introduction\n2. Methods\n  3. Data ← this part\n" in data


def test_cjk_outline_asks_for_that_language() -> None:
    outline = parse_outline("# 如何泡绿茶\n## 水温\n- 七十到八十度\n")
    text = user_text(build_section_messages(outline, 0, words=100))
    assert "Write in Chinese." in text
    assert "- 七十到八十度" in text
    japanese = parse_outline("# お茶の淹れ方\n## お湯\n- 八十度くらい\n")
    assert "Write in Japanese." in user_text(build_section_messages(japanese, 0, words=100))
