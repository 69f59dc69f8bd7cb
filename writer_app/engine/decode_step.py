"""One new token through a Llama model on the CPU, without the general-purpose machinery.

A small model decoding on a CPU spends as long on per-layer bookkeeping as on its matrix
products: transformers' forward serves every option on every call, each projection is its
own kernel call, its norm takes eight, and its attention path builds masks. For the call
that decoding makes over and over (one new token per row, a `DynamicCache`, no padding, no
extras), `install` routes the model's forward through a lean path: q/k/v and gate/up each as
one matrix product over weights fused once (the separate projections become views into
them, so no memory is added), RMSNorm as one call, the rotary embedding for queries and keys
in one pass, attention as one unmasked grouped-query kernel call, integer layers as their
bare kernels, each layer's weights gathered once; the model's own rotary frequencies,
activation, cache and output layer. Every other call (a prompt, padding,
other kinds of cache, requests for attentions or hidden states) goes to transformers'
forward unchanged. In float32 the logits are the same to the last bit. When every
projection is an integer kernel call, the layers run compiled instead, with the same calls
and the same logits (`engine.scripted_layers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.modeling_outputs import CausalLMOutputWithPast

from writer_app.engine import scripted_layers
from writer_app.engine.kv_cache import GrowingLayer
from writer_app.engine.quantize import Int4Linear, Int8Linear, _QuantizedLinear

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
    if all(type(p) is Int8Linear for p in parts):
        return Int8Linear.fuse(parts)
    if not all(type(p) is nn.Linear for p in parts):
        return None
    linears: list[nn.Linear] = parts
    has_bias = {p.bias is not None for p in linears}
    if len(has_bias) != 1 or len({(p.weight.dtype, p.weight.device) for p in linears}) != 1:
        return None
    weight = torch.cat([p.weight.detach() for p in linears])
    bias = torch.cat([p.bias.detach() for p in linears]) if has_bias.pop() else None
    fused = nn.Linear(linears[0].in_features, weight.shape[0], bias=False, device="meta")
    fused.weight = nn.Parameter(weight, requires_grad=False)
    if bias is not None:
        fused.bias = nn.Parameter(bias, requires_grad=False)
    start = 0
    for p in linears:
        end = start + p.out_features
        p.weight = nn.Parameter(fused.weight[start:end], requires_grad=False)
        if fused.bias is not None:
            p.bias = nn.Parameter(fused.bias[start:end], requires_grad=False)
        start = end
    return fused


class _Product:
    """One projection as a bare call: an integer layer straight to its kernel (input made
    bfloat16, output left in bfloat16, no module machinery), anything else as its module."""

    __slots__ = ("args", "op")

    def __init__(self, layer: nn.Module) -> None:
        if isinstance(layer, _QuantizedLinear) and layer.bias is None:
            self.op, self.args = layer.product()
        else:
            self.op, self.args = layer, ()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.args:
            return self.op(x.to(torch.bfloat16), *self.args)
        return self.op(x)

    def integer(self) -> tuple[torch.Tensor, torch.Tensor, int] | None:
        """(weight, scales, group size) of an int4 kernel call, group size 0 for an int8
        one; None for anything else."""
        args: Any = self.args
        if self.op is torch._weight_int4pack_mm_for_cpu:
            return args[0], args[2], args[1]
        if self.op is torch._weight_int8pack_mm:
            return args[0], args[1], 0
        return None


class _Group:
    """Several projections of one input, their outputs side by side: one product when the
    layers fuse, else each in turn."""

    def __init__(self, parts: list[Any]) -> None:
        self.sizes = [int(p.out_features) for p in parts]
        self.fused = _fused(parts)
        self.products = [_Product(p) for p in ([self.fused] if self.fused else parts)]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.products) == 1:
            return self.products[0](x)
        return torch.cat([product(x) for product in self.products], -1)

    def integer(self) -> tuple[torch.Tensor, torch.Tensor, int] | None:
        """As `_Product.integer`, for a group that is one product."""
        return self.products[0].integer() if len(self.products) == 1 else None


class _Plan(NamedTuple):
    """What one decoder layer needs for a step, gathered once (attribute lookups on modules
    cost as much as the small operations they feed)."""

    norm1: torch.Tensor
    eps1: float
    qkv: _Group
    o: _Product
    norm2: torch.Tensor
    eps2: float
    gate_up: _Group
    down: _Product
    scaling: float


def _plan(layer: Any) -> _Plan:
    attn, mlp = layer.self_attn, layer.mlp
    first, second = layer.input_layernorm, layer.post_attention_layernorm
    return _Plan(
        first.weight,
        first.variance_epsilon,
        _Group([attn.q_proj, attn.k_proj, attn.v_proj]),
        _Product(attn.o_proj),
        second.weight,
        second.variance_epsilon,
        _Group([mlp.gate_proj, mlp.up_proj]),
        _Product(mlp.down_proj),
        attn.scaling,
    )


class DecodeStep:
    """The model's forward, with a lean path for plain decoding steps (see the module doc)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.forward = model.forward  # transformers' own, for everything else
        config = model.config
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        layers = model.model.layers
        self.plans = [_plan(layer) for layer in layers]
        self.head = _Product(model.lm_head)
        self.act = F.silu if config.hidden_act == "silu" else layers[0].mlp.act_fn
        self.first_q = layers[0].self_attn.q_proj  # to notice layers replaced since
        self.steps = 0  # lean steps taken (for tests and measurements)
        self.scripted_steps = 0  # those through the compiled layers
        self.use_compiled = True  # False: the layers call by call (for comparisons)
        # The compiled layers (`engine.scripted_layers`), for the plans they were made from;
        # the adapters they follow; the cache views they handed out last, and their room.
        self._compiled: Any = None
        self._compiled_for: list[_Plan] | None = None
        self._adapters: list[Any] = []
        self._adapted = False
        self._handed: list[torch.Tensor] | None = None
        self._room_end = 0

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
        if self.model.model.layers[0].self_attn.q_proj is not self.first_q:
            return False  # the layers were replaced (say, quantized) after `install`
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
        dtype, hidden = x.dtype, x.shape[-1:]
        length = cache.get_seq_length()
        if positions is None:
            positions = torch.full((rows, 1), length, device=x.device)
        cos, sin = inner.rotary_emb(x, positions)
        # Llama rotates pairs (i, i + dim/2): x * cos + (-x2, x1) * sin, written with a roll
        # and the sign folded into sin. [rows, 1 head axis, 1 position, dim]
        half = self.head_dim // 2
        cos, sin = cos[:, None], torch.cat((-sin[..., :half], sin[..., half:]), -1)[:, None]
        compiled = self._layers() if self.use_compiled else None
        if compiled is not None and self._rooms(compiled, cache, x, length + 1):
            active = any(adapter.active for adapter in self._adapters)
            if active != self._adapted:
                compiled.adapted = self._adapted = active
            keys, values = scripted_layers.run(compiled, x, cos, sin, length)
            for layer, k, v in zip(cache.layers, keys, values, strict=True):
                layer.keys, layer.values = k, v
            self._handed = keys
            self.scripted_steps += 1
        else:
            self._eager_layers(x, cos, sin, cache)
        norm = inner.norm
        logits = self.head(torch.rms_norm(x, hidden, norm.weight, norm.variance_epsilon))
        return logits.to(dtype).view(rows, 1, -1)

    def _eager_layers(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: Any
    ) -> None:
        """The layers call by call, x ([rows, hidden]) updated in place."""
        rows, dtype, hidden = x.shape[0], x.dtype, x.shape[-1:]
        half = self.head_dim // 2
        heads, kv_heads, dim = self.heads, self.kv_heads, self.head_dim
        qk_heads, qk_width = heads + kv_heads, (heads + kv_heads) * dim
        rms_norm, attention, act = torch.rms_norm, F.scaled_dot_product_attention, self.act
        for plan, layer in zip(self.plans, cache.layers, strict=True):
            qkv = plan.qkv(rms_norm(x, hidden, plan.norm1, plan.eps1)).to(dtype)
            # Rotary positions for the query and key heads together (one pass, not two).
            qk = qkv[:, :qk_width].reshape(rows, qk_heads, 1, dim)
            qk = qk * cos + qk.roll(half, -1) * sin
            q, k = qk.split((heads, kv_heads), 1)
            k, v = layer.update(k, qkv[:, qk_width:].reshape(rows, kv_heads, 1, dim))
            if k.dtype != q.dtype:  # a long cache kept in bfloat16 (`kv_cache.keep_16bit`)
                q = q.to(k.dtype)
            # One query sees every key: no mask. Each key/value head serves several query
            # heads (grouped-query attention), which the kernel handles without copies.
            context = attention(q, k, v, scale=plan.scaling, enable_gqa=True)
            x.add_(plan.o(context.reshape(rows, heads * dim)))
            gate, up = plan.gate_up(rms_norm(x, hidden, plan.norm2, plan.eps2)).split(
                plan.gate_up.sizes, -1
            )
            x.add_(plan.down(act(gate) * up))

    def _layers(self) -> Any:
        """The compiled layers for the current plans (made again when an adapter changes
        them); None where some projection is not one integer kernel call."""
        if self._compiled_for is not self.plans:
            self._compiled_for = self.plans
            self._compiled, self._adapters = _compile(self)
            self._adapted = bool(self._compiled is not None and self._compiled.adapted)
            self._handed = None
        return self._compiled

    def _rooms(self, compiled: Any, cache: Any, x: torch.Tensor, end: int) -> bool:
        """Whether the cache can take this step through the compiled layers, which write
        into its buffers: its layers grow in place, and have room up to `end` (made here
        when they lack it). Cheap while the cache holds what the last step handed out."""
        handed, layers = self._handed, cache.layers
        if (
            handed is not None
            and end <= self._room_end
            and all(layer.keys is keys for layer, keys in zip(layers, handed, strict=True))
        ):
            return True
        if any(type(layer) is not GrowingLayer for layer in layers):
            return False
        new = x.new_empty(x.shape[0], self.kv_heads, 1, self.head_dim)
        for layer in layers:
            layer.reserve(new, end)
        compiled.key_rooms = [layer.key_room for layer in layers]
        compiled.value_rooms = [layer.value_room for layer in layers]
        self._room_end = min(int(layer.key_room.shape[2]) for layer in layers)
        return True


