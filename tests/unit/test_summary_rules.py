"""Summary rules: the prompt, parts of a long text, cleaning, and the checks."""

from __future__ import annotations

import pytest

from writer_app.tasks import summarize as rules

SOURCE = (
    "The Harbour Street library in Dunmore will close for repairs from 3 March. The roof "
    "leaks over the children's section, and the council found damp in the walls. During the "
    "repairs, the library's books move to the community hall on Bridge Road, which opens "
    "from nine to five on weekdays. Librarian Aoife Brennan says the library should reopen "
    "in September, with a new roof and a larger children's section."
)


def test_the_prompt_asks_after_the_text_and_begins_the_answer() -> None:
    messages = rules.build_messages("  Some text.  ", "bullets")
    assert messages[0]["role"] == "system" and "only the summary" in messages[0]["content"]
    assert messages[1]["content"].startswith("Some text.\n\n")
    assert "bullet" in messages[1]["content"]
    assert messages[2] == {"role": "assistant", "content": "-"}
    assert rules.build_messages("x", "sentence")[2]["content"] == "In short,"
    with pytest.raises(ValueError, match="Unknown summary form"):
        rules.build_messages("x", "haiku")


def test_a_long_text_is_split_between_paragraphs() -> None:
    paragraph = " ".join(["word"] * 100)
    text = "\n\n".join([paragraph] * 7)
    parts = rules.split_parts(text, max_words=250)
    assert [rules.word_count(p) for p in parts] == [200, 200, 200, 100]
    assert rules.split_parts("one short text") == ["one short text"]
    assert rules.split_parts(" \n\n ") == []
    huge = " ".join(["long"] * 600)
    assert rules.split_parts(huge, max_words=250) == [huge]  # a paragraph is never cut


def test_key_terms_are_the_most_used_words_and_names_as_the_text_spells_them() -> None:
    terms = rules.key_terms(SOURCE)
    assert terms == [
        "library", "Harbour", "Street", "Dunmore", "repairs", "March", "roof", "children",
    ]  # fmt: skip
    assert "The" not in terms and "the" not in terms and "Librarian" not in terms


def test_a_faithful_shorter_summary_passes() -> None:
    summary = (
        "Dunmore's Harbour Street library closes for roof repairs from 3 March; its books "
        "move to the hall on Bridge Road until it reopens in September, says Aoife Brennan."
    )
    result = rules.check(summary, SOURCE)
    assert result.ok and result.recall >= 0.6


def test_a_summary_that_is_not_shorter_or_off_topic_fails_with_reasons() -> None:
    longer = SOURCE + " It will be great."
    assert rules.check(longer, SOURCE).problems == ("it is not shorter than the text",)
    off_topic = "Cats are independent animals that sleep most of the day."
    problems = rules.check(off_topic, SOURCE).problems
    assert len(problems) == 1 and problems[0].startswith("it leaves out what the text is about")
    assert "Harbour" in problems[0]
    assert rules.check("", SOURCE).problems == ("the model wrote nothing usable",)
    chatter = "Your text is concise. The Harbour Street library in Dunmore closes for repairs."
    assert rules.check(chatter, SOURCE).problems == (
        "it talks about the text instead of summarizing it (“Your text”)",
    )


def test_score_prefers_a_passing_summary_then_more_key_terms() -> None:
    good = "The Harbour Street library in Dunmore closes from 3 March and reopens in September."
    thin = "A library closes for a while."
    assert rules.score(good, SOURCE) > rules.score(thin, SOURCE)
    assert rules.score(SOURCE + " More.", SOURCE) < rules.score(thin, SOURCE) + 2


def test_a_summary_that_adds_facts_or_another_story_fails() -> None:
    invented = "The Harbour Street library in Dunmore closes on 15 March for repairs."
    assert rules.check(invented, SOURCE).problems == (
        "it adds the number 15, which the text does not have",
    )
    story = (
        "The Harbour Street library in Dunmore: a lorry driver spotted flooding, "
        "firefighters rescued puppies, volunteers painted murals downtown."
    )
    assert rules.check(story, SOURCE).problems == ("most of what it says is not in the text",)


def test_the_begun_answer_is_part_of_the_cleaned_summary() -> None:
    assert rules.clean_summary(" the library closes.", SOURCE, "paragraph") == (
        "The library closes."
    )
    assert rules.clean_summary(" The roof leaks.\n- Books move.", SOURCE, "bullets") == (
        "- The roof leaks.\n- Books move."
    )


def test_cleaning_drops_chat_openers_and_labels() -> None:
    raw = "Sure! Here is a summary of the text:\n\nThe library closes in March."
    assert rules.clean_summary(raw, SOURCE) == "The library closes in March."
    assert rules.clean_summary("Summary: The library closes.", SOURCE) == "The library closes."
