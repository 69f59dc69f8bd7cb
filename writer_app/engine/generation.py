"""Streaming, cancellable generation of one or several candidate continuations.

Everything here plugs into `model.generate` through its own extension points:
- a `StoppingCriteria` that decodes each row as it grows, reports the texts, stops a row
  when the caller's boundary test says it is complete, and stops all rows within one token
  when the cancel event is set;
- token healing through `prefix_allowed_tokens_fn`: the last prompt token is backed off and
  the first generated tokens must reproduce its text, so a prompt that ends mid-word or
  with a space is continued the way the tokenizer would have split the whole text;
- a cache of the prompt, computed once: the first candidate streams on its own (a batch of
  one decodes fastest), then the alternatives are sampled together from the same cache.
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from transformers import DynamicCache, StoppingCriteria

from writer_app.config import Decoding
from writer_app.decoding import alternatives_decoding, generate_kwargs
from writer_app.engine.backend import GenerationCancelled, GenerationResult, IsDone, OnUpdate
from writer_app.engine.kv_cache import new_cache
from writer_app.engine.loader import LoadedModel, reason
from writer_app.engine.prefix_cache import PrefixCache, window


def _set_seed(seed: int) -> None:
    """Seed the sampling: what transformers' `set_seed` does for it (torch's generators on
    every device, and Python's), without importing that, which loads its trainer module and
    with it ~250 more (peft among them): ~0.1 s of the first suggestion here."""
    random.seed(seed)
    torch.manual_seed(seed)


class _Healing:
    """Token healing: which tokens may come next so that the output starts with `required`."""

    def __init__(self, lm: LoadedModel, required: str, prompt_len: int) -> None:
        self.required = required
        self.prompt_len = prompt_len
        self.tokenizer = lm.tokenizer
        self.keys, self.ids = lm.token_index
        self.all_ids = torch.arange(len(lm.token_texts))
        self.cache: dict[str, torch.Tensor] = {}

    def _starting_with(self, prefix: str, exact: bool) -> list[int]:
        found = []
        for k in range(bisect.bisect_left(self.keys, prefix), len(self.keys)):
            text = self.keys[k]
            if text != prefix if exact else not text.startswith(prefix):
                break
            found.append(self.ids[k])
        return found

    def allowed_for(self, remaining: str) -> torch.Tensor:
        if remaining not in self.cache:
            # Tokens that start with what is still missing, or that cover a first part of it.
            ids = self._starting_with(remaining, exact=False)
            for end in range(1, len(remaining)):
                ids += self._starting_with(remaining[:end], exact=True)
            self.cache[remaining] = torch.tensor(ids) if ids else self.all_ids
        return self.cache[remaining]

    def __call__(self, _batch_id: int, sent: torch.Tensor) -> torch.Tensor:
        produced = self.tokenizer.decode(sent[self.prompt_len :], skip_special_tokens=True)
        if len(produced) >= len(self.required) or not self.required.startswith(produced):
            return self.all_ids
        return self.allowed_for(self.required[len(produced) :])


class _CancelOnly(StoppingCriteria):
    """For beam search, whose rows are beams: stop everything when cancelled, nothing else."""

    def __init__(self, cancel: threading.Event | None) -> None:
        self.cancel = cancel

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        cancelled = self.cancel is not None and self.cancel.is_set()
        return torch.full((input_ids.shape[0],), cancelled, device=input_ids.device)  # type: ignore[return-value]


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
        stops: list[str],
    ) -> None:
        self.tokenizer = lm.tokenizer
        self.stops = stops
        self.prompt_len = prompt_len
        self.required = required
        self.is_done = is_done
        self.cancel = cancel
        self.on_update = on_update
        self.texts = [""] * rows
        self.finished = [False] * rows
        self.valid = [True] * rows
        self.first_token_at: float | None = None
        self.finished_at = time.perf_counter()
        self.steps = 0
        self.stop_ids = set(self.tokenizer.all_special_ids)
        self._stop_tensor: torch.Tensor | None = None

    def _row_text(self, ids: torch.Tensor) -> tuple[str, bool]:
        """The row's text after the healed prefix, and whether the row is still valid."""
        produced = self.tokenizer.decode(ids, skip_special_tokens=True)
        if produced.startswith(self.required):
            return produced[len(self.required) :].rstrip("\ufffd"), True
        return "", self.required.startswith(produced)

    def _stopped(self, text: str) -> str | None:
        """The text before the first stop string, if one has appeared."""
        found = [text.index(s) for s in self.stops if s in text]
        return text[: min(found)] if found else None

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        self.finished_at = time.perf_counter()
        if self.first_token_at is None:
            self.first_token_at = self.finished_at
        self.steps = input_ids.shape[1] - self.prompt_len  # tokens (several a step may come)
        if self._stop_tensor is None:
            self._stop_tensor = torch.tensor(sorted(self.stop_ids), device=input_ids.device)
        changed = False
        for row in range(len(self.texts)):
            if self.finished[row]:
                continue
            ids = input_ids[row, self.prompt_len :]
            # An end token may sit inside a run accepted at once (prompt lookup): cut there.
            ends = torch.isin(ids, self._stop_tensor).nonzero()
            ended = len(ends) > 0
            if ended:
                ids = ids[: int(ends[0])]
            text, valid = self._row_text(ids)
            before_stop = self._stopped(text)
            if before_stop is not None:
                text = before_stop
                self.finished[row] = True
            if text != self.texts[row]:
                self.texts[row] = text
                changed = True
            if not valid:
                self.valid[row] = False
                self.finished[row] = True
            elif ended or (self.is_done is not None and self.is_done(text)):
                self.finished[row] = True
        if changed and self.on_update is not None:
            self.on_update(self.current())
        cancelled = self.cancel is not None and self.cancel.is_set()
        done = [f or cancelled for f in self.finished]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)  # type: ignore[return-value]

    def current(self) -> list[str]:
        return [t if v else "" for t, v in zip(self.texts, self.valid, strict=True)]


