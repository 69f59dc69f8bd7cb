"""Output quality rules (tasks/quality.py): facts, copies, length, commentary, bullet coverage
and chatter, on hand-written texts."""

from __future__ import annotations

import pytest

from writer_app.tasks import quality as q


def kinds(text: str) -> set[tuple[str, str]]:
    return {(f.kind, f.text) for f in q.extract_facts(text)}


def keys(text: str) -> set[str]:
    return {k for f in q.extract_facts(text) for k in f.keys}


# --- words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("meeting", "meetings"),
        ("studied", "studies"),
        ("boxes", "box"),
        ("baking", "bake"),
        ("stopped", "stop"),
        ("running", "runs"),
    ],
)
def test_stems_meet(a: str, b: str) -> None:
    assert q.stem(a) == q.stem(b)


@pytest.mark.parametrize(("a", "b"), [("bus", "bu"), ("class", "clas"), ("cat", "cot")])
def test_stems_keep_short_and_distinct_words_apart(a: str, b: str) -> None:
    assert q.stem(a) != q.stem(b)


def test_words_drop_possessives_and_lower_case() -> None:
    assert q.words("Maria's CAT isn't here.") == ["maria", "cat", "isn't", "here"]


def test_content_words_leave_out_function_words() -> None:
    assert q.content_words("The cats are on the mat") == ["cat", "mat"]


def test_content_recall() -> None:
    source = "The meeting moved to Friday because the boss is sick."
    assert q.content_recall(source, source) == 1.0
    assert q.content_recall(source, "Lovely weather today.") == 0.0
    half = q.content_recall(source, "The meeting moved.")
    assert 0.3 < half < 0.5  # meeting, moved of meeting, moved, friday, boss, sick


def test_content_recall_forgives_one_typo_in_long_words() -> None:
    assert q.content_recall("the libary tomorow", "the library tomorrow") == 1.0
    assert q.content_recall("the cat", "the cot") == 0.0  # short words must match


def test_sentences_split_at_ends_and_lines_not_abbreviations() -> None:
    text = "Dr. Lee met J. Smith at 3 p.m. today! Was it fun? Yes.\nNew line here"
    assert q.sentences(text) == [
        "Dr. Lee met J. Smith at 3 p.m. today!",
        "Was it fun?",
        "Yes.",
        "New line here",
    ]


# --- facts --------------------------------------------------------------------------------


def test_numbers_in_digits_and_words_share_a_key() -> None:
    assert keys("three cats") == keys("3 cats") == {"num:3"}
    assert keys("twenty-five students") == {"num:25"}
    assert keys("twenty-one and thirty one") == {"num:21", "num:31"}
    assert keys("two hundred and five") == {"num:205"}
    assert keys("a dozen eggs") == {"num:12"}
    assert keys("It costs $1,200.") == {"num:1200"}
    assert keys("3 million people") == {"num:3000000"}
    assert keys("up 18% from 2.5") == {"num:18", "num:2.5"}
    assert keys("the 5th of May") == {"num:5", "month:may"}


def test_one_first_and_half_are_not_number_facts() -> None:
    assert q.extract_facts("One of us came first, and half of them left.") == []


def test_but_they_keep_a_number() -> None:
    assert q.missing_facts("Return the 1 laptop by the 1st.", "Return one laptop first.") == []
    assert q.invented_facts("Return one laptop first.", "Return 1 laptop by the 1st.") == []
    assert q.invented_facts("Return the laptop.", "Return one laptop.") == []


def test_times() -> None:
    assert keys("at 3:30 pm") == {"time:3:30"}
    assert keys("at 7 am") == {"time:7:00", "num:7"}
    assert keys("by noon") == {"time:12:00", "num:12"}
    assert keys("at six o'clock") == {"time:6:00", "num:6"}
    assert keys("at 15:45") == {"time:3:45"}


def test_days_months_and_relative_days() -> None:
    assert kinds("see you friday or on Mon.") == {("day", "friday"), ("day", "Mon")}
    assert kinds("Tomorrow we leave.") == {("day", "Tomorrow")}
    assert kinds("In March and early August") == {("month", "March"), ("month", "August")}


