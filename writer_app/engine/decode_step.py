"""One new token through a Llama model, without the general-purpose machinery.

A small model decoding on a CPU spends as long on per-layer bookkeeping as on its matrix
products: transformers' forward serves every option on every call, each projection is its
own kernel call, its norm takes eight, and its attention path builds masks. For the call
that decoding makes over and over (one new token per row, a `DynamicCache`, no padding, no
extras), `install` routes the model's forward through a lean path: q/k/v and gate/up each as
one matrix product over weights fused once (the separate projections become views into
them, so no memory is added), RMSNorm as one call, the rotary embedding for queries and keys
in one pass, and attention as one unmasked grouped-query kernel call; the model's own
rotary frequencies, activation, cache and output layer. Every other call (a prompt, padding,
other kinds of cache, requests for attentions or hidden states) goes to transformers'
forward unchanged. In float32 the logits are the same to the last bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.modeling_outputs import CausalLMOutputWithPast

from writer_app.engine.kv_cache import GrowingLayer
from writer_app.engine.quantize import Int4Linear, _QuantizedLinear

SUPPORTED = ("llama",)  # the built-in model's family (SmolLM2, TinyLlama, Llama 2/3)

# Arguments a decoding step may carry with the values that keep it a plain step.
_PLAIN = {
    "use_cache": (True, None),
    "return_dict": (True, None),
    "output_attentions": (False, None),
    "output_hidden_states": (False, None),
    "logits_to_keep": (0, 1),
}


def _fused(parts: list[Any]) -> nn.Module | None:
    """One layer computing all `parts` on the same input, or None when they cannot merge.

    The parts are re-pointed at slices of the fused weights, so nothing is stored twice.
    """
    if all(type(p) is Int4Linear for p in parts):
        return Int4Linear.fuse(parts)
    if not all(type(p) is nn.Linear for p in parts):
        return None
    linears: list[nn.Linear] = parts
    has_bias = {p.bias is not None for p in linears}
    if len(has_bias) != 1 or len({(p.weight.dtype, p.weight.device) for p in linears}) != 1:
        return None
    weight = torch.cat([p.weight.detach() for p in linears])
    fused = nn.Linear(
        linears[0].in_features, weight.shape[0], bias=has_bias.pop(), device=weight.device
    )
    fused.weight = nn.Parameter(weight, requires_grad=False)
    if fused.bias is not None:
        fused.bias = nn.Parameter(torch.cat([p.bias.detach() for p in parts]), False)
    start = 0
    for p in linears:
        end = start + p.out_features
        p.weight = nn.Parameter(fused.weight[start:end], requires_grad=False)
        if fused.bias is not None:
            p.bias = nn.Parameter(fused.bias[start:end], requires_grad=False)
        start = end
    return fused


def _norm(norm: Any, x: torch.Tensor) -> torch.Tensor:
    """Llama's RMSNorm in one call (the module makes eight)."""
    return F.rms_norm(x, norm.weight.shape, norm.weight, norm.variance_epsilon)


def _apply(layer: Any, x: torch.Tensor) -> torch.Tensor:
    """A projection of rows [M, K]; integer layers answer in their kernel's bfloat16, and an
    input already in bfloat16 goes to the kernel as is (no conversions to and fro)."""
    if isinstance(layer, _QuantizedLinear) and layer.bias is None:
        return layer.kernel(x.to(torch.bfloat16))
    return layer(x)


