"""Loading a model and its tokenizer onto a device, with clear errors and a CPU fallback."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

from writer_app.config import PRECISIONS
from writer_app.engine import cpu_threads, decode_step, gguf_cache, gguf_direct, kv_cache, quantize
from writer_app.engine.devices import default_dtype, resolve_device
from writer_app.engine.models import (
    ModelInfo,
    ModelNotFoundError,
    RemoteCodeModelError,
    refuse_remote_code,
    resolve_model,
)
from writer_app.engine.prefix_cache import PrefixCache
from writer_app.translatable import QT_TRANSLATE_NOOP, Message, message_of

Progress = Callable[[str], None]


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message is meant for the user."""


@dataclass
class LoadedModel:
    """A model ready to generate, with what the user should know about it."""

    info: ModelInfo
    model: Any
    tokenizer: Any
    device: str
    load_seconds: float
    notices: list[str] = field(default_factory=list)
    weights: str = ""  # "int4" or "int8" when the Linear layers hold integer weights
    # The cache of the last prompt, reused by the next request that extends it.
    prefix_cache: PrefixCache | None = None

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @property
    def quantized(self) -> bool:
        return bool(self.weights)

    @property
    def precision(self) -> str:
        """What the weights are: int4, int8 or the float dtype's name."""
        return self.weights or str(self.dtype).removeprefix("torch.")

    def describe(self) -> str:
        return f"{self.info.name} · {self.device.upper()} · {self.precision}"

    def move_to_cpu(self, reason: str) -> str:
        """Fall back to the CPU (after a GPU failure); returns the notice to show."""
        failed = QT_TRANSLATE_NOOP(
            "Messages", "{device} failed ({reason}); running on the CPU instead."
        )
        notice = Message(failed, device=self.device.upper(), reason=reason)
        decode_step.remove(self.model)
        self.model.to(device="cpu", dtype=torch.float32)
        decode_step.install(self.model)
        if self.device == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()
        self.device = "cpu"
        self.notices.append(notice)
        return notice

    @cached_property
    def token_texts(self) -> list[str]:
        """The text of each token id on its own (for prefix constraints)."""
        tok = self.tokenizer
        return tok.batch_decode([[i] for i in range(len(tok))])

    @cached_property
    def token_index(self) -> tuple[list[str], list[int]]:
        """Token texts in sorted order, special tokens left out, and their ids (prefix search)."""
        special = set(self.tokenizer.all_special_ids)
        texts = self.token_texts
        # Ids sorted by their text (a stable sort: equal texts by id). Sorting ids, not
        # (text, id) pairs, halves the time the sort holds the GIL (~15 ms, not ~30).
        ids = sorted(
            (i for i, t in enumerate(texts) if t and i not in special), key=texts.__getitem__
        )
        return [texts[i] for i in ids], ids


def unreadable(path: Any, exc: BaseException) -> str:
    text = QT_TRANSLATE_NOOP("Messages", "Could not read the model file {path}: {error}")
    return Message(text, path=path, error=exc)


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a one-line notice."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_folder(folder: Any, dtype: torch.dtype) -> tuple[Any, Any]:
    # A model's own code never runs, and transformers never asks on stdin whether it may.
    model = AutoModelForCausalLM.from_pretrained(
        folder, dtype=dtype, local_files_only=True, use_safetensors=True, trust_remote_code=False
    )
    tokenizer = AutoTokenizer.from_pretrained(
        folder, local_files_only=True, trust_remote_code=False
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    return model, tokenizer


def _prepare(
    info: ModelInfo, dtype: torch.dtype, progress: Progress, int4: bool = False
) -> tuple[Any, Any, bool]:
    """Load weights on the CPU: the model, its tokenizer, and whether its Linear layers are
    int4 already. A Llama GGUF file is read directly (`gguf_direct`; with `int4` its 4-bit
    blocks become int4 layers as they are); other GGUF files are converted to the
    safetensors cache first."""
    try:  # however the model was found (a path, the Hugging Face cache, the settings)
        refuse_remote_code(info.path)
    except RemoteCodeModelError as exc:
        raise ModelLoadError(message_of(exc)) from exc
    if not info.is_gguf:
        progress(Message(QT_TRANSLATE_NOOP("Messages", "Loading {name}…"), name=info.name))
        return (*_load_folder(info.path, dtype), False)
    try:
        direct = gguf_direct.open_gguf(info.path)
    except (OSError, ValueError, KeyError, struct.error) as exc:
        raise ModelLoadError(unreadable(info.path, exc)) from exc
    if direct is not None:
        progress(Message(QT_TRANSLATE_NOOP("Messages", "Loading {name}…"), name=info.name))
        int4 = int4 and direct.int4_ready
        try:
            return (*gguf_direct.load(direct, torch.float32 if int4 else dtype, int4), int4)
        except Exception:
            # A damaged cached config or tokenizer: made again once, from the file.
            gguf_cache.discard(info.path)
            return (*gguf_direct.load(direct, torch.float32 if int4 else dtype, int4), int4)
    for attempt in range(2):
        if not gguf_cache.is_converted(info.path):
            progress(
                Message(
                    QT_TRANSLATE_NOOP("Messages", "Converting {name} from GGUF (first use only)…"),
                    name=info.name,
                )
            )
            try:
                folder = gguf_cache.convert(info.path)
            except Exception as exc:  # the gguf reader raises many kinds of errors
                raise ModelLoadError(unreadable(info.path, exc)) from exc
        else:
            folder = gguf_cache.converted_dir(info.path)
        progress(Message(QT_TRANSLATE_NOOP("Messages", "Loading {name}…"), name=info.name))
        try:
            return (*_load_folder(folder, dtype), False)
        except Exception:
            # A damaged cache copy: convert again once, from the original file.
            gguf_cache.discard(info.path)
            if attempt:
                raise
    raise AssertionError("unreachable")


INTEGER_PRECISIONS = ("int4", "int8")


def _dtype_for(precision: str, device: str, notices: list[str]) -> torch.dtype:
    if precision in ("auto", *INTEGER_PRECISIONS):
        if precision != "auto" and device != "cpu":
            cpu_only = QT_TRANSLATE_NOOP(
                "Messages", "{precision} runs on the CPU only; using 16-bit precision on {device}."
            )
            notices.append(Message(cpu_only, precision=precision, device=device.upper()))
        return default_dtype(device)
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
        precision
    ]


