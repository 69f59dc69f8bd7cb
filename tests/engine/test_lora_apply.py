"""Generating with an adapter: what peft computes, on float and int4 layers, through
transformers' forward and the lean decoding step; switched per prompt; refused clearly
when damaged or made for another model; the model's own weights never change."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from adapter_corpus import train_tiny
from transformers import AutoModelForCausalLM, DynamicCache

from writer_app.config import Model
from writer_app.engine import adapters, decode_step, quantize
from writer_app.engine.adapters import AdapterError
from writer_app.engine.backend import Chat
from writer_app.engine.loader import LoadedModel, load_model
from writer_app.engine.local import LocalBackend
from writer_app.engine.prefix_cache import PrefixCache
from writer_app.options import Decoding

GREEDY = Decoding(max_new_tokens=10, max_time=0.0)
IDS = torch.tensor([[5, 60, 70, 80, 90, 100, 33, 44, 120, 7]])


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def adapter(tiny_model_dir: Path) -> str:
    train_tiny(tiny_model_dir, "mine", max_steps=8)
    return "mine"


def _fresh(model_dir: Path, precision: str = "float32") -> LoadedModel:
    """A model of its own (hooks are attached to it; the session's tiny_lm stays clean)."""
    return load_model(str(model_dir), "cpu", precision=precision)


def _peft(base: Any, name: str) -> Any:
    from peft import PeftModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # transformers' notices for peft
        model = PeftModel.from_pretrained(base, str(adapters.adapter_dir(name)))
    return model.eval()


def _logits(model: Any, ids: torch.Tensor = IDS) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=ids).logits[0]


def _lean_last(lm: LoadedModel, ids: torch.Tensor = IDS) -> torch.Tensor:
    """The last position's logits from a lean decoding step after the rest as a prompt."""
    step = lm.model.forward
    assert isinstance(step, decode_step.DecodeStep)
    taken = step.steps
    with torch.no_grad():
        cache = DynamicCache()
        lm.model(input_ids=ids[:, :-1], cache=cache, use_cache=True)
        out = lm.model(input_ids=ids[:, -1:], cache=cache, use_cache=True).logits[0, -1]
    assert step.steps == taken + 1  # the lean path ran, not transformers' forward
    return out


def test_an_adapter_changes_generation_and_comes_off_completely(
    tiny_model_dir: Path, adapter: str
) -> None:
    backend = LocalBackend(_fresh(tiny_model_dir))
    plain = backend.generate("The quick brown", GREEDY).texts[0]
    backend.use_adapter(adapter)
    assert backend.describe().endswith("· adapter mine")
    adapted = backend.generate("The quick brown", GREEDY).texts[0]
    assert adapted != plain
    backend.use_adapter(None)
    assert backend.generate("The quick brown", GREEDY).texts[0] == plain
    assert "adapter" not in backend.describe()


