"""Decoding settings as `model.generate` arguments."""

from __future__ import annotations

from typing import Any

from writer_app.config import Decoding


def generate_kwargs(decoding: Decoding, *, sample: bool) -> dict[str, Any]:
    """The `generate` arguments for these settings; `sample` overrides `decoding.do_sample`."""
    kwargs: dict[str, Any] = {"max_new_tokens": decoding.max_new_tokens, "do_sample": sample}
    if sample:
        kwargs.update(temperature=decoding.temperature, top_k=decoding.top_k, top_p=decoding.top_p)
    else:
        kwargs.update(temperature=None, top_k=None, top_p=None)
    if decoding.repetition_penalty != 1.0:
        kwargs["repetition_penalty"] = decoding.repetition_penalty
    if decoding.max_time > 0:
        kwargs["max_time"] = decoding.max_time
    return kwargs
