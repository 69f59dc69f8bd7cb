"""Decoding settings as `model.generate` arguments, and their validation.

Validation is transformers' own (`GenerationConfig.validate`), applied to exactly the
arguments a task will run with. This module imports no torch, so the settings dialog and
the CLI can check settings before any model is loaded.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from writer_app.config import Decoding, spec_of

_LABELS = {f.name: spec_of(f).title(f.name) for f in dataclasses.fields(Decoding)}


def generate_kwargs(decoding: Decoding, *, sample: bool) -> dict[str, Any]:
    """The `generate` arguments for these settings; `sample` overrides `decoding.do_sample`."""
    d = decoding
    kwargs: dict[str, Any] = {"max_new_tokens": d.max_new_tokens, "do_sample": sample}
    if sample:
        kwargs.update(temperature=d.temperature, top_k=d.top_k, top_p=d.top_p)
        if d.min_p > 0:
            kwargs["min_p"] = d.min_p
        if d.typical_p < 1:
            kwargs["typical_p"] = d.typical_p
    else:  # override whatever sampling defaults the model ships with
        kwargs.update(temperature=None, top_k=None, top_p=None)
    if d.repetition_penalty != 1.0:
        kwargs["repetition_penalty"] = d.repetition_penalty
    if d.no_repeat_ngram_size:
        kwargs["no_repeat_ngram_size"] = d.no_repeat_ngram_size
    if d.num_beams > 1:
        kwargs["num_beams"] = d.num_beams
    if d.length_penalty != 1.0:
        kwargs["length_penalty"] = d.length_penalty
    if d.max_time > 0:
        kwargs["max_time"] = d.max_time
    return kwargs


def alternatives_decoding(decoding: Decoding) -> Decoding:
    """How the extra candidates are made: always sampled, one beam."""
    return dataclasses.replace(decoding, do_sample=True, num_beams=1, length_penalty=1.0)


def _tidy(message: str) -> list[str]:
    """transformers' validation message, one short line per problem, in our own words."""
    body = message.split("GenerationConfig is invalid:", 1)[-1]
    items = [i.strip() for i in re.split(r"\n\s*- ", body) if i.strip()] or [message.strip()]
    lines = []
    for item in items:
        item = re.split(r"\s*If you're using a pretrained model", item)[0].strip()
        item = re.sub(r"^`\w+`:\s*", "", item)
        item = re.sub(
            r"`(\w+)([^`]*)`", lambda m: _LABELS.get(m.group(1), m.group(1)) + m.group(2), item
        )
        item = item.replace(" is set to None", " is not set").replace(" -- ", ": ")
        lines.append(" ".join(item.split()))
    return lines


def problems(decoding: Decoding) -> list[str]:
    """Why these settings cannot run, one line each; empty when they can."""
    from transformers import GenerationConfig
    from transformers.utils import logging as hf_logging

    runs = [generate_kwargs(decoding, sample=decoding.do_sample)]
    if decoding.alternatives > 1:
        runs.append(generate_kwargs(alternatives_decoding(decoding), sample=True))
    found: list[str] = []
    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity(logging.ERROR)  # the problems are returned, not logged
    try:
        for kwargs in runs:
            try:
                GenerationConfig(**kwargs).validate(strict=True)
            except ValueError as exc:
                found += [p for p in _tidy(str(exc)) if p not in found]
    finally:
        hf_logging.set_verbosity(previous)
    if any(not s for s in decoding.stop_strings):
        found.append("Stop strings: an empty stop string would stop at once")
    return found
