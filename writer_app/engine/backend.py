"""The one text-level interface every feature generates through.

A `Backend` turns a prompt (a text to continue, or chat messages) and decoding settings
into one or several texts, streaming them as they grow, stopping a row when the caller's
`is_done` says it is complete, and stopping everything within a token when `cancel` is
set. What is particular to where the model runs stays behind it: the local backend
(`engine.local`: torch and transformers, token healing, prefix caches, prompt lookup,
quantization) and the server backend (`engine.remote`: any OpenAI-compatible HTTP server).

A third backend (say, llama.cpp in-process) is one more module implementing `Backend`:
`generate` and `describe`, and where it has them `refused_knobs`, `session`,
`shared_session`, `warm_up` and `close`.
This module imports neither torch nor an HTTP client.
"""

from __future__ import annotations

import dataclasses
import statistics
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from writer_app.options import Decoding, spec_of

IsDone = Callable[[str], bool]
OnUpdate = Callable[[list[str]], None]
OnNotice = Callable[[str], None]
Message = dict[str, str]


class GenerationCancelled(Exception):
    """Generation stopped because the caller cancelled it, before anything useful came."""


class BackendError(RuntimeError):
    """The backend could not generate; the message is meant for the user."""


@dataclass(frozen=True)
class Chat:
    """A conversation in the model's chat format, ready for the assistant's answer; with
    `begun`, the last message is the assistant's answer already begun, to be carried on."""

    messages: tuple[Message, ...]
    begun: bool = False

    def __init__(self, messages: Sequence[Message], begun: bool = False) -> None:
        object.__setattr__(self, "messages", tuple(dict(m) for m in messages))
        object.__setattr__(self, "begun", begun)


Prompt = str | Chat  # a str is raw text to continue (no chat format)


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


@dataclass
class Speed:
    """A rolling measure of decoding speed from real generations (the status bar's)."""

    MIN_TOKENS = 8  # shorter runs say more about the first token than about decoding
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=20))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result: GenerationResult) -> None:
        if result.new_tokens >= self.MIN_TOKENS and result.tokens_per_second > 0:
            with self.lock:
                self.samples.append(result.tokens_per_second)

    def tokens_per_second(self) -> float | None:
        """The median of the recent generations; None before there is one."""
        with self.lock:
            return statistics.median(self.samples) if self.samples else None


_LABELS = {f.name: spec_of(f).title(f.name) for f in dataclasses.fields(Decoding)}
_NEUTRAL = Decoding(top_k=0)


def _is_set(decoding: Decoding, knob: str) -> bool:
    """Whether a knob asks for anything (sampling knobs only matter when sampling)."""
    sampling = spec_of(next(f for f in dataclasses.fields(Decoding) if f.name == knob)).sampling
    if sampling and not (decoding.do_sample or decoding.alternatives > 1):
        return False
    return bool(getattr(decoding, knob) != getattr(_NEUTRAL, knob))


class Backend(ABC):
    """Where the model runs. Called from one worker thread at a time."""

    kind: str = ""  # "local", "server", …
    name: str = ""  # the model's name, as the status bar shows it
    device: str = ""  # "cpu", "cuda", "mps", or "server"

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.speed = Speed()
        self.load_seconds = 0.0

    @abstractmethod
    def generate(
        self,
        prompt: Prompt,
        decoding: Decoding,
        *,
        candidates: int = 1,
        max_context: int = 2048,
        is_done: IsDone | None = None,
        cancel: threading.Event | None = None,
        on_update: OnUpdate | None = None,
        on_notice: OnNotice | None = None,
        heal: bool = False,
        session: Any = None,
        copies_prompt: bool = False,
    ) -> GenerationResult:
        """`candidates` continuations of `prompt`, streamed through `on_update` (the list of
        texts so far, without the prompt). The first follows `decoding` (greedy unless it
        samples); the others are always sampled, so they differ. `max_context`: how much of
        a long text prompt is read (in tokens; its end is kept). `heal`: a text prompt may end
        mid-word or with a space, and the output is continued the way the whole text would
        be split. `session`: from `session()`, shared by calls whose prompts begin alike (a
        backend may reuse what it read). `copies_prompt`: the output largely repeats the
        prompt (a rewrite), which some backends can exploit. Raises GenerationCancelled
        if `cancel` was set before anything useful came, BackendError when it cannot run."""

    @abstractmethod
    def describe(self) -> str:
        """One line for the status bar: the model, where it runs, how."""

    def refused_knobs(self) -> dict[str, str]:
        """The decoding knobs this backend cannot take at all, each with why."""
        return {}

    def unsupported(self, decoding: Decoding) -> dict[str, str]:
        """The knobs of these settings that are set but cannot be used here, each with its
        line for the user ("Top-k: why"); empty when every knob set can be."""
        refused = self.refused_knobs()
        return {k: f"{_LABELS[k]}: {why}" for k, why in refused.items() if _is_set(decoding, k)}

    def session(self) -> Any:
        """A handle for calls whose prompts begin alike; see `generate`."""
        return None

    @property
    def shared_session(self) -> Any:
        """The long-lived session of the editor's continuations."""
        return None

    def warm_up(self) -> float:
        """One short generation, so the first real request is fast; returns tokens/s. Its
        speed (cold, and too short to tell) is not part of the rolling measure."""
        result = self.generate("Writing is", Decoding(max_new_tokens=12))
        with self.speed.lock:
            self.speed.samples.clear()
        return result.tokens_per_second

    def close(self) -> None:  # noqa: B027 (optional: most backends hold nothing)
        """Release what the backend holds (connections, memory)."""

    def summary(self) -> str:
        """`describe()` with the measured speed, once there is a measure."""
        speed = self.speed.tokens_per_second()
        return self.describe() + (f" · {speed:.0f} tok/s" if speed else "")