def test_may_the_verb_is_not_a_month() -> None:
    assert kinds("May I come? We may.") == set()
    assert kinds("We meet in May.") == {("month", "May")}
    assert kinds("Due May 3.") >= {("month", "May")}


def test_march_and_august_in_lower_case_are_words() -> None:
    assert kinds("they march on, august and proud") == set()


def test_names_mid_sentence_and_runs() -> None:
    facts = kinds("We flew with Maria Lopez to Lisbon and met Dr. Okafor.")
    assert facts == {("name", "Maria Lopez"), ("name", "Lisbon"), ("name", "Okafor")}


def test_names_at_a_sentence_start_need_evidence() -> None:
    assert kinds("Yesterday was long. Please call.") == {("day", "Yesterday")}
    assert ("name", "Anna") in kinds("Anna called. I told Anna to wait.")  # also mid-sentence
    assert ("name", "NASA") in kinds("NASA launched it.")  # an acronym
    assert ("name", "Maria") in kinds("Maria's bike is red.")  # a possessive
    assert ("name", "New York") in kinds("New York is big.")  # a run of capitals
    assert ("name", "iPhone") in kinds("She lost her iPhone.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kenji said the train was late.", "Kenji"),
        ("Priya finished the race.", "Priya"),
        ("Lucia has worked here for years.", "Lucia"),
        ("Mateo will present the budget.", "Mateo"),
        ("Sam fed the cats.", "Sam"),
        ("Ava, I'm glad you came.", "Ava"),
        ("Nadia and Tom painted it.", "Nadia"),
    ],
)
def test_a_name_at_a_sentence_start_shown_by_the_next_words(text: str, name: str) -> None:
    assert ("name", name) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Prices dropped again.",
        "Students will come.",
        "Tickets for the concert.",
        "Water the fern daily.",
        "However, I'm glad.",
        "Second, I've got news.",
        "Sadly, we lost.",
        "Breakfast is at eight.",
        "Everyone said yes.",
    ],
)
def test_common_words_at_a_sentence_start_are_not_names(text: str) -> None:
    assert not [f for f in q.extract_facts(text) if f.kind == "name"]


def test_contractions_and_greetings_are_not_names() -> None:
    assert kinds("It's late. That's fine. Dear Sir, thanks. I'm OK, LOL.") == set()


def test_references() -> None:
    facts = kinds("Mail ana@example.com or call 555-0147, see https://example.org/x.")
    assert ("reference", "ana@example.com") in facts
    assert ("reference", "555-0147") in facts
    assert ("reference", "https://example.org/x") in facts


def test_missing_facts_match_by_value_and_any_case() -> None:
    source = "maria pays three hundred dollars on friday at 5 pm."
    assert q.missing_facts(source, "Maria pays $300 on Friday at 5 p.m.") == []
    missing = q.missing_facts(source, "Maria pays on Friday.")
    assert [f.text for f in missing] == ["5 pm", "three hundred"]


def test_missing_names_by_their_words() -> None:
    assert q.missing_facts("I met Anna Berg in Oslo.", "i met anna berg in oslo") == []
    assert [f.text for f in q.missing_facts("I met Anna Berg in Oslo.", "I met Anna.")] == [
        "Anna Berg",
        "Oslo",
    ]


def test_invented_facts() -> None:
    source = "hey, so the meeting got moved to friday cause the boss is out sick lol."
    invented = q.invented_facts(source, "On 15 March, John moved the Friday meeting.")
    assert sorted(f.describe() for f in invented) == [
        "the month March",
        "the name John",
        "the number 15",
    ]
    assert q.invented_facts(source, "The meeting was moved to Friday.") == []


def test_a_demonym_is_not_a_new_name() -> None:
    source = "Sales grew in Brazil and Mexico."
    assert q.invented_facts(source, "Brazilian and Mexican sales grew.") == []
    assert [f.text for f in q.invented_facts("I met Anna.", "I met Annabel.")] == ["Annabel"]


def test_facts_of_the_instruction_may_be_added() -> None:
    source = "The party starts at noon."
    assert q.invented_facts(source, "The party starts at noon on Sunday.", "mention Sunday") == []
    assert len(q.invented_facts(source, "The party starts at noon on Sunday.")) == 1


