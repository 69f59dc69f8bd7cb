"""Faster CPU precisions: Linear layers with 4-bit or 8-bit integer weights.

On a 2-core CPU a small model's decoding time is mostly matrix-vector products with its
weights; torch's weight-only int4/int8 CPU kernels do those 2-4x faster than float32.

`Int4Linear` keeps each Linear weight as 4-bit integers in groups of 32 along the input, with
a scale and a minimum per group (w = q * scale + min, q in 0..15), and multiplies with
torch's int4 CPU kernel. That is the layout of GGUF's Q4_0/Q4_1 blocks, so the built-in
model (Q4_1) is reproduced exactly, up to bfloat16 rounding of the scales; its float32 copy is
those same blocks de-quantized. `Int8Linear` keeps one scale per output row; it is close
to float32 for any model. Activations stay in (b)float16 inside the kernels, never int8:
torch's dynamic int8 quantization, which also rounds activations, tripled the built-in
model's perplexity. The embedding lookup stays exact in float32.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

GROUP_SIZE = 32
INNER_K_TILES = 2
PACKED_ROW_BLOCK = 64  # the CPU kernel packs output rows in blocks of 64
# torch's int4/int8 CPU kernels are vectorized for these; elsewhere they run slow scalar code.
FAST_CAPABILITIES = ("AVX2", "AVX512")


def cpu_capability() -> str:
    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except (AttributeError, RuntimeError):
        return "DEFAULT"


def fast_int_kernels() -> bool:
    """Whether this torch has the int4/int8 CPU kernels and this CPU runs them fast."""
    ops = torch.ops.aten
    return all(
        hasattr(ops, op)
        for op in (
            "_weight_int4pack_mm_for_cpu",
            "_convert_weight_to_int4pack_for_cpu",
            "_weight_int8pack_mm",
        )
    ) and (cpu_capability() in FAST_CAPABILITIES)


def int8_fits(in_features: int) -> bool:
    """The int8 kernel reads its inputs in blocks of 16 (other widths crash it)."""
    return in_features % 16 == 0


def can_quantize(linear: nn.Linear, group_size: int = GROUP_SIZE) -> bool:
    """The int4 kernel needs whole groups along the input and outputs in multiples of 16."""
    return linear.in_features % group_size == 0 and linear.out_features % 16 == 0


def quantize_groups(
    weight: torch.Tensor, group_size: int = GROUP_SIZE
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """4-bit codes [N, K] (int32, 0..15), scales and minimums [N, K/group] of a weight [N, K].

    Each group of `group_size` inputs maps its minimum to 0 and its maximum to 15, as GGUF's
    Q4_1 does; weights that are already Q4_1 blocks come back exactly.
    """
    out_features, in_features = weight.shape
    groups = weight.detach().float().reshape(out_features, in_features // group_size, group_size)
    low = groups.amin(-1)
    scale = groups.amax(-1).sub_(low).div_(15)
    scale.masked_fill_(scale <= 0, 1.0)
    codes = (groups - low[..., None]).div_(scale[..., None]).round_().clamp_(0, 15)
    return codes.to(torch.int32).reshape(out_features, in_features), scale, low


def _pack_bytes(codes: torch.Tensor) -> torch.Tensor:
    """The int4 CPU kernel's weight layout, made with byte operations: in each block of 64
    output rows, byte (k, r) holds row r's code for input k in its low nibble and row r + 32's
    in its high one, for k in order and r in 0..31."""
    rows, inputs = codes.shape
    blocks = codes.to(torch.uint8).reshape(rows // PACKED_ROW_BLOCK, 2, PACKED_ROW_BLOCK // 2, -1)
    packed = blocks[:, 0] | (blocks[:, 1] << 4)  # [blocks, 32, K]
    return packed.transpose(1, 2).reshape(rows, inputs // 2).contiguous()


@functools.cache
def _bytes_match_kernel() -> bool:
    """Whether `_pack_bytes` gives what this torch's packing kernel gives (checked once)."""
    codes = torch.randint(0, 16, (2 * PACKED_ROW_BLOCK, 4 * GROUP_SIZE), dtype=torch.int32)
    expected = torch._convert_weight_to_int4pack_for_cpu(codes, INNER_K_TILES)
    return expected.dtype == torch.uint8 and torch.equal(_pack_bytes(codes), expected)


def pack_int4(codes: torch.Tensor) -> torch.Tensor:
    """4-bit codes [N, K] (0..15) in the layout the int4 CPU kernel reads. Byte operations
    where they reproduce torch's packing kernel (~10x faster: no int32 copy of the weights),
    else the kernel itself."""
    if codes.shape[0] % PACKED_ROW_BLOCK == 0 and _bytes_match_kernel():
        return _pack_bytes(codes)
    return torch._convert_weight_to_int4pack_for_cpu(codes.to(torch.int32), INNER_K_TILES)