def _compile(step: DecodeStep) -> tuple[Any, list[Any]]:
    """The step's layers compiled (`engine.scripted_layers`), and the adapters whose updates
    they hold; (None, []) unless every projection is one integer kernel call (with an int8
    update, if any) in layers of one shape."""
    first = step.plans[0]
    widths = [step.heads * step.head_dim] + [step.kv_heads * step.head_dim] * 2
    if step.act is not F.silu:
        return None, []
    norms, eps, adapters = [], [], []
    slots: list[list[list[torch.Tensor]]] = []
    groups: list[list[int]] = []
    for plan in step.plans:
        if (plan.qkv.sizes, plan.gate_up.sizes, plan.scaling) != (
            widths,
            first.gate_up.sizes,
            first.scaling,
        ):
            return None, []
        norms.append([plan.norm1, plan.norm2])
        eps.append([float(plan.eps1), float(plan.eps2)])
        slots.append([])
        groups.append([])
        for slot in (plan.qkv, plan.o, plan.gate_up, plan.down):
            kernel = slot.integer()
            if kernel is None:
                return None, []
            weight, scales, group = kernel
            low_rank = getattr(slot, "low_rank", None)  # an adapter's slot (`engine.lora`)
            update, adapter = low_rank() if low_rank else ([], None)
            slots[-1].append([weight, scales, *update])
            groups[-1].append(group)
            if adapter is not None and adapter not in adapters:
                adapters.append(adapter)
    shape = (step.heads, step.kv_heads, step.head_dim, first.gate_up.sizes[0])
    layers = scripted_layers.ScriptedLayers(norms, eps, slots, groups, shape, first.scaling)
    compiled = scripted_layers.compile_layers(layers)
    return (compiled, adapters) if compiled is not None else (None, [])


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