def test_a_spelling_fix_of_a_day_is_not_a_new_fact() -> None:
    assert q.invented_facts("see you tomorow", "See you tomorrow.") == []
    assert q.invented_facts("see you soon", "See you tomorrow.") != []


# --- copies and length --------------------------------------------------------------------


def test_copies() -> None:
    source = "hey, so the meeting got moved to friday cause the boss is out sick lol."
    assert q.is_copy(
        source, "Hey so the meeting got moved to Friday cause the boss is out sick LOL"
    )
    assert q.is_copy(source, source.replace("hey, so", "so"))  # one word dropped of 15
    assert not q.is_copy(source, "The meeting has been moved to Friday; the manager is unwell.")
    assert not q.is_copy("It is.", "It was.")  # short texts must match exactly
    assert q.copy_similarity("a b c", "a b c") == 1.0


def test_word_count() -> None:
    assert q.word_count("One, two -- three!  four") == 4
    assert q.word_count("") == 0


@pytest.mark.parametrize(
    ("style", "low", "high"),
    [
        ("Concise", 1, 9),  # must be shorter than 10 words
        ("Expand", 12, 54),  # must be longer
        ("Formal", 4, 24),
        ("Fix grammar and spelling", 6, 17),
        ("Turn this into a question", 1, 34),
    ],
)
def test_length_bounds(style: str, low: int, high: int) -> None:
    source = "one two three four five six seven eight nine ten"
    assert q.length_bounds(source, style) == (low, high)


def test_custom_instructions_map_to_the_built_in_rules() -> None:
    assert q.style_rules("Custom", "Make it shorter.").high < 1
    assert q.style_rules("Custom", "Please correct the spelling mistakes").correction
    assert q.style_rules("Turn this into a question").question
    assert not q.style_rules("Formal").question


# --- commentary ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        "What a wonderful choice of words! It really shines.",
        "The original sentence is already clear.",
        "I would suggest making it shorter.",
        "Here is the formal version: The meeting moved.",
        "Sure!",
        "Here's a friendlier take:",
        "Such a lovely and vivid description of the sea.",
        "This sentence uses a casual tone.",
        "You could rephrase it as a question.",
        "As an AI language model, I cannot do that.",
        "Note: I kept the date.",
        "I'm sure I can make it sound more friendly and relaxed.",
        "This improves the clarity of the sentence.",
    ],
)
def test_commentary_is_found(reply: str) -> None:
    assert q.commentary(reply, "The meeting moved to Friday.")


@pytest.mark.parametrize(
    "reply",
    [
        "The meeting has been moved to Friday.",
        "Is the meeting on Friday?",
        "We are happy to announce that the bridge is open.",
        "The new version of the app fixes the crash.",
        "What a great year for the company!",
        "Here are the results for 2024.",
        "The new parking rules could use a bit of clarity.",
    ],
)
def test_a_rewrite_is_not_commentary(reply: str) -> None:
    assert q.commentary(reply, "the meeting moved to friday; the bridge is open") == []


def test_a_cue_the_source_has_is_allowed() -> None:
    source = "Please read the text before the call."
    assert q.commentary("Kindly read the text before the call.", source) == []
    assert q.commentary("Okay! See you then.", "ok, see you then") == []


# --- judge_rewrite ------------------------------------------------------------------------

CASUAL = "hey, so the meeting got moved to friday cause the boss is out sick lol."


def test_a_faithful_formal_rewrite_passes() -> None:
    verdict = q.judge_rewrite(
        CASUAL, "The meeting has been moved to Friday because the manager is unwell.", "Formal"
    )
    assert verdict.passed, verdict.reasons
    assert verdict.reasons == ()
    assert verdict.score >= 1.0
    assert verdict.faithful and verdict.length_ok


def test_invented_facts_fail_with_reasons() -> None:
    verdict = q.judge_rewrite(CASUAL, "The meeting moved to Friday at 15:00 for John.", "Formal")
    assert not verdict.passed
    assert "adds the name John, which is not in the original" in verdict.reasons
    assert "adds the time 15:00, which is not in the original" in verdict.reasons
    assert verdict.score < 1.0
    assert verdict.checks["facts"] is False