class _QuantizedLinear(nn.Module):
    """What the quantized Linear layers share: any leading dimensions and float dtype in,
    the same dtype out; the kernel gets a fresh (aligned, contiguous) bfloat16 copy."""

    in_features: int
    out_features: int
    bias: nn.Parameter | None

    def product(self) -> tuple[Callable[..., torch.Tensor], tuple[torch.Tensor | int, ...]]:
        """The kernel and its weight arguments: `op(x, *args)` takes x [M, in_features] in
        bfloat16, fresh and contiguous, and gives [M, out_features] in bfloat16, no bias."""
        raise NotImplementedError

    def kernel(self, x: torch.Tensor) -> torch.Tensor:
        op, args = self.product()
        return op(x, *args)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16, copy=True)
        out = self.kernel(flat).reshape(*x.shape[:-1], self.out_features).to(x.dtype)
        if self.bias is not None:
            out = out + self.bias.to(x.dtype)
        return out

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Int4Linear(_QuantizedLinear):
    """A Linear layer with 4-bit grouped weights (CPU). Inputs of any float dtype and any
    leading dimensions; the output has the input's dtype."""

    packed: torch.Tensor
    scales_and_zeros: torch.Tensor

    def __init__(
        self,
        packed: torch.Tensor,
        scales_and_zeros: torch.Tensor,
        in_features: int,
        out_features: int,
        bias: torch.Tensor | None = None,
        group_size: int = GROUP_SIZE,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.group_size = group_size
        self.register_buffer("packed", packed)
        self.register_buffer("scales_and_zeros", scales_and_zeros)
        self.bias = None if bias is None else nn.Parameter(bias.detach().float(), False)

    @classmethod
    def from_linear(cls, linear: nn.Linear, group_size: int = GROUP_SIZE) -> Int4Linear:
        codes, scale, low = quantize_groups(linear.weight, group_size)
        return cls.from_groups(codes, scale, low, linear.bias, group_size)

    @classmethod
    def from_groups(
        cls,
        codes: torch.Tensor,
        scale: torch.Tensor,
        low: torch.Tensor,
        bias: torch.Tensor | None = None,
        group_size: int = GROUP_SIZE,
    ) -> Int4Linear:
        """The layer whose weight is `codes * scale + low` per group: codes [N, K] (0..15,
        any integer dtype), scales and minimums [N, K/group] (float32; `low` is used up)."""
        out_features, in_features = codes.shape
        # The kernel computes (q - 8) * scale + zero, so zero is the minimum plus 8 scales.
        zero = low.add_(scale, alpha=8)
        scales_and_zeros = torch.stack([scale, zero], -1).transpose(0, 1)
        return cls(
            pack_int4(codes),
            scales_and_zeros.to(torch.bfloat16).contiguous(),
            in_features,
            out_features,
            bias,
            group_size,
        )

    @classmethod
    def fuse(cls, parts: list[Int4Linear]) -> Int4Linear | None:
        """One layer whose output is the parts' outputs side by side (one kernel call instead
        of several), or None when they differ in input or grouping or have biases. Blocks of
        packed rows are independent, so each part is re-pointed at its rows of the fused weight
        (which needs whole blocks: outputs in multiples of 64)."""
        first = parts[0]
        if any(
            p.bias is not None
            or p.out_features % PACKED_ROW_BLOCK
            or (p.in_features, p.group_size) != (first.in_features, first.group_size)
            for p in parts
        ):
            return None
        fused = cls(
            torch.cat([p.packed for p in parts]),
            torch.cat([p.scales_and_zeros for p in parts], 1).contiguous(),
            first.in_features,
            sum(p.out_features for p in parts),
            None,
            first.group_size,
        )
        start = 0
        for p in parts:
            p.packed = fused.packed[start : start + p.out_features]
            start += p.out_features
        return fused

    def dequantized(self) -> torch.Tensor:
        """The weight [N, K] as the kernel sees it (float32), for checks."""
        eye = torch.eye(self.in_features, dtype=torch.bfloat16)
        out = torch._weight_int4pack_mm_for_cpu(
            eye, self.packed, self.group_size, self.scales_and_zeros
        )
        return out.float().t()

    def product(self) -> tuple[Callable[..., torch.Tensor], tuple[torch.Tensor | int, ...]]:
        return torch._weight_int4pack_mm_for_cpu, (
            self.packed,
            self.group_size,
            self.scales_and_zeros,
        )

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, group_size={self.group_size}"


class Int8Linear(_QuantizedLinear):
    """A Linear layer with int8 weights, one scale per output (CPU). Activations stay in
    16-bit floats, so its output is close to float32 for any model. Inputs of any float
    dtype and any leading dimensions; the output has the input's dtype."""

    weight_int8: torch.Tensor
    scales: torch.Tensor

    def __init__(
        self,
        weight: torch.Tensor,
        scales: torch.Tensor,
        bias: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.out_features, self.in_features = weight.shape
        self.register_buffer("weight_int8", weight)
        self.register_buffer("scales", scales)
        self.bias = None if bias is None else nn.Parameter(bias.detach().float(), False)

    @classmethod
    def from_linear(cls, linear: nn.Linear, map_: Callable[..., Any] = map) -> Int8Linear:
        """The layer quantized per output row; `map_` runs the slices of rows (e.g. a thread
        pool's `map`, to quantize them side by side)."""
        weight = linear.weight.detach()
        codes = torch.empty(weight.shape, dtype=torch.int8)
        scales = torch.empty(weight.shape[0], dtype=torch.bfloat16)

        def quantize_rows(start: int) -> None:
            rows = weight[start : start + 4096].float()
            scale = rows.abs().amax(1).div_(127)
            scale = scale.masked_fill_(scale <= 0, 1.0).to(torch.bfloat16)
            scales[start : start + 4096] = scale
            codes[start : start + 4096] = (
                rows.div(scale.float()[:, None]).round_().clamp_(-127, 127)
            )

        # in slices: little temporary memory
        for _ in map_(quantize_rows, range(0, weight.shape[0], 4096)):
            pass
        return cls(codes, scales, linear.bias)

    @classmethod
    def fuse(cls, parts: list[Int8Linear]) -> Int8Linear | None:
        """One layer whose output is the parts' outputs side by side, or None when they
        differ in input or have biases; each part is re-pointed at its rows of the fused
        weights."""
        if any(p.bias is not None or p.in_features != parts[0].in_features for p in parts):
            return None
        fused = cls(torch.cat([p.weight_int8 for p in parts]), torch.cat([p.scales for p in parts]))
        start = 0
        for p in parts:
            end = start + p.out_features
            p.weight_int8, p.scales = fused.weight_int8[start:end], fused.scales[start:end]
            start = end
        return fused

    def dequantized(self) -> torch.Tensor:
        return self.weight_int8.float() * self.scales.float()[:, None]

    def product(self) -> tuple[Callable[..., torch.Tensor], tuple[torch.Tensor | int, ...]]:
        return torch._weight_int8pack_mm, (self.weight_int8, self.scales)


def output_layer_name(model: nn.Module) -> str:
    """The name of the layer that turns hidden states into token scores (lm_head)."""
    get = getattr(model, "get_output_embeddings", None)
    head = get() if callable(get) else None
    for name, module in model.named_modules():
        if module is head:
            return name
    return "lm_head"


def is_4bit(weight: torch.Tensor, group_size: int = GROUP_SIZE) -> bool:
    """Whether a weight is already 4-bit in groups (as GGUF Q4_1 blocks de-quantized are):
    then int4 reproduces it exactly."""
    if weight.dim() != 2 or weight.shape[1] % group_size:
        return False
    codes, scale, low = quantize_groups(weight, group_size)
    groups = codes.reshape(*scale.shape, group_size).float() * scale[..., None] + low[..., None]
    error = (groups.reshape(weight.shape) - weight.float()).abs().reshape(*scale.shape, -1)
    return bool((error.amax(-1) <= 1e-3 * scale).all())


def looks_4bit(model: nn.Module, sample: int = 3) -> bool:
    """Whether the model's Linear weights are 4-bit already (checked on the first few)."""
    head = output_layer_name(model)
    linears = [m for n, m in model.named_modules() if isinstance(m, nn.Linear) and n != head][
        :sample
    ]
    return bool(linears) and all(is_4bit(m.weight) for m in linears)


def quantize(model: nn.Module, bits: int) -> int:
    """Replace the model's Linear layers in place; returns how many were replaced.

    bits=4: 4-bit grouped weights (Int4Linear) for the layers the kernel takes, int8 for the
    output layer (tied to the embedding in small models; 4 bits there costs ~4% perplexity).
    bits=8: int8 weights (Int8Linear) everywhere. The embedding lookup stays float32.
    """
    with _temporaries_returned():
        return _quantize(model, bits)


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MMAP_THRESHOLD_AFTER = 32 * 2**20  # what glibc's own threshold grows to (its maximum)


@contextmanager
def _temporaries_returned() -> Iterator[None]:
    """Linux/glibc: blocks of 1 MiB and more come straight from the OS while quantizing,
    so the temporaries of each layer go back to it at once. Left to glibc's heap they
    fragment it, and peak memory varied by 250 MB between identical loads."""
    try:
        libc = ctypes.CDLL("libc.so.6") if sys.platform.startswith("linux") else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, 2**20)
    try:
        yield
    finally:
        if mallopt is not None:
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_AFTER)


def _quantize(model: nn.Module, bits: int) -> int:
    head = output_layer_name(model)
    names = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and int8_fits(module.in_features)
    ]
    for name in names:  # one at a time, so each float weight is freed as soon as it is done
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        linear = getattr(parent, child)
        replacement: nn.Module
        if bits == 4 and name != head and can_quantize(linear):
            replacement = Int4Linear.from_linear(linear)
        else:
            replacement = Int8Linear.from_linear(linear)
        setattr(parent, child, replacement)
        del linear
    # The float tensors left (embedding, norms) may be views into the memory-mapped weights
    # file; own copies let the whole mapping go, instead of keeping every weight resident.
    for param in model.parameters():
        param.data = param.data.clone()
    return len(names)