def chat_ids(lm: LoadedModel, messages: list[dict[str, str]]) -> torch.Tensor:
    """Token ids of a conversation in the model's chat format, ready for its answer."""
    tok = lm.tokenizer
    if getattr(tok, "chat_template", None):
        text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    else:  # a plain language model: a simple transcript
        text = "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages)
        text += "Assistant:"
    return tok(text, add_special_tokens=False, return_tensors="pt").input_ids[0]


def continue_ids(lm: LoadedModel, messages: list[dict[str, str]]) -> torch.Tensor:
    """Token ids of a conversation whose last (assistant) message the model carries on."""
    tok = lm.tokenizer
    if getattr(tok, "chat_template", None):
        text = tok.apply_chat_template(messages, continue_final_message=True, tokenize=False)
    else:  # a plain language model: the transcript chat_ids uses, answer begun
        text = "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages[:-1])
        text += f"Assistant: {messages[-1]['content']}"
    return tok(text, add_special_tokens=False, return_tensors="pt").input_ids[0]


def _banned_ids(lm: LoadedModel, words: list[str]) -> list[list[int]]:
    """Token sequences of banned words and phrases, as they appear mid-sentence and first."""
    found: list[list[int]] = []
    for word in filter(None, (w.strip() for w in words)):
        for variant in {word, f" {word}", word.capitalize(), f" {word.capitalize()}"}:
            ids = lm.tokenizer(variant, add_special_tokens=False).input_ids
            if ids and ids not in found:
                found.append(ids)
    return found


def prompt_ids(lm: LoadedModel, text: str, max_tokens: int) -> torch.Tensor:
    """Token ids of the end of `text`: at most `max_tokens`, the start moving in chunks."""
    ids = lm.tokenizer(text, return_tensors="pt").input_ids[0]
    return window(ids, max_tokens)


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
    prefix_cache: PrefixCache | None = None,
    prompt_lookup: int = 0,
) -> GenerationResult:
    """Generate `candidates` continuations of `prompt`, streaming them through `on_update`.

    The first candidate follows `decoding` (greedy unless it says to sample); the others are
    always sampled, so they differ. Text is returned without the prompt. With a
    `prefix_cache`, the part of the prompt it already holds is not read again. With
    `prompt_lookup` > 0, the model checks that many tokens copied from the prompt at once
    (prompt-lookup decoding: the same text, faster when the output repeats the input, as
    rewrites do). Raises GenerationCancelled if `cancel` was set before anything useful
    was produced.
    """
    started = time.perf_counter()  # the wait a user sees includes tokenizing the prompt
    if isinstance(prompt, str):
        ids = prompt_ids(lm, prompt, max_context)
    else:
        ids = torch.as_tensor(list(prompt) if not isinstance(prompt, torch.Tensor) else prompt)
    ids, required = _healing_split(lm, ids) if heal else (ids, "")
    if len(ids) == 0:
        ids = torch.tensor([lm.tokenizer.eos_token_id])
    if decoding.seed is not None:
        _set_seed(decoding.seed)
    for attempt in range(2):
        try:
            return _generate(
                lm,
                ids,
                required,
                decoding,
                candidates,
                is_done,
                cancel,
                on_update,
                prefix_cache,
                started,
                prompt_lookup,
            )
        except torch.OutOfMemoryError as exc:
            if prefix_cache is not None:
                prefix_cache.clear()
            if lm.device == "cpu" or attempt:
                raise
            notice = lm.move_to_cpu(reason(exc))
            if on_notice is not None:
                on_notice(notice)
    raise AssertionError("unreachable")


