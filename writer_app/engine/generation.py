"""Streaming, cancellable generation of one or several candidate continuations.

Everything here plugs into `model.generate` through its own extension points:
- a `StoppingCriteria` that decodes each row as it grows, reports the texts, stops a row
  when the caller's boundary test says it is complete, and stops all rows within one token
  when the cancel event is set;
- token healing through `prefix_allowed_tokens_fn`: the last prompt token is backed off and
  the first generated tokens must reproduce its text, so a prompt that ends mid-word or
  with a space is continued the way the tokenizer would have split the whole text;
- a `LogitsProcessor` that keeps the first row greedy while the others sample, so one
  request yields the likeliest suggestion plus varied alternatives.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria
from transformers import set_seed as _set_seed

from writer_app.config import Decoding
from writer_app.engine.loader import LoadedModel, reason

IsDone = Callable[[str], bool]
OnUpdate = Callable[[list[str]], None]


class GenerationCancelled(Exception):
    """Generation stopped because the caller cancelled it."""


@dataclass
class GenerationResult:
    texts: list[str]
    new_tokens: int
    seconds: float
    first_token_seconds: float | None
    cancelled: bool

    @property
    def tokens_per_second(self) -> float:
        decode_time = self.seconds - (self.first_token_seconds or 0.0)
        steps = self.new_tokens - 1
        return steps / decode_time if steps > 0 and decode_time > 0 else 0.0


class _Healing:
    """Token healing: which tokens may come next so that the output starts with `required`."""

    def __init__(self, lm: LoadedModel, required: str, prompt_len: int) -> None:
        self.required = required
        self.prompt_len = prompt_len
        self.tokenizer = lm.tokenizer
        texts = lm.token_texts
        special = set(self.tokenizer.all_special_ids)
        self.by_text = sorted((t, i) for i, t in enumerate(texts) if t and i not in special)
        self.keys = [t for t, _ in self.by_text]
        self.all_ids = torch.arange(len(texts))
        self.cache: dict[str, torch.Tensor] = {}

    def allowed_for(self, remaining: str) -> torch.Tensor:
        if remaining not in self.cache:
            ids = []
            # Tokens whose text starts with what is still missing...
            lo = bisect.bisect_left(self.keys, remaining)
            for text, i in self.by_text[lo:]:
                if not text.startswith(remaining):
                    break
                ids.append(i)
            # ...or that cover a first part of it.
            for end in range(1, len(remaining)):
                lo = bisect.bisect_left(self.keys, remaining[:end])
                for text, i in self.by_text[lo:]:
                    if text != remaining[:end]:
                        break
                    ids.append(i)
            self.cache[remaining] = torch.tensor(ids) if ids else self.all_ids
        return self.cache[remaining]

    def __call__(self, _batch_id: int, sent: torch.Tensor) -> torch.Tensor:
        produced = self.tokenizer.decode(sent[self.prompt_len :], skip_special_tokens=True)
        if len(produced) >= len(self.required) or not self.required.startswith(produced):
            return self.all_ids
        return self.allowed_for(self.required[len(produced) :])


class _GreedyFirstRow(LogitsProcessor):
    """Row 0 always takes its likeliest token; the other rows keep sampling."""

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        row = scores[0]
        scores[0] = torch.where(row == row.max(), row, torch.full_like(row, float("-inf")))
        return scores


class _Stream(StoppingCriteria):
    """Decodes every row after each token, reports the texts, and decides which rows are done."""

    def __init__(
        self,
        lm: LoadedModel,
        prompt_len: int,
        required: str,
        rows: int,
        is_done: IsDone | None,
        cancel: threading.Event | None,
        on_update: OnUpdate | None,
    ) -> None:
        self.tokenizer = lm.tokenizer
        self.prompt_len = prompt_len
        self.required = required
        self.is_done = is_done
        self.cancel = cancel
        self.on_update = on_update
        self.texts = [""] * rows
        self.finished = [False] * rows
        self.valid = [True] * rows
        self.started = time.perf_counter()
        self.first_token_seconds: float | None = None
        self.steps = 0
        self.stop_ids = set(self.tokenizer.all_special_ids)

    def _row_text(self, ids: torch.Tensor) -> tuple[str, bool]:
        """The row's text after the healed prefix, and whether the row is still valid."""
        produced = self.tokenizer.decode(ids, skip_special_tokens=True)
        if produced.startswith(self.required):
            return produced[len(self.required) :].rstrip("\ufffd"), True
        return "", self.required.startswith(produced)

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        if self.first_token_seconds is None:
            self.first_token_seconds = time.perf_counter() - self.started
        self.steps += 1
        changed = False
        for row in range(len(self.texts)):
            if self.finished[row]:
                continue
            ids = input_ids[row, self.prompt_len :]
            text, valid = self._row_text(ids)
            if text != self.texts[row]:
                self.texts[row] = text
                changed = True
            if not valid:
                self.valid[row] = False
                self.finished[row] = True
            elif int(ids[-1]) in self.stop_ids or (self.is_done is not None and self.is_done(text)):
                self.finished[row] = True
        if changed and self.on_update is not None:
            self.on_update(self.current())
        cancelled = self.cancel is not None and self.cancel.is_set()
        done = [f or cancelled for f in self.finished]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    def current(self) -> list[str]:
        return [t if v else "" for t, v in zip(self.texts, self.valid, strict=True)]


