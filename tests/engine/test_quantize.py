"""Integer-weight Linear layers (int4, int8) for fast CPU decoding: close to float on the tiny
model, exact for 4-bit weights, and as good as float32 on the real built-in model."""

from __future__ import annotations

import copy
import math
import re

import pytest
import torch
from torch import nn

from writer_app.config import Decoding
from writer_app.engine import quantize
from writer_app.engine.generation import generate
from writer_app.engine.loader import cpu_weights, load_model
from writer_app.engine.prefix_cache import PrefixCache
from writer_app.engine.quantize import Int4Linear, Int8Linear

needs_kernels = pytest.mark.skipif(
    not quantize.fast_int_kernels(), reason="this CPU has no fast int4/int8 kernels"
)


def _linear(out_features: int, in_features: int, bias: bool = False) -> nn.Linear:
    torch.manual_seed(0)
    return nn.Linear(in_features, out_features, bias=bias)


def _relative_error(got: torch.Tensor, want: torch.Tensor) -> float:
    return float((got - want).norm() / want.norm())


@pytest.mark.parametrize("kind", [Int4Linear, Int8Linear])
@pytest.mark.parametrize("shape", [(7,), (2, 5), (3, 1, 4)])
def test_output_is_close_to_float_for_any_leading_dims(kind, shape) -> None:
    linear = _linear(96, 64, bias=True)
    layer = kind.from_linear(linear)
    x = torch.randn(*shape, 64)
    with torch.no_grad():
        want = linear(x)
    got = layer(x)
    assert got.shape == (*shape, 96) and got.dtype == torch.float32
    # int4 rounds random (not 4-bit) weights to 16 levels per group; int8 to 255 per row.
    assert _relative_error(got, want) < (0.15 if kind is Int4Linear else 0.02)
    assert layer(x.to(torch.bfloat16)).dtype == torch.bfloat16


def test_4bit_weights_are_reproduced_exactly() -> None:
    # Weights made of Q4_1-style blocks: per group of 32, min + q * scale with q in 0..15.
    torch.manual_seed(1)
    q = torch.randint(0, 16, (48, 64)).float()
    scale = torch.rand(48, 2, 1) * 0.1 + 0.01
    low = -torch.rand(48, 2, 1)
    q[:, 0], q[:, 1], q[:, 32], q[:, 33] = 0, 15, 0, 15  # every group spans 0..15
    weight = (q.reshape(48, 2, 32) * scale + low).reshape(48, 64)
    linear = nn.Linear(64, 48, bias=False)
    with torch.no_grad():
        linear.weight.copy_(weight)
    assert quantize.is_4bit(weight) and not quantize.is_4bit(_linear(48, 64).weight)
    codes, _, _ = quantize.quantize_groups(weight)
    assert codes.eq(q).all()
    layer = Int4Linear.from_linear(linear)
    # Only bfloat16 rounding remains (of the scales, the minimums and the kernel's output).
    assert ((layer.dequantized() - weight).abs() <= 2**-7 * (weight.abs() + 1.0)).all()
    x = torch.randn(4, 64)
    want = (x.to(torch.bfloat16).float() @ weight.t()).float()
    assert _relative_error(layer(x), want) < 0.01


def test_int8_weights_are_within_half_a_step() -> None:
    linear = _linear(40, 32)
    layer = Int8Linear.from_linear(linear)
    step = layer.scales.float()[:, None]
    assert ((layer.dequantized() - linear.weight).abs() <= step / 2 + 1e-6).all()


def test_layers_the_int4_kernel_cannot_take_get_int8() -> None:
    model = nn.Sequential(_linear(48, 64), _linear(40, 48), _linear(40, 40))
    model.lm_head = _linear(64, 40)
    assert quantize.quantize(model, bits=4) == 2  # 40 inputs: not whole groups of 16
    assert isinstance(model[0], Int4Linear)  # 64 in, 48 out
    assert isinstance(model[1], Int8Linear)  # 48 inputs: not whole groups of 32
    assert isinstance(model[2], nn.Linear)
    assert isinstance(model.lm_head, nn.Linear)


@needs_kernels
@pytest.mark.parametrize("precision", ["int4", "int8"])
def test_tiny_model_loads_quantized_and_generates(tiny_model_dir, tiny_lm, precision) -> None:
    lm = load_model(str(tiny_model_dir), "cpu", precision=precision)
    assert lm.quantized and lm.describe().endswith(f"· CPU · {precision}")
    head = lm.model.get_output_embeddings()
    assert isinstance(head, Int8Linear)  # the output layer keeps 8 bits
    linears = [m for m in lm.model.modules() if isinstance(m, (Int4Linear, Int8Linear))]
    assert len(linears) == 2 * 7 + 1 and not any(type(m) is nn.Linear for m in lm.model.modules())
    ids = lm.tokenizer("The quick brown fox jumps", return_tensors="pt").input_ids
    with torch.inference_mode():
        got = lm.model(ids).logits
        want = tiny_lm.model(ids).logits
    assert got.argmax(-1).eq(want.argmax(-1)).float().mean() >= 0.8
    prompt = "The quick brown fox"
    one = generate(lm, prompt, Decoding(max_new_tokens=8, alternatives=1))
    assert one.texts[0].strip()