def test_dropped_facts_fail() -> None:
    verdict = q.judge_rewrite(CASUAL, "The meeting has been moved because of an illness.", "Formal")
    assert verdict.reasons[0] == "drops the day friday"


def test_a_copy_fails_unless_a_correction_of_correct_text() -> None:
    assert (
        "gives the original back (almost) unchanged"
        in q.judge_rewrite(CASUAL, CASUAL, "Formal").reasons
    )
    correct = "The recipe needs 250 grams of flour and two eggs."
    assert q.judge_rewrite(correct, correct, "Fix grammar and spelling").passed
    wrong = "Their going to the libary tomorow with Marcus."
    assert not q.judge_rewrite(
        wrong, wrong, "Fix grammar and spelling", source_is_correct=False
    ).passed
    fixed = "They're going to the library tomorrow with Marcus."
    assert q.judge_rewrite(wrong, fixed, "Fix grammar and spelling", source_is_correct=False).passed


def test_commentary_fails() -> None:
    verdict = q.judge_rewrite(
        "The rent of $1,200 is due on the 5th.",
        "What a wonderful choice of words! The rent of $1,200 is due on the 5th?",
        "Turn this into a question",
    )
    assert not verdict.passed
    assert verdict.reasons == (
        "talks about the text instead of rewriting it: “What a wonderful choice of words!”",
    )
    assert verdict.commentary == ("What a wonderful choice of words!",)


def test_a_question_style_needs_a_question() -> None:
    source = "The rent of $1,200 is due on the 5th."
    assert q.judge_rewrite(
        source, "Is the rent of $1,200 due on the 5th?", "Turn this into a question"
    ).passed
    verdict = q.judge_rewrite(
        source, "The $1,200 rent is due on the 5th.", "Turn this into a question"
    )
    assert verdict.reasons == ("is not a question",)


def test_length_out_of_band_fails() -> None:
    source = "Sam fed the two cats and locked the back door before leaving for Denver."
    concise = "Sam fed the two cats and locked up before going to Denver."
    assert q.judge_rewrite(source, concise, "Concise").passed  # 12 words of 14
    verdict = q.judge_rewrite(source, source.replace("the back door", "the door"), "Concise")
    assert verdict.reasons == ("gives the original back (almost) unchanged",)
    verdict = q.judge_rewrite(
        source,
        "Before he left for Denver, Sam fed the two hungry cats and then locked the back door.",
        "Concise",
    )
    assert not verdict.length_ok
    assert any(r.startswith("too long for Concise") for r in verdict.reasons)
    short = q.judge_rewrite(source, "Sam fed two cats, left for Denver.", "Expand")
    assert any(r.startswith("too short for Expand") for r in short.reasons)


def test_low_recall_fails() -> None:
    verdict = q.judge_rewrite(
        "The bakery on Elm Street sells fresh bread and cakes.",
        "Elm Street is a lovely spot to enjoy your morning.",
        "Casual",
    )
    assert any(r.startswith("keeps only") for r in verdict.reasons)


def test_chat_the_cleaner_strips_fails() -> None:
    verdict = q.judge_rewrite(
        CASUAL, '"The meeting has moved to Friday; the boss is ill."', "Formal"
    )
    assert verdict.reasons == ("has chat around the text",)


def test_empty_fails() -> None:
    empty = q.judge_rewrite(CASUAL, "  ", "Formal")
    assert empty.reasons == ("is empty",)
    assert empty.checks == {
        "facts": False, "recall": False, "copy": True, "commentary": True, "length": False,
        "style": False,
    }  # fmt: skip


def test_best_rewrite_prefers_passing_then_score_then_order() -> None:
    candidates = [
        "The meeting moved to Friday at 3 pm.",  # invents a time
        "The meeting has been moved to Friday because the boss is ill.",
        "The meeting has been moved to Friday because the boss is ill.",
    ]
    best = q.best_rewrite(CASUAL, candidates, "Formal")
    assert best is not None and best[0] == 1 and best[1].passed
    assert q.best_rewrite(CASUAL, [], "Formal") is None


# --- draft: coverage ----------------------------------------------------------------------