def _generate(
    lm: LoadedModel,
    ids: torch.Tensor,
    required: str,
    decoding: Decoding,
    candidates: int,
    is_done: IsDone | None,
    cancel: threading.Event | None,
    on_update: OnUpdate | None,
    prefix_cache: PrefixCache | None,
    started: float,
    prompt_lookup: int = 0,
) -> GenerationResult:
    device = lm.model.device
    first: list[str] = []

    def run(d: Decoding, rows: int, report: OnUpdate | None) -> tuple[list[str], _Stream]:
        stream = _Stream(lm, len(ids), required, rows, is_done, cancel, report, d.stop_strings)
        beams = d.num_beams > 1  # beams are whole texts chosen at the end: no streaming
        kwargs = generate_kwargs(d, sample=d.do_sample)
        if d.banned_words:
            kwargs["bad_words_ids"] = _banned_ids(lm, d.banned_words)
        if required:
            kwargs["prefix_allowed_tokens_fn"] = _Healing(lm, required, len(ids))
        if prompt_lookup and rows == 1 and not beams:
            kwargs["prompt_lookup_num_tokens"] = prompt_lookup
        input_ids = ids.unsqueeze(0).expand(rows, -1).to(device)
        out = lm.model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            cache=None if beams else cache,
            stopping_criteria=[_CancelOnly(cancel) if beams else stream],
            pad_token_id=lm.tokenizer.pad_token_id,
            **kwargs,
        )
        if not beams:
            return stream.current(), stream
        text, valid = stream._row_text(out[0, len(ids) :])
        before_stop = stream._stopped(text)
        text = "" if not valid else text if before_stop is None else before_stop
        stream.steps = out.shape[1] - len(ids)
        stream.first_token_at = stream.finished_at = time.perf_counter()
        if report is not None:
            report([text])
        return [text], stream

    with torch.inference_mode():
        # The prompt is read once; generate reads whatever the cache does not hold yet.
        cache: DynamicCache | None = None
        if decoding.num_beams == 1:
            cache = (
                prefix_cache.take(lm.model, ids)
                if prefix_cache is not None
                else new_cache(lm.model)
            )
        first, main = run(decoding, 1, on_update)
        if prefix_cache is not None and cache is not None:
            prefix_cache.keep(lm.model, ids, cache)
        cancelled = cancel is not None and cancel.is_set()
        texts = first
        if candidates > 1 and not cancelled:
            # The alternatives start from a copy of the prompt's cache, one row each.
            if cache is None or cache.get_seq_length() < len(ids) - 1:
                cache = new_cache(lm.model)
            else:
                cache = copy.deepcopy(cache)
                cache.crop(len(ids) - 1 - cache.get_seq_length())
            cache.batch_repeat_interleave(candidates - 1)

            def report(alternatives: list[str]) -> None:
                if on_update is not None:
                    on_update(first + alternatives)

            texts = first + run(alternatives_decoding(decoding), candidates - 1, report)[0]
            cancelled = cancel is not None and cancel.is_set()
    if cancelled and not any(texts):
        raise GenerationCancelled()
    return GenerationResult(
        texts=texts,
        new_tokens=main.steps,
        seconds=main.finished_at - started,
        first_token_seconds=(main.first_token_at or started) - started,
        cancelled=cancelled,
    )
