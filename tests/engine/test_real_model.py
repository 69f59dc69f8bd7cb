"""The built-in model on real English text, directly and through the worker thread."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from writer_app.assistant import Assistant
from writer_app.config import task_defaults
from writer_app.features.continuation import suggest
from writer_app.tasks.continuation import ContinuationRequest

pytestmark = pytest.mark.real_model

STORY = (
    "The old lighthouse keeper climbed the narrow stairs every evening. At the top, he "
    "wiped the salt from the glass and lit the great lamp, and"
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_continuation_is_real_text_that_does_not_repeat_the_prefix(real_backend) -> None:
    decoding = task_defaults("continuation")
    decoding.max_time = 0.0  # the latency bound would make the text depend on machine load
    candidates = suggest(real_backend, ContinuationRequest(STORY, "sentence"), decoding)
    assert candidates, "no suggestion"
    best = candidates[0]
    assert len(_words(best)) >= 2
    assert best.strip() and best.strip() not in STORY
    # It ends at a sentence boundary or at the length limit, never with trailing space.
    assert best == best.rstrip()
    # The first word continues after "and": it starts with a space, not a doubled one.
    assert best.startswith(" ") and not best.startswith("  ")
    assert len(candidates) == len(set(candidates)) <= decoding.alternatives


def test_a_word_cut_off_at_the_cursor_is_completed(real_backend) -> None:
    decoding = task_defaults("continuation")
    decoding.alternatives = 1
    decoding.max_time = 0.0
    prefix = "After a long day at work, she finally went to sle"
    (best,) = suggest(real_backend, ContinuationRequest(prefix, "sentence"), decoding)
    # The word is finished ("ep…"), not followed by a new word or a stray space.
    assert best[0].isalpha(), best
    assert (prefix + best).split()[10].lower().startswith("sle")


def test_suggestions_through_the_worker_thread(real_backend) -> None:
    async def main() -> tuple[list[list[str]], list[str]]:
        assistant = Assistant()
        assistant._backend = real_backend  # the loaded model, handed to the worker that owns it
        assistant.start()
        try:
            job = assistant.continue_text(
                ContinuationRequest(STORY, "sentence"), task_defaults("continuation"), 512
            )
            updates = [event async for event in job]
            return updates, await job.result()
        finally:
            assistant.shutdown()

    updates, final = asyncio.run(main())
    assert final and final[0].strip()
    assert len(updates) >= 3  # it streamed
    assert updates[-1] == final or final[0].startswith(updates[-1][0])


def test_seed_reproduces_sampling_and_presets_differ(real_lm) -> None:
    from writer_app.config import Settings, find_preset
    from writer_app.engine.generation import generate

    prompt = "Write one sentence about the sea.\nThe sea"
    settings = Settings()
    creative = find_preset(settings, "draft", "Creative")
    creative.max_new_tokens = 24
    creative.seed = 1234
    a = generate(real_lm, prompt, creative).texts[0]
    b = generate(real_lm, prompt, creative).texts[0]
    creative.seed = 99
    c = generate(real_lm, prompt, creative).texts[0]
    assert a == b and a != c
    precise = find_preset(settings, "draft", "Precise")
    precise.max_new_tokens = 24
    greedy = generate(real_lm, prompt, precise).texts[0]
    assert greedy == generate(real_lm, prompt, precise).texts[0]  # greedy needs no seed
    assert greedy not in (a, c)


def test_int8_precision_runs(real_lm) -> None:
    from writer_app.config import Decoding
    from writer_app.engine.generation import generate
    from writer_app.engine.loader import load_model
    from writer_app.engine.quantize import Int8Linear

    lm = load_model("builtin", "cpu", precision="int8")
    assert lm.quantized and lm.describe().endswith("· CPU · int8")
    # Weight-only int8 (activations stay 16-bit): every projection and the output layer.
    assert sum(isinstance(m, Int8Linear) for m in lm.model.modules()) == 30 * 7 + 1
    text = generate(lm, STORY, Decoding(max_new_tokens=12)).texts[0]
    assert len(_words(text)) >= 3


def test_a_casual_sentence_rewritten_formal(real_backend) -> None:
    from writer_app.features.rewrite import rewrite_text
    from writer_app.tasks.rewrite import find_style

    casual = "hey, so the meeting got moved to friday cause the boss is out sick lol."
    result = rewrite_text(real_backend, casual, find_style("Formal"), task_defaults("rewrite"))
    text = result.text
    assert result.done == result.total == 1 and not result.failed
    assert text.strip() and text != casual
    assert "lol" not in text.lower()
    assert not re.match(r"\s*(sure|certainly|here is|here's)", text, re.I), text
    assert not text.startswith(('"', "“", "`"))
    assert "friday" in text.lower()


def tokens_of(lm, text: str) -> list[int]:
    return lm.tokenizer(text, add_special_tokens=False).input_ids


def test_prompt_lookup_checks_copied_text_in_fewer_passes(real_lm) -> None:
    import torch

    from writer_app.config import Decoding
    from writer_app.engine.generation import chat_ids, generate

    text = "The quick brown fox jumps over the lazy dog near the quiet river bank at dawn."
    ids = chat_ids(real_lm, [{"role": "user", "content": f"Repeat exactly: {text}"}])
    passes: list[int] = []
    hook = real_lm.model.register_forward_hook(lambda *_a: passes.append(1))
    try:
        d = Decoding(max_new_tokens=40, max_time=0.0)
        plain = generate(real_lm, ids, d, heal=False)
        plain_passes, passes[:] = len(passes), []
        looked = generate(real_lm, ids, d, heal=False, prompt_lookup=10)
    finally:
        hook.remove()
    assert len(passes) < plain_passes / 2, (len(passes), plain_passes)
    if looked.texts != plain.texts:
        # Checking several tokens in one pass may round a logit differently from checking
        # one: the two may part only where the top two logits tie (this CPU's bf16 often does).
        mine = tokens_of(real_lm, plain.texts[0])
        theirs = tokens_of(real_lm, looked.texts[0])
        at = next(
            i for i, (a, b) in enumerate(zip([*mine, -1], [*theirs, -2], strict=False)) if a != b
        )
        with torch.no_grad():
            logits = real_lm.model(torch.tensor([[*ids, *mine[:at]]])).logits[0, -1]
        top = torch.topk(logits.float(), 2).values
        assert at >= 5 and float(top[0] - top[1]) <= 0.125, (at, top, plain.texts, looked.texts)


def test_chinese_text_gets_a_warning_with_its_suggestions(real_backend) -> None:
    from writer_app.features.base import Notice
    from writer_app.features.continuation import CJK_NOTICE, cjk_warning

    events: list[object] = []
    decoding = dataclasses.replace(task_defaults("continuation"), max_time=0.0, alternatives=1)
    chinese = "今天早上我去了公园散步，天气很好，很多人在那里跑步和"
    suggest(
        real_backend, ContinuationRequest(chinese, "sentence"), decoding, on_update=events.append
    )
    assert Notice(CJK_NOTICE) in events
    assert not cjk_warning(STORY, real_backend.name)  # English: no warning
    assert not cjk_warning(chinese, "Qwen2.5-7B-Instruct")  # a bigger model: no warning
