"""Loading a model and its tokenizer onto a device, with clear errors and a CPU fallback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

from writer_app.engine import gguf_cache
from writer_app.engine.devices import default_dtype, resolve_device
from writer_app.engine.models import ModelInfo, ModelNotFoundError, resolve_model

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

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    def describe(self) -> str:
        dtype = str(self.dtype).removeprefix("torch.")
        return f"{self.info.name} · {self.device.upper()} · {dtype}"

    def move_to_cpu(self, reason: str) -> str:
        """Fall back to the CPU (after a GPU failure); returns the notice to show."""
        notice = f"{self.device.upper()} failed ({reason}); running on the CPU instead."
        self.model.to(device="cpu", dtype=torch.float32)
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
        pairs = sorted((t, i) for i, t in enumerate(self.token_texts) if t and i not in special)
        return [t for t, _ in pairs], [i for _, i in pairs]


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for a one-line notice."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_folder(folder: Any, dtype: torch.dtype) -> tuple[Any, Any]:
    model = AutoModelForCausalLM.from_pretrained(
        folder, dtype=dtype, local_files_only=True, use_safetensors=True, trust_remote_code=False
    )
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    return model, tokenizer


def _prepare(info: ModelInfo, dtype: torch.dtype, progress: Progress) -> tuple[Any, Any]:
    """Load weights on the CPU; GGUF files are converted to the safetensors cache first."""
    if not info.is_gguf:
        progress(f"Loading {info.name}…")
        return _load_folder(info.path, dtype)
    for attempt in range(2):
        if not gguf_cache.is_converted(info.path):
            if info.source == "built-in":
                progress("Preparing built-in model (first run only)…")
            else:
                progress(f"Converting {info.name} from GGUF (first use only)…")
            try:
                folder = gguf_cache.convert(info.path)
            except Exception as exc:  # the gguf reader raises many kinds of errors
                raise ModelLoadError(f"Could not read the model file {info.path}: {exc}") from exc
        else:
            folder = gguf_cache.converted_dir(info.path)
        progress(f"Loading {info.name}…")
        try:
            return _load_folder(folder, dtype)
        except Exception:
            # A damaged cache copy: convert again once, from the original file.
            gguf_cache.discard(info.path)
            if attempt:
                raise
    raise AssertionError("unreachable")


def load_model(spec: str, device: str = "auto", progress: Progress | None = None) -> LoadedModel:
    """Find, load and place a model. Raises ModelLoadError with a user-facing message."""
    report = progress or (lambda _message: None)
    hf_logging.disable_progress_bar()  # progress goes to `progress`, not to a console bar
    hf_logging.set_verbosity_error()
    started = time.perf_counter()
    try:
        info = resolve_model(spec)
        target = resolve_device(device)
    except (ModelNotFoundError, ValueError) as exc:
        raise ModelLoadError(str(exc)) from exc
    try:
        model, tokenizer = _prepare(info, default_dtype(target), report)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"Could not load {info.name} from {info.path}: {exc}") from exc
    loaded = LoadedModel(info, model, tokenizer, "cpu", 0.0)
    if target != "cpu":
        try:
            model.to(target)
            loaded.device = target
        except (RuntimeError, torch.OutOfMemoryError) as exc:
            loaded.device = target
            loaded.move_to_cpu(reason(exc))
    loaded.load_seconds = time.perf_counter() - started
    return loaded