def test_bullet_terms() -> None:
    assert q.bullet_terms("- buy a nucleus colony in May") == ["buy", "nucleus", "colony", "may"]
    assert q.bullet_terms("16 GB of RAM is the minimum") == ["16", "ram", "minimum"]


def test_bullet_covered_needs_half_the_terms_spelled_as_written() -> None:
    bullet = "Carniolan bees are calm and forgiving"  # carniolan, bees, calm, forgiving
    assert q.bullet_covered(bullet, "Carniolan bees stay calm on a roof.")
    assert q.bullet_covered(bullet, "A bee that is calm is a joy.")  # bee(s), calm: 2 of 4
    assert not q.bullet_covered(bullet, "Carnolian bees are gentle.")  # misspelt: 1 of 4
    assert q.bullet_covered("", "anything")


def test_bullet_coverage() -> None:
    bullets = ["inspect the frames every nine days", "feed sugar syrup in the autumn"]
    prose = "Inspect the frames often. In autumn, feed the colony syrup made of sugar."
    assert q.bullet_coverage(bullets, prose) == 1.0
    assert q.bullet_coverage(bullets, "Bees are lovely.") == 0.0
    assert q.bullet_coverage([], "x") == 1.0
    assert q.bullet_hits(bullets[0], prose) == ["inspect", "frames"]


# --- draft: chatter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "This article should be written in a flowing narrative style.",
        "This is the last section.",
        "Finish with a sentence that sums it up.",
        "In this section, we will look at the starter.",
        "Sure, here is the section you asked for.",
        "Here is the article:",
        "The next section covers baking.",
        "Each part is about 80 words long.",
        "Then, the rest of the passage talks about harvesting.",
        "Here's the rewritten version: bees thrive.",
        "I hope this helps!",
        "As an AI, I love bees.",
        "The next part will take you to the harbour.",
        "Premise: This sentence does not contain any commas.",
        "The last sentence adds another point to the original message.",
        "Note that the explanation also covers speed.",
        "Here's the rest of the story.",
        "What do you guys think?",
        "You're welcome!",
        "The other parts were discussed elsewhere.",
        "No summary is given.",
        "This is the last piece of the story.",
        "The final sentence concludes with an ending.",
        "I want you to know that I am happy to continue writing.",
        "Start slow. #RunningYourFirst10K #Racing",
        "A: Additive to the existing material.",
        "Ending with an image, which is not possible due to the length restriction.",
        "This was added to the description of the bell.",
        "No need to finish everything; simply complete the next part.",
        "This is part 1.",
        "This is my last part.",
        "Write the rest of the paragraph for the next part.",
        "My name is Alec.",
        "I've never written anything like this before.",
        "No additional explanation needed.",
    ],
)
def test_chatter_is_found(sentence: str) -> None:
    assert q.is_chatter(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Carniolan bees are calm and forgiving.",
        "The last part of the climb is the steepest.",
        "Write your name on the jar.",
        "The story of the bell begins in 1520.",
        "Note how the crust darkens.",
        "The next part of the trail is steep.",
        "Rest for the remainder of the week.",
    ],
)
def test_prose_is_not_chatter(sentence: str) -> None:
    assert not q.is_chatter(sentence)


def test_chatter_cues_the_outline_uses_are_allowed() -> None:
    assert q.is_chatter("Bullet points help readers.")
    assert not q.is_chatter("Bullet points help readers.", allowed="why bullet points work")


def test_echoes_of_the_instructions() -> None:
    instructions = ['Write part 2, "Fermentation", as one paragraph of about 80 words.']
    assert q.echoes_instruction("Write part two as one paragraph of about 80 words.", instructions)
    assert not q.echoes_instruction("Fermentation takes a day.", instructions)
    # Runs the outline shares with the instructions are the prose's own words.
    allowed = "as one paragraph of about 80 words"
    assert not q.echoes_instruction(
        "It fits as one paragraph of about 80 words.", instructions, allowed
    )


