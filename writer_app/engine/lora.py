"""A stored adapter applied to a loaded model, leaving the model's own weights as they are.

Each adapted layer gets its low-rank update as a small product of its own, added to what
the layer computes: y = layer(x) + (x Aᵀ)(s B)ᵀ, with A [r, in] and B [out, r] in float32
(s = alpha / r, folded into B). Nothing is merged, so:
- the layer may hold anything: float weights, or the int4/int8 integer weights of
  `engine.quantize`, whose packed codes are never touched (merging into 4-bit groups would
  round the update away);
- the adapter switches on and off per call at no cost (`active`), so that one model serves
  prompts with and without it; and it comes off again completely (`detach`).

Two paths run the layers, and both get the update:
- transformers' forward (prompts, and everything on a GPU) calls the layer modules: a
  forward hook adds the update to each adapted module's output;
- the lean decoding step (`engine.decode_step`) calls fused kernels, not the modules: its
  per-layer plan is rebuilt so that each fused group (q/k/v, gate/up) is followed by one
  product over the group's stacked A matrices and one over a block-diagonal B, so the group
  stays one int4 kernel call. Parts the step still calls as modules keep their hook's
  update, and are left out of the group's (never added twice). Behind integer kernels those
  two products are int8 ones too, on the same bfloat16 input (A and B with a scale per row,
  as `quantize.Int8Linear` keeps weights): a decoding step reads each weight once per token,
  and float32 updates added an eighth to what it reads (rank 16 on q/k/v/o: 11 MB on the
  built-in model's 81; `tools/exp_adapter_updates.py`, median ratios of 20 rounds: 0.82x
  and 0.91x of the speed without the adapter with them, 0.90x and 0.95x with int8 ones).
  With int8 updates every slot is integer kernels only, so the step's layers still run
  compiled (`engine.scripted_layers`, through `integer`/`low_rank`), the updates inside:
  0.95–0.97x of the speed without the adapter, against 0.71–0.73x for float32 updates,
  which keep the layers eager.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from writer_app.engine import adapters, decode_step, quantize
from writer_app.engine.adapters import Adapter, AdapterError
from writer_app.engine.loader import LoadedModel

PREFIX = "base_model.model."  # peft's names: base_model.model.<module>.lora_A.weight


@dataclass
class Delta:
    """One layer's low-rank update: y += (x Aᵀ) Bᵀ (B holds the scaling)."""

    a: torch.Tensor  # [r, in]
    b: torch.Tensor  # [out, r]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(F.linear(x.to(self.a.dtype), self.a), self.b)