def _decoding_kwargs(decoding: Decoding, rows: int) -> dict[str, Any]:
    sample = decoding.do_sample or rows > 1
    kwargs: dict[str, Any] = {
        "max_new_tokens": decoding.max_new_tokens,
        "do_sample": sample,
        "num_return_sequences": rows,
    }
    if sample:
        kwargs.update(temperature=decoding.temperature, top_k=decoding.top_k, top_p=decoding.top_p)
    else:
        kwargs.update(temperature=None, top_k=None, top_p=None)
    if decoding.repetition_penalty != 1.0:
        kwargs["repetition_penalty"] = decoding.repetition_penalty
    if decoding.max_time > 0:
        kwargs["max_time"] = decoding.max_time
    return kwargs


def prompt_ids(lm: LoadedModel, text: str, max_tokens: int) -> torch.Tensor:
    """Token ids of the last `max_tokens` tokens of `text`."""
    ids = lm.tokenizer(text, return_tensors="pt").input_ids[0]
    return ids[-max_tokens:]


def _healing_split(lm: LoadedModel, ids: torch.Tensor) -> tuple[torch.Tensor, str]:
    """Back off the last token: the shorter prompt and the text the output must start with."""
    if len(ids) < 2:
        return ids, ""
    decode = lm.tokenizer.decode
    full, head = decode(ids), decode(ids[:-1])
    if not full.startswith(head) or "\ufffd" in full[len(head) :]:
        return ids, ""
    return ids[:-1], full[len(head) :]


def generate(
    lm: LoadedModel,
    prompt: str | Sequence[int] | torch.Tensor,
    decoding: Decoding,
    *,
    candidates: int = 1,
    max_context: int = 2048,
    is_done: IsDone | None = None,
    cancel: threading.Event | None = None,
    on_update: OnUpdate | None = None,
    on_notice: Callable[[str], None] | None = None,
    heal: bool = True,
) -> GenerationResult:
    """Generate `candidates` continuations of `prompt`, streaming them through `on_update`.

    With greedy decoding and several candidates, the first is the greedy one and the others
    are sampled. Text is returned without the prompt. Raises GenerationCancelled if `cancel`
    was set before anything useful was produced.
    """
    if isinstance(prompt, str):
        ids = prompt_ids(lm, prompt, max_context)
    else:
        ids = torch.as_tensor(list(prompt) if not isinstance(prompt, torch.Tensor) else prompt)
    if heal:
        ids, required = _healing_split(lm, ids)
    else:
        required = ""
    if len(ids) == 0:
        ids = torch.tensor([lm.tokenizer.eos_token_id])
    rows = max(1, candidates) if (decoding.do_sample or candidates > 1) else 1
    kwargs = _decoding_kwargs(decoding, rows)
    processors = LogitsProcessorList()
    if rows > 1 and not decoding.do_sample:
        processors.append(_GreedyFirstRow())
    if decoding.seed is not None:
        _set_seed(decoding.seed)
    for attempt in range(2):
        stream = _Stream(lm, len(ids), required, rows, is_done, cancel, on_update)
        if required:
            kwargs["prefix_allowed_tokens_fn"] = _Healing(lm, required, len(ids))
        input_ids = ids.unsqueeze(0).to(lm.device)
        try:
            with torch.inference_mode():
                lm.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    stopping_criteria=[stream],
                    logits_processor=processors,
                    pad_token_id=lm.tokenizer.pad_token_id,
                    **kwargs,
                )
            break
        except torch.OutOfMemoryError as exc:
            if lm.device == "cpu" or attempt:
                raise
            notice = lm.move_to_cpu(reason(exc))
            if on_notice is not None:
                on_notice(notice)
    cancelled = cancel is not None and cancel.is_set()
    if cancelled and not any(stream.current()):
        raise GenerationCancelled()
    return GenerationResult(
        texts=stream.current(),
        new_tokens=stream.steps,
        seconds=time.perf_counter() - stream.started,
        first_token_seconds=stream.first_token_seconds,
        cancelled=cancelled,
    )