def test_float_logits_equal_a_peft_wrapped_model_on_both_paths(
    tiny_model_dir: Path, adapter: str
) -> None:
    lm = _fresh(tiny_model_dir)
    plain = _logits(lm.model)
    backend = LocalBackend(lm)
    backend.use_adapter(adapter, "all")
    assert backend.adapter is not None
    backend.adapter.sync()
    reference = _logits(_peft(AutoModelForCausalLM.from_pretrained(tiny_model_dir), adapter))
    ours = _logits(lm.model)
    assert (reference - plain).abs().max() > 1.0  # the adapter matters
    torch.testing.assert_close(ours, reference, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(_lean_last(lm), reference[-1], atol=1e-4, rtol=1e-4)


def _dequantized_copy(model_dir: Path, lm: LoadedModel) -> Any:
    """The float model whose Linear weights are exactly what `lm`'s integer layers hold."""
    base: Any = AutoModelForCausalLM.from_pretrained(model_dir)
    with torch.no_grad():
        for name, module in lm.model.named_modules():
            if isinstance(module, quantize.Int4Linear | quantize.Int8Linear):
                base.get_submodule(name).weight.copy_(module.dequantized())
    return base


@pytest.mark.parametrize("rank", [4, 16])
def test_int4_layers_get_the_update_as_a_product_of_its_own(
    tiny_model_dir: Path, rank: int
) -> None:
    adapter = f"rank{rank}"
    train_tiny(tiny_model_dir, adapter, max_steps=8, rank=rank)
    lm = _fresh(tiny_model_dir, "int4")
    q = lm.model.model.layers[0].self_attn.q_proj
    assert isinstance(q, quantize.Int4Linear)
    packed = {n: b.clone() for n, b in lm.model.named_buffers()}
    plain = _logits(lm.model)
    backend = LocalBackend(lm)
    backend.use_adapter(adapter, "all")
    assert backend.adapter is not None
    backend.adapter.sync()
    reference = _logits(_peft(_dequantized_copy(tiny_model_dir, lm), adapter))
    ours = _logits(lm.model)
    # The int4 kernel rounds activations to bfloat16: close, not equal; the adapter's own
    # effect is far larger than that.
    effect = (ours - plain).abs().max()
    error = (ours - reference).abs().max()
    assert effect > 1.0 and error < 0.02 * effect, (effect, error)
    lean_error = (_lean_last(lm) - reference[-1]).abs().max()
    assert lean_error < 0.02 * effect, (effect, lean_error)
    # Behind the int4 kernels the lean step's updates are int8 products where the kernel
    # takes their widths (inputs in multiples of 16: rank 16, not rank 4's q/k/v's 12).
    step = lm.model.forward
    assert isinstance(step, decode_step.DecodeStep)
    slots: list[Any] = [slot for plan in step.plans for slot in (plan.qkv, plan.o)]
    int8 = rank == 16 and quantize.fast_int_kernels()
    assert all(bool(slot.int8) == int8 for slot in slots)
    backend.use_adapter(None)
    for name, buffer in lm.model.named_buffers():  # the 4-bit codes were never touched
        assert torch.equal(buffer, packed[name]), name
    torch.testing.assert_close(_logits(lm.model), plain, atol=0, rtol=0)


def test_the_lean_step_keeps_its_fused_int4_kernels(tiny_model_dir: Path, adapter: str) -> None:
    lm = _fresh(tiny_model_dir, "int4")
    step = lm.model.forward
    assert isinstance(step, decode_step.DecodeStep)
    fused = [plan.qkv.fused for plan in step.plans]
    backend = LocalBackend(lm)
    backend.use_adapter(adapter)
    result = backend.generate("The quick brown", GREEDY)
    assert result.new_tokens == 10 and step.steps >= 9
    slots: list[Any] = [plan.qkv for plan in step.plans]
    assert all(type(slot).__name__ == "_LeanSlot" for slot in slots)
    assert all(slot.base.fused is f for slot, f in zip(slots, fused, strict=True))
    backend.use_adapter(None)
    assert [plan.qkv.fused for plan in step.plans] == fused


def test_chat_prompts_use_the_adapter_only_when_asked(tiny_model_dir: Path, adapter: str) -> None:
    backend = LocalBackend(_fresh(tiny_model_dir))
    chat = Chat([{"role": "user", "content": "Write about the river."}])
    plain = backend.generate(chat, GREEDY).texts[0]
    backend.use_adapter(adapter)  # continuations only (text prompts): the default
    assert backend.generate(chat, GREEDY).texts[0] == plain
    backend.use_adapter(adapter, "all")
    assert backend.generate(chat, GREEDY).texts[0] != plain


def test_a_cached_prompt_is_not_reused_with_other_weights(
    tiny_model_dir: Path, adapter: str
) -> None:
    backend = LocalBackend(_fresh(tiny_model_dir))
    text = "The quick brown fox jumps over the lazy dog. She opened the door and"
    plain = backend.generate(text, GREEDY).texts[0]
    session = PrefixCache()
    backend.use_adapter(adapter)
    adapted = backend.generate(text, GREEDY, session=session).texts[0]
    assert adapted != plain
    again = backend.generate(text + " looked", GREEDY, session=session)
    assert session.reused > 0 and again.texts[0]  # same weights: the cache is reused
    backend.use_adapter(None)
    assert backend.generate(text, GREEDY, session=session).texts[0] == plain
    assert session.reused == 0


def test_a_damaged_adapter_is_refused_and_the_model_works_on(
    tiny_model_dir: Path, adapter: str
) -> None:
    weights = adapters.adapter_dir(adapter) / adapters.WEIGHTS
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF
    weights.write_bytes(bytes(data))
    backend = LocalBackend(_fresh(tiny_model_dir))
    with pytest.raises(AdapterError, match="'mine' is damaged"):
        backend.use_adapter(adapter)
    assert backend.adapter is None
    assert backend.generate("The quick", GREEDY).texts[0]
    # From the settings: a notice, and the model without it.
    from writer_app.engine.backends import open_local

    opened = open_local(Model(model=str(tiny_model_dir), adapter=adapter), lambda _m: None)
    assert isinstance(opened, LocalBackend) and opened.adapter is None
    assert any("is damaged" in n and "continuing without it" in n for n in opened.notices)


def test_an_adapter_for_another_model_is_refused(
    tiny_model_dir: Path, adapter: str, tmp_path: Path
) -> None:
    other_dir = tmp_path / "other-model"
    shutil.copytree(tiny_model_dir, other_dir)
    other = _fresh(other_dir)
    with torch.no_grad():
        other.model.model.layers[0].self_attn.q_proj.weight.mul_(2)
    decode_step.remove(other.model)
    other.model.save_pretrained(other_dir)
    backend = LocalBackend(_fresh(other_dir))
    with pytest.raises(AdapterError, match=r"trained for tiny-model\w*, not for other-model"):
        backend.use_adapter(adapter)
    assert backend.adapter is None


def test_the_setting_says_which_tasks_use_the_adapter(tiny_model_dir: Path, adapter: str) -> None:
    from writer_app.engine.backends import open_local

    chat = Chat([{"role": "user", "content": "Write about the river."}])
    plain = LocalBackend(_fresh(tiny_model_dir)).generate(chat, GREEDY).texts[0]
    for use, scope in (("continuations", "text"), ("every task", "all")):
        model = Model(model=str(tiny_model_dir), adapter=adapter, adapter_use=use)
        opened = open_local(model, lambda _m: None)
        assert isinstance(opened, LocalBackend) and opened.adapter_scope == scope
        changed = opened.generate(chat, GREEDY).texts[0] != plain
        assert changed == (use == "every task")  # a chat prompt: only for every task
        opened.close()
