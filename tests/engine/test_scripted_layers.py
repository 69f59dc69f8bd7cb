"""The lean step's layers compiled by TorchScript: the same logits as the layers called one by
one, bit for bit (growing caches, 16-bit caches, several rows, adapters' int8 updates on and
off), taken only where every projection is one integer kernel call, and the eager layers
wherever it cannot compile."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from writer_app.config import Decoding
from writer_app.engine import decode_step, kv_cache, quantize, scripted_layers
from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.generation import generate
from writer_app.engine.lora import _LeanSlot

pytestmark = pytest.mark.skipif(not quantize.fast_int_kernels(), reason="no fast int4 kernels")


def _model(bits: int = 4, compact: bool = False) -> Any:
    """A random 2-layer Llama whose projections fuse (outputs in whole packed blocks)."""
    config = LlamaConfig(
        vocab_size=300,
        hidden_size=128,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
    )
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        quantize.quantize(model, bits=bits)
    assert decode_step.install(model)
    if compact:  # as on a machine where bfloat16 attention is the faster
        with mock.patch.object(kv_cache, "bfloat16_attention_speedup", return_value=2.0):
            assert kv_cache.keep_16bit(model)
    return model


def _both_ways(model: Any, rows: int, prompt: int, steps: int) -> list[torch.Tensor]:
    """Greedy steps after a random prompt, each taken through the compiled layers and again
    (on a copy of the cache as it was) through the eager ones: their logits, checked equal."""
    step: DecodeStep = model.forward
    torch.manual_seed(1)
    ids = torch.randint(3, 300, (rows, prompt))
    cache = kv_cache.new_cache(model)
    out = []
    with torch.no_grad():
        token = model(ids, cache=cache, use_cache=True).logits[:, -1:].argmax(-1)
        for _ in range(steps):
            step.use_compiled = True
            compiled = model(token, cache=cache, use_cache=True).logits
            cache.crop(-1)  # the eager layers write the same position again
            step.use_compiled = False
            eager = model(token, cache=cache, use_cache=True).logits
            assert torch.equal(compiled, eager)
            out.append(compiled)
            token = compiled.argmax(-1)
    return out


@pytest.mark.parametrize("rows", [1, 3])
def test_compiled_layers_give_the_eager_logits(rows: int) -> None:
    model = _model()
    step: DecodeStep = model.forward
    _both_ways(model, rows, 8, 6)
    assert step.scripted_steps == 6


def test_through_a_cache_that_grows_and_turns_16_bit() -> None:
    # From position 256 a compact model's cache moves to bfloat16 buffers; the compiled
    # layers write into the new ones.
    model = _model(compact=True)
    step: DecodeStep = model.forward
    _both_ways(model, 1, kv_cache.ROOM - 3, 6)
    assert step.scripted_steps == 6


def test_int8_layers_compile_too() -> None:
    model = _model(bits=8)
    _both_ways(model, 2, 5, 3)
    assert model.forward.scripted_steps == 3


def test_generation_runs_compiled_and_keeps_its_text() -> None:
    model = _model()
    step: DecodeStep = model.forward
    ids = torch.randint(3, 300, (1, 12), generator=torch.Generator().manual_seed(2))

    def run() -> torch.Tensor:
        cache = kv_cache.new_cache(model)  # Writer's: it grows in place
        return model.generate(ids, cache=cache, max_new_tokens=20, do_sample=False, pad_token_id=0)

    with torch.no_grad():
        compiled = run()
        taken = step.scripted_steps
        step.use_compiled = False
        eager = run()
    assert taken >= 19 and step.scripted_steps == taken
    assert torch.equal(compiled, eager)


OUTPUTS = {"qkv": 256, "o": 128, "gate_up": 256, "down": 128}  # _model's (all take 128)


def _adapt(step: DecodeStep, state: Any) -> None:
    """Random low-rank updates (rank 16) behind every slot, as `engine.lora` makes them."""
    torch.manual_seed(3)
    step.plans = [
        plan._replace(
            **{
                name: _LeanSlot(
                    getattr(plan, name),
                    torch.randn(16, 128) * 0.1,
                    torch.randn(outputs, 16) * 0.1,
                    state,  # type: ignore[arg-type]
                )
                for name, outputs in OUTPUTS.items()
            }
        )
        for plan in step.plans
    ]


def test_adapter_updates_compile_and_switch_off() -> None:
    model = _model()
    step: DecodeStep = model.forward
    plain = _both_ways(model, 1, 6, 2)
    state = SimpleNamespace(active=True)
    _adapt(step, state)
    slots: list[Any] = [slot for plan in step.plans for slot in (plan.qkv, plan.down)]
    assert all(isinstance(slot, _LeanSlot) and slot.int8 for slot in slots)
    adapted = _both_ways(model, 1, 6, 2)
    assert step.scripted_steps == 4
    assert float((adapted[0] - plain[0]).abs().max()) > 1e-3  # the updates count
    state.active = False
    assert all(torch.equal(a, b) for a, b in zip(_both_ways(model, 1, 6, 2), plain, strict=True))
    assert step.scripted_steps == 6


def _generate_steps(model: Any) -> None:
    ids = torch.randint(3, 300, (1, 5), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        cache = kv_cache.new_cache(model)
        model.generate(ids, cache=cache, max_new_tokens=4, do_sample=False, pad_token_id=0)


def test_float_layers_and_failed_compiles_run_eager(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = LlamaConfig(
        vocab_size=300, hidden_size=128, intermediate_size=128, num_hidden_layers=1,
        num_attention_heads=4, num_key_value_heads=2,
    )  # fmt: skip
    model = LlamaForCausalLM(config).eval()
    assert decode_step.install(model)
    _generate_steps(model)
    assert model.forward.steps > 0 and model.forward.scripted_steps == 0  # float weights

    def no_script(_layers: Any) -> Any:
        raise RuntimeError("could not get source code")

    monkeypatch.setattr(scripted_layers, "_unavailable", None)
    monkeypatch.setattr(torch.jit, "script", no_script)
    int4 = _model()
    _generate_steps(int4)
    assert int4.forward.steps > 0 and int4.forward.scripted_steps == 0
    assert scripted_layers.unavailable() == "RuntimeError: could not get source code"
    assert "decoding layers not compiled (RuntimeError: could not get source code)" in caplog.text


@pytest.mark.real_model
def test_real_model_decodes_compiled(real_lm) -> None:
    step = real_lm.model.forward
    assert isinstance(step, DecodeStep)
    if real_lm.weights != "int4":
        pytest.skip("the built-in model loaded without int4 kernels")
    decoding = Decoding(max_new_tokens=24)
    prompt = "The lighthouse keeper climbed the stairs"
    before = step.scripted_steps
    compiled = generate(real_lm, prompt, decoding, heal=False).texts
    assert step.scripted_steps >= before + 20
    step.use_compiled = False
    try:
        eager = generate(real_lm, prompt, decoding, heal=False).texts
    finally:
        step.use_compiled = True
    assert compiled == eager and len(compiled[0].split()) >= 5
