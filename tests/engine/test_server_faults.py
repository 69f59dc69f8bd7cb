"""Each way a server can fail ends in a clear message within the timeout: a proxy in front
of the real server (or in place of it) refuses, stalls, breaks off, or answers garbage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from servers import MODEL_ALIAS, FaultServer, completion_event, free_port, sse

from writer_app.config import Decoding
from writer_app.engine.backend import Chat
from writer_app.engine.http_api import Endpoint
from writer_app.engine.remote import RemoteBackend, ServerError, Unreachable

TIMEOUT = 1.5
D = Decoding(max_new_tokens=16)


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    server = FaultServer()
    yield server
    server.close()


def connect(server: FaultServer, **kwargs: Any) -> RemoteBackend:
    return RemoteBackend.connect(server.url, MODEL_ALIAS, timeout=TIMEOUT, **kwargs)


def fails(fn: Any, match: str, within: float = TIMEOUT + 1.5) -> ServerError:
    started = time.perf_counter()
    with pytest.raises(ServerError, match=match) as caught:
        fn()
    assert time.perf_counter() - started < within
    return caught.value


def test_nothing_listening() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    error = fails(lambda: RemoteBackend.connect(url, timeout=TIMEOUT), "nothing is listening")
    assert isinstance(error, Unreachable)


def test_a_bad_address_is_refused_before_any_connection() -> None:
    for url in ("", "ftp://host/v1", "http://:80", "http://host:99999"):
        with pytest.raises(ServerError):
            Endpoint.parse(url)
    assert Endpoint.parse("gpu-box:8000").url == "http://gpu-box:8000/v1"  # what users type


def test_a_wrong_url(fault) -> None:
    fault.on_models = lambda h, b: fault.status(h, 404, {"detail": "Not Found"})
    fails(lambda: connect(fault), r"has no /models .*ends in /v1")


def test_not_an_openai_server(fault) -> None:
    fault.on_models = lambda h, b: fault.json(h, 200, {"hello": "world"})
    fails(lambda: connect(fault), "did not list its models")


def test_a_refused_key_is_never_shown(fault) -> None:
    fault.on_models = lambda h, b: fault.status(h, 401, {"error": {"message": "bad key"}})
    error = fails(lambda: connect(fault, key="sk-very-secret"), "401.*API key")
    assert "sk-very-secret" not in str(error) and "sk-very-secret" not in repr(error)
    assert "sk-very-secret" not in repr(Endpoint.parse(fault.url, "sk-very-secret"))


def test_the_key_is_sent_as_a_bearer_token(fault) -> None:
    seen: list[str] = []

    def models(handler: Any, body: Any) -> None:
        seen.append(handler.headers.get("Authorization", ""))
        fault.models(handler, body)

    fault.on_models = models
    connect(fault, key="sk-abc")
    assert seen == ["Bearer sk-abc"]


def test_an_unknown_model(fault) -> None:
    fails(lambda: RemoteBackend.connect(fault.url, "gpt-9", timeout=TIMEOUT), "no model named")


@pytest.mark.parametrize(
    ("status", "match"),
    [(429, "busy"), (500, "server failed: 500"), (503, "server failed: 503"), (403, "403")],
)
def test_error_statuses(fault, status: int, match: str) -> None:
    backend = connect(fault)
    fault.on_generate = lambda h, b: fault.status(h, status, {"error": "overloaded"})
    fails(lambda: backend.generate("Once", D), match)


def test_a_stream_that_stalls(fault) -> None:
    backend = connect(fault)
    fault.on_generate = lambda h, b: sse(h, [completion_event(" once")], then="stall")
    fails(lambda: backend.generate("Once", D), f"stalled: nothing came for {TIMEOUT:g} s")


def test_a_server_that_never_answers(fault) -> None:
    backend = connect(fault)
    fault.on_generate = lambda h, b: time.sleep(30)
    fails(lambda: backend.generate("Once", D), "No answer")


def test_garbage_in_the_stream(fault) -> None:
    backend = connect(fault)
    fault.on_generate = lambda h, b: sse(h, [completion_event(" a"), "{not json"])
    fails(lambda: backend.generate("Once", D), "malformed stream event")
    fault.on_generate = lambda h, b: sse(h, ['{"choices": "nope"}'])
    fails(lambda: backend.generate("Once", D), "malformed")


def test_an_error_reported_midway(fault) -> None:
    backend = connect(fault)
    error = '{"error": {"message": "out of memory"}}'
    fault.on_generate = lambda h, b: sse(h, [completion_event(" a"), error])
    fails(lambda: backend.generate("Once", D), "failed mid-reply: out of memory")


def test_an_endless_reply_is_cut_off(fault) -> None:
    backend = connect(fault)
    notices: list[str] = []
    fault.on_generate = lambda h, b: sse(h, [completion_event(" word")] * 5000)
    result = backend.generate("Once", D, on_notice=notices.append)
    assert len(result.texts[0].split()) <= D.max_new_tokens * 2
    assert notices == ["The server sent more than was asked for; the reply was cut off."]


def test_a_stream_broken_off_midway_by_the_real_server(llama_server) -> None:
    proxy = FaultServer(upstream=llama_server)
    try:
        backend = RemoteBackend.connect(proxy.url, MODEL_ALIAS, timeout=30)
        proxy.on_generate = lambda h, b: proxy.forward(h, b, cut_after=3)
        fails(lambda: backend.generate("Once upon a time", D), "before the reply ended", 30)
        proxy.on_generate = proxy.forward  # and it recovers once the server does
        assert backend.generate(Chat([{"role": "user", "content": "Hi"}]), D).texts[0]
    finally:
        proxy.close()


def test_alternatives_are_asked_for_side_by_side_where_the_server_serves_several(fault) -> None:
    backend = connect(fault)  # an OpenAI-compatible server: no n, several requests at once

    def slow(handler: Any, body: Any) -> None:
        time.sleep(0.6)
        fault.answer(handler, body)

    fault.on_generate = slow
    started = time.perf_counter()
    result = backend.generate("Once", Decoding(max_new_tokens=4), candidates=4)
    took = time.perf_counter() - started
    assert result.texts == [" fine words"] * 4
    assert sum(1 for method, _path, _body in fault.requests if method == "POST") == 4
    assert took < 0.6 * 3  # the first, then three at once (in turn: 2.4 s)
