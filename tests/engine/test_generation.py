"""Streaming, cancellable generation on a tiny random model."""

from __future__ import annotations

import threading

import pytest

from writer_app.config import Decoding
from writer_app.engine.generation import (
    GenerationCancelled,
    _Healing,
    _healing_split,
    generate,
    prompt_ids,
)

PROMPT = "The quick brown fox jumps over the lazy"


def test_greedy_is_deterministic_and_streams(tiny_lm) -> None:
    updates: list[list[str]] = []
    d = Decoding(max_new_tokens=8)
    first = generate(tiny_lm, PROMPT, d, on_update=updates.append)
    second = generate(tiny_lm, PROMPT, d)
    assert first.texts == second.texts and first.texts[0]
    assert first.new_tokens == 8
    assert updates[-1] == first.texts
    # Each update extends the previous one: the text streams in.
    lengths = [len(u[0]) for u in updates]
    assert lengths == sorted(lengths) and len(set(lengths)) > 2


def test_several_candidates_first_one_greedy(tiny_lm) -> None:
    greedy = generate(tiny_lm, PROMPT, Decoding(max_new_tokens=8)).texts[0]
    result = generate(tiny_lm, PROMPT, Decoding(max_new_tokens=8, seed=1), candidates=3)
    assert len(result.texts) == 3
    assert result.texts[0] == greedy
    assert len(set(result.texts)) > 1


def test_seed_makes_sampling_reproducible(tiny_lm) -> None:
    d = Decoding(do_sample=True, temperature=1.5, max_new_tokens=10, seed=7)
    a = generate(tiny_lm, PROMPT, d, candidates=2).texts
    b = generate(tiny_lm, PROMPT, d, candidates=2).texts
    c = generate(tiny_lm, PROMPT, Decoding(**{**d.__dict__, "seed": 8}), candidates=2).texts
    assert a == b and a != c


def test_rows_stop_when_the_caller_says_they_are_done(tiny_lm) -> None:
    result = generate(
        tiny_lm, PROMPT, Decoding(max_new_tokens=30), is_done=lambda text: len(text) >= 5
    )
    assert len(result.texts[0]) >= 5 and result.new_tokens < 30


def test_cancel_stops_within_a_token(tiny_lm) -> None:
    cancel = threading.Event()
    steps = []

    def on_update(texts: list[str]) -> None:
        steps.append(texts)
        if len(steps) == 3:
            cancel.set()

    result = generate(
        tiny_lm, PROMPT, Decoding(max_new_tokens=200), cancel=cancel, on_update=on_update
    )
    assert result.cancelled and result.new_tokens <= 4


def test_cancel_before_anything_raises(tiny_lm) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(GenerationCancelled):
        generate(tiny_lm, PROMPT, Decoding(max_new_tokens=50), cancel=cancel, heal=True)


def test_token_healing_backs_off_the_last_token(tiny_lm) -> None:
    ids = prompt_ids(tiny_lm, "The quick brown fox jumps over the laz", 100)
    shorter, required = _healing_split(tiny_lm, ids)
    assert len(shorter) == len(ids) - 1 and required.strip() and "laz".endswith(required.strip())
    # After a trailing space, the first token must start with that space (" brown", not
    # "brown"), as if the tokenizer had seen the whole text; every sampled row obeys.
    ids = prompt_ids(tiny_lm, "The quick ", 100)
    shorter, required = _healing_split(tiny_lm, ids)
    assert required == " "
    allowed = _Healing(tiny_lm, required, len(shorter)).allowed_for(required)
    texts = [tiny_lm.token_texts[i] for i in allowed.tolist()]
    assert " brown" in texts and all(t.startswith(" ") for t in texts)
    d = Decoding(do_sample=True, temperature=3.0, max_new_tokens=4, seed=3)
    assert all(generate(tiny_lm, "The quick ", d, candidates=8).texts)


def test_context_is_trimmed_to_the_token_budget(tiny_lm) -> None:
    long_text = " ".join(["word"] * 5000)
    assert 48 <= len(prompt_ids(tiny_lm, long_text, 64)) <= 64  # the start moves in chunks
    result = generate(tiny_lm, long_text, Decoding(max_new_tokens=3), max_context=64)
    assert result.new_tokens == 3


def test_shared_prefill_gives_what_plain_generate_gives(tiny_lm) -> None:
    """The prompt is read once and its cache copied per row; output must not change."""
    import torch

    ids = prompt_ids(tiny_lm, PROMPT, 100)
    plain = tiny_lm.model.generate(
        ids.unsqueeze(0),
        attention_mask=torch.ones(1, len(ids), dtype=torch.long),
        max_new_tokens=8,
        do_sample=False,
        pad_token_id=2,
    )
    expected = tiny_lm.tokenizer.decode(plain[0, len(ids) :])
    ours = generate(tiny_lm, PROMPT, Decoding(max_new_tokens=8), heal=False, candidates=3)
    assert ours.texts[0] == expected
