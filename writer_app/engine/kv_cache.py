"""The model's key/value cache, grown in place.

transformers' `DynamicLayer` appends each new token by concatenation, which copies the whole
cache of every layer at every step: at ~1,500 tokens of context that copy took a quarter of
a decoding step on the CPU. `GrowingLayer` keeps keys and values as views of buffers with
room to spare and writes new tokens into them; everything else (cropping, beams, copies)
works as before, and a cache whose tensors were replaced (say by a reorder) moves to fresh
buffers at its next update.

A model running integer kernels on the CPU may keep a long cache in bfloat16 (`keep_16bit`):
those kernels hand out keys and values in bfloat16 already (values exactly so, keys before
their rotation), and at long contexts reading the cache costs more than the weights, so half
the bytes can pay. Whether it does depends on the CPU and torch's attention kernels: on one
machine attention over 2,000 positions took 4.3 ms of every token in bfloat16 against 7.7 in
float32; on another (torch 2.13, AVX-512 with BF16) bfloat16 took 33 ms and float32 4.8, and
decoding after a 2,000-token document ran at 22 tokens/s against 57. So `keep_16bit` first
times both on this machine (`bfloat16_attention_speedup`, ~10 ms) and keeps float32 unless
bfloat16 is clearly faster. Below about 200 positions bfloat16 was the slower one everywhere
(0.5 vs 0.4 ms at 32), so a cache moves to bfloat16 when it outgrows its first room
(`COMPACT_FROM`). Perplexity over 1,000 tokens of a book: 16.264 all float32, 16.289 bfloat16
from position 256 on (1.0015x; bfloat16 throughout: 16.323). The attention (transformers' own
SDPA, registered under another name) takes the query to the cache's dtype and its output
back.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

ROOM = 256  # spare positions allocated at a time
COMPACT_FROM = ROOM  # positions from which a cache of `keep_16bit`'s models is bfloat16
ATTENTION = "writer_sdpa"  # the attention of models whose caches are 16-bit (see the doc)
PROBE_POSITIONS = 1024  # the cache length `bfloat16_attention_speedup` times attention at
PAYS_FROM = 1.2  # how much faster bfloat16 attention must be for `keep_16bit` to use it


class GrowingLayer(DynamicLayer):
    """A `DynamicLayer` that appends in place (see the module doc)."""

    key_room: torch.Tensor | None = None
    value_room: torch.Tensor | None = None

    def __init__(self, compact: torch.dtype | None = None) -> None:
        super().__init__()
        self.compact = compact  # the dtype from COMPACT_FROM positions on; None: as they come

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        length = self.get_seq_length()
        end = length + key_states.shape[-2]
        if not self._fits(key_states, end):
            self._move_to_new_room(key_states, value_states, length, end)
        assert self.key_room is not None and self.value_room is not None
        self.key_room.narrow(2, length, end - length).copy_(key_states)
        self.value_room.narrow(2, length, end - length).copy_(value_states)
        self.keys = self.key_room.narrow(2, 0, end)
        self.values = self.value_room.narrow(2, 0, end)
        return self.keys, self.values

    def reserve(self, new: torch.Tensor, end: int) -> None:
        """Room up to position `end` for keys and values like `new` [rows, heads, 1, dim]
        (for a caller that writes them into the buffers itself)."""
        if not self._fits(new, end):
            self._move_to_new_room(new, new, self.get_seq_length(), end)

    def _fits(self, key_states: torch.Tensor, end: int) -> bool:
        """Whether the keys are still a view of the buffer (not replaced by a reorder, a repeat
        or a copy) and it has room up to `end` for these rows."""
        room = self.key_room
        # The same memory, not `keys._base is room`: views made under inference mode (how
        # Writer generates) keep no `_base`, so that test failed at every step and every
        # step moved the whole cache to a new buffer.
        return (
            room is not None
            and self.keys is not None
            and self.keys.data_ptr() == room.data_ptr()
            and self.keys.stride() == room.stride()
            and end <= room.shape[2]
            and key_states.shape[0] == room.shape[0]
        )

    def _move_to_new_room(
        self, key_states: torch.Tensor, value_states: torch.Tensor, length: int, end: int
    ) -> None:
        rows, heads, _, dim = key_states.shape
        size = (rows, heads, -(-(end + 1) // ROOM) * ROOM, dim)
        dtype = self.compact if self.compact and end >= COMPACT_FROM else key_states.dtype
        key_room = key_states.new_empty(size, dtype=dtype)
        value_room = value_states.new_empty(size[:3] + value_states.shape[-1:], dtype=dtype)
        if length and self.keys is not None and self.values is not None:
            key_room[:, :, :length] = self.keys
            value_room[:, :, :length] = self.values
        self.key_room, self.value_room = key_room, value_room

    def reset(self) -> None:
        self.key_room = self.value_room = None
        super().reset()


def new_cache(model: Any) -> DynamicCache:
    """An empty cache for this model; full-attention layers grow in place (in bfloat16 once
    long, for a model that `keep_16bit` set up)."""
    config = model.config
    cache = DynamicCache(config=config)
    compact = torch.bfloat16 if getattr(config, "_attn_implementation", "") == ATTENTION else None
    cache.layers = [
        GrowingLayer(compact) if type(layer) is DynamicLayer else layer for layer in cache.layers
    ]
    return cache


def _sdpa_any_cache(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    **kwargs: Any,
) -> tuple[torch.Tensor, Any]:
    """transformers' SDPA attention, for keys and values in another dtype than the query."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if key.dtype == query.dtype:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    if attention_mask is not None and attention_mask.dtype != torch.bool:
        attention_mask = attention_mask.to(key.dtype)
    out, weights = sdpa_attention_forward(
        module, query.to(key.dtype), key, value, attention_mask, **kwargs
    )
    return out.to(query.dtype), weights


