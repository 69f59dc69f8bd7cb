"""Reusing the cache of the previous prompt gives exactly what reading it afresh gives."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app.config import Decoding
from writer_app.engine.generation import generate, prompt_ids
from writer_app.engine.prefix_cache import PrefixCache, window

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "writer", "writes",
         "words", "river", "quiet", "cold"]  # fmt: skip


def _edit(text: str, rng: random.Random) -> str:
    """Append, insert in the middle, delete, or paste: what a writer does between pauses."""
    kind = rng.choice(["append", "append", "insert", "delete", "paste"])
    word = rng.choice(WORDS)
    if kind == "append" or not text:
        return text + " " + word
    at = rng.randrange(len(text))
    if kind == "insert":
        return text[:at] + word + " " + text[at:]
    if kind == "delete":
        return text[:at] + text[at + rng.randrange(1, 12) :]
    return text[:at] + " ".join(rng.choices(WORDS, k=rng.randrange(3, 15))) + text[at:]


def _logits_with(lm, cache_store: PrefixCache, ids: torch.Tensor) -> torch.Tensor:
    cache = cache_store.take(lm.model, ids)
    start = cache.get_seq_length()
    with torch.inference_mode():
        out = lm.model(input_ids=ids[start:].unsqueeze(0), cache=cache, use_cache=True)
    cache_store.keep(lm.model, ids, cache)
    return out.logits[0, -1]


def _logits_fresh(lm, ids: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return lm.model(input_ids=ids.unsqueeze(0)).logits[0, -1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_random_edits_give_the_same_logits_as_from_scratch(tiny_lm, seed: int) -> None:
    rng = random.Random(seed)
    store = PrefixCache()
    text = " ".join(rng.choices(WORDS, k=30))
    reused = []
    for _ in range(8):
        text = _edit(text, rng)
        ids = prompt_ids(tiny_lm, text, 96)
        cached = _logits_with(tiny_lm, store, ids)
        reused.append(store.reused)
        assert torch.allclose(cached, _logits_fresh(tiny_lm, ids), atol=1e-4)
    assert any(reused)  # the cache was actually used


def test_greedy_continuations_are_identical_with_the_cache(tiny_lm) -> None:
    rng = random.Random(7)
    store = PrefixCache()
    text = " ".join(rng.choices(WORDS, k=40))
    d = Decoding(max_new_tokens=6, alternatives=1)
    for _ in range(12):
        text = _edit(text, rng)
        with_cache = generate(tiny_lm, text, d, max_context=80, prefix_cache=store)
        fresh = generate(tiny_lm, text, d, max_context=80)
        assert with_cache.texts == fresh.texts
    # Typing at the end reuses all but the last few tokens.
    before = prompt_ids(tiny_lm, text, 80)
    generate(tiny_lm, text + " fox", d, max_context=80, prefix_cache=store)
    assert store.reused >= len(before) - 3


def test_alternatives_use_a_copy_and_leave_the_kept_cache_intact(tiny_lm) -> None:
    store = PrefixCache()
    text = "the quick brown fox jumps over the lazy dog " * 3
    d = Decoding(max_new_tokens=5, alternatives=3, seed=3)
    first = generate(tiny_lm, text, d, prefix_cache=store)
    assert store.cache is not None and store.cache.get_seq_length() == len(store.ids)
    again = generate(tiny_lm, text, d, prefix_cache=store)
    assert again.texts == first.texts
    assert store.reused == len(store.ids) - 1


def test_a_different_model_never_reuses_the_cache(tiny_lm, tiny_model_dir) -> None:
    from writer_app.engine.loader import load_model

    other = load_model(str(tiny_model_dir), "cpu")
    store = PrefixCache()
    ids = prompt_ids(tiny_lm, "the quick brown fox", 64)
    _logits_with(tiny_lm, store, ids)
    store.take(other.model, ids)
    assert store.reused == 0


@pytest.mark.parametrize(
    ("length", "max_tokens", "kept"),
    [(10, 16, 10), (17, 16, 13), (20, 16, 16), (21, 16, 13), (100, 16, 16)],
)
def test_the_window_moves_in_quarters(length: int, max_tokens: int, kept: int) -> None:
    ids = torch.arange(length)
    assert len(window(ids, max_tokens)) == kept
    assert window(ids, max_tokens)[-1] == length - 1


def test_the_window_start_stays_put_while_typing() -> None:
    # 128 tokens typed (a quarter of the window) before the start moves again.
    starts = {int(window(torch.arange(n), 512)[0]) for n in range(641, 641 + 128)}
    assert starts == {256}
    assert int(window(torch.arange(641 + 128), 512)[0]) == 384
