"""Chinese text in the plain-text rules: language, suggestions, rewrites, drafts, checks."""

from __future__ import annotations

import pytest

from writer_app.tasks import language, quality, rewrite
from writer_app.tasks.continuation import boundary, clean, next_word, wants_auto_suggestion
from writer_app.tasks.draft import build_section_messages, clean_section
from writer_app.tasks.outline import parse_outline

SOURCE = "会议改到周五下午3点，在二楼的会议室开，请Maria带上15份报告。"
GOOD = "会议已改至周五下午3点，地点为二楼会议室，请Maria携带15份报告。"

# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("我们今天去公园散步。", True),
        ("Writer 支持中文，也支持英文。", True),
        ("東京タワーへ行きます。ここはとても高いです。", False),  # Japanese: kana
        ("Hello, 世界", False),
        ("한국어 단어", False),
        ("", False),
    ],
)
def test_mainly_chinese(text: str, chinese: bool) -> None:
    assert language.is_chinese(text) is chinese


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三", 3), ("十五", 15), ("二十", 20), ("三百零五", 305), ("两万三千", 23000),
     ("三亿五千万", 350_000_000), ("二〇二四", 2024), ("abc", None)],
)  # fmt: skip
def test_chinese_numerals(numeral: str, value: int | None) -> None:
    assert language.parse_chinese_number(numeral) == value


def test_content_bigrams_skip_function_characters() -> None:
    assert language.content_bigrams("在五月购买蜂群") == ["五月", "月购", "购买", "买蜂", "蜂群"]
    assert language.bigrams("好") == ["好"]


def test_lines_join_without_spaces_in_chinese() -> None:
    assert language.join_lines("五月是好时候。 新手\n可以开始。") == "五月是好时候。新手可以开始。"
    assert language.join_lines("请 Maria 带上 15 份。") == "请 Maria 带上 15 份。"
    assert language.join_lines("He said  “hi”\nto me.") == "He said “hi” to me."


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我们今天去公园散步。他们", "我们今天去公园散步。"),
        ("他说：“好的。”然后走了", "他说：“好的。”"),
        ("真的吗？！是的", "真的吗？！"),
        ("他想了想……然后", "他想了想……"),
        ("书名是《红楼梦》。然后", "书名是《红楼梦》。"),
        ("下雨了！\n明天", "下雨了！"),
        ("他说：“好的。”", None),  # a closing quote may still come after 。
        ("还没有结束", None),
    ],
)
def test_a_chinese_sentence_ends_at_its_punctuation_without_a_space(
    raw: str, expected: str | None
) -> None:
    end = boundary(raw, "sentence")
    assert (raw[:end] if end is not None else None) == expected


def test_clean_chinese_suggestions() -> None:
    assert clean("今天", "天气很好。我们去公园吧", "sentence") == "天气很好。"
    # cut at the length limit: a number after Chinese may be cut off ("15" of "150")
    assert clean("前文", "销量增长了15", "length") == "销量增长了"
    # a long run copied from the text is cut where it starts
    prefix = "我们在山顶上看到了日出，那是一生中最美的风景之一。"
    assert clean(prefix, "大家都说，那是一生中最美的风景之一，永远难忘。", "length") == "大家都说，"
    assert clean(prefix, "那是一生中最美的风景之一。", "sentence") == ""


def test_next_word_without_qt_takes_a_chinese_character_at_a_time() -> None:
    assert next_word("我们今天去公园散步。") == "我"
    assert next_word("步。然后") == "步。"
    assert next_word(" hello, world") == " hello,"
    # with a word boundary function (the editor passes Qt's)
    assert next_word("我们今天", lambda text, start: start + 2) == "我们"


def test_automatic_suggestions_before_a_closing_chinese_quote() -> None:
    assert wants_auto_suggestion("他说：“今天", "”")
    assert wants_auto_suggestion("书名是《红楼", "》")


# --- rewrite prompts and cleaning --------------------------------------------------------------