class _Projections:
    """Several projections of one input: one matrix product when they fuse, else each."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts
        self.sizes = [int(p.out_features) for p in parts]
        self.fused = _fused(parts)

    def joined(self, x: torch.Tensor) -> torch.Tensor:
        """The outputs side by side, [M, sum of out_features]."""
        if self.fused is None:
            return torch.cat([_apply(p, x) for p in self.parts], -1)
        return _apply(self.fused, x)

    def __call__(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.joined(x).split(self.sizes, -1)


class _Layer:
    def __init__(self, layer: Any) -> None:
        attn, mlp = layer.self_attn, layer.mlp
        self.layer = layer
        self.qkv = _Projections([attn.q_proj, attn.k_proj, attn.v_proj])
        self.gate_up = _Projections([mlp.gate_proj, mlp.up_proj])


class DecodeStep:
    """The model's forward, with a lean path for plain decoding steps (see the module doc)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.forward = model.forward  # transformers' own, for everything else
        config = model.config
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.layers = [_Layer(layer) for layer in model.model.layers]
        mlp = model.model.layers[0].mlp
        self.act = F.silu if config.hidden_act == "silu" else mlp.act_fn
        self.steps = 0  # lean steps taken (for tests and measurements)

    def __call__(self, input_ids: Any = None, attention_mask: Any = None, **kwargs: Any) -> Any:
        cache = kwargs.get("cache", kwargs.get("past_key_values"))
        if self._plain_step(input_ids, attention_mask, cache, kwargs):
            with torch.no_grad():
                logits = self._step(input_ids, cache, kwargs.get("position_ids"))
            self.steps += 1
            return CausalLMOutputWithPast(logits=logits, cache=cache)
        return self.forward(input_ids, attention_mask=attention_mask, **kwargs)

    def _plain_step(self, input_ids: Any, attention_mask: Any, cache: Any, kwargs: Any) -> bool:
        if self.model.training or not isinstance(input_ids, torch.Tensor):
            return False
        if input_ids.dim() != 2 or input_ids.shape[1] != 1:
            return False
        if type(cache) is not DynamicCache or cache.get_seq_length() == 0:
            return False
        if any(type(layer) not in (DynamicLayer, GrowingLayer) for layer in cache.layers):
            return False  # sliding windows, offloading, quantized caches: transformers' path
        for name, value in kwargs.items():
            if name in ("cache", "past_key_values", "position_ids", "cache_position"):
                continue
            if name not in _PLAIN or value not in _PLAIN[name]:
                return False
        return attention_mask is None or bool(attention_mask.all())

    def _step(self, input_ids: torch.Tensor, cache: Any, positions: Any) -> torch.Tensor:
        inner: Any = self.model.model
        rows = input_ids.shape[0]
        # [rows, hidden]: one token per row. A fresh tensor, so the residual sums go in place
        # (and take the integer kernels' bfloat16 outputs as they are).
        x = inner.embed_tokens(input_ids.view(rows))
        dtype = x.dtype
        if positions is None:
            positions = torch.full((rows, 1), cache.get_seq_length(), device=x.device)
        cos, sin = inner.rotary_emb(x, positions)
        # Llama rotates pairs (i, i + dim/2): x * cos + (-x2, x1) * sin, written with a roll
        # and the sign folded into sin. [rows, 1 head axis, 1 position, dim]
        half = self.head_dim // 2
        cos, sin = cos[:, None], torch.cat((-sin[..., :half], sin[..., half:]), -1)[:, None]
        heads, kv_heads, dim = self.heads, self.kv_heads, self.head_dim
        for index, parts in enumerate(self.layers):
            layer: Any = parts.layer
            attn, mlp = layer.self_attn, layer.mlp
            qkv = parts.qkv.joined(_norm(layer.input_layernorm, x)).to(dtype)
            # Rotary positions for the query and key heads together (one pass, not two).
            qk = qkv[:, : (heads + kv_heads) * dim].reshape(rows, heads + kv_heads, 1, dim)
            qk = qk * cos + qk.roll(half, -1) * sin
            q, k = qk.split((heads, kv_heads), 1)
            v = qkv[:, (heads + kv_heads) * dim :].reshape(rows, kv_heads, 1, dim)
            k, v = cache.update(k, v, index)
            # One query sees every key: no mask. Each key/value head serves several query
            # heads (grouped-query attention), which the kernel handles without copies.
            context = F.scaled_dot_product_attention(q, k, v, scale=attn.scaling, enable_gqa=True)
            x.add_(_apply(attn.o_proj, context.reshape(rows, heads * dim)))
            gate, up = parts.gate_up(_norm(layer.post_attention_layernorm, x))
            x.add_(_apply(mlp.down_proj, self.act(gate) * up))
        logits = _apply(self.model.lm_head, _norm(inner.norm, x))
        return logits.to(dtype).view(rows, 1, -1)


def install(model: nn.Module) -> bool:
    """Give a supported model the lean decoding step; False (and no change) otherwise."""
    if isinstance(model.forward, DecodeStep):
        return True
    config = getattr(model, "config", None)
    if getattr(config, "model_type", None) not in SUPPORTED or not hasattr(model, "lm_head"):
        return False
    if getattr(config, "sliding_window", None) or getattr(config, "pretraining_tp", 1) != 1:
        return False
    model.forward = DecodeStep(model)
    return True


@contextmanager
def transformers_only(model: nn.Module) -> Iterator[None]:
    """Run the model on transformers' forward alone for a while (baselines, comparisons)."""
    step = model.forward
    if isinstance(step, DecodeStep):
        model.forward = step.forward
    try:
        yield
    finally:
        if isinstance(step, DecodeStep):
            model.forward = step


def remove(model: nn.Module) -> None:
    """Back to transformers' forward alone (before moving the model: the fused weights are
    not its submodules, so `model.to` would leave them behind)."""
    if isinstance(model.forward, DecodeStep):
        del model.forward