def bfloat16_attention_speedup(config: Any, rounds: int = 5) -> float:
    """How many times faster one token attends over a `PROBE_POSITIONS`-long cache in
    bfloat16 than in float32 on this machine, for a model of this config (the median of
    `rounds` timings each, taken in turn)."""
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    generator = torch.Generator().manual_seed(0)
    shapes = ((1, heads, 1, dim), (1, kv_heads, PROBE_POSITIONS, dim))
    q, k, v = (torch.randn(shapes[min(i, 1)], generator=generator) for i in range(3))
    inputs = {
        dtype: (q.to(dtype), k.to(dtype), v.to(dtype)) for dtype in (torch.float32, torch.bfloat16)
    }
    times: dict[torch.dtype, list[float]] = {dtype: [] for dtype in inputs}
    attend = torch.nn.functional.scaled_dot_product_attention
    with torch.inference_mode():
        for _ in range(rounds + 1):  # the first round warms up
            for dtype, (q_, k_, v_) in inputs.items():
                started = time.perf_counter()
                attend(q_, k_, v_, enable_gqa=True)
                times[dtype].append(time.perf_counter() - started)
    return statistics.median(times[torch.float32][1:]) / statistics.median(
        times[torch.bfloat16][1:]
    )


def keep_16bit(model: Any) -> bool:
    """Keep the long caches of this model (integer kernels on the CPU: see the module doc) in
    bfloat16 from now on if attention runs clearly faster so on this machine; False (and no
    change) if it does not, or if the model's attention is not transformers' SDPA."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    if getattr(model.config, "_attn_implementation", None) not in ("sdpa", ATTENTION):
        return False
    if bfloat16_attention_speedup(model.config) < PAYS_FROM:
        return False
    AttentionInterface.register(ATTENTION, _sdpa_any_cache)
    AttentionMaskInterface.register(ATTENTION, sdpa_mask)
    model.set_attn_implementation(ATTENTION)
    return True