def test_strip_chatter_keeps_the_prose_and_paragraphs() -> None:
    text = (
        "Sure, here is the section. Wild yeast lives in flour.\n\n"
        "This is the last section. Finish with a sentence that ends it.\n\n"
        "Feed the starter every day. I hope this helps!"
    )
    cleaned = q.strip_chatter(text)
    assert cleaned == "Wild yeast lives in flour.\n\nFeed the starter every day."
    assert q.strip_chatter(cleaned) == cleaned
    assert q.chatter_sentences(cleaned) == []
    assert len(q.chatter_sentences(text)) == 4


def test_strip_chatter_with_instructions() -> None:
    instructions = ["Plain prose only: no heading, no list. Do not sum up; more parts follow."]
    text = "Bread needs time. Plain prose only, no heading and no list."
    assert q.strip_chatter(text, instructions) == "Bread needs time."


# --- draft: length and verdict ------------------------------------------------------------


def test_length_ok() -> None:
    assert q.length_ok(" ".join(["word"] * 80), 80)
    assert q.length_ok(" ".join(["word"] * 104), 80)
    assert not q.length_ok(" ".join(["word"] * 105), 80)
    assert not q.length_ok(" ".join(["word"] * 55), 80)


def test_judge_section() -> None:
    bullets = ["wild yeast and lactobacilli live in flour", "feed the starter every day"]
    prose = "Wild yeast and lactobacilli live in flour. " * 8 + "In this section, we will bake."
    verdict = q.judge_section(prose, bullets, 60)
    assert verdict.covered == (True, False)
    assert verdict.coverage == 0.5
    assert verdict.chatter == ("In this section, we will bake.",)
    assert verdict.words == 62 and verdict.length_ok
    assert not verdict.passed
    good = q.judge_section(
        "Wild yeast and lactobacilli live in flour; feed the starter every day.", bullets, 12
    )
    assert good.passed


def test_a_unit_written_onto_a_number_keeps_the_number() -> None:
    source = "The recipe needs 250 grams of flour and 100 ml of milk."
    assert not q.missing_facts(source, "It takes 250g of flour and 100ml of milk.")
    assert q.missing_facts(source, "It takes 250g of flour and some milk.")


def test_a_rewrite_that_copies_the_worked_example_fails() -> None:
    example = "The printer is jammed. Please use the one by the kitchen until it has been repaired."
    source = "The bakery on Elm Street sells croissants."
    leaked = "The bakery on Elm Street sells croissants. Use it until it has been repaired."
    verdict = q.judge_rewrite(source, leaked, "Formal", example=example)
    assert not verdict.passed and "borrows from the prompt's example" in verdict.reasons[-1]
    fine = "Croissants are sold at the bakery on Elm Street."
    assert q.judge_rewrite(source, fine, "Formal", example=example).passed
    assert (
        q.borrowed_phrase("until it has been repaired", example, "wait until it has been repaired")
        == ""
    )


def test_trimmed_versions_drop_trailing_sentences_that_carry_nothing_of_the_source() -> None:
    source = "Our team shipped version 4.2 on 14 June, two weeks ahead of schedule."
    tail = "Our team shipped version 4.2 on 14 June, two weeks early. Please check the date."
    assert q.trimmed_versions(source, tail) == [tail.split(" Please")[0], tail]
    both = "Our team shipped version 4.2 on 14 June. It was two weeks ahead of schedule."
    assert q.trimmed_versions(source, both) == [both]


def test_a_question_rewrite_must_read_as_the_passage_asked() -> None:
    from writer_app.tasks.quality import is_question, judge_rewrite

    assert is_question("Is the museum in Valencia closed on Mondays?")
    assert is_question('"Are tickets 12 euros on Tuesday?"')
    assert not is_question('What do you mean by "staff training"? The library closes early.')
    assert not is_question('What do you mean by "staff training"?')  # about the text
    assert not is_question("How much is a ticket? A ticket costs $35.")  # says more after it
    source = "The library will close early, at 4 pm, on Friday for staff training."
    bad = 'What do you mean by "staff training"? The library will close early, at 4 pm, on Friday.'
    verdict = judge_rewrite(source, bad, "Turn this into a question")
    assert not verdict.passed and "is not a question" in verdict.reasons