def test_a_chinese_passage_gets_its_prompt_in_chinese() -> None:
    formal = rewrite.find_style("Formal")
    messages = rewrite.build_messages(formal, f"  {SOURCE}\n")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == rewrite.SYSTEM_PROMPT_ZH
    assert messages[1]["content"] == f"用正式的语气改写这段文字。\n\n{rewrite.EXAMPLE_SOURCE_ZH}"
    assert messages[2]["content"] == rewrite.EXAMPLE_ANSWERS_ZH["Formal"]
    assert messages[3]["content"] == f"用正式的语气改写这段文字。\n\n{SOURCE}"
    assert rewrite.example_text(formal, SOURCE).startswith(rewrite.EXAMPLE_SOURCE_ZH)
    # English passages are asked exactly as before
    english = rewrite.build_messages(formal, "The meeting moved to Friday.")
    assert english[0]["content"] == rewrite.SYSTEM_PROMPT
    assert (
        english[3]["content"]
        == "Rewrite the text in a formal tone.\n\nThe meeting moved to Friday."
    )


def test_a_users_own_instruction_asks_for_chinese() -> None:
    pirate = rewrite.Style("Pirate", "Rewrite the text like a pirate.")
    assert rewrite.build_messages(pirate, SOURCE)[3]["content"] == (
        f"Rewrite the text like a pirate. 请用中文回答。\n\n{SOURCE}"
    )
    question = rewrite.custom_style("改成一个问题")
    assert question.instruction == "改成一个问题。"
    assert rewrite.example_for(question, SOURCE) == rewrite.INTENT_EXAMPLES_ZH[1][1:]
    assert rewrite.build_messages(question, SOURCE)[3]["content"] == f"改成一个问题。\n\n{SOURCE}"


def test_every_chinese_worked_example_passes_the_checks_it_teaches() -> None:
    assert set(rewrite.EXAMPLE_ANSWERS_ZH) == set(rewrite.INSTRUCTIONS_ZH)
    assert set(rewrite.INSTRUCTIONS_ZH) == {s.name for s in rewrite.BUILTIN_STYLES}
    for name, answer in rewrite.EXAMPLE_ANSWERS_ZH.items():
        verdict = quality.judge_rewrite(rewrite.EXAMPLE_SOURCE_ZH, answer, name)
        assert verdict.passed, (name, verdict.reasons)
    for _words, instruction, answer in rewrite.INTENT_EXAMPLES_ZH:
        verdict = quality.judge_rewrite(rewrite.EXAMPLE_SOURCE_ZH, answer, instruction)
        assert verdict.passed, (instruction, verdict.reasons)


@pytest.mark.parametrize(
    "raw",
    [
        f"好的，以下是改写后的文字：\n\n{GOOD}",
        f"改写后的版本：{GOOD}",
        f"{GOOD}\n\n注：我把语气改得更正式了。",
        f"{GOOD}\n希望这对你有帮助！",
        f"“{GOOD}”",
    ],
)
def test_chat_around_a_chinese_rewrite_is_removed(raw: str) -> None:
    assert rewrite.clean_output(raw, SOURCE) == GOOD


def test_a_chinese_rewrite_about_something_else_is_dropped() -> None:
    assert rewrite.clean_output("今天天气很好，我们去公园散步，孩子们在草地上玩耍。", SOURCE) == ""
    assert rewrite.clean_output("作为一个人工智能，我不能改写这段文字。", SOURCE) == ""


def test_a_chinese_rewrite_stops_when_it_loops() -> None:
    assert rewrite.should_stop("会议改到周五。好的好的。好的好的。好的好的。", SOURCE)
    assert not rewrite.should_stop(GOOD, SOURCE)


def test_a_long_chinese_paragraph_is_cut_at_sentence_ends() -> None:
    text = "".join(f"这是第{i}句话，它说的是一件很普通的事情。" for i in range(60))
    pieces = rewrite.split_passages(text, 300)
    assert "".join(p.text for p in pieces) == text
    passages = [p.text for p in pieces if p.rewrite]
    assert len(passages) > 2 and all(p.endswith("。") for p in passages)
    assert all(len(p) <= 300 for p in passages)


# --- quality checks -----------------------------------------------------------------------------


def test_facts_of_chinese_text() -> None:
    facts = [(f.kind, f.text) for f in quality.extract_facts(SOURCE)]
    assert facts == [("number", "3"), ("number", "15"), ("day", "周五"), ("name", "Maria")]
    titles = quality.extract_facts("我读了三遍《红楼梦》。")
    assert [(f.kind, f.text) for f in titles] == [("name", "《红楼梦》")]