def cpu_weights(precision: str, model: Any) -> str:
    """Integer weights to use on the CPU for this precision setting ("" = keep floats).

    auto picks int4 for models whose weights are 4-bit already (the built-in Q4_1 model):
    exact, and ~3x faster than float32. Other models stay float32 (never bfloat16, which
    is slow on CPUs without native support); int8 and int4 are theirs to choose.
    """
    if precision in INTEGER_PRECISIONS:
        return precision
    if precision == "auto" and quantize.fast_int_kernels() and quantize.looks_4bit(model):
        return "int4"
    return ""


def load_model(
    spec: str,
    device: str = "auto",
    progress: Progress | None = None,
    *,
    precision: str = "auto",
    threads: int = 0,
) -> LoadedModel:
    """Find, load and place a model. Raises ModelLoadError with a user-facing message.

    `precision` is auto, float32, bfloat16, float16, int8 or int4 (the integer ones on the
    CPU only; see `cpu_weights` for what auto means there); `threads` > 0 sets how many CPU
    threads torch uses.
    """
    report = progress or (lambda _message: None)
    hf_logging.disable_progress_bar()  # progress goes to `progress`, not to a console bar
    hf_logging.set_verbosity_error()
    started = time.perf_counter()
    if precision not in PRECISIONS:
        raise ModelLoadError(
            f"Unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}"
        )
    try:
        info = resolve_model(spec)
        target = resolve_device(device)
    except (ModelNotFoundError, ValueError) as exc:
        raise ModelLoadError(message_of(exc)) from exc
    cpu_threads.default_count()  # read before it is changed
    if threads > 0:
        torch.set_num_threads(threads)
    notices: list[str] = []
    # int4 straight from a file's 4-bit blocks where the CPU would pick int4 for them anyway.
    int4 = target == "cpu" and (
        precision == "int4" or (precision == "auto" and quantize.fast_int_kernels())
    )
    try:
        # One thread while building: memory-bound work, and on a busy machine two threads
        # stall each other at every operation (7-14x slower, measured).
        with cpu_threads.using(1 if target == "cpu" else torch.get_num_threads()):
            model, tokenizer, is_int4 = _prepare(
                info, _dtype_for(precision, target, notices), report, int4
            )
    except ModelLoadError:
        raise
    except Exception as exc:
        failed = QT_TRANSLATE_NOOP("Messages", "Could not load {name} from {path}: {error}")
        raise ModelLoadError(Message(failed, name=info.name, path=info.path, error=exc)) from exc
    loaded = LoadedModel(info, model, tokenizer, "cpu", 0.0, notices)
    if target != "cpu":
        try:
            model.to(target)
            loaded.device = target
        except (RuntimeError, torch.OutOfMemoryError) as exc:
            loaded.device = target
            loaded.move_to_cpu(reason(exc))
    weights = "int4" if is_int4 else cpu_weights(precision, model) if loaded.device == "cpu" else ""
    if weights and not quantize.fast_int_kernels():
        slow = QT_TRANSLATE_NOOP(
            "Messages", "{weights} is slow on this CPU (no AVX2); float32 may be faster."
        )
        notices.append(Message(slow, weights=weights))
    if weights and not is_int4:
        with torch.no_grad(), cpu_threads.using(1):
            quantize.quantize(model, bits=4 if weights == "int4" else 8)
    loaded.weights = weights
    if loaded.device == "cpu":  # measured there; a GPU keeps transformers' own forward
        decode_step.install(model)
        if weights and quantize.fast_int_kernels():
            kv_cache.keep_16bit(model)
    loaded.load_seconds = time.perf_counter() - started
    return loaded
