"""The local backend: a model loaded with torch and transformers on this machine.

What is local stays here: the chat format applied by the tokenizer, token healing, the
prefix caches, prompt-lookup decoding on GPUs, the CPU fallback after a GPU failure (see
`engine.generation` and `engine.loader`).
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from writer_app.engine import cpu_threads
from writer_app.engine.backend import (
    Backend,
    GenerationResult,
    IsDone,
    OnNotice,
    OnUpdate,
    Prompt,
)
from writer_app.engine.cpu_threads import ThreadChooser
from writer_app.engine.loader import LoadedModel
from writer_app.engine.prefix_cache import PrefixCache
from writer_app.options import Decoding

if TYPE_CHECKING:
    from writer_app.engine.lora import Attached

# Prompt-lookup decoding (`prompt_lookup_num_tokens`) checks up to this many tokens copied
# from the prompt in one pass. That pays where a pass over 10 tokens costs about one over 1
# (a GPU). On a CPU it does not: `tools/measure_rewrite.py` gave 0.86x (int4) and 0.88x
# (float32) of plain decoding speed.
PROMPT_LOOKUP_TOKENS = 10
# Which prompts an adapter (learned from the user's writing) is used for: raw text to
# continue (the editor's suggestions: what it was trained on), or every prompt.
ADAPTER_SCOPES = ("text", "all")


class LocalBackend(Backend):
    """A `LoadedModel` behind the text-level interface."""

    kind = "local"

    def __init__(self, lm: LoadedModel, *, choose_threads: bool = False) -> None:
        """`choose_threads`: measure how many CPU threads decode fastest (at warm-up, and
        again when generations slow down; see `cpu_threads`)."""
        super().__init__()
        self.lm = lm
        self.threads: ThreadChooser | None = None
        if choose_threads and lm.device == "cpu" and len(cpu_threads.choices()) > 1:
            self.threads = ThreadChooser(self._probe)
        self.name = lm.info.name
        self.notices = lm.notices  # one list: a CPU fallback adds to it
        self.load_seconds = lm.load_seconds
        self._shared = PrefixCache()
        self.adapter: Attached | None = None
        self.adapter_scope = "text"
        # What each session's cache was computed with (adapter, whether on): a cache made
        # with other weights is dropped, never continued.
        self._made_with: weakref.WeakKeyDictionary[PrefixCache, tuple[Any, bool]] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def device(self) -> str:  # type: ignore[override]
        return self.lm.device  # it changes if a GPU fails

    def describe(self) -> str:
        if self.adapter is None:
            return self.lm.describe()
        return f"{self.lm.describe()} · adapter {self.adapter.name}"

    def use_adapter(self, name: str | None, scope: str = "text") -> None:
        """Generate with the stored adapter `name` (None or "": none) for the prompts of
        `scope` (see ADAPTER_SCOPES). The model's own weights are not changed. Raises
        AdapterError, with the message for the user, when it cannot be used; the backend
        then has no adapter."""
        if scope not in ADAPTER_SCOPES:
            raise ValueError(f"scope must be one of {ADAPTER_SCOPES}")
        if self.adapter is not None:
            self.adapter.detach()
            self.adapter = None
        if name:
            from writer_app.engine import lora

            self.adapter = lora.attach(self.lm, name)
        self.adapter_scope = scope
        self._shared.clear()

    def _adapter_for(self, prompt: Prompt, session: Any) -> None:
        """Switch the adapter on or off for this prompt; drop a session's cache that was
        computed the other way."""
        active = False
        if self.adapter is not None:
            active = isinstance(prompt, str) or self.adapter_scope == "all"
            self.adapter.sync()
            self.adapter.active = active
        if isinstance(session, PrefixCache):
            made_with = (self.adapter, active)
            if self._made_with.get(session, (None, False)) != made_with:
                session.clear()
            self._made_with[session] = made_with

    def session(self) -> PrefixCache:
        return PrefixCache()

    @property
    def shared_session(self) -> PrefixCache:
        return self._shared

    def prompt_lookup(self, copies_prompt: bool) -> int:
        """Prompt-lookup tokens for a call (0 = off): only on GPUs, where it pays."""
        return PROMPT_LOOKUP_TOKENS if copies_prompt and self.lm.device != "cpu" else 0

    def token_ids(self, prompt: Prompt) -> Any:
        """A chat prompt's token ids in the model's chat format; a text prompt as it is."""
        from writer_app.engine.generation import chat_ids, continue_ids

        if isinstance(prompt, str):
            return prompt
        messages = list(prompt.messages)
        return continue_ids(self.lm, messages) if prompt.begun else chat_ids(self.lm, messages)

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
        from writer_app.engine import generation

        self._adapter_for(prompt, session)
        result = generation.generate(
            self.lm,
            self.token_ids(prompt),
            decoding,
            candidates=candidates,
            max_context=max_context,
            is_done=is_done,
            cancel=cancel,
            on_update=on_update,
            on_notice=on_notice,
            heal=heal and isinstance(prompt, str),
            prefix_cache=session,
            prompt_lookup=self.prompt_lookup(copies_prompt),
        )
        self.speed.add(result)
        measured = result.new_tokens >= self.speed.MIN_TOKENS
        if self.threads is not None and measured and self.threads.slowed(result.tokens_per_second):
            self.threads.choose()
        return result

    PROBE_PROMPT = "The lighthouse keeper climbed the stairs and"

    def _probe(self) -> int:
        """A few greedy tokens (up to 0.3 s): how many were made (for `ThreadChooser`)."""
        from writer_app.engine import generation

        ids = self.token_ids(self.PROBE_PROMPT)
        result = generation.generate(self.lm, ids, Decoding(max_new_tokens=6, max_time=0.3))
        return result.new_tokens

    def warm_up(self) -> float:
        if self.threads is None:
            return super().warm_up()
        with cpu_threads.using(1):  # one thread cannot stall itself on a busy machine
            rate = super().warm_up()
        self.threads.choose()
        return rate
