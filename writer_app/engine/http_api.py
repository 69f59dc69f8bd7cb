"""HTTP for the server backend: JSON requests and Server-Sent-Event streams, with every way
a server can fail turned into one clear message.

The standard library's `http.client` is enough: one connection per request, a socket
timeout that bounds the connection, the first byte and any pause in a stream, and
cancellation from another thread by shutting the socket down (the server sees the
connection close and stops generating). The API key goes in a header and nowhere else.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from writer_app.engine.backend import BackendError

MAX_LINE = 1 << 20  # one event line; a longer one is not a token stream
MAX_BODY = 16 << 20  # a JSON reply (a model list is a few kilobytes)


class ServerError(BackendError):
    """The server failed to answer as asked; the message is meant for the user."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(ServerError):
    """No connection to the server (refused, unknown host, timed out connecting)."""


@dataclass(frozen=True)
class Endpoint:
    """Where the server is: its API root (ending in /v1), key and timeout."""

    url: str
    key: str = field(default="", repr=False)
    timeout: float = 30.0

    @staticmethod
    def parse(url: str, key: str = "", timeout: float = 30.0) -> Endpoint:
        """An endpoint from what a user types: a scheme and /v1 are added when missing."""
        url = url.strip().rstrip("/")
        if not url:
            raise ServerError("No server URL is set (Settings → Model & Device, or --server).")
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServerError(f"Not a server address: {url!r} (expected http://host:port/v1)")
        try:
            parts.port  # noqa: B018 (a bad port raises here)
        except ValueError as exc:
            raise ServerError(f"Not a server address: {url!r} ({exc})") from None
        if not parts.path.endswith("/v1"):
            url += "/v1"
        return Endpoint(url, key, timeout)

    @property
    def root(self) -> str:
        """The server's address without /v1 (where some servers answer other questions)."""
        return self.url.removesuffix("/v1")

    @property
    def host(self) -> str:
        parts = urlsplit(self.url)
        return parts.netloc

    def _connection(self, timeout: float | None = None) -> http.client.HTTPConnection:
        parts = urlsplit(self.url)
        t = self.timeout if timeout is None else timeout
        if parts.scheme == "https":
            context = ssl.create_default_context()
            return http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=t, context=context
            )
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=t)

    def _headers(self, body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream", "User-Agent": "Writer"}
        if body:
            headers["Content-Type"] = "application/json"
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        return headers

    def _path(self, path: str) -> str:
        """`path` under the API root (`/models`), or under the server root (`~/props`)."""
        base = urlsplit(self.root if path.startswith("~") else self.url).path
        return base + path.lstrip("~")

    def _send(self, method: str, path: str, body: Any, timeout: float | None) -> _Exchange:
        conn = self._connection(timeout)
        data = None if body is None else json.dumps(body).encode("utf-8")
        sock = None
        try:
            headers = self._headers(body is not None)
            conn.request(method, self._path(path), body=data, headers=headers)
            sock = conn.sock  # kept: http.client lets go of it when the reply ends the connection
            response = conn.getresponse()
        except Exception as exc:
            _Exchange(conn, None, sock).close()
            raise self._failure(exc, connecting=sock is None) from None
        exchange = _Exchange(conn, response, sock)
        if response.status >= 400:
            try:
                detail = _error_detail(response.read(64 << 10))
            except (OSError, http.client.HTTPException):
                detail = ""
            exchange.close()
            raise self._status_error(response.status, response.reason, detail, path)
        return exchange

    def request(
        self, method: str, path: str, body: Any = None, *, timeout: float | None = None
    ) -> Any:
        """One JSON request; the decoded reply."""
        exchange = self._send(method, path, body, timeout)
        try:
            assert exchange.response is not None
            data = exchange.response.read(MAX_BODY + 1)
        except Exception as exc:
            raise self._failure(exc) from None
        finally:
            exchange.close()
        if len(data) > MAX_BODY:
            raise ServerError("The server's reply is too large to be an answer.")
        try:
            return json.loads(data)
        except ValueError:
            raise ServerError(
                f"The server at {self.host} did not answer in JSON; is it an "
                "OpenAI-compatible server, and is the URL right?"
            ) from None

    @contextlib.contextmanager
    def stream(
        self, path: str, body: Any, cancel: threading.Event | None = None
    ) -> Iterator[Iterator[Any]]:
        """POST `body` and yield its Server-Sent Events as decoded JSON, until [DONE].

        Setting `cancel` (or leaving the `with`) closes the connection at once, from a
        watcher thread if need be, so the server stops generating.
        """
        exchange = self._send("POST", path, body, None)
        response = exchange.response
        assert response is not None
        finished = threading.Event()
        closed = threading.Event()

        def close() -> None:
            if not closed.is_set():
                closed.set()
                exchange.shut_down()

        def watch() -> None:
            while not finished.wait(0.05):
                if cancel is not None and cancel.is_set():
                    close()
                    return

        watcher = threading.Thread(target=watch, name="server-stream-cancel", daemon=True)
        watcher.start()
        try:
            yield self._events(response, cancel, closed)
        finally:
            finished.set()
            close()
            watcher.join()
            exchange.close()

    def _events(
        self,
        response: http.client.HTTPResponse,
        cancel: threading.Event | None,
        closed: threading.Event,
    ) -> Iterator[Any]:
        kind = response.getheader("Content-Type", "")
        if "text/event-stream" not in kind:
            # Some servers answer a stream request with one JSON body: read it as one event.
            try:
                data = response.read(MAX_BODY + 1)
            except Exception as exc:
                raise self._failure(exc) from None
            try:
                yield json.loads(data)
            except ValueError:
                raise ServerError(
                    "The server's reply is not a stream of events (it is not "
                    "OpenAI-compatible, or the URL is wrong)."
                ) from None
            return
        while True:
            try:
                line = response.readline(MAX_LINE + 1)
            except Exception as exc:
                if closed.is_set() and cancel is not None and cancel.is_set():
                    return  # cancelled: the watcher closed the connection
                raise self._failure(exc, streaming=True) from None
            if not line:
                if closed.is_set():
                    return
                raise ServerError("The server closed the connection before the reply ended.")
            if len(line) > MAX_LINE:
                raise ServerError("The server sent a malformed stream (a line over 1 MB).")
            text = line.decode("utf-8", "replace").strip()
            if not text or text.startswith(":") or not text.startswith("data:"):
                continue  # keep-alives, comments, event names, ids
            payload = text[5:].strip()
            if payload == "[DONE]":
                return
            try:
                event = json.loads(payload)
            except ValueError:
                raise ServerError(
                    f"The server sent a malformed stream event: {payload[:80]!r}"
                ) from None
            if isinstance(event, dict) and "error" in event:
                raise ServerError(f"The server failed mid-reply: {_error_detail(payload)}")
            yield event

    def _failure(
        self, exc: BaseException, *, connecting: bool = False, streaming: bool = False
    ) -> ServerError:
        where = f"the server at {self.host}"
        if isinstance(exc, TimeoutError | socket.timeout):
            if connecting:
                return Unreachable(f"No answer from {where} within {self.timeout:g} s.")
            if streaming:
                return ServerError(
                    f"The reply from {where} stalled: nothing came for {self.timeout:g} s."
                )
            return ServerError(f"No answer from {where} within {self.timeout:g} s.")
        if isinstance(exc, ConnectionRefusedError):
            return Unreachable(f"Could not connect to {where}: nothing is listening there.")
        if isinstance(exc, socket.gaierror):
            return Unreachable(f"Could not connect to {where}: unknown host.")
        if isinstance(exc, ssl.SSLError):
            return Unreachable(f"Could not connect securely to {where}: {exc.reason}.")
        if connecting and isinstance(exc, OSError):
            return Unreachable(f"Could not connect to {where}: {exc.strerror or exc}.")
        if isinstance(exc, OSError | http.client.HTTPException):
            return ServerError(f"The connection to {where} broke off mid-reply.")
        return ServerError(f"Talking to {where} failed: {exc}")

    def _status_error(self, status: int, reason: str, detail: str, path: str) -> ServerError:
        said = f" ({detail})" if detail else ""
        if status in (401, 403):
            return ServerError(
                f"The server refused the request: {status} {reason}{said}. Check the API key "
                "(Settings → Model & Device, or the WRITER_API_KEY environment variable).",
                status,
            )
        if status == 404:
            return ServerError(
                f"The server has no {path.lstrip('~')} (404{said}): is the URL right? It "
                "usually ends in /v1.",
                status,
            )
        if status == 429:
            return ServerError(
                f"The server is busy (429 Too Many Requests{said}); try again in a moment.",
                status,
            )
        if status >= 500:
            return ServerError(f"The server failed: {status} {reason}{said}.", status)
        return ServerError(f"The server refused the request: {status} {reason}{said}.", status)


@dataclass
class _Exchange:
    """One request's connection, reply and socket, closed together."""

    conn: http.client.HTTPConnection
    response: http.client.HTTPResponse | None
    sock: socket.socket | None

    def shut_down(self) -> None:
        """Stop the connection at once, from any thread: a blocked read returns."""
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.shut_down()
        with contextlib.suppress(OSError):
            if self.response is not None:
                self.response.close()
            self.conn.close()
            if self.sock is not None:
                self.sock.close()


def _error_detail(data: bytes | str) -> str:
    """The message inside an error body, short."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        parsed = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed.get("detail", parsed.get("message", parsed)))
        if isinstance(error, dict):
            error = error.get("message", error)
        return " ".join(str(error).split())[:200]
    return " ".join(str(parsed).split())[:200]