def _read_config(adapter: Adapter) -> tuple[float, bool]:
    """(lora_alpha, use_rslora) from the adapter's peft config, refusing what is not a plain
    LoRA on Linear layers."""
    try:
        config = json.loads((adapter.folder / adapters.CONFIG).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AdapterError(f"The adapter {adapter.name!r} is damaged: its config: {exc}") from None
    if not isinstance(config, dict) or config.get("peft_type") not in ("LORA", "lora"):
        raise AdapterError(f"The adapter {adapter.name!r} is not a LoRA adapter")
    unsupported = [
        what
        for what, bad in (
            ("DoRA", config.get("use_dora")),
            ("bias training", config.get("bias", "none") != "none"),
            ("extra trained modules", config.get("modules_to_save")),
            ("fan-in/fan-out layers", config.get("fan_in_fan_out")),
            ("per-layer alphas", config.get("alpha_pattern")),
        )
        if bad
    ]
    if unsupported:
        raise AdapterError(
            f"The adapter {adapter.name!r} uses {', '.join(unsupported)}, which Writer cannot apply"
        )
    alpha = config.get("lora_alpha")
    if not isinstance(alpha, int | float) or alpha <= 0:
        raise AdapterError(f"The adapter {adapter.name!r} is damaged: no valid lora_alpha")
    return float(alpha), bool(config.get("use_rslora"))


def read_deltas(adapter: Adapter, model: nn.Module) -> dict[str, Delta]:
    """The adapter's updates by module name, checked against `model` (float32, CPU)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    alpha, rslora = _read_config(adapter)
    try:
        tensors = load_file(str(adapter.folder / adapters.WEIGHTS))
    except (SafetensorError, OSError, ValueError) as exc:
        raise AdapterError(f"The adapter {adapter.name!r} is damaged: {exc}") from None
    pairs: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in tensors.items():
        for part in ("lora_A", "lora_B"):
            suffix = f".{part}.weight"
            if key.startswith(PREFIX) and key.endswith(suffix):
                pairs.setdefault(key[len(PREFIX) : -len(suffix)], {})[part] = tensor
                break
        else:
            raise AdapterError(f"The adapter {adapter.name!r} holds a weight Writer cannot apply")
    if not pairs:
        raise AdapterError(f"The adapter {adapter.name!r} is empty")
    deltas: dict[str, Delta] = {}
    misfit = f"The adapter {adapter.name!r} does not fit this model"
    for name, pair in pairs.items():
        try:
            module = model.get_submodule(name)
        except AttributeError:
            raise AdapterError(f"{misfit} (it has no layer {name})") from None
        a, b = pair.get("lora_A"), pair.get("lora_B")
        shape_in, shape_out = (
            getattr(module, "in_features", None),
            getattr(module, "out_features", None),
        )
        if (
            a is None
            or b is None
            or a.dim() != 2
            or b.dim() != 2
            or a.shape[0] != b.shape[1]
            or a.shape[1] != shape_in
            or b.shape[0] != shape_out
        ):
            raise AdapterError(f"{misfit} (layer {name} has other dimensions)")
        rank = a.shape[0]
        scaling = alpha / (rank**0.5 if rslora else rank)
        deltas[name] = Delta(a.float().contiguous(), (b.float() * scaling).contiguous())
    return deltas


def _int8_rows(weight: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(codes, scales): `weight` [out, in] as the int8 kernel's arguments."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=False, device="meta")
    layer.weight = nn.Parameter(weight, requires_grad=False)
    return quantize.Int8Linear.from_linear(layer).product()[1]  # type: ignore[return-value]


def _integer(slot: Any) -> bool:
    """Whether a plan slot runs integer kernels only (bfloat16 in and out)."""
    return all(getattr(p, "args", ()) for p in getattr(slot, "products", [slot]))


class _LeanSlot:
    """A slot of the lean step's plan (a fused group, or one product) followed by the low-rank
    updates of its parts: one product over the stacked A, one over a block-diagonal B; int8
    ones behind integer kernels (see the module doc), float32 ones otherwise."""

    def __init__(self, base: Any, a: torch.Tensor, b: torch.Tensor, state: Attached) -> None:
        self.base = base
        self.sizes = getattr(base, "sizes", None)  # the step splits a group's output by these
        self.state = state
        self.int8: tuple[torch.Tensor, ...] = ()
        fits = quantize.int8_fits(a.shape[1]) and quantize.int8_fits(a.shape[0])
        if fits and _integer(base) and quantize.fast_int_kernels():
            self.int8 = (*_int8_rows(a), *_int8_rows(b))
            a = b = a.new_empty(0, 0)  # not kept twice
        # Transposed once: plain matrix products on [rows, in] inputs are the fastest call
        # (3x faster than linear() plus a mixed bfloat16/float32 sum, measured).
        self.at, self.bt = a.t().contiguous(), b.t().contiguous()

    def integer(self) -> tuple[torch.Tensor, torch.Tensor, int] | None:
        """As the lean step's slots (`decode_step`): the layer's kernel, when it and the
        update are integer kernels (then the step may run compiled, with `low_rank`)."""
        return self.base.integer() if self.int8 else None

    def low_rank(self) -> tuple[list[torch.Tensor], Attached]:
        """The int8 update [A, A's scales, B, B's scales] and whose it is (on while active)."""
        return list(self.int8), self.state

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.int8:
            x = x.to(torch.bfloat16)  # once for the layer's kernel and the update's
        y = self.base(x)
        if not self.state.active:
            return y
        if self.int8:
            a, a_scales, b, b_scales = self.int8
            low = torch._weight_int8pack_mm(x, a, a_scales)
            return y.add_(torch._weight_int8pack_mm(low, b, b_scales))
        at = self.at
        low = torch.mm(x if x.dtype == at.dtype else x.to(at.dtype), at)
        return torch.addmm(y.to(at.dtype), low, self.bt)


def _slot_parts(slot: Any, parts: list[nn.Module]) -> list[bool]:
    """For each part of a plan slot: whether the step calls it as a module (so its hook
    adds its update already)."""
    products = [slot] if not hasattr(slot, "products") else slot.products
    if getattr(slot, "fused", None) is not None or len(products) != len(parts):
        return [False] * len(parts)  # one product over weights fused from all the parts
    return [getattr(p, "op", None) is part for p, part in zip(products, parts, strict=True)]


def _lean_slot(slot: Any, parts: list[tuple[str, nn.Module]], deltas: dict[str, Delta],
               state: Attached) -> Any:  # fmt: skip
    hooked = _slot_parts(slot, [m for _, m in parts])
    sizes = [int(getattr(m, "out_features", 0)) for _, m in parts]
    chosen = [
        (offset, deltas[name])
        for (name, _), calls_module, offset in zip(
            parts, hooked, [sum(sizes[:i]) for i in range(len(sizes))], strict=True
        )
        if name in deltas and not calls_module
    ]
    if not chosen:
        return slot
    ref = chosen[0][1].a
    a = torch.cat([d.a for _, d in chosen])
    b = torch.zeros(sum(sizes), a.shape[0], dtype=ref.dtype, device=ref.device)
    rank = 0
    for offset, d in chosen:
        b[offset : offset + d.b.shape[0], rank : rank + d.a.shape[0]] = d.b
        rank += d.a.shape[0]
    return _LeanSlot(slot, a, b, state)


_PLAN_SLOTS: dict[str, tuple[str, ...]] = {
    "qkv": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
    "o": ("self_attn.o_proj",),
    "gate_up": ("mlp.gate_proj", "mlp.up_proj"),
    "down": ("mlp.down_proj",),
}


class Attached:
    """An adapter applied to a loaded model: on while `active`, off for good after `detach`."""

    def __init__(self, adapter: Adapter, lm: LoadedModel, deltas: dict[str, Delta]) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self.lm = lm
        self.deltas = deltas
        self.active = True
        self._hooks: list[Any] = []
        self._step: Any = None  # the lean step whose plans were rebuilt, and its own plans
        self._plans: list[Any] | None = None
        self._lean: list[Any] | None = None
        for name in deltas:
            module = lm.model.get_submodule(name)
            self._hooks.append(module.register_forward_hook(self._hook(name)))
        self.sync()

    def _hook(self, name: str) -> Callable[..., Any]:
        def add_update(_module: nn.Module, args: tuple[Any, ...], output: torch.Tensor) -> Any:
            if not self.active:
                return None
            return output + self.deltas[name](args[0]).to(output.dtype)

        return add_update

    def _place(self) -> None:
        """The updates where the model is now (it moves to the CPU after a GPU failure)."""
        model = self.lm.model
        device = next(model.parameters()).device
        dtype = torch.float32 if device.type == "cpu" else model.dtype
        for delta in self.deltas.values():
            if delta.a.device != device or delta.a.dtype != dtype:
                delta.a, delta.b = delta.a.to(device, dtype), delta.b.to(device, dtype)

    def sync(self) -> None:
        """Keep up with the model: the updates on its device, and the lean step's plans
        rebuilt if the step was installed anew since (call before generating)."""
        self._place()
        step = self.lm.model.forward
        if not isinstance(step, decode_step.DecodeStep):
            self._step = self._plans = self._lean = None
            return
        if step is self._step and step.plans is self._lean:
            return
        layers = self.lm.model.model.layers
        lean = []
        for i, plan in enumerate(step.plans):
            changes = {}
            for slot_name, part_names in _PLAN_SLOTS.items():
                parts = [(f"model.layers.{i}.{p}", layers[i].get_submodule(p)) for p in part_names]
                changes[slot_name] = _lean_slot(getattr(plan, slot_name), parts, self.deltas, self)
            lean.append(plan._replace(**changes))
        self._step, self._plans, self._lean = step, step.plans, lean
        step.plans = lean

    def detach(self) -> None:
        """Take the adapter off: the model computes exactly what it did before."""
        for handle in self._hooks:
            handle.remove()
        self._hooks.clear()
        if self._step is not None and self._step.plans is self._lean:
            self._step.plans = self._plans
        self._step = self._plans = self._lean = None


def attach(lm: LoadedModel, name: str) -> Attached:
    """Apply the stored adapter `name` to `lm`. AdapterError (for the user) when it is
    missing, damaged, or was trained for another model."""
    adapter = adapters.find(name)
    adapters.check_base(adapter, adapters.base_fingerprint(lm.info.path), lm.info.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # safetensors/torch notices are not the user's concern
        deltas = read_deltas(adapter, lm.model)
    return Attached(adapter, lm, deltas)