def test_common_custom_instructions_get_a_worked_example_of_their_own() -> None:
    from writer_app.tasks.rewrite import EXAMPLE_ANSWERS, Style, example_for

    def example(instruction: str) -> str:
        return example_for(Style(instruction, instruction))[1]

    assert example("Turn this into a question").endswith("?")
    assert example("Write it as a polite request").startswith("Could everyone please")
    assert example("Make it sound more exciting").endswith("!")
    assert example("Rewrite it like a pirate") == EXAMPLE_ANSWERS["Formal"]  # none fits


def test_the_original_word_for_word_with_a_sentence_added_fails_but_not_for_expand() -> None:
    source = "Grandma Rosa makes her tomato sauce with five cloves of garlic and a pinch of sugar."
    padded = source + " That's just how she does it, right?"
    assert q.keeps_verbatim(source, padded)
    assert q.keeps_verbatim(source, "Hey team, great news! " + source)
    verdict = q.judge_rewrite(source, padded, "Casual")
    assert "gives the original back word for word, with words added" in verdict.reasons
    assert not verdict.checks["copy"]
    assert q.judge_rewrite(source, padded + " She has done it for years.", "Expand").passed
    # A light rewrite that changes words inside the text is a rewrite.
    light = (
        "The river has flooded twice in April, and 40 families in Millbrook have been "
        "forced to leave their homes."
    )
    river = (
        "The river flooded twice in April, and 40 families in Millbrook had to leave their homes."
    )
    assert not q.keeps_verbatim(river, light)
    assert q.judge_rewrite(river, light, "Professional").passed
    # A user's own instruction may ask for the text with something added.
    greeted = "Hi all, I hope your week is going well! " + source
    assert q.judge_rewrite(source, greeted, "Add a greeting").passed


def test_details_in_reading_order_with_what_numbers_count() -> None:
    assert q.details("Kenji said the train from Osaka arrives at 6:15, so leave by 5:30.") == [
        "Kenji", "Osaka", "6:15", "5:30",
    ]  # fmt: skip
    assert q.details("Priya ran Boston in 3 hours and 42 minutes.") == [
        "Priya", "Boston", "3 hours", "42 minutes",
    ]  # fmt: skip
    # side by side: one detail; one inside another: left out
    assert q.details("Give it to Mateo on March 3 in Lisbon.") == ["Mateo", "March 3", "Lisbon"]
    assert q.details("We shipped version 4.2 on 14 June.") == ["4.2", "14 June"]
    assert q.details("nothing to keep here.") == []


def test_a_rewrite_that_repeats_the_listed_details_fails() -> None:
    source = (
        "Kenji said the train from Osaka arrives at 6:15, so we should leave the hotel by 5:30."
    )
    hint = "Keep these details exactly as they are: Kenji; Osaka; 6:15; 5:30."
    listed = "Kenji said the train from Osaka arrives at 6:15; 5:30; Kenji; Osaka."
    assert not q.judge_rewrite(source, listed, "Concise", hint=hint).passed
    assert (
        "repeats the request" in q.judge_rewrite(source, listed, "Concise", hint=hint).reasons[-1]
    )
    echoed = "Keep these details exactly: the Osaka train is in at 6:15, leave by 5:30, says Kenji."
    assert not q.judge_rewrite(source, echoed, "Concise", hint=hint).passed
    good = "Kenji says the Osaka train gets in at 6:15, so leave the hotel by 5:30."
    assert q.judge_rewrite(source, good, "Concise", hint=hint).passed


def test_a_polite_request_must_ask() -> None:
    source = "Mateo presents the budget on March 3 in Lisbon, so bring last quarter's numbers."
    style = "Write it as a polite request"
    assert q.style_rules(style).request and not q.style_rules("Formal").request
    statement = "Mateo presents the budget on March 3 in Lisbon, and bring last quarter's numbers."
    verdict = q.judge_rewrite(source, statement, style)
    assert "is not a request" in verdict.reasons and not verdict.checks["style"]
    asked = (
        "Could you please bring last quarter's numbers to Mateo's budget talk (March 3, Lisbon)?"
    )
    assert q.judge_rewrite(source, asked, style).passed
    assert q.is_request("I'd appreciate it if you sent the slides.") and q.is_request(
        "请把幻灯片发给我。"
    )
    assert not q.is_request("The slides are due on Friday.")
