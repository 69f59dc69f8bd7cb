"""The server backend: any server that speaks the OpenAI HTTP API.

Continuation sends the raw document text to the completions endpoint (servers that cache
prefixes, as vLLM and llama.cpp do, read only what is new); rewrite, draft and code send
chat messages to the chat-completions endpoint. Replies stream as Server-Sent Events and
grow the texts as they come; a row stops when the caller's `is_done` says it is complete,
and cancelling closes the connection, which stops the server's work.

Decoding settings map to the request: temperature (0 = greedy), top_p, max_tokens, stop,
seed and n are the API's own; top_k, min_p, typical_p and the repetition penalty go as the
extra parameters the server is known to take (`KINDS`); banned words become `logit_bias`
through the server's tokenizer. Anything a server cannot take is named by `unsupported()`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from writer_app.decoding import alternatives_decoding
from writer_app.engine.backend import (
    Backend,
    Chat,
    GenerationCancelled,
    GenerationResult,
    IsDone,
    OnNotice,
    OnUpdate,
    Prompt,
)
from writer_app.engine.http_api import Endpoint, ServerError, Unreachable
from writer_app.options import Decoding

__all__ = ["KINDS", "RemoteBackend", "ServerError", "ServerInfo", "Unreachable", "probe"]

KEY_VARIABLE = "WRITER_API_KEY"
CHARS_PER_TOKEN = 4  # to keep the end of a long text prompt within the context asked for
WINDOW_STEP = 1024  # characters: how far the start of a long prompt moves at a time


@dataclass(frozen=True)
class Kind:
    """What a kind of server takes beyond the OpenAI API itself."""

    name: str
    extras: Mapping[str, str] = field(default_factory=dict)  # our knob → its request field
    n: bool = False  # several choices in one request
    parallel: bool = True  # several requests at once (llama-cpp-python serves one at a time)
    max_stops: int = 16
    tokenize: tuple[str, str, str] | None = None  # path, text field, tokens field
    # How an answer already begun is carried on: "continue" (vLLM's continue_final_message),
    # "template" (llama.cpp's /apply-template, then a completion), or "transcript" (a
    # completion of a plain User:/Assistant: transcript, as for a model without a template).
    prefill: str = "transcript"


_LLAMA = {
    "top_k": "top_k",
    "min_p": "min_p",
    "typical_p": "typical_p",
    "repetition_penalty": "repeat_penalty",
}
KINDS = {
    "llama.cpp": Kind(
        "llama.cpp", _LLAMA, n=False, tokenize=("~/tokenize", "content", "tokens"),
        prefill="template",
    ),
    "llama-cpp-python": Kind(
        "llama-cpp-python", {k: v for k, v in _LLAMA.items() if k != "typical_p"}, n=False,
        parallel=False,
        tokenize=("~/extras/tokenize", "input", "tokens"),
    ),
    "vLLM": Kind(
        "vLLM", {"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repetition_penalty"},
        n=True, tokenize=("~/tokenize", "prompt", "tokens"), prefill="continue",
    ),
    "Ollama": Kind("Ollama"),
    "OpenAI-compatible": Kind("OpenAI-compatible", max_stops=4),
}  # fmt: skip


@dataclass(frozen=True)
class ServerInfo:
    """What a server said about itself (the settings' Test Connection shows it)."""

    endpoint: Endpoint
    kind: Kind
    models: tuple[str, ...]
    latency: float  # seconds to list the models

    def report(self) -> str:
        """A few lines for the user: kind, models, latency, what it takes."""
        knobs = ", ".join(_LABELS[k] for k in self.kind.extras) or "nothing more"
        return "\n".join(
            [
                f"{self.kind.name} server at {self.endpoint.host}, answered in "
                f"{self.latency * 1000:.0f} ms.",
                f"Models: {', '.join(self.models) or '(none listed)'}",
                f"Takes: temperature, top-p, max tokens, stop, seed; {knobs}.",
                "Alternatives: "
                + ("several per request (n)." if self.kind.n else "one request each."),
                "Banned words: "
                + ("yes (through its tokenizer)." if self.kind.tokenize else "no (no tokenizer)."),
            ]
        )


_LABELS = {"top_k": "top-k", "min_p": "min-p", "typical_p": "typical-p"}
_LABELS["repetition_penalty"] = "repetition penalty"


def api_key(configured: str) -> str:
    """The configured key, else the environment's."""
    return configured or os.environ.get(KEY_VARIABLE, "")


def _answers(endpoint: Endpoint, path: str) -> Any:
    try:
        return endpoint.request("GET", path, timeout=min(endpoint.timeout, 5.0))
    except ServerError:
        return None


def detect_kind(endpoint: Endpoint, models: list[dict[str, Any]]) -> Kind:
    """Which server this is, from the questions only it answers."""
    props = _answers(endpoint, "~/props")
    if isinstance(props, dict) and "default_generation_settings" in props:
        return KINDS["llama.cpp"]
    version = _answers(endpoint, "~/version")
    if isinstance(version, dict) and "version" in version and "build" not in version:
        return KINDS["vLLM"]
    if isinstance(_answers(endpoint, "~/api/version"), dict):
        return KINDS["Ollama"]
    if models and all(m.get("owned_by") == "me" for m in models):
        return KINDS["llama-cpp-python"]
    return KINDS["OpenAI-compatible"]


def probe(endpoint: Endpoint) -> ServerInfo:
    """Ask the server for its models and what it is. Raises ServerError."""
    started = time.perf_counter()
    listed = endpoint.request("GET", "/models")
    latency = time.perf_counter() - started
    data = listed.get("data") if isinstance(listed, dict) else None
    if not isinstance(data, list):
        raise ServerError(
            f"The server at {endpoint.host} did not list its models as the OpenAI API does; "
            "is the URL right (it usually ends in /v1)?"
        )
    models = [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]
    kind = detect_kind(endpoint, models)
    return ServerInfo(endpoint, kind, tuple(m["id"] for m in models), latency)


def _window(text: str, max_tokens: int) -> str:
    """The end of `text`, about `max_tokens` long, starting at a word. The start moves in
    steps of WINDOW_STEP characters, so that as the text grows the prompt keeps the same
    beginning for a while (a server that caches prefixes reads only what is new)."""
    limit = max_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    start = -(-(len(text) - limit) // WINDOW_STEP) * WINDOW_STEP
    cut = re.search(r"\s", text[start:])
    return text[start + cut.end() :] if cut else text[start:]


def _transcript(messages: tuple[dict[str, str], ...]) -> str:
    """A plain transcript, the answer begun (as for a local model without a chat template)."""
    head = "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages[:-1])
    return head + f"Assistant: {messages[-1]['content']}"


class _Row:
    """One text as it streams in: stop strings, `is_done`, and the healed start."""

    def __init__(self, required: str, stops: list[str], is_done: IsDone | None) -> None:
        self.raw = ""
        self.text = ""
        self.required = required
        self.valid = True
        self.done = False
        self.stops = stops
        self.is_done = is_done
        self.chunks = 0

    def add(self, piece: str) -> bool:
        """Take a piece of the reply; whether the visible text changed."""
        if self.done or not piece:
            return False
        self.chunks += 1
        self.raw += piece
        text = self.raw
        if self.required:
            if len(text) < len(self.required):
                if not self.required.startswith(text):
                    self.valid, self.done = False, True
                return False
            if not text.startswith(self.required):
                self.valid, self.done = False, True
                return False
            text = text[len(self.required) :]
        found = [text.index(s) for s in self.stops if s in text]
        if found:
            text, self.done = text[: min(found)], True
        changed = text != self.text
        self.text = text
        if self.is_done is not None and self.is_done(text):
            self.done = True
        return changed

    def result(self) -> str:
        return self.text if self.valid else ""


class RemoteBackend(Backend):
    """A model on an OpenAI-compatible server."""

    kind = "server"
    device = "server"

    def __init__(self, info: ServerInfo, model: str = "") -> None:
        super().__init__()
        self.info = info
        self.endpoint = info.endpoint
        if model and info.models and model not in info.models:
            raise ServerError(
                f"The server has no model named {model!r}; it has: {', '.join(info.models)}."
            )
        if not model and not info.models:
            raise ServerError("The server lists no models; name one (--server-model).")
        self.model = model or info.models[0]
        self.name = self.model
        self.load_seconds = info.latency
        self._template: dict[tuple[str, ...], str] = {}
        self._token_ids: dict[str, list[int]] = {}

    @classmethod
    def connect(
        cls, url: str, model: str = "", *, key: str = "", timeout: float = 30.0
    ) -> RemoteBackend:
        """Reach the server and pick its model. Raises ServerError (Unreachable when there
        is no connection at all)."""
        return cls(probe(Endpoint.parse(url, api_key(key), timeout)), model)

    def describe(self) -> str:
        return f"{self.model} · {self.endpoint.host} ({self.info.kind.name})"

    def refused_knobs(self) -> dict[str, str]:
        """What this server cannot take (those knobs are not used)."""
        kind = self.info.kind
        refused = {
            knob: f"this server ({kind.name}) does not take it"
            for knob in ("top_k", "min_p", "typical_p", "repetition_penalty")
            if knob not in kind.extras
        }
        refused["no_repeat_ngram_size"] = "servers do not take it"
        refused["num_beams"] = "servers do not take beam search"
        refused["length_penalty"] = "it is for beam search, which servers do not take"
        if kind.tokenize is None:
            refused["banned_words"] = f"this server ({kind.name}) has no tokenizer to ban them"
        return refused

    # ------------------------------------------------------------- requests

    def _body(self, decoding: Decoding, sample: bool, rows: int) -> dict[str, Any]:
        d = decoding
        body: dict[str, Any] = {"model": self.model, "max_tokens": d.max_new_tokens}
        body["stream"] = True
        if sample:
            body["temperature"] = d.temperature
            body["top_p"] = d.top_p
            values = {"top_k": d.top_k, "min_p": d.min_p, "typical_p": d.typical_p}
            neutral = {"top_k": 0, "min_p": 0.0, "typical_p": 1.0}
            for knob, value in values.items():
                if knob in self.info.kind.extras and value != neutral[knob]:
                    body[self.info.kind.extras[knob]] = value
        else:
            body["temperature"] = 0.0
            if "top_k" in self.info.kind.extras:
                body[self.info.kind.extras["top_k"]] = 1  # greedy, whatever the server's default
        if d.repetition_penalty != 1.0 and "repetition_penalty" in self.info.kind.extras:
            body[self.info.kind.extras["repetition_penalty"]] = d.repetition_penalty
        if d.seed is not None:
            body["seed"] = d.seed
        if d.stop_strings:
            body["stop"] = d.stop_strings[: self.info.kind.max_stops]  # all are cut here too
        if d.banned_words:
            body["logit_bias"] = self._logit_bias(d.banned_words)
        if rows > 1:
            body["n"] = rows
        return body

    def _logit_bias(self, words: list[str]) -> dict[str, float]:
        """Ban words through the server's tokenizer: every token that spells one of them
        whole (with or without a leading space, capitalized or not)."""
        kind = self.info.kind
        if kind.tokenize is None:
            raise ServerError(
                f"This server ({kind.name}) has no tokenizer, so it cannot ban words; "
                "clear the banned words or use the local model."
            )
        path, field_name, tokens_field = kind.tokenize
        bias: dict[str, float] = {}
        too_long = []
        for word in filter(None, (w.strip() for w in words)):
            single = False
            for variant in {word, f" {word}", word.capitalize(), f" {word.capitalize()}"}:
                if variant not in self._token_ids:
                    reply = self.endpoint.request("POST", path, {field_name: variant})
                    ids = reply.get(tokens_field) if isinstance(reply, dict) else None
                    if not isinstance(ids, list):
                        raise ServerError("The server's tokenizer gave no tokens.")
                    self._token_ids[variant] = [
                        t if isinstance(t, int) else int(t.get("id", -1)) for t in ids
                    ]
                ids = self._token_ids[variant]
                if len(ids) == 1:
                    bias[str(ids[0])] = -100.0
                    single = True
            if not single:
                too_long.append(word)
        if too_long:
            raise ServerError(
                "A server can only ban words its tokenizer holds as one token; "
                f"{', '.join(repr(w) for w in too_long)} cannot be banned there."
            )
        return bias

    def _completion_prompt(self, prompt: Chat) -> str:
        """A begun answer as a completion prompt, in the server's chat format if it can
        give it, else as a plain transcript."""
        if self.info.kind.prefill == "template":
            key = tuple(f"{m['role']}\0{m['content']}" for m in prompt.messages[:-1])
            if key not in self._template:
                reply = self.endpoint.request(
                    "POST", "~/apply-template", {"messages": list(prompt.messages[:-1])}
                )
                text = reply.get("prompt") if isinstance(reply, dict) else None
                if not isinstance(text, str):
                    raise ServerError("The server did not apply its chat template.")
                self._template = {key: text}
            return self._template[key] + prompt.messages[-1]["content"]
        return _transcript(prompt.messages)

    def _request(self, prompt: Prompt, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The endpoint and body for `prompt`."""
        if isinstance(prompt, str):
            return "/completions", {**body, "prompt": prompt}
        messages = list(prompt.messages)
        if not prompt.begun:
            return "/chat/completions", {**body, "messages": messages}
        if self.info.kind.prefill == "continue":
            extra = {"continue_final_message": True, "add_generation_prompt": False}
            return "/chat/completions", {**body, "messages": messages, **extra}
        return "/completions", {**body, "prompt": self._completion_prompt(prompt)}

    def _alternatives(
        self,
        prompt: Prompt,
        required: str,
        stops: list[str],
        is_done: IsDone | None,
        cancel: threading.Event | None,
        deadline: float | None,
        decoding: Decoding,
        count: int,
        report: Callable[[list[_Row]], None],
    ) -> list[_Row]:
        """`count` sampled alternatives: in one request (n) where the server takes it, else
        one request each, side by side where the server serves several at once."""
        kind = self.info.kind
        sizes = [count] if kind.n else [1] * count
        alternatives = alternatives_decoding(decoding)
        streams = []
        for i, size in enumerate(sizes):
            seed = None if decoding.seed is None else decoding.seed + 1 + i
            how = dataclasses.replace(alternatives, seed=seed)
            stream = _Stream(self, prompt, required, stops, is_done, cancel, deadline)
            stream.rows = [_Row(required, stops, is_done) for _ in range(size)]
            streams.append((stream, how, size))
        (_at_once if kind.parallel and len(streams) > 1 else _in_turn)(streams, report)
        return [row for stream, _how, _count in streams for row in stream.rows]

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
        started = time.perf_counter()
        required = ""
        if isinstance(prompt, str):
            prompt = _window(prompt, max_context)
            if heal:  # a trailing space is the start of the next word: let the model write it
                stripped = prompt.rstrip(" ")
                prompt, required = stripped, prompt[len(stripped) :]
        stops = [s for s in decoding.stop_strings if s]
        deadline = started + decoding.max_time if decoding.max_time > 0 else None
        first = _Stream(self, prompt, required, stops, is_done, cancel, deadline)

        def report(rows: list[_Row]) -> None:
            if on_update is not None:
                on_update([r.result() for r in rows])

        first.run(decoding, decoding.do_sample, 1, report)
        rows = first.rows
        cancelled = cancel is not None and cancel.is_set()
        if candidates > 1 and not cancelled:
            rows = rows + self._alternatives(
                prompt, required, stops, is_done, cancel, deadline, decoding, candidates - 1,
                functools.partial(_joined, report, rows),
            )  # fmt: skip
            cancelled = cancel is not None and cancel.is_set()
        texts = [r.result() for r in rows]
        if cancelled and not any(texts):
            raise GenerationCancelled()
        if first.overran and on_notice is not None:
            on_notice("The server sent more than was asked for; the reply was cut off.")
        result = GenerationResult(
            texts=texts,
            new_tokens=first.rows[0].chunks,
            seconds=first.finished_at - started,
            first_token_seconds=(first.first_at or first.finished_at) - started,
            cancelled=cancelled,
        )
        self.speed.add(result)
        return result


def _joined(report: Callable[[list[_Row]], None], before: list[_Row], rows: list[_Row]) -> None:
    report(before + rows)


def _in_turn(
    streams: list[tuple[_Stream, Decoding, int]], report: Callable[[list[_Row]], None]
) -> None:
    """Run the streams one after the other, reporting all their rows as they grow."""
    done: list[_Row] = []
    for stream, how, count in streams:
        stream.run(how, True, count, functools.partial(_joined, report, list(done)))
        done += stream.rows
        if stream.cancel is not None and stream.cancel.is_set():
            return


def _at_once(
    streams: list[tuple[_Stream, Decoding, int]], report: Callable[[list[_Row]], None]
) -> None:
    """Run the streams side by side (one thread each), reporting all their rows."""
    lock = threading.Lock()

    def joined(_rows: list[_Row]) -> None:
        with lock:
            report([row for stream, _how, _count in streams for row in stream.rows])

    with ThreadPoolExecutor(len(streams), thread_name_prefix="server-alternative") as pool:
        futures = [pool.submit(s.run, how, True, n, joined) for s, how, n in streams]
    for future in futures:
        future.result()  # a failure of any is the call's


class _Stream:
    """One streamed request: `rows` choices growing until done, cancelled or out of time."""

    def __init__(
        self,
        backend: RemoteBackend,
        prompt: Prompt,
        required: str,
        stops: list[str],
        is_done: IsDone | None,
        cancel: threading.Event | None,
        deadline: float | None,
    ) -> None:
        self.backend = backend
        self.prompt = prompt
        self.required = required
        self.stops = stops
        self.is_done = is_done
        self.cancel = cancel
        self.deadline = deadline
        self.rows: list[_Row] = []
        self.first_at: float | None = None
        self.finished_at = time.perf_counter()
        self.overran = False

    def run(
        self, decoding: Decoding, sample: bool, count: int, report: Callable[[list[_Row]], None]
    ) -> None:
        backend = self.backend
        if len(self.rows) != count:
            self.rows = [_Row(self.required, self.stops, self.is_done) for _ in range(count)]
        path, body = backend._request(self.prompt, backend._body(decoding, sample, count))
        # A piece of a stream holds at least one token: more pieces than tokens asked for
        # means a server that does not stop (its reply is cut off there).
        limit = decoding.max_new_tokens
        with backend.endpoint.stream(path, body, self.cancel) as events:
            for event in events:
                changed = False
                for index, piece in _pieces(event):
                    if 0 <= index < count:
                        row = self.rows[index]
                        changed |= row.add(piece)
                        if row.chunks > limit or len(row.raw) > limit * 64:
                            row.done, self.overran = True, True
                now = time.perf_counter()
                self.finished_at = now
                if changed:
                    self.first_at = self.first_at or now
                    report(self.rows)
                if all(r.done for r in self.rows):
                    break
                if self.deadline is not None and now >= self.deadline:
                    break
                if self.cancel is not None and self.cancel.is_set():
                    break
        self.finished_at = time.perf_counter()


def _pieces(event: Any) -> list[tuple[int, str]]:
    """The (choice index, new text) pairs of one streamed event, chat or completion."""
    if not isinstance(event, dict):
        raise ServerError("The server sent a malformed stream event (not an object).")
    choices = event.get("choices")
    if choices is None:
        return []  # e.g. a usage report
    if not isinstance(choices, list):
        raise ServerError("The server sent a malformed stream event (choices).")
    found = []
    for choice in choices:
        if not isinstance(choice, dict):
            raise ServerError("The server sent a malformed stream event (a choice).")
        index = choice.get("index", 0)
        delta = choice.get("delta")
        if isinstance(delta, dict):
            piece = delta.get("content") or ""
        else:
            piece = choice.get("text")
            if piece is None and isinstance(choice.get("message"), dict):
                piece = choice["message"].get("content")  # a whole reply, not streamed
            piece = piece or ""
        if not isinstance(piece, str) or not isinstance(index, int):
            raise ServerError("The server sent a malformed stream event (its text).")
        found.append((index, piece))
    return found
