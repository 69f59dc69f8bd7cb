"""The lean decoding step's decoder layers as one TorchScript module, for integer kernels.

Once its weights are 4-bit, a small model's decoding step on a CPU is as much Python as
arithmetic: the lean step (`engine.decode_step`) makes 33 calls per layer, about 1,000 a token
on the built-in model's 30 layers, and each small call (a norm, a cast, a view of 576 numbers)
costs microseconds in the interpreter for nanoseconds of work. When every projection of every
layer is one integer kernel (int4 or int8, with an adapter's int8 low-rank updates, as
`engine.lora` makes them), `DecodeStep` runs the layers through this module instead: the same
ATen calls in the same order, so the same logits to the last bit, executed by TorchScript's
interpreter with the weights held on its side (converting them from Python at every call
cost 0.2 ms) and with the GIL released for the whole pass (the editor's thread runs
meanwhile). On the built-in model (int4, 2 threads, this 2-core machine; runs of 64 tokens
taken in turn, `tools/exp_scripted_layers.py`): 16.9 ms a token against 20.9 called one by
one, 1.25x (the median ratio of 12 rounds), the same text.

TorchScript is deprecated in torch but still ships with it. Where it is missing, or cannot
compile this module (a bundle without its source), `compile_layers` gives None and the eager
lean step runs, as it does for float weights. No C++ compiler is involved.
"""

import contextlib
import logging
import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

log = logging.getLogger(__name__)


def _slot(x: Tensor, parts: list[Tensor], group: int, adapted: bool) -> Tensor:
    """A slot's product on x (bfloat16, [rows, in]) from its `parts` [weight, scales] and
    maybe its update's [A, A's scales, B, B's scales] (int8, added while adapted): int4 in
    groups of `group`, int8 for 0."""
    if group > 0:
        y = torch._weight_int4pack_mm_for_cpu(x, parts[0], group, parts[1])
    else:
        y = torch._weight_int8pack_mm(x, parts[0], parts[1])
    if adapted and len(parts) > 2:
        low = torch._weight_int8pack_mm(x, parts[2], parts[3])
        y = y.add_(torch._weight_int8pack_mm(low, parts[4], parts[5]))
    return y


class ScriptedLayers(nn.Module):
    """The decoder layers of a Llama model whose projections are integer kernel calls.

    For layer i: `norms[i]` its two norms' weights and `eps[i]` their epsilons; `slots[i]`
    the parts of each product (q/k/v fused, output, gate/up fused, down: see `_slot`) and
    `groups[i]` their group sizes. The caller keeps `key_rooms`/`value_rooms` (each layer's
    cache buffers, [rows, kv heads, room, head dim]) current and gives each step's position.
    """

    norms: list[list[Tensor]]
    eps: list[list[float]]
    slots: list[list[list[Tensor]]]
    groups: list[list[int]]
    key_rooms: list[Tensor]
    value_rooms: list[Tensor]
    adapted: bool

    def __init__(
        self,
        norms: list[list[Tensor]],
        eps: list[list[float]],
        slots: list[list[list[Tensor]]],
        groups: list[list[int]],
        shape: tuple[int, int, int, int],
        scaling: float,
    ) -> None:
        super().__init__()
        self.norms, self.eps, self.slots, self.groups = norms, eps, slots, groups
        self.adapted = any(len(parts) > 2 for layer in slots for parts in layer)
        self.key_rooms = []
        self.value_rooms = []
        self.heads, self.kv_heads, self.head_dim, self.inner = shape
        self.scaling = scaling

    def forward(
        self, x: Tensor, cos: Tensor, sin: Tensor, length: int
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Run every layer on x ([rows, hidden] float, updated in place) for the token at
        cache position `length`; the caches' keys and values up to it, per layer."""
        rows, dtype, hidden = x.shape[0], x.dtype, [x.shape[1]]
        heads, kv_heads, dim, inner = self.heads, self.kv_heads, self.head_dim, self.inner
        qk_heads, adapted = heads + kv_heads, self.adapted
        keys: list[Tensor] = []
        values: list[Tensor] = []
        for i in range(len(self.norms)):
            norms, eps, slots, groups = self.norms[i], self.eps[i], self.slots[i], self.groups[i]
            h = torch.rms_norm(x, hidden, norms[0], eps[0]).to(torch.bfloat16)
            qkv = _slot(h, slots[0], groups[0], adapted).to(dtype)
            qk = qkv[:, : qk_heads * dim].reshape(rows, qk_heads, 1, dim)
            qk = qk * cos + qk.roll(dim // 2, -1) * sin
            q, k = qk[:, :heads], qk[:, heads:]
            key_room, value_room = self.key_rooms[i], self.value_rooms[i]
            key_room.narrow(2, length, 1).copy_(k)
            v = qkv[:, qk_heads * dim :].reshape(rows, kv_heads, 1, dim)
            value_room.narrow(2, length, 1).copy_(v)
            k, v = key_room.narrow(2, 0, length + 1), value_room.narrow(2, 0, length + 1)
            keys.append(k)
            values.append(v)
            if k.dtype != q.dtype:  # a long cache kept in bfloat16
                q = q.to(k.dtype)
            context = F.scaled_dot_product_attention(q, k, v, scale=self.scaling, enable_gqa=True)
            context = context.reshape(rows, heads * dim).to(torch.bfloat16)
            x.add_(_slot(context, slots[1], groups[1], adapted))
            h = torch.rms_norm(x, hidden, norms[1], eps[1]).to(torch.bfloat16)
            gate_up = _slot(h, slots[2], groups[2], adapted)
            mixed = F.silu(gate_up[:, :inner]) * gate_up[:, inner:]
            x.add_(_slot(mixed.to(torch.bfloat16), slots[3], groups[3], adapted))
        return keys, values


_unavailable: str | None = None  # why TorchScript could not compile, once it failed


def compile_layers(layers: ScriptedLayers) -> Any:
    """`layers` compiled by TorchScript, or None where it cannot be (see the module doc)."""
    global _unavailable
    if _unavailable is not None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript's deprecation notice
            compiled = torch.jit.script(layers)
    except Exception as exc:  # no TorchScript, or no source to compile: the eager step runs
        _unavailable = f"{type(exc).__name__}: {exc}".splitlines()[0]
        log.warning("decoding layers not compiled (%s): they run one by one", _unavailable)
        return None
    # The plain interpreter calls `_slot` as a function, a frame each time (3 µs a call, 120
    # a token): inline it into `forward` as TorchScript's optimizing executor would.
    with contextlib.suppress(Exception):  # an internal pass: without it, slower, not wrong
        torch._C._jit_pass_inline(compiled.forward.graph)  # type: ignore[attr-defined]
    return compiled


def unavailable() -> str | None:
    """Why TorchScript could not compile the layers in this process; None if it could."""
    return _unavailable


def run(compiled: Any, x: Tensor, cos: Tensor, sin: Tensor, length: int) -> Any:
    """One pass through the compiled layers, by the plain interpreter (no profiling runs
    that would re-plan the graph as shapes change, no fusion: the eager step's numbers)."""
    with torch.jit.optimized_execution(False):
        return compiled(x, cos, sin, length)
