"""Which backend the settings ask for, opened: the local model, or a server (falling back
to the local model when the server cannot be reached and the settings allow it)."""

from __future__ import annotations

from collections.abc import Callable

from writer_app.config import Model
from writer_app.engine.backend import Backend
from writer_app.translatable import QT_TRANSLATE_NOOP, Message

Progress = Callable[[str], None]


def open_local(model: Model, progress: Progress) -> Backend:
    """The local model, loaded as the settings say. Raises ModelLoadError."""
    from writer_app.engine import cpu_threads
    from writer_app.engine.loader import load_model
    from writer_app.engine.local import LocalBackend

    lm = load_model(
        model.model,
        model.device,
        progress=progress,
        precision=model.precision,
        threads=model.threads,
    )
    choose = model.threads == 0 and not cpu_threads.fixed_by_environment()
    backend = LocalBackend(lm, choose_threads=choose)
    if model.adapter:  # learned from the user's writing; the model works on without it
        from writer_app.engine.adapters import AdapterError

        try:
            backend.use_adapter(model.adapter, model.adapter_scope)
        except AdapterError as exc:
            backend.notices.append(f"{exc}; continuing without it")
    return backend


def open_server(model: Model, progress: Progress) -> Backend:
    """The server the settings name. Raises ServerError."""
    from writer_app.engine.http_api import Endpoint
    from writer_app.engine.remote import RemoteBackend

    host = Endpoint.parse(model.server).host
    progress(Message(QT_TRANSLATE_NOOP("Messages", "Connecting to {host}…"), host=host))
    return RemoteBackend.connect(
        model.server, model.server_model, key=model.server_key, timeout=model.server_timeout
    )


def open_backend(model: Model, progress: Progress) -> Backend:
    """The backend of these settings. Raises ModelLoadError or ServerError."""
    if model.backend != "server":
        return open_local(model, progress)
    from writer_app.engine.http_api import Unreachable

    try:
        return open_server(model, progress)
    except Unreachable as exc:
        if not model.server_fallback:
            raise
        backend = open_local(model, progress)
        backend.notices.append(f"{exc} Using the local model instead.")
        return backend
