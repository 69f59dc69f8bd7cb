"""The lean decoding step: the same logits as transformers' forward, taken only for plain
steps, fused weights shared with the model's own layers, and used by real generation."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers import DynamicCache, StaticCache

from writer_app.config import Decoding
from writer_app.engine import decode_step, quantize
from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.generation import generate
from writer_app.engine.loader import load_model


def _steps(lm, rows: int, steps: int, lean: bool) -> list[torch.Tensor]:
    """Logits of greedy steps after a prompt, through the lean step or transformers' own."""
    model = lm.model
    forward = model.forward if lean else model.forward.forward
    ids = lm.tokenizer(["The sea was calm that night"] * rows, return_tensors="pt").input_ids
    cache = DynamicCache(config=model.config)
    out: list[torch.Tensor] = []
    with torch.no_grad():
        logits = forward(ids, cache=cache, use_cache=True).logits[:, -1:]
        for _ in range(steps):
            token = logits.argmax(-1)
            mask = torch.ones(rows, cache.get_seq_length() + 1, dtype=torch.long)
            logits = forward(token, attention_mask=mask, cache=cache).logits
            out.append(logits)
    return out


@pytest.mark.parametrize("rows", [1, 3])
def test_same_logits_as_transformers_in_float32(tiny_lm, rows: int) -> None:
    step = tiny_lm.model.forward
    assert isinstance(step, DecodeStep)
    before = step.steps
    lean = _steps(tiny_lm, rows, 6, lean=True)
    assert step.steps == before + 6
    plain = _steps(tiny_lm, rows, 6, lean=False)
    assert step.steps == before + 6  # transformers' path does not count
    for got, want in zip(lean, plain, strict=True):
        assert got.shape == want.shape == (rows, 1, tiny_lm.model.config.vocab_size)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_other_calls_take_transformers_path(tiny_lm) -> None:
    model, step = tiny_lm.model, tiny_lm.model.forward
    ids = tiny_lm.tokenizer(["a b c", "a b c"], return_tensors="pt").input_ids
    with torch.no_grad():
        cache = DynamicCache(config=model.config)
        model(ids, cache=cache)  # a prompt: several tokens
        before = step.steps
        token = ids[:, -1:]
        padded = torch.ones(2, cache.get_seq_length() + 1, dtype=torch.long)
        padded[0, 0] = 0
        out = model(token, attention_mask=padded, cache=cache)  # padding
        assert out.logits.shape[:2] == (2, 1)
        model(token, cache=cache, output_hidden_states=True)  # extras
        static = StaticCache(config=model.config, max_cache_len=32)
        model(ids, cache=static)
        model(token, cache=static)  # another kind of cache
        assert step.steps == before
        model(token, cache=cache)
        assert step.steps == before + 1


def test_generation_is_unchanged_and_uses_the_lean_step(tiny_lm) -> None:
    step = tiny_lm.model.forward
    decoding = Decoding(max_new_tokens=12)
    before = step.steps
    lean = generate(tiny_lm, "Once upon a time", decoding, heal=False).texts
    assert step.steps >= before + 10
    decode_step.remove(tiny_lm.model)
    try:
        assert not isinstance(tiny_lm.model.forward, DecodeStep)
        plain = generate(tiny_lm, "Once upon a time", decoding, heal=False).texts
    finally:
        assert decode_step.install(tiny_lm.model)
    assert lean == plain and lean[0]


def test_fused_float_weights_share_memory_with_the_layers(tiny_lm) -> None:
    fused = tiny_lm.model.forward.plans[0].qkv.fused
    assert isinstance(fused, nn.Linear)
    attn = tiny_lm.model.model.layers[0].self_attn
    start = 0
    for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
        assert proj.weight.untyped_storage().data_ptr() == fused.weight.untyped_storage().data_ptr()
        torch.testing.assert_close(proj.weight, fused.weight[start : start + proj.out_features])
        start += proj.out_features


def test_only_llama_models_get_it(tiny_model_dir) -> None:
    lm = load_model(str(tiny_model_dir), "cpu")
    lm.model.config.model_type = "not-llama"
    decode_step.remove(lm.model)
    assert not decode_step.install(lm.model)
    assert not isinstance(lm.model.forward, DecodeStep)


@pytest.mark.skipif(not quantize.fast_int_kernels(), reason="no fast int4 kernels")
def test_int4_model_steps_match_transformers(tiny_model_dir) -> None:
    # The tiny model's projections (32 and 16 outputs) are too small to fuse: each is called.
    lm = load_model(str(tiny_model_dir), "cpu", precision="int4")
    assert lm.model.forward.plans[0].qkv.fused is None
    for got, want in zip(_steps(lm, 2, 4, True), _steps(lm, 2, 4, False), strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=0.05)


@pytest.mark.real_model
def test_real_model_lean_step(real_lm) -> None:
    step = real_lm.model.forward
    assert isinstance(step, DecodeStep)
    if real_lm.weights == "int4":  # the built-in model's projections fuse into one kernel call
        fused = step.plans[0].qkv.fused
        assert isinstance(fused, quantize.Int4Linear) and fused.out_features == 960
        q = real_lm.model.model.layers[0].self_attn.q_proj
        assert q.packed.untyped_storage().data_ptr() == fused.packed.untyped_storage().data_ptr()
    # Activations are rounded to bfloat16 for the int4 kernel, so the last digits can differ
    # with the order of operations; the likeliest tokens agree.
    for got, want in zip(_steps(real_lm, 1, 8, True), _steps(real_lm, 1, 8, False), strict=True):
        assert float((got - want).abs().max()) < 1.0
        assert got.argmax(-1).item() in want.topk(2).indices.flatten().tolist()
    before = step.steps
    text = generate(
        real_lm, "The lighthouse keeper climbed the stairs", Decoding(max_new_tokens=20)
    ).texts[0]
    assert step.steps > before + 10 and len(text.split()) >= 5


@pytest.mark.real_model
def test_real_model_float32_is_exact(real_lm) -> None:
    lm = load_model("builtin", "cpu", precision="float32")
    for got, want in zip(_steps(lm, 2, 4, True), _steps(lm, 2, 4, False), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-4)


@pytest.mark.skipif(not quantize.fast_int_kernels(), reason="no fast int4 kernels")
def test_layers_replaced_after_install_take_transformers_path(tiny_model_dir) -> None:
    lm = load_model(str(tiny_model_dir), "cpu", precision="float32")
    step = lm.model.forward
    with torch.no_grad():
        quantize.quantize(lm.model, bits=8)  # the step's plan still names the float layers
    lean = _steps(lm, 1, 3, lean=True)
    assert step.steps == 0  # so it stood aside
    for got, want in zip(lean, _steps(lm, 1, 3, lean=False), strict=True):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("bias", [False, True])
def test_float_layers_fuse_with_or_without_bias(bias: bool) -> None:
    from writer_app.engine.decode_step import _fused

    torch.manual_seed(0)
    parts = [nn.Linear(32, n, bias=bias) for n in (32, 16, 16)]
    x = torch.randn(2, 32)
    want = torch.cat([p(x) for p in parts], -1)
    fused = _fused(parts)
    assert fused is not None and torch.equal(fused(x), want)
    assert torch.equal(torch.cat([p(x) for p in parts], -1), want)  # the parts, now views
    mixed = [nn.Linear(32, 16, bias=True), nn.Linear(32, 16, bias=False)]
    assert _fused(mixed) is None