def test_a_faithful_chinese_rewrite_passes() -> None:
    verdict = quality.judge_rewrite(SOURCE, GOOD, "Formal")
    assert verdict.passed, verdict.reasons
    assert verdict.recall > 0.6
    # "星期五" is the same day, "三" the same number as "3"
    same = GOOD.replace("周五", "星期五").replace("3点", "三点")
    assert quality.judge_rewrite(SOURCE, same, "Formal").checks["facts"]


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (GOOD.replace("下午3点", "下午"), "drops the number 3"),
        (GOOD.replace("15份", "几份"), "drops the number 15"),
        (GOOD.replace("周五", "周四"), "adds the day 周四"),
        (GOOD.replace("Maria", "她"), "drops the name Maria"),
        (GOOD.replace("15份", "20份"), "adds the number 20"),
    ],
)
def test_a_chinese_rewrite_that_changes_a_fact_fails(candidate: str, reason: str) -> None:
    verdict = quality.judge_rewrite(SOURCE, candidate, "Formal")
    assert not verdict.passed
    assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


def test_chinese_copies_length_and_talk() -> None:
    copy = SOURCE.replace("。", "！")
    assert quality.is_copy(SOURCE, copy) and not quality.is_copy(SOURCE, GOOD)
    assert not quality.judge_rewrite(SOURCE, copy, "Formal").passed
    # every fact, in a third of the words: too short for Formal
    short = "周五3点，Maria带15份。"
    assert "too short" in " ".join(quality.judge_rewrite(SOURCE, short, "Formal").reasons)
    assert quality.word_count(SOURCE) > quality.word_count(short)
    talk = quality.commentary(f"以下是改写后的文字：{GOOD}希望这对你有帮助。", SOURCE)
    assert len(talk) == 2
    assert quality.commentary(GOOD, SOURCE) == []


def test_chinese_sentences() -> None:
    assert quality.sentences("他说：“好的。”然后走了！你呢？我……不知道") == [
        "他说：“好的。”",
        "然后走了！",
        "你呢？",
        "我……",
        "不知道",
    ]


def test_a_chinese_question_style() -> None:
    verdict = quality.judge_rewrite(
        SOURCE, "会议是不是改到周五下午3点，在二楼开，Maria要带15份报告？", "改成一个问题"
    )
    assert verdict.checks["style"], verdict.reasons
    statement = quality.judge_rewrite(SOURCE, GOOD, "改成一个问题")
    assert "is not a question" in statement.reasons


def test_chinese_outline_points_are_covered_by_their_words() -> None:
    prose = "五月是购买蜂群的好时候，新手可以从一个小蜂箱开始。"
    assert quality.bullet_covered("在五月购买一箱蜂群", prose)
    assert not quality.bullet_covered("在五月购买一箱蜂群", "蜜蜂需要清洁的水源和充足的花粉。")
    chatter = "以下是第一部分的内容。五月是购买蜂群的好时候。本节将介绍如何养蜂。希望这对你有帮助。"
    assert quality.strip_chatter(chatter) == "五月是购买蜂群的好时候。"


# --- drafts -------------------------------------------------------------------------------------

OUTLINE = parse_outline("# 养蜂入门\n## 准备\n- 在五月购买一箱蜂群\n## 照料\n- 每周检查一次\n")


def test_a_chinese_outline_is_drafted_with_instructions_in_chinese() -> None:
    messages = build_section_messages(OUTLINE, 0, words=100, tone="Write in a formal tone.")
    system, user = messages[0]["content"], messages[1]["content"]
    assert system == "你是一名作者。只写所要求的文字本身，前后不加任何说明。"
    assert "1. 准备 ← 本部分" in user
    assert "写第1部分“准备”，写成一段，约150字。依次说明：\n- 在五月购买一箱蜂群" in user
    assert user.endswith(
        "语气正式。只写正文：不要标题，不要列表。不要总结，后面还有其他部分。"
        "用中文写作。 Write in Chinese."
    )
    last = build_section_messages(OUTLINE, 1, words=250, tone="要幽默")[1]["content"]
    assert (
        "写成几段，约380字" in last and "要幽默。" in last and "这是最后一部分：写完全文。" in last
    )


def test_chinese_draft_output_is_cleaned() -> None:
    raw = (
        "好的！以下是第一部分：\n\n- 五月是购买蜂群的好时候\n"
        "- 新手可以从一个小蜂箱开始，\n  慢慢积累经验。\n\n希望这对你有帮助！"
    )
    assert (
        clean_section(raw, OUTLINE.sections[0])
        == "五月是购买蜂群的好时候。新手可以从一个小蜂箱开始，慢慢积累经验。"
    )
