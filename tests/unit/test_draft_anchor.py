"""Drafting point by point: anchors, cleaning a passage, the user's spelling, the length."""

from __future__ import annotations

from writer_app.tasks import draft, draft_anchor, quality
from writer_app.tasks.outline import parse_outline

OUTLINE = parse_outline(
    """# A Weekend in Tromsø

## Chasing the northern lights
- best from October to March
- drive to Ersfjordbotn, away from the city lights
- check the aurora forecast after dinner

## Practical tips
- dress in layers of wool
- prices are high, so shop at Rema 1000
"""
)
ALLOWED = draft_anchor.allowed_text(OUTLINE, 0)
MESSAGES = draft.build_section_messages(OUTLINE, 0, words=80)
INSTRUCTIONS = draft_anchor.instruction_lines(MESSAGES)


def test_an_anchor_is_the_point_as_the_start_of_a_sentence() -> None:
    assert draft_anchor.anchor("buy a nucleus colony in May.") == "Buy a nucleus colony in May"
    assert draft_anchor.anchor("  drive to  Ersfjordbotn; ") == "Drive to Ersfjordbotn"
    assert draft_anchor.anchor("") == ""


def test_point_targets_share_the_words() -> None:
    assert draft_anchor.point_targets(80, 2) == [40, 40]
    assert draft_anchor.point_targets(80, 8) == [draft_anchor.MIN_PIECE_WORDS] * 8
    assert draft_anchor.point_targets(80, 0) == []


def test_a_passage_stops_at_a_sentence_end_once_long_enough() -> None:
    done = draft_anchor.piece_done("Drive to Ersfjordbotn", 20)
    assert not done(", away from the city.")  # 7 words: too few
    long = ", away from the city lights, where the sky is dark and the lights dance"
    assert not done(long)  # enough words, but mid-sentence
    assert done(long + " above.")
    assert done(" is good.\n\nNext")  # a paragraph ended
    assert done(" is good.\n## Eating well")  # a heading


def test_instruction_lines_leave_out_the_outline_and_points() -> None:
    assert INSTRUCTIONS[0] == draft.SYSTEM_PROMPT
    assert any(line.startswith("Write part 1") for line in INSTRUCTIONS)
    assert not any("Ersfjordbotn" in line or line.startswith("Title") for line in INSTRUCTIONS)


def test_respell_keeps_the_users_terms() -> None:
    source = ALLOWED + " Tromsø Fiskekompaniet"
    text = "We drove from Tromso past troms to ersfjordbotn and Ersfjordboten, then Fiskekompani."
    fixed = draft_anchor.respell(text, source)
    assert fixed == (
        "We drove from Tromsø past troms to Ersfjordbotn and Ersfjordbotn, then Fiskekompaniet."
    )
    # Other words, inflections and short words stay as they are.
    assert draft_anchor.respell("Weekends in Oslo are fine.", "# A Weekend in Oslo") == (
        "Weekends in Oslo are fine."
    )
    # Names in sentence-case lines; in a Title Case line only words beyond ASCII.
    terms = draft_anchor.outline_terms("# A Weekend in Tromsø\n- see Ersfjordbotn\n- Oslo")
    assert terms == ["Tromsø", "Ersfjordbotn"]
    first = parse_outline("# Running Your First 10K\n\n## Building up\n- run three times a week")
    assert draft_anchor.respell("Your first race.", draft_anchor.allowed_text(first, 0)) == (
        "Your first race."
    )


def test_clean_piece_drops_chatter_echoes_and_later_points() -> None:
    raw = (
        " is the season for it. This is the last part: end the text. The nights are long"
        " and cold. Drive to Ersfjordbotn, away from the city lights, for a better view."
    )
    piece = draft_anchor.clean_piece(
        raw, "Best from October to March", later=[p.text for p in OUTLINE.sections[0].points[1:]],
        instructions=INSTRUCTIONS, allowed=ALLOWED,
    )  # fmt: skip
    assert piece == (
        "Best from October to March is the season for it. The nights are long and cold."
    )
    assert not quality.chatter_sentences(piece, INSTRUCTIONS, ALLOWED)


def test_clean_piece_cuts_the_first_sentence_before_it_runs_into_later_points() -> None:
    piece = draft_anchor.clean_piece(
        " and prices are high. Wool keeps you warm.",
        "Dress in layers of wool",
        later=["prices are high, so shop at Rema 1000"],
    )
    assert piece == "Dress in layers of wool. Wool keeps you warm."


def test_clean_piece_drops_repeats_garbled_names_and_extra_words() -> None:
    piece = draft_anchor.clean_piece(
        ", where the sky is dark. Shop at Rema100A today. The sky is dark there."
        " Bring a warm flask of tea. Stay until midnight for the best show.",
        "Drive to Ersfjordbotn",
        before="The sky is dark there.",
        allowed=ALLOWED + " Rema 1000",
        max_words=15,
    )
    assert piece == "Drive to Ersfjordbotn, where the sky is dark. Bring a warm flask of tea."


def test_clean_piece_ends_an_anchor_the_model_left_as_a_heading() -> None:
    piece = draft_anchor.clean_piece("\nThe lights dance.", "Best from October to March")
    assert piece == "Best from October to March. The lights dance."
    assert draft_anchor.clean_piece("", "Check the aurora forecast") == "Check the aurora forecast."


def test_join_pieces_one_paragraph_for_short_sections() -> None:
    assert draft_anchor.join_pieces(["A b.", " ", "C d."], 80) == "A b. C d."
    assert draft_anchor.join_pieces(["A b.", "C d."], 150) == "A b.\n\nC d."


def test_fit_length_trims_from_the_end_but_keeps_the_points() -> None:
    text = (
        "Dress in layers of wool. It is cold. The wind is strong. "
        "Prices are high, so shop at Rema 1000. Bring snacks along. Bring more snacks along."
    )
    points = [p.text for p in OUTLINE.sections[1].points]
    fitted = draft_anchor.fit_length(text, 12, points)
    assert fitted == "Dress in layers of wool. Prices are high, so shop at Rema 1000."
    assert draft_anchor.fit_length("Short. Text.", 80) == "Short. Text."


def test_section_problem_names_what_fails() -> None:
    section = OUTLINE.sections[1]
    good = (
        "Dress in layers of wool, because the wind off the fjord is cold even in spring. "
        "Prices are high, so shop at Rema 1000 for food and snacks. " * 2
    )
    assert draft_anchor.section_problem(good.strip(), section, 56) == ""
    problem = draft_anchor.section_problem("Dress in layers of wool. " * 8, section, 40)
    assert "misses 1 of 2 points" in problem and "Rema 1000" in problem
    assert "shorter than asked" in draft_anchor.section_problem(good[:60], section, 80)
    assert draft_anchor.section_problem("", section, 80) == "nothing usable was written"


def test_lines_without_full_stops_are_sentences() -> None:
    raw = "\nThis is why a roof works\nSo the bees stay warm, and\nsafe from wind."
    piece = draft_anchor.clean_piece(raw, "Warm, sheltered spot above the traffic")
    assert piece == (
        "Warm, sheltered spot above the traffic. This is why a roof works. "
        "So the bees stay warm, and safe from wind."
    )
    done = draft_anchor.piece_done("Warm spot", 4)
    assert done(" above the traffic\n") and not done(" above the traffic")
