"""The cache that grows in place holds exactly what transformers' concatenating one holds,
through appends, crops, row repeats, reorders, copies and resets, without copying on append;
behind integer kernels a long one turns bfloat16, keeping the logits and perplexity."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from writer_app.engine import kv_cache
from writer_app.engine.kv_cache import GrowingLayer, new_cache


def _states(rows: int, tokens: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return (
        torch.randn(rows, 2, tokens, 8, generator=generator),
        torch.randn(rows, 2, tokens, 8, generator=generator),
    )


def _same(a: DynamicLayer, b: DynamicLayer) -> None:
    assert a.get_seq_length() == b.get_seq_length()
    assert a.keys is not None and a.values is not None
    assert b.keys is not None and b.values is not None
    assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)


def test_same_contents_as_concatenation_through_every_operation() -> None:
    grown, plain = GrowingLayer(), DynamicLayer()
    seed = 0

    def append(tokens: int, rows: int = 1) -> None:
        nonlocal seed
        seed += 1
        k, v = _states(rows, tokens, seed)
        got, want = grown.update(k, v), plain.update(k, v)
        assert all(torch.equal(g, w) for g, w in zip(got, want, strict=True))
        _same(grown, plain)

    append(5)
    for _ in range(kv_cache.ROOM + 20):  # past the first buffer's room
        append(1)
    for layer in (grown, plain):
        layer.crop(-10)
    _same(grown, plain)
    append(3)
    for layer in (grown, plain):
        layer.batch_repeat_interleave(3)
    append(1, rows=3)
    for layer in (grown, plain):
        layer.batch_select_indices(torch.tensor([2, 0]))
    append(2, rows=2)
    copied = copy.deepcopy(grown)
    k, v = _states(2, 1, 99)
    copied.update(k, v)  # a copy grows on its own
    _same(grown, plain)
    assert copied.get_seq_length() == grown.get_seq_length() + 1
    for layer in (grown, plain):
        layer.reset()
    append(4, rows=2)


@pytest.mark.parametrize("inference", [False, True])
def test_appending_writes_in_place(inference: bool) -> None:
    """Also under inference mode, as Writer generates (its views keep no `_base`)."""
    with torch.inference_mode(inference):
        layer = GrowingLayer()
        layer.update(*_states(1, 10, 1))
        assert layer.keys is not None
        start = layer.keys.data_ptr()
        for i in range(100):
            keys, _ = layer.update(*_states(1, 1, i + 2))
            assert keys.data_ptr() == start and keys.shape[-2] == 11 + i


def test_model_logits_match_the_concatenating_cache(tiny_lm) -> None:
    model = tiny_lm.model
    ids = tiny_lm.tokenizer("The sea was calm that night", return_tensors="pt").input_ids
    caches = [new_cache(model), DynamicCache(config=model.config)]
    assert type(caches[0].layers[0]) is GrowingLayer
    with torch.no_grad():
        outs = [model(ids, cache=c).logits for c in caches]
        for _ in range(5):
            torch.testing.assert_close(outs[0], outs[1])
            token = outs[1][:, -1:].argmax(-1)
            outs = [model(token, cache=c).logits for c in caches]


def _teacher_forced(model, ids: torch.Tensor, prompt: int, compact: bool) -> torch.Tensor:
    """Logits for ids[prompt:] one step at a time after ids[:prompt] as a prompt, with a
    cache that turns bfloat16 once long (the model's own) or one kept in float32."""
    cache = new_cache(model)
    layers: list[Any] = cache.layers
    for layer in layers:
        layer.compact = layer.compact if compact else None
    with torch.no_grad():
        out = [model(ids[:, :prompt], cache=cache).logits[:, -1:]]
        for t in range(prompt, ids.shape[1] - 1):
            out.append(model(ids[:, t : t + 1], cache=cache).logits)
        # A prompt of several tokens on the cache (transformers' forward, its attention).
        out.append(model(ids[:, -3:], cache=cache).logits)
    assert (layers[0].keys.dtype == torch.bfloat16) == compact
    return torch.cat(out, 1)[0]


def test_attention_is_timed_in_both_dtypes_for_the_models_shape() -> None:
    config = SimpleNamespace(
        num_attention_heads=9, num_key_value_heads=3, hidden_size=576, head_dim=64
    )
    speedup = kv_cache.bfloat16_attention_speedup(config, rounds=2)
    assert 0 < speedup < float("inf")


@pytest.mark.parametrize("speedup", [0.14, 1.1])
def test_long_caches_stay_float32_where_bfloat16_attention_is_not_clearly_faster(
    tiny_model_dir, monkeypatch: pytest.MonkeyPatch, speedup: float
) -> None:
    from writer_app.engine.loader import load_model

    monkeypatch.setattr(kv_cache, "bfloat16_attention_speedup", lambda config: speedup)
    lm = load_model(str(tiny_model_dir), "cpu", precision="int4")
    assert lm.model.config._attn_implementation == "sdpa"
    ids = torch.randint(3, lm.model.config.vocab_size, (1, kv_cache.COMPACT_FROM + 8))
    cache = new_cache(lm.model)
    with torch.no_grad():
        lm.model(ids, cache=cache)
    layers: list[Any] = cache.layers
    assert layers[0].keys.dtype == torch.float32


def test_integer_models_keep_long_caches_in_bfloat16_where_that_is_faster(
    tiny_model_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    from writer_app.engine import quantize
    from writer_app.engine.loader import load_model

    if not quantize.fast_int_kernels():
        pytest.skip("no fast integer kernels on this CPU: the model stays float")
    monkeypatch.setattr(kv_cache, "bfloat16_attention_speedup", lambda config: 2.0)
    lm = load_model(str(tiny_model_dir), "cpu", precision="int4")
    assert lm.model.config._attn_implementation == kv_cache.ATTENTION
    plain = load_model(str(tiny_model_dir), "cpu", precision="float32")
    assert plain.model.config._attn_implementation == "sdpa"
    layers: list[Any] = new_cache(plain.model).layers
    assert all(layer.compact is None for layer in layers)

    short = new_cache(lm.model)
    with torch.no_grad():
        lm.model(torch.tensor([[5, 60, 70, 80]]), cache=short)
    short_layers: list[Any] = short.layers
    assert short_layers[0].keys.dtype == torch.float32  # short caches stay float32

    ids = torch.randint(3, lm.model.config.vocab_size, (1, kv_cache.COMPACT_FROM + 40),
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    compact = _teacher_forced(lm.model, ids, 200, compact=True)
    full = _teacher_forced(lm.model, ids, 200, compact=False)
    assert lm.model.forward.steps > kv_cache.COMPACT_FROM - 200  # the lean step took them
    error = (compact - full).abs().max()
    assert 0 < error < 0.02 * full.abs().max(), (error, full.abs().max())


@pytest.fixture
def compact_real_lm(real_lm, monkeypatch: pytest.MonkeyPatch):
    """The built-in model with long caches in bfloat16, as on a machine where that is the
    faster (set back afterwards: other tests share the model)."""
    attention = real_lm.model.config._attn_implementation
    monkeypatch.setattr(kv_cache, "bfloat16_attention_speedup", lambda config: 2.0)
    assert kv_cache.keep_16bit(real_lm.model)
    yield real_lm
    real_lm.model.set_attn_implementation(attention)


@pytest.mark.real_model
def test_a_bfloat16_cache_keeps_the_real_models_perplexity(compact_real_lm) -> None:
    from writer_app import bench

    lm = compact_real_lm
    ids = lm.tokenizer(bench.document(lm.tokenizer, 470), return_tensors="pt").input_ids
    target = ids[0, 200:]

    def perplexity(compact: bool) -> float:
        logits = _teacher_forced(lm.model, ids, 200, compact)[: len(target)]
        return float(torch.nn.functional.cross_entropy(logits.float(), target).exp())

    full, compact = perplexity(False), perplexity(True)
    # Measured: 26.99 all float32, 26.98 with the cache bfloat16 from position 256 on.
    assert abs(compact / full - 1) <= 0.01, (compact, full)
