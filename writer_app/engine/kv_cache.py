"""The model's key/value cache, grown in place.

transformers' `DynamicLayer` appends each new token by concatenation, which copies the whole
cache of every layer at every step: at ~1,500 tokens of context that copy took a quarter of
a decoding step on the CPU. `GrowingLayer` keeps keys and values as views of buffers with
room to spare and writes new tokens into them; everything else (cropping, beams, copies)
works as before, and a cache whose tensors were replaced (say by a reorder) moves to fresh
buffers at its next update.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

ROOM = 256  # spare positions allocated at a time


class GrowingLayer(DynamicLayer):
    """A `DynamicLayer` that appends in place (see the module doc)."""

    key_room: torch.Tensor | None = None
    value_room: torch.Tensor | None = None

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
        key_room = key_states.new_empty(size)
        value_room = value_states.new_empty(size[:3] + value_states.shape[-1:])
        if length and self.keys is not None and self.values is not None:
            key_room[:, :, :length] = self.keys
            value_room[:, :, :length] = self.values
        self.key_room, self.value_room = key_room, value_room

    def reset(self) -> None:
        self.key_room = self.value_room = None
        super().reset()


def new_cache(config: Any) -> DynamicCache:
    """An empty cache for a model with this config; full-attention layers grow in place."""
    cache = DynamicCache(config=config)
    layers = cache.layers
    cache.layers = [GrowingLayer() if type(layer) is DynamicLayer else layer for layer in layers]
    return cache
