"""The model's cache of the last prompt, kept so that the next, similar prompt reuses it.

Between two continuation requests the writer has typed a word or two: the prompt differs from
the last one only near its end. Everything up to the first differing token is kept; the model
reads only the rest. The prompt is re-tokenized in full each time and compared token by token,
so a change of tokenization near the edit is caught exactly (the cache is cut where the ids
first differ). The context window moves in chunks (see `window`), so the start of the prompt,
and with it the cache, stays valid while the writer types.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from transformers import DynamicCache

from writer_app.engine.kv_cache import new_cache


def window(ids: torch.Tensor, max_tokens: int) -> torch.Tensor:
    """The last part of `ids` that fits in `max_tokens`, its start moving a quarter at a time.

    Dropping exactly the excess would move the start on every keystroke, and a moved start
    invalidates every cached token after it.
    """
    excess = len(ids) - max_tokens
    if excess <= 0:
        return ids
    chunk = max(1, max_tokens // 4)
    return ids[math.ceil(excess / chunk) * chunk :]


def _common_prefix(a: torch.Tensor, b: torch.Tensor) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    different = (a[:n] != b[:n]).nonzero()
    return int(different[0]) if len(different) else n


class PrefixCache:
    """Holds the cache of one prompt for one model; `take` it before generating, `keep` after."""

    def __init__(self) -> None:
        self.ids = torch.empty(0, dtype=torch.long)
        self.cache: DynamicCache | None = None
        self.owner: Any = None  # the model the cache belongs to
        self.reused = 0  # tokens the last `take` did not have to compute again

    def clear(self) -> None:
        self.ids, self.cache, self.owner = torch.empty(0, dtype=torch.long), None, None

    def take(self, model: Any, ids: torch.Tensor) -> DynamicCache:
        """A cache to generate after `ids` with: it holds a prefix of `ids`, never all of it
        (generate must read at least the last token itself). The cache belongs to the caller
        until it is given back with `keep`."""
        cache, owner, old = self.cache, self.owner, self.ids
        self.clear()
        keep = min(_common_prefix(old, ids), len(ids) - 1) if owner is model else 0
        if cache is None or keep <= 0:
            self.reused = 0
            return new_cache(model)
        cache.crop(keep - cache.get_seq_length())
        self.reused = keep
        return cache

    def keep(self, model: Any, ids: torch.Tensor, cache: DynamicCache) -> None:
        """After generating from `ids`: keep the cache of exactly those tokens for next time."""
        length = cache.get_seq_length()
        if length < len(ids) or any(layer.keys.shape[0] != 1 for layer in _layers(cache)):
            return  # cancelled before the prompt was read, or not a single-row cache
        cache.crop(len(ids) - length)
        self.ids, self.cache, self.owner = ids.clone(), cache, model


def _layers(cache: DynamicCache) -> list[Any]:
    return [layer for layer in cache.layers if getattr(layer, "keys", None) is not None]
