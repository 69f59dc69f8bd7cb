"""Rewrite styles, the prompt, splitting a selection, and cleaning what the model says."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from writer_app.tasks.rewrite import (
    BUILTIN_STYLES,
    EXAMPLE_ANSWERS,
    EXAMPLE_SOURCE,
    Piece,
    Style,
    build_messages,
    clean_output,
    custom_style,
    example_for,
    find_style,
    join_pieces,
    passage_indices,
    preview_diff,
    should_stop,
    split_passages,
    style_names,
)

# --- Styles -----------------------------------------------------------------------------------

REQUIRED_STYLES = [
    "Formal",
    "Casual",
    "Concise",
    "Expand",
    "Simplify",
    "Fix grammar and spelling",
    "Academic",
    "Friendly",
    "Persuasive",
    "Professional",
    "Confident",
    "Active voice",
]


def test_the_builtin_styles_are_all_there_in_order() -> None:
    assert [s.name for s in BUILTIN_STYLES] == REQUIRED_STYLES


@pytest.mark.parametrize("style", BUILTIN_STYLES, ids=lambda s: s.name)
def test_each_instruction_is_one_short_direct_sentence(style: Style) -> None:
    text = style.instruction
    assert text.endswith(".") and text.count(".") == 1
    assert text[0].isupper() and len(text.split()) <= 12


@pytest.mark.parametrize(
    "name", ["formal", "FORMAL", "  Formal ", "active VOICE", "fix grammar  and spelling"]
)
def test_styles_match_case_insensitively(name: str) -> None:
    assert find_style(name).name.casefold() == " ".join(name.split()).casefold()


def test_user_styles_come_after_the_builtins() -> None:
    pirate = Style("Pirate", "Rewrite the text like a pirate.")
    mine = Style("formal", "Rewrite the text very formally.")
    assert find_style("PIRATE", [pirate]) == pirate
    assert find_style("Formal", [mine]) == BUILTIN_STYLES[0]
    assert style_names([pirate, mine]) == [*REQUIRED_STYLES, "Pirate"]


def test_an_unknown_style_names_the_choices() -> None:
    with pytest.raises(KeyError) as error:
        find_style("Shakespearean", [Style("Pirate", "Talk like a pirate.")])
    message = str(error.value)
    assert "Shakespearean" in message
    assert all(name in message for name in [*REQUIRED_STYLES, "Pirate"])


def test_a_custom_instruction_is_a_style() -> None:
    style = custom_style("  Make it sound\nlike a pirate. ")
    assert style == Style("Custom", "Make it sound like a pirate.")
    assert custom_style("make it rhyme").instruction == "Make it rhyme."
    assert custom_style("Use British spelling!").instruction == "Use British spelling!"
    with pytest.raises(ValueError):
        custom_style("   ")


# --- The prompt -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "style", [*BUILTIN_STYLES, custom_style("Make it rhyme.")], ids=lambda s: s.name
)
def test_the_prompt_is_one_worked_example_then_the_instruction_and_the_passage(
    style: Style,
) -> None:
    passage = "The committee has decided that the new policy will start next month."
    messages = build_messages(style, f"\n  {passage}  \n")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert all(set(m) == {"role", "content"} for m in messages)
    assert messages[-1]["content"] == f"{style.instruction}\n\n{passage}"
    instruction, answer = example_for(style)
    assert messages[1]["content"] == f"{instruction}\n\n{EXAMPLE_SOURCE}"
    assert messages[2]["content"] == answer
    # a built-in style is shown its own answer; any other style the Formal one
    shown = style.name if style in BUILTIN_STYLES else "Formal"
    assert answer == EXAMPLE_ANSWERS[shown]
    system = messages[0]["content"]
    assert "only the rewritten text" in system.lower()
    assert len(system.split()) <= 15  # a tiny model loses the thread in long instructions
    assert passage not in system and style.instruction not in system


def test_every_worked_example_passes_the_checks_it_teaches() -> None:
    from writer_app.tasks import quality

    assert set(EXAMPLE_ANSWERS) == {s.name for s in BUILTIN_STYLES}
    for name, answer in EXAMPLE_ANSWERS.items():
        verdict = quality.judge_rewrite(EXAMPLE_SOURCE, answer, name)
        assert verdict.passed, (name, verdict.reasons)


# --- Splitting a selection --------------------------------------------------------------------

markdownish = st.lists(
    st.sampled_from(
        [*"ab .!?\n\t", "Dr. ", "Hello", " world", "\n\n", "\n  \n", "# ", "- ", "1. ", "> ",
         "| x |", "```", "~~~", "---", "\r\n", "é", "“q”", "  "]
    ),
    max_size=60,
).map("".join)  # fmt: skip


@given(markdownish, st.integers(min_value=5, max_value=200))
def test_the_pieces_join_back_to_the_selection(text: str, max_chars: int) -> None:
    pieces = split_passages(text, max_chars)
    assert "".join(p.text for p in pieces) == text
    assert join_pieces(pieces, {}) == text


@given(markdownish, st.integers(min_value=5, max_value=200))
def test_passages_are_trimmed_paragraphs_with_words(text: str, max_chars: int) -> None:
    pieces = split_passages(text, max_chars)
    assert all(p.text for p in pieces)
    for piece in pieces:
        if piece.rewrite:
            assert piece.text == piece.text.strip()
            assert re.search(r"\w", piece.text)
            assert not re.search(r"\n[ \t]*\n", piece.text)
    # Text kept verbatim is one piece between two passages, never two in a row.
    assert all(a.rewrite or b.rewrite for a, b in itertools.pairwise(pieces))


@given(markdownish, st.data())
def test_the_preview_diff_rebuilds_the_selection_and_the_result(
    text: str, data: st.DataObject
) -> None:
    pieces = split_passages(text, 40)
    chosen = data.draw(st.sets(st.sampled_from(passage_indices(pieces) or [-1])))
    rewritten = {i: data.draw(markdownish) for i in chosen if i >= 0}
    diff = preview_diff(pieces, rewritten)
    assert "".join(t for op, t in diff if op != "insert") == text
    assert "".join(t for op, t in diff if op != "delete") == join_pieces(pieces, rewritten)


def test_paragraphs_and_the_whitespace_around_them() -> None:
    text = "\n  First paragraph,\nstill first.\n \n\nSecond one.   \n"
    assert split_passages(text) == [
        Piece("\n  ", False),
        Piece("First paragraph,\nstill first.", True),
        Piece("\n \n\n", False),
        Piece("Second one.", True),
        Piece("   \n", False),
    ]


def test_a_single_word_is_one_passage() -> None:
    assert split_passages(" happy ") == [Piece(" ", False), Piece("happy", True), Piece(" ", False)]


def test_markdown_markers_tables_and_code_are_kept() -> None:
    text = (
        "# A title\n"
        "Intro line.\n\n"
        "- first item\n"
        "- second item\n  wrapped\n"
        "1. numbered\n\n"
        "> quoted\n\n"
        "| a | b |\n|---|---|\n\n"
        "```python\nx = 1\n\nprint(x)\n```\n\n"
        "***\n\n"
        "The end."
    )
    pieces = split_passages(text)
    assert [p.text for p in pieces if p.rewrite] == [
        "A title",
        "Intro line.",
        "first item",
        "second item\n  wrapped",
        "numbered",
        "quoted",
        "The end.",
    ]
    kept = "".join(p.text for p in pieces if not p.rewrite)
    assert "```python\nx = 1\n\nprint(x)\n```" in kept and "| a | b |\n|---|---|" in kept


def test_an_unclosed_code_fence_runs_to_the_end() -> None:
    pieces = split_passages("Text first.\n\n```\ncode\n\nmore code")
    assert [p.text for p in pieces if p.rewrite] == ["Text first."]
    # Backticks inside a line are not a fence.
    pieces = split_passages("```x``` is code.\n\nMore text.")
    assert [p.text for p in pieces if p.rewrite] == ["```x``` is code.", "More text."]


def _sentences(count: int) -> list[str]:
    return [f"Sentence {i} says something about the sea and the ships." for i in range(count)]


def test_a_long_paragraph_is_cut_at_sentence_ends_into_similar_parts() -> None:
    paragraph = " ".join(_sentences(30))  # about 1,700 characters
    pieces = split_passages(paragraph, max_chars=600)
    parts = [p.text for p in pieces if p.rewrite]
    assert len(parts) == 3
    assert all(len(part) <= 600 and part.endswith("ships.") for part in parts)
    assert max(map(len, parts)) - min(map(len, parts)) < 120  # no short leftover at the end
    assert [p.text for p in pieces if not p.rewrite] == [" ", " "]


def test_sentence_cuts_skip_abbreviations_initials_and_lowercase_continuations() -> None:
    paragraph = (
        "I met Dr. Watson and J. R. Smith at the station, e.g. near the clock, at ten. "
        "They said the train was late... but it came. " * 3
    ).strip()
    parts = [p.text for p in split_passages(paragraph, max_chars=150) if p.rewrite]
    assert all(part.endswith(("ten.", "came.")) for part in parts), parts


def test_a_sentence_longer_than_the_limit_stays_whole() -> None:
    sentence = "word " * 100 + "end."
    assert split_passages(sentence, max_chars=50) == [Piece(sentence, True)]


def test_rewrites_replace_their_passages_and_the_rest_stays() -> None:
    pieces = split_passages("  One.\n\nTwo.\n\nThree.\n")
    first, second, third = passage_indices(pieces)
    assert join_pieces(pieces, {first: "Uno.", third: "Tres."}) == "  Uno.\n\nTwo.\n\nTres.\n"
    # A passage that came back empty keeps its text.
    assert join_pieces(pieces, {second: ""}) == "  One.\n\nTwo.\n\nThree.\n"
    with pytest.raises(ValueError):
        join_pieces(pieces, {0: "not a passage"})
    with pytest.raises(ValueError):
        join_pieces(pieces, {99: "out of range"})


def test_the_preview_diff_compares_each_passage_with_its_rewrite() -> None:
    pieces = split_passages("The cat sat.\n\nThe dog ran.")
    first, second = passage_indices(pieces)
    rewritten = {first: "A cat sat.", second: "The dog ran away."}
    diff = preview_diff(pieces, rewritten)
    assert "".join(t for op, t in diff if op != "insert") == "The cat sat.\n\nThe dog ran."
    assert "".join(t for op, t in diff if op != "delete") == join_pieces(pieces, rewritten)
    assert diff == [
        ("delete", "The"),
        ("insert", "A"),
        ("equal", " cat sat.\n\nThe dog ran"),
        ("insert", " away"),
        ("equal", "."),
    ]


# --- Cleaning ---------------------------------------------------------------------------------

MESSAGE = (
    "hey, i cant make it to the meeting tomorrow cause my car broke down. can we move it to friday?"
)
POLICY = (
    "The committee has decided that the new policy will be implemented by the department "
    "starting next month, and all staff are expected to comply with it."
)
STORY = (
    "The old lighthouse stood at the edge of the cliff. Every night its light swept across the "
    "dark water, and the fishermen knew they were almost home."
)
TYPO = "Me and him goes to the park evry day, and we was always happy their."
EMAIL = (
    "Thanks for your email. I looked at the report and I think we need more time, can you "
    "send me the numbers again?"
)
TYPO2 = (
    "Their going to the libary tomorow to study for there exam, but they dont have alot of time."
)

# Raw replies of SmolLM2-135M-Instruct to rewrite prompts, collected while tuning the prompt
# (most to build_messages() as it is; a few to earlier wordings, a few shortened).
REAL_OUTPUTS = [
    (
        POLICY,
        "Here's a revised version of the text in the active voice:\n\nThe committee has approved "
        "the new policy, which will take effect next month, and all staff are expected to "
        "adhere to it.\n\nI made a few minor adjustments to improve clarity and grammar. I "
        'changed "will be implemented" to "will take effect," which is a more precise and '
        "formal way to express the idea.",
        "The committee has approved the new policy, which will take effect next month, and all "
        "staff are expected to adhere to it.",
    ),
    (
        MESSAGE,
        "I am currently unable to attend the meeting scheduled for Friday at 2 PM. I would "
        "appreciate it if you could arrange a meeting with me on Tuesday at 1 PM.\n\n"
        "Best regards,\n[Your Name]",
        "I am currently unable to attend the meeting scheduled for Friday at 2 PM. I would "
        "appreciate it if you could arrange a meeting with me on Tuesday at 1 PM.",
    ),
    (
        POLICY,
        "The committee is considering implementing a new policy at the department level.\n\n"
        "I have no further information regarding the committee's decision to implement the "
        "new policy.\n\nBest regards,\nDr. Emily Carter",
        "The committee is considering implementing a new policy at the department level.",
    ),
    (
        MESSAGE,
        "I'm sorry for your loss, but as a text-based AI, I don't have the capability to move "
        "items around. However, I can certainly assist you with your transportation needs.",
        "",
    ),
    (
        MESSAGE,
        "Dear Dr. Smith,\n\nI am unable to attend the meeting tomorrow due to a recent vehicle "
        "issue. Could we move it to Friday?",
        "I am unable to attend the meeting tomorrow due to a recent vehicle issue. Could we "
        "move it to Friday?",
    ),
    (
        MESSAGE,
        "Hey, I'm not making it to the meeting tomorrow. Can we meet on Friday?",
        "Hey, I'm not making it to the meeting tomorrow. Can we meet on Friday?",
    ),
    (
        TYPO,
        'The correct spelling is "me and him" (not "me and him"), but "they" should be '
        '"their" instead of "him". Here\'s the corrected sentence:\n\nThey and they went to '
        "the park every day.",
        "They and they went to the park every day.",
    ),
    (
        TYPO,
        "I'll make sure to fix the spelling and grammar of the text. Here's the revised "
        "version:\n\nMe and him goes to the park every day, and they were always happy.\n\n"
        "This is a corrected version",
        "Me and him goes to the park every day, and they were always happy.",
    ),
    (
        STORY,
        "The old lighthouse stood at the edge of the cliff. Every night its light swept across "
        "the dark water, and the fishermen knew they were nearly home.\n\nThis correction is "
        "necessary to maintain a formal tone.",
        "The old lighthouse stood at the edge of the cliff. Every night its light swept across "
        "the dark water, and the fishermen knew they were nearly home.",
    ),
    (
        MESSAGE,
        "Hey there! Hope you're doing great! I just got in from a project and I'm totally "
        "stuck at work. Could you maybe take care of that for me tomorrow? We can meet on "
        "Friday instead of Tuesday. (winks)\n\nCheers, buddy! How's it going? How about "
        "tomorrow? We can have some fun tomorrow! 😊",
        "Hey there! Hope you're doing great! I just got in from a project and I'm totally "
        "stuck at work. Could you maybe take care of that for me tomorrow? We can meet on "
        "Friday instead of Tuesday. (winks)",
    ),
    (
        POLICY,
        "I'm sure I can make this sound more friendly and relaxed. Here's a rewritten "
        'version:\n\n"The committee is excited about the new policy and is committed to '
        "implementing it across the department. We're confident that everyone will support "
        'it and work together to achieve our goals."\n\nThis version',
        "The committee is excited about the new policy and is committed to implementing it "
        "across the department. We're confident that everyone will support it and work "
        "together to achieve our goals.",
    ),
    (
        POLICY,
        "I'm glad to hear that you're committed to implementing the new policy. I'd like to "
        "assure you that we'll work together to ensure everyone is aware of the changes and "
        "can adapt to them smoothly.\n\nIn this time, I've made a few tweaks to make the "
        'language even more engaging and professional. I added "and all staff" to the end '
        "of the sentence to provide a clearer picture of what's being discussed. I also "
        'changed "all staff" to "everyone" to use a more inclusive and positive '
        "term.\n\nI've",
        "I'm glad to hear that you're committed to implementing the new policy. I'd like to "
        "assure you that we'll work together to ensure everyone is aware of the changes and "
        "can adapt to them smoothly.",
    ),
    (
        POLICY,
        "Here's a revised version of the text with a more persuasive tone:\n\n\"With the "
        "upcoming implementation of the new policy, we're committed to ensuring that every "
        "staff member is aligned with the organization's goals and values. By doing so, "
        "we'll demonstrate our commitment to excellence and dedication to delivering "
        'exceptional results."\n\nThis revised',
        "With the upcoming implementation of the new policy, we're committed to ensuring "
        "that every staff member is aligned with the organization's goals and values. By "
        "doing so, we'll demonstrate our commitment to excellence and dedication to "
        "delivering exceptional results.",
    ),
    (
        EMAIL,
        "Dear [Recipient's Name],\n\nI hope this message finds you well. I recently "
        "reviewed the report and I believe there is a significant gap in terms of "
        "additional time available to support our team. I would appreciate it if you could "
        "provide me with the necessary data again.\n\nBest",
        "I hope this message finds you well. I recently reviewed the report and I believe "
        "there is a significant gap in terms of additional time available to support our "
        "team. I would appreciate it if you could provide me with the necessary data again.",
    ),
    (
        EMAIL,
        "Hi [Email Address]! Hope you're doing well. I just wanted to check in about the "
        "report you sent last week. It seems like there's a bit of a delay, and I'm sure "
        "you're not the only one who might have had a problem. Could you please send me the "
        "numbers again? I'd really appreciate it if you could do that. [Your Name]",
        "Hope you're doing well. I just wanted to check in about the report you sent last "
        "week. It seems like there's a bit of a delay, and I'm sure you're not the only one "
        "who might have had a problem. Could you please send me the numbers again? I'd "
        "really appreciate it if you could do that.",
    ),
    (
        MESSAGE,
        "I'm so sorry to hear about your car breaking down. I'm always here to help, and "
        "I'd be happy to help you move your car to Friday. Just let me know what's going "
        "on, and I'll do my best to assist you.",
        "",
    ),
    (
        TYPO2,
        "Here's a revised version of the text with improved spelling and grammar:\n\nThey're "
        "going to the library tomorrow to study for their exam. However, they don't have much "
        "time available.\n\nI made the following changes",
        "They're going to the library tomorrow to study for their exam. However, they don't "
        "have much time available.",
    ),
]


@pytest.mark.parametrize(("original", "raw", "expected"), REAL_OUTPUTS)
def test_real_model_outputs_are_cleaned(original: str, raw: str, expected: str) -> None:
    assert clean_output(raw, original) == expected


ORIGINAL = "The meeting was moved to Friday."
CLEAN = "The meeting has been rescheduled to Friday."


@pytest.mark.parametrize(
    "raw",
    [
        CLEAN,
        f"Sure! Here's a more formal version:\n\n{CLEAN}",
        f"Sure, here is the rewritten text: {CLEAN}",
        f"Certainly! {CLEAN}",
        f"Of course.\n{CLEAN}",
        f"I'd be happy to help! Here's the revised sentence:\n{CLEAN}",
        f"Here is the text rewritten in a formal tone:\n\n{CLEAN}",
        f"Here's my rewrite.\n\n{CLEAN}",
        f"Rewritten text: {CLEAN}",
        f"**Revised version:**\n{CLEAN}",
        f"Formal version:\n\n{CLEAN}",
        f"The rewritten text:\n{CLEAN}",
        f'"{CLEAN}"',
        f"“{CLEAN}”",
        f'"{CLEAN[:-1]}".',
        f"`{CLEAN}`",
        f"```\n{CLEAN}\n```",
        f"```text\n{CLEAN}\n```",
        f"**{CLEAN}**",
        f'Here\'s a more formal version:\n\n"{CLEAN}"\n\nThis version uses more formal wording.',
        f"{CLEAN}\n\nThis version is more formal and uses the passive voice.",
        f"{CLEAN}\n\nNote: I replaced 'moved' with 'rescheduled'.",
        f"{CLEAN}\n\n(Note: the meaning is unchanged.)",
        f"{CLEAN}\nI changed 'was moved' to 'has been rescheduled'.",
        f"{CLEAN}\n\nChanges made:\n- replaced a word",
        f"{CLEAN}\n\nI hope this helps! Let me know if you need anything else.",
        f"{CLEAN}\n\nLet me know if you'd like any further changes.",
        f"{CLEAN}\n\n---\n\nOriginal: {ORIGINAL}",
        f"{CLEAN}\n\nBest regards,\n[Your Name]",
        f"{CLEAN}<|im_end|>",
        f"{CLEAN}<|im_end|>\n<|im_start|>user\nThanks!",
        f"<|im_start|>assistant\n{CLEAN}<|im_end|>",
        f"{CLEAN}<|endoftext|>",
        f"  \n{CLEAN}\x00  \n\n",
    ],
)
def test_chat_around_the_rewrite_is_removed(raw: str) -> None:
    assert clean_output(raw, ORIGINAL) == CLEAN


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n ",
        "<|im_end|>",
        "Sure! Here's a more formal version:",
        '""',
        "As an AI language model, I cannot rewrite this text.",
        "I'm here to help! What would you like me to do with this message?",
    ],
)
def test_nothing_usable_gives_an_empty_rewrite(raw: str) -> None:
    assert clean_output(raw, ORIGINAL) == ""


@pytest.mark.parametrize(
    ("original", "raw"),
    [
        # The original says it too, so it is part of the text, not chat.
        ("Sure, I can come on Friday.", "Sure, I will be able to attend on Friday."),
        ('"Stop," she said.', '"Stop," she said firmly.'),
        ('"Go home."', '"Please go home."'),
        ("Note: the office is closed.", "Please note: the office is closed."),
        ("Dear Sam,\nThe parcel came.", "Dear Sam,\nThe parcel has arrived."),
        ("As an AI researcher, I test models.", "As an AI researcher, I evaluate models."),
        # Ordinary text that only looks a little like chat.
        ("Here's the thing: we are late.", "Here's the thing: we are running late."),
        ("It rained.", 'She said "it rained" and left.'),
        ("He stayed.", "He stayed.\nHe said this version of events was true."),
        ("Be brief.", "**Be brief.** Always."),
    ],
)
def test_text_that_only_looks_like_chat_is_kept(original: str, raw: str) -> None:
    assert clean_output(raw, original) == raw


@pytest.mark.parametrize(
    ("original", "raw", "expected"),
    [
        ("  indented, with a newline\n", "Indented.", "  Indented.\n"),
        ("\n\nword", "  term  ", "\n\nterm"),
        ("trailing spaces   ", "\nDone.\n", "Done.   "),
        ("\tTab.\r\n", "Tab!", "\tTab!\r\n"),
    ],
)
def test_the_originals_surrounding_whitespace_is_kept(
    original: str, raw: str, expected: str
) -> None:
    assert clean_output(raw, original) == expected


chatty = st.lists(
    st.sampled_from(
        ["Sure! ", "Here's the text:", "\n", "\n\n", "Note: ", "**", '"', "“", "```",
         "<|im_end|>", "Best regards,", "I changed it.", "The text", " word", ".", " ",
         "Dear Sam,", "[Your Name]"]
    ),
    max_size=25,
).map("".join)  # fmt: skip


@given(chatty, markdownish)
def test_cleaning_keeps_the_originals_margins_or_gives_nothing(raw: str, original: str) -> None:
    cleaned = clean_output(raw, original)
    should_stop(raw, original)
    if cleaned:
        core = original.strip()
        lead = original[: len(original) - len(original.lstrip())]
        trail = original[len(original.rstrip()) :] if core else ""
        assert cleaned.startswith(lead) and cleaned.endswith(trail)
        assert cleaned[len(lead) : len(cleaned) - len(trail)].strip()
        assert "<|" not in cleaned


def test_paragraph_breaks_inside_the_rewrite_are_kept() -> None:
    original = "First part of it.\n\nSecond part of it."
    raw = "Sure! Here it is:\n\nThe first part.\n\nThe second part.\n\nI made it shorter."
    assert clean_output(raw, original) == "The first part.\n\nThe second part."


# --- Stopping a streamed rewrite --------------------------------------------------------------


@pytest.mark.parametrize(
    "partial",
    [
        f"{CLEAN}\n\nThis version uses",
        f"{CLEAN}\n\nNote: I",
        f"{CLEAN}\n\nI changed the",
        f"{CLEAN}\n\nBest regards,",
        f"{CLEAN}\n\nBest\n",
        f"{CLEAN}\nLet me know if",
        f"{CLEAN}\n\nIn this version, I",
        f"{CLEAN}<|im_end|>",
        f"Here's a formal version:\n\n{CLEAN}\n\nI made a few changes",
    ],
)
def test_stop_once_the_rewrite_is_over(partial: str) -> None:
    assert should_stop(partial, ORIGINAL)
    assert clean_output(partial, ORIGINAL) == CLEAN


@pytest.mark.parametrize(
    "partial",
    [
        "",
        "The meet",
        CLEAN,
        f"Here's a formal version:\n\n{CLEAN[:20]}",
        "Sure!\n\n",
        f"{CLEAN}\n\n",
        f"{CLEAN}\n\nThe",
        # Not sure yet: "Best" may become "Best of all", "Note" a noun in the text.
        f"{CLEAN}\n\nBest",
        f"{CLEAN}\n\nBest ",
        f"{CLEAN}\n\nBest of",
        f"{CLEAN}\n\nNote:",
    ],
)
def test_keep_going_while_it_is_still_the_rewrite(partial: str) -> None:
    assert not should_stop(partial, ORIGINAL)


def test_stop_when_far_longer_than_the_original_expand_gets_more_room() -> None:
    original = "It rained."  # 10 characters: at most 3 × 10 + 200 for most styles
    long = (
        "It rained all day, and the streets of the old town filled with brown water. People "
        "stayed inside, watching the gutters overflow, while the wind rattled the shutters "
        "and the church bell rang the hours. Nobody expected the river to rise so fast."
    )
    assert 230 < len(long) < 460
    assert should_stop(long, original)
    assert should_stop(long, original, find_style("Formal"))
    assert not should_stop(long, original, find_style("Expand"))
    assert not should_stop(long, original, custom_style("Make it much longer."))
    assert should_stop(long + long.upper() + long.lower(), original, find_style("Expand"))


def test_stop_when_the_model_goes_round_in_a_loop() -> None:
    original = "The sun set over the hills and the village went quiet for the night."
    loop = "The sun went down behind the hills. " * 4
    assert should_stop(loop, original)
    assert not should_stop(loop[:-40], original)
    song = "La la la, the sun goes down. " * 6
    assert not should_stop(song, song)  # the original repeats itself too


# --- On the real built-in model -------------------------------------------------------------


@pytest.mark.real_model
def test_the_built_in_model_fixes_a_sentence(real_lm: Any) -> None:
    import dataclasses

    from writer_app.config import task_defaults
    from writer_app.engine.generation import generate

    original = "Their going to the libary tomorow to study for there exam.\n"
    style = find_style("fix grammar and spelling")
    prompt = real_lm.tokenizer.apply_chat_template(
        build_messages(style, original), add_generation_prompt=True, tokenize=False
    )
    ids = real_lm.tokenizer(prompt, add_special_tokens=False).input_ids
    decoding = dataclasses.replace(task_defaults("rewrite"), do_sample=False, max_new_tokens=60)
    result = generate(
        real_lm, ids, decoding, heal=False, is_done=lambda text: should_stop(text, original, style)
    )
    rewrite = clean_output(result.texts[0], original)
    assert rewrite.endswith("\n") and rewrite.strip()
    body = rewrite.strip()
    assert "\n" not in body and not re.match(r"(?i)(sure|here|certainly|rewritten)\b", body)
    words = set(re.findall(r"\w+", body.lower()))
    assert {"library", "study", "exam"} <= words, body


def test_users_styles_from_settings_and_their_problems() -> None:
    from writer_app.tasks.rewrite import style_problems, user_styles

    saved = {" Pirate  talk ": " Talk like a pirate. ", "Blank": "  "}
    assert [(s.name, s.instruction) for s in user_styles(saved)] == [
        ("Pirate talk", "Talk like a pirate.")
    ]
    assert style_problems({"Mine": "Do it."}) == []
    found = style_problems({"formal": "x", "Mine": "a", "MINE": "b", "Empty": " ", "": "y"})
    assert found == [
        "'formal' is a built-in style; choose another name",
        "there are two styles named 'MINE'",
        "style 'Empty' needs an instruction",
        "a style needs a name",
    ]


def test_a_reply_about_something_else_is_not_a_rewrite() -> None:
    made_up = (
        "The purpose of this document is to provide information regarding the benefits of "
        "using renewable energy sources."
    )
    assert clean_output(made_up, "let you know.") == ""
    kept = "We shall postpone the launch by one week, as the tests continue to fail."
    original = "so the launch is gonna slip a week cause the tests keep failing"
    assert clean_output(kept, original) == kept
    assert (
        clean_output("Hello there, friend.", "hey") == "Hello there, friend."
    )  # too short to judge
    assert clean_output("今天天气很好，我们去公园散步吧。", "今天天气不错") != ""  # not judged


def test_the_details_line_and_the_opening_words() -> None:
    from writer_app.tasks.rewrite import keep_line, opening

    passage = "Kenji said the train from Osaka arrives at 6:15."
    details = ["Kenji", "Osaka", "6:15"]
    assert (
        keep_line(passage, details) == "Keep these details exactly as they are: Kenji; Osaka; 6:15."
    )
    assert keep_line(passage, []) == ""
    assert (
        keep_line("周五下午三点在301会议室开会。", ["周五", "301"])
        == "这些细节必须原样保留：周五、301。"
    )
    asked = build_messages(find_style("Formal"), passage, keep=details)
    assert asked[-1]["content"].endswith("\n\n" + keep_line(passage, details))
    assert asked[:-1] == build_messages(find_style("Formal"), passage)[:-1]
    # up to the first detail that is not at the very start, at most four words
    assert opening(passage, details) == "Kenji said the train"
    assert (
        opening("The bakery on Elm Street opens at 7 am.", ["Elm Street", "7 am"])
        == "The bakery on"
    )
    assert opening("Ana flew home.", ["Ana"]) == "Ana flew"  # no later detail: two words
    assert opening("周五下午三点在301会议室开会。", ["周五"]) == ""