@needs_kernels
def test_quantized_model_with_prefix_cache_beams_and_candidates(tiny_model_dir) -> None:
    lm = load_model(str(tiny_model_dir), "cpu", precision="int4")
    text = "She opened the door and looked outside. It was raining"
    greedy = Decoding(max_new_tokens=6, alternatives=1)
    cache = PrefixCache()
    first = generate(lm, text, greedy, prefix_cache=cache)
    again = generate(lm, text + " again", greedy, prefix_cache=cache)
    fresh = generate(lm, text + " again", greedy)
    assert again.texts == fresh.texts and first.texts[0]
    several = generate(lm, text, Decoding(max_new_tokens=6, seed=3), candidates=3)
    assert len(several.texts) == 3 and all(several.texts)
    beams = generate(lm, text, Decoding(max_new_tokens=6, num_beams=3))
    assert beams.texts[0]
    healed = generate(lm, "She opened the do", greedy, heal=True)
    assert healed.texts[0]


def test_auto_picks_int4_only_for_4bit_models_with_fast_kernels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = nn.Sequential(_linear(32, 32))
    monkeypatch.setattr(quantize, "fast_int_kernels", lambda: False)
    assert cpu_weights("auto", model) == "" and cpu_weights("int4", model) == "int4"
    monkeypatch.setattr(quantize, "fast_int_kernels", lambda: True)
    assert cpu_weights("auto", model) == ""  # random weights are not 4-bit: float32
    assert cpu_weights("float32", model) == "" and cpu_weights("int8", model) == "int8"


# The real built-in model ------------------------------------------------------------------

REAL_TEXT = (
    "The harbour town woke slowly in winter. Fishing boats knocked against the quay, gulls "
    "argued over the nets, and the baker on Water Street lit his ovens long before the sun "
    "cleared the hills. Most mornings the fog sat on the bay like a grey blanket, and the "
    "lighthouse kept sounding its horn until the ferry had safely passed the rocks. "
    "Mara had come back to the town after eleven years away. She rented the narrow house "
    "above the chandlery, where the stairs creaked in three places and the windows rattled "
    "whenever the wind swung round to the north. Her plan was simple: repair the old boat "
    "her grandfather had left her, sell it in the spring, and leave again before anyone "
    "asked too many questions. Photosynthesis is the process by which green plants use "
    "sunlight, water and carbon dioxide to make sugars, releasing oxygen as a by-product. "
    "It takes place mainly in the leaves, inside small structures called chloroplasts."
)


def _perplexity(model: nn.Module, ids: torch.Tensor) -> float:
    with torch.inference_mode():
        return math.exp(float(model(ids, labels=ids).loss))


@pytest.mark.real_model
@needs_kernels
def test_real_model_int4_and_int8_keep_float32_quality(real_lm) -> None:
    fp32 = load_model("builtin", "cpu", precision="float32")
    ids = fp32.tokenizer(REAL_TEXT, return_tensors="pt").input_ids
    reference = _perplexity(fp32.model, ids)
    prompt = "The old lighthouse keeper climbed the narrow stairs every evening. At the top, he"
    for bits, bound in ((4, 1.02), (8, 1.05)):
        model = copy.deepcopy(fp32.model)
        with torch.no_grad():
            quantize.quantize(model, bits=bits)
        assert _perplexity(model, ids) < reference * bound, bits
    # int4 is exact on the built-in (Q4_1) model: auto picks it, and it writes English.
    assert quantize.looks_4bit(fp32.model)
    assert real_lm.precision == "int4"  # auto
    text = generate(real_lm, prompt, Decoding(max_new_tokens=20, alternatives=1)).texts[0]
    words = re.findall(r"[a-z]+", text.lower())
    assert len(words) >= 8 and {"the", "a", "and", "to", "his", "of"} & set(words), text


@needs_kernels
def test_auto_loads_a_4bit_model_as_int4(tiny_model_dir, tmp_path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # The tiny model with every Linear weight rounded to 4-bit groups, as a GGUF Q4_1 model is.
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear) and module is not model.lm_head:
                codes, scale, low = quantize.quantize_groups(module.weight)
                groups = codes.reshape(*scale.shape, -1).float() * scale[..., None]
                module.weight.copy_((groups + low[..., None]).reshape(module.weight.shape))
    model.save_pretrained(tmp_path / "q4")
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(tmp_path / "q4")
    assert load_model(str(tmp_path / "q4"), "cpu").precision == "int4"
    assert load_model(str(tiny_model_dir), "cpu").precision == "float32"


@needs_kernels
def test_int4_layers_fuse_into_one_kernel_call_without_copies() -> None:
    torch.manual_seed(2)
    parts = [Int4Linear.from_linear(_linear(n, 128)) for n in (128, 64, 64)]
    x = torch.randn(3, 128)
    separate = torch.cat([p(x) for p in parts], -1)
    fused = Int4Linear.fuse(parts)
    assert fused is not None and fused.out_features == 256
    assert torch.equal(fused(x), separate)
    assert torch.equal(torch.cat([p(x) for p in parts], -1), separate)  # the parts still work
    for p in parts:  # ...on rows of the fused weight, not on copies
        assert p.packed.untyped_storage().data_ptr() == fused.packed.untyped_storage().data_ptr()
    # Packed rows come in blocks of 64: smaller parts (or a bias) do not fuse.
    assert Int4Linear.fuse([Int4Linear.from_linear(_linear(n, 128)) for n in (32, 32)]) is None
    assert Int4Linear.fuse([Int4Linear.from_linear(_linear(64, 128, bias=True))] * 2) is None


def test_the_int8_layer_is_the_same_quantized_side_by_side() -> None:
    from concurrent.futures import ThreadPoolExecutor

    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 9000, bias=False)  # three slices of rows, the last short
    alone = quantize.Int8Linear.from_linear(linear)
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = quantize.Int8Linear.from_linear(linear, pool.map)
    assert torch.equal(alone.weight_int8, together.weight_int8)
    assert torch.equal(alone.scales, together.scales)
    assert alone.weight_int8.abs().max() == 127
