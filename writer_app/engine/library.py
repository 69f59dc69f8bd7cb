"""Getting models from the Hugging Face Hub: check, download (resumable, verified), list, remove.

No Qt here: the dialog and `writer-cli models pull` both call this, on a thread of their own.

Everything goes through `huggingface_hub` and lands in its standard cache (shared with other
tools): `HfApi.model_info(files_metadata=True)` says which files a repo has, with their sizes
and hashes; `get_hf_file_metadata` and `http_get` fetch a file (with Range requests, its own
quick retries and its size check); the finished files are linked into the
snapshot (with huggingface_hub's own pointer helper); `scan_cache_dir` lists and
`delete_revisions` removes.

One thing is ours: where the bytes go while a file downloads. huggingface_hub 2.x writes each
download to a temporary file private to the process and deletes it on any failure, so a
cancel, a crash or a restart would start a multi-gigabyte file over. Here a file downloads
into `blobs/<etag>.incomplete` (the name older huggingface_hub versions resumed from, under the
same lock file), is continued from where it stopped with `http_get(resume_size=...)`, is
hashed while it is written (sha256 for LFS files, the git blob id for small ones) and is
renamed to `blobs/<etag>` only when its size and hash match what the Hub published. The
snapshot is linked last, `config.json` after everything else, so a snapshot that is missing
anything is never listed as a model: a dropped connection never leaves a model that loads
broken.

Nothing here contacts the network unless called to; the caller decides when.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib.util
import json
import logging
import os
import queue
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from writer_app import paths

MiB = 2**20
CHUNK_SIZE = 1 * MiB  # what a cancel waits for at most, and what a dropped connection may lose
SPACE_MARGIN = 64 * MiB  # kept free beyond the download itself
PROGRESS_INTERVAL = 0.1  # seconds between progress reports (phase changes are reported at once)
SPEED_WINDOW = 5.0  # seconds of transfer the speed is averaged over

# Top-level files that loading a transformers model can read, besides its weights.
SUPPORT_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
    "tokenizer.model",
    "spiece.model",
    "chat_template.jinja",
    "chat_template.json",
)
SAFETENSORS_INDEX = "model.safetensors.index.json"
SAFETENSORS_SINGLE = "model.safetensors"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# The GGUF quantisation picked when the user does not choose: small, and close to the original.
GGUF_PREFERENCE = ("q4_k_m", "q4_k_s", "q5_k_m", "q4_1", "q4_0", "q5_k_s", "q5_0", "q6_k", "q8_0")
_SPLIT_GGUF = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.IGNORECASE)
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


# ----------------------------------------------------------------------------- errors


class LibraryError(Exception):
    """Getting a model failed; the message is meant for the user (one or two sentences)."""


class OfflineError(LibraryError):
    """Downloads are off (HF_HUB_OFFLINE) or the Hub cannot be reached."""


class GatedError(LibraryError):
    """The repo is gated: its license must be accepted on the Hub, and a token is needed."""


class NotFoundError(LibraryError):
    """No such repo, revision or file (or it is private)."""


class RefusedError(LibraryError):
    """Writer will not use this repo: pickle weights only, remote code, not a text model."""


class NotEnoughSpaceError(LibraryError):
    """The disk is (or would be) full; what was downloaded is kept."""


class IntegrityError(LibraryError):
    """A file's size or hash is not what the Hub published; the bad data was discarded."""


class NetworkError(LibraryError):
    """The transfer kept failing after retries; what was downloaded is kept."""


class Cancelled(LibraryError):
    """The user paused or cancelled; what was downloaded is kept for a resume."""


# ----------------------------------------------------------------------------- where and how


def hub_cache() -> Path:
    """The Hugging Face cache folder (HF_HUB_CACHE / HF_HOME), where downloads go."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def hub_endpoint() -> str:
    """The Hub's address: HF_ENDPOINT (read now, so a mirror set later counts), else the default."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def offline_reason() -> str | None:
    """Why downloads are off right now, or None when they may run."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return (
            "Writer is offline: HF_HUB_OFFLINE is set, so it will not contact the Hugging Face "
            "Hub. Models already on this computer keep working."
        )
    return None


def has_token() -> bool:
    """A Hugging Face token is available (HF_TOKEN, or `hf auth login`); we never store one."""
    from huggingface_hub import get_token

    return get_token() is not None


def login_hint() -> str:
    return (
        "log in on this computer with `hf auth login` (or set the HF_TOKEN environment "
        "variable); Writer uses that token and never stores it"
    )


def repo_url(repo_id: str, endpoint: str | None = None) -> str:
    return f"{endpoint or hub_endpoint()}/{repo_id}"


def storage_folder(repo_id: str, cache_dir: Path | None = None) -> Path:
    """The repo's folder in the cache (`models--org--name`)."""
    from huggingface_hub.file_download import repo_folder_name

    return (cache_dir or hub_cache()) / repo_folder_name(repo_id=repo_id, repo_type="model")


def format_size(n: float) -> str:
    """Bytes for people: 988 MB, 3.1 GB (powers of 1000, as the Hub and disks show them)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{int(n)} bytes"


def format_seconds(s: float) -> str:
    s = max(0, round(s))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


# ----------------------------------------------------------------------------- what to fetch


@dataclass(frozen=True)
class RemoteFile:
    """One file of a repo, as the Hub describes it."""

    name: str
    size: int
    sha256: str  # LFS files: the content's sha256 (also their etag); "" for plain git files
    blob_id: str  # the git object id (for plain files, also their etag)

    @property
    def etag(self) -> str:
        """The name of its blob in the cache."""
        return self.sha256 or self.blob_id


@dataclass(frozen=True)
class Plan:
    """What downloading a repo means: which commit, which files, how big, and what to know."""

    repo_id: str
    revision: str
    commit: str
    kind: str  # "safetensors" (a transformers model folder) or "gguf" (one .gguf file)
    files: tuple[RemoteFile, ...]
    gguf_files: tuple[RemoteFile, ...] = ()  # every single-file .gguf in the repo
    gated: bool = False
    license: str = ""
    parameters: int = 0  # from the Hub's safetensors metadata (0: not published)
    notes: tuple[str, ...] = ()
    cache_dir: Path = field(default_factory=hub_cache)
    endpoint: str = field(default_factory=hub_endpoint)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def storage(self) -> Path:
        return storage_folder(self.repo_id, self.cache_dir)

    def blob(self, f: RemoteFile) -> Path:
        return self.storage / "blobs" / f.etag

    def partial(self, f: RemoteFile) -> Path:
        return self.storage / "blobs" / f"{f.etag}.incomplete"

    def have_bytes(self) -> int:
        """How much of it is on disk already (finished files and the parts of others)."""
        total = 0
        for f in self.files:
            if self.blob(f).exists():
                total += f.size
            else:
                with contextlib.suppress(OSError):
                    total += min(self.partial(f).stat().st_size, f.size)
        return total

    def need_bytes(self) -> int:
        return self.total_bytes - self.have_bytes()

    @property
    def gguf_file(self) -> str:
        return self.files[0].name if self.kind == "gguf" else ""

    def summary(self) -> str:
        what = f"{len(self.files)} files" if self.kind == "safetensors" else self.gguf_file
        have = self.have_bytes()
        resume = f", {format_size(have)} of it already here" if 0 < have < self.total_bytes else ""
        return (
            f"{self.repo_id} ({self.commit[:8]}): {what}, {format_size(self.total_bytes)}{resume}"
        )


def _remote(sibling: Any) -> RemoteFile | None:
    if sibling.size is None:
        return None
    lfs = sibling.lfs
    return RemoteFile(
        name=sibling.rfilename,
        size=int(lfs.size if lfs else sibling.size),
        sha256=str(lfs.sha256) if lfs else "",
        blob_id=str(sibling.blob_id or ""),
    )


def default_gguf(names: list[str]) -> str:
    """The quantisation to pick when the user does not: the first of GGUF_PREFERENCE present."""
    for quant in GGUF_PREFERENCE:
        for name in names:
            if quant in name.lower().replace("-", "_").replace(".", "_"):
                return name
    return sorted(names)[0]


@functools.cache
def _transformers_auto_sources() -> tuple[Path, str]:
    """transformers' models folder, and the text of its auto-class mappings."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return Path(), ""
    models = Path(spec.submodule_search_locations[0]) / "models"
    texts = []
    for source in sorted((models / "auto").glob("*.py")):
        with contextlib.suppress(OSError):
            texts.append(source.read_text(encoding="utf-8"))
    return models, "\n".join(texts)


def transformers_knows(model_type: str) -> bool:
    """transformers has built-in code for this model type. Read from its files: importing its
    auto classes would import torch, which the dialog's process must not."""
    models, text = _transformers_auto_sources()
    if not text:
        return True  # cannot tell; loading refuses it later if not
    if (models / model_type.replace("-", "_")).is_dir():
        return True
    return re.search(rf'\(\s*"{re.escape(model_type)}"\s*,', text) is not None


def remote_code_reason(
    config: dict[str, Any], tokenizer_config: dict[str, Any] | None
) -> str | None:
    """Why this model would need code from its repo to load (None: it loads without).

    Any `auto_map` counts, as when loading (`models.remote_code_reason`): even where
    transformers has the model type built in, a repo that ships code is not one we take.
    """
    for name, data in (("config.json", config), ("tokenizer_config.json", tokenizer_config)):
        if data and data.get("auto_map"):
            return (
                f"it comes with Python code of its own (auto_map in {name}), and Writer never "
                "runs a model's own code"
            )
    model_type = str(config.get("model_type") or "")
    if not model_type:
        return "its config.json names no model type, so only its own code could load it"
    if not transformers_knows(model_type):
        return f"the installed transformers does not know its model type {model_type!r}"
    return None


def _is_text_model(config: dict[str, Any]) -> bool:
    architectures = config.get("architectures") or []
    return any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)


@functools.cache
def _transport_errors() -> tuple[type[BaseException], ...]:
    """The network errors of the HTTP client huggingface_hub uses (httpx2 in 2.x)."""
    import importlib

    found: list[type[BaseException]] = []
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError")):
        with contextlib.suppress(ImportError, AttributeError):
            found.append(getattr(importlib.import_module(module), name))
    return tuple(found) or (ConnectionError, TimeoutError)


def explain(exc: BaseException, repo_id: str, endpoint: str | None = None) -> LibraryError:
    """A huggingface_hub or network error, said for the user."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, LibraryError):
        return exc
    if isinstance(exc, OfflineModeIsEnabled):
        return OfflineError(offline_reason() or str(exc))
    if isinstance(exc, HFValidationError):
        return NotFoundError(f"{repo_id!r} is not a Hugging Face repo id (it looks like org/name)")
    if isinstance(exc, GatedRepoError):
        status = exc.response.status_code if exc.response is not None else 0
        url = repo_url(repo_id, endpoint)
        if status == 403 or (status != 401 and has_token()):
            return GatedError(
                f"{repo_id} is gated and your Hugging Face account has not been given access "
                f"yet: open {url}, accept its license, wait for approval, then try again."
            )
        return GatedError(
            f"{repo_id} is gated: open {url} and accept its license, then {login_hint()}. "
            "Then try again."
        )
    if isinstance(exc, RepositoryNotFoundError):
        return NotFoundError(
            f"There is no model {repo_id} on the Hub (if it is private, {login_hint()})."
        )
    if isinstance(exc, RevisionNotFoundError):
        return NotFoundError(f"{repo_id} has no such revision.")
    if isinstance(exc, RemoteEntryNotFoundError):
        return NotFoundError(f"{repo_id} has no such file ({_first_line(exc)}).")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return NetworkError(
            f"The Hub could not answer for {repo_id} (HTTP {status}); try again later."
        )
    if isinstance(exc, _transport_errors()):
        host = urlsplit(endpoint or hub_endpoint()).netloc
        return OfflineError(
            f"Cannot reach {host} ({_first_line(exc) or type(exc).__name__}). Check the "
            "connection; the models already on this computer keep working."
        )
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return NotEnoughSpaceError(f"The disk is full ({exc.filename or 'the cache'}).")
    return LibraryError(f"{repo_id}: {_first_line(exc) or type(exc).__name__}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _check_online() -> None:
    reason = offline_reason()
    if reason:
        raise OfflineError(reason)


def _fetch_json(
    repo_id: str, commit: str, name: str, endpoint: str, token: str | None
) -> dict[str, Any]:
    """A small JSON file of the repo, read into memory (not the cache)."""
    from huggingface_hub import constants
    from huggingface_hub.file_download import hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    url = hf_hub_url(repo_id, name, revision=commit, endpoint=endpoint)
    response = get_session().get(
        url,
        headers=build_hf_headers(token=token),
        follow_redirects=True,
        timeout=constants.HF_HUB_ETAG_TIMEOUT,
    )
    hf_raise_for_status(response)
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise RefusedError(f"{repo_id}: {name} is not valid JSON") from exc
    if not isinstance(data, dict):
        raise RefusedError(f"{repo_id}: {name} is not a JSON object")
    return data


def plan(
    repo_id: str,
    revision: str = "main",
    file: str | None = None,
    *,
    cache_dir: Path | None = None,
    endpoint: str | None = None,
    token: str | None = None,
) -> Plan:
    """Ask the Hub what downloading `repo_id` takes (a few small requests, no download).

    `file` picks one .gguf file of a GGUF repo (default: a sensible quantisation). Raises a
    LibraryError subclass that says what is wrong: offline, not found, gated, or refused
    (pickle weights only, remote code, not a text-generation model).
    """
    from huggingface_hub import HfApi
    from huggingface_hub.utils import validate_repo_id

    repo_id = repo_id.strip()
    endpoint = (endpoint or hub_endpoint()).rstrip("/")
    cache = Path(cache_dir) if cache_dir else hub_cache()
    try:
        validate_repo_id(repo_id)
        if "/" not in repo_id:
            raise NotFoundError(
                f"{repo_id!r} is not a Hugging Face repo id (it looks like org/name)"
            )
        _check_online()
        info = HfApi(endpoint=endpoint).model_info(
            repo_id, revision=revision, files_metadata=True, token=token
        )
    except Exception as exc:
        raise explain(exc, repo_id, endpoint) from exc
    if not info.sha:
        raise NotFoundError(f"The Hub gave no commit for {repo_id}")
    commit = str(info.sha)
    remote = {r.name: r for s in info.siblings or [] if (r := _remote(s)) is not None}
    top = {name for name in remote if "/" not in name}
    ggufs = sorted(n for n in top if n.lower().endswith(".gguf") and not _SPLIT_GGUF.search(n))
    ggufs = [n for n in ggufs if "mmproj" not in n.lower()] or ggufs
    gated = bool(info.gated)
    card = info.card_data.to_dict() if info.card_data is not None else {}
    license_ = str(card.get("license_name") or card.get("license") or "")
    parameters = int(info.safetensors.total) if info.safetensors else 0
    notes: list[str] = []
    if gated:
        notes.append(
            f"This model is gated: accept its license at {repo_url(repo_id, endpoint)}, and "
            + login_hint()
            + "."
        )
    base = Plan(
        repo_id=repo_id,
        revision=revision,
        commit=commit,
        kind="safetensors",
        files=(),
        gguf_files=tuple(remote[n] for n in ggufs),
        gated=gated,
        license=license_,
        parameters=parameters,
        cache_dir=cache,
        endpoint=endpoint,
    )

    if file:
        if file not in remote:
            raise NotFoundError(f"{repo_id} has no file {file}")
        if not file.lower().endswith(".gguf"):
            raise RefusedError(
                f"{file} is not a .gguf file: --file picks one file of a GGUF repo; for other "
                "repos Writer downloads what loading needs"
            )
        if _SPLIT_GGUF.search(file):
            raise RefusedError(
                f"{file} is one part of a split GGUF model, which Writer cannot load"
            )
        notes.append(_gguf_note())
        return replace(base, kind="gguf", files=(remote[file],), notes=tuple(notes))

    if SAFETENSORS_INDEX in top or SAFETENSORS_SINGLE in top:
        try:
            config = _fetch_json(repo_id, commit, "config.json", endpoint, token)
            tokenizer_config = (
                _fetch_json(repo_id, commit, "tokenizer_config.json", endpoint, token)
                if "tokenizer_config.json" in top
                else None
            )
            index = (
                _fetch_json(repo_id, commit, SAFETENSORS_INDEX, endpoint, token)
                if SAFETENSORS_INDEX in top
                else None
            )
        except Exception as exc:
            raise explain(exc, repo_id, endpoint) from exc
        why = remote_code_reason(config, tokenizer_config)
        if why:
            raise RefusedError(f"Writer will not use {repo_id}: {why}.")
        if not _is_text_model(config):
            kinds = ", ".join(map(str, config.get("architectures") or [])) or "none given"
            raise RefusedError(
                f"{repo_id} is not a text-generation model (its architectures: {kinds})"
            )
        if index is not None:
            shards = sorted(set((index.get("weight_map") or {}).values()))
            missing = [s for s in shards if s not in remote]
            if not shards or missing:
                raise RefusedError(
                    f"{repo_id}: its safetensors index names files the repo does not have "
                    f"({', '.join(missing) or 'none'})"
                )
            weights = [SAFETENSORS_INDEX, *shards]
        else:
            weights = [SAFETENSORS_SINGLE]
        support = [n for n in SUPPORT_FILES if n in top]
        files = tuple(remote[n] for n in [*support, *weights])
        return replace(base, files=files, notes=tuple(notes))

    if ggufs:
        notes.append(_gguf_note())
        chosen = remote[default_gguf(ggufs)]
        return replace(base, kind="gguf", files=(chosen,), notes=tuple(notes))
    if any(n.lower().endswith(PICKLE_SUFFIXES) for n in top):
        raise RefusedError(
            f"Writer will not use {repo_id}: its weights are only in pickle files (.bin/.pt), "
            "which can run code when loaded. Look for a version of it with .safetensors files."
        )
    raise RefusedError(f"{repo_id} has no model weights Writer can load (.safetensors or .gguf)")


def _gguf_note() -> str:
    return (
        "A GGUF file is converted once, on first use, into a full-precision copy in Writer's "
        "cache (about 4 bytes per parameter on disk)."
    )


# ----------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """Where a download stands; reported from the downloading thread."""

    repo_id: str
    phase: str  # "checking", "downloading", "retrying", "verifying", "finishing", "done"
    file: str
    done: int
    total: int
    speed: float = 0.0  # bytes per second, over the last few seconds (0: not known yet)
    note: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def eta(self) -> float | None:
        if self.speed <= 0 or self.phase != "downloading":
            return None
        return max(0, self.total - self.done) / self.speed

    def text(self) -> str:
        """One line: "412 MB of 988 MB · 23.4 MB/s · 21 s left"."""
        if self.note:
            return self.note
        parts = [f"{format_size(self.done)} of {format_size(self.total)}"]
        if self.phase == "downloading" and self.speed > 0:
            parts.append(f"{format_size(self.speed)}/s")
            if self.eta is not None:
                parts.append(f"{format_seconds(self.eta)} left")
        elif self.phase == "checking":
            parts.append("checking what is already here")
        elif self.phase == "finishing":
            parts.append("finishing")
        return " · ".join(parts)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Downloaded:
    """A model that finished downloading, verified and linked into the cache."""

    repo_id: str
    commit: str
    kind: str
    path: Path  # the snapshot folder, or the .gguf file in it
    size: int

    @property
    def spec(self) -> str:
        """What the model setting (and --model) takes to use it."""
        return self.repo_id if self.kind == "safetensors" else str(self.path)


class _Tracker:
    """Counts bytes for the progress reports; raises Cancelled when asked to stop."""

    def __init__(
        self, plan: Plan, report: ProgressCallback | None, cancel: threading.Event
    ) -> None:
        self.plan, self.report, self.cancel = plan, report, cancel
        self.total = plan.total_bytes
        self.finished = 0  # bytes of files done
        self.current = 0  # bytes of the file in hand
        self.file = ""
        self.phase = "checking"
        self.note = ""
        self.received = 0  # bytes over the network in this run
        self.samples: deque[tuple[float, int]] = deque()
        self.last_report = 0.0

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled(
                f"Paused {self.plan.repo_id}: {format_size(self.finished + self.current)} kept; "
                "downloading it again resumes where it stopped."
            )

    def speed(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 - t0 >= 0.5 else 0.0

    def emit(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.report is None or (not force and now - self.last_report < PROGRESS_INTERVAL):
            return
        self.last_report = now
        self.report(
            Progress(
                self.plan.repo_id,
                self.phase,
                self.file,
                min(self.finished + self.current, self.total),
                self.total,
                self.speed(),
                self.note,
            )
        )

    def set(self, phase: str, file: str = "", note: str = "") -> None:
        self.phase, self.note = phase, note
        if file:
            self.file = file
        self.emit(force=True)

    def add(self, n: int) -> None:
        self.check()
        self.current += n
        self.received += n
        now = time.monotonic()
        self.samples.append((now, self.received))
        while len(self.samples) > 2 and now - self.samples[0][0] > SPEED_WINDOW:
            self.samples.popleft()
        if self.phase != "downloading" or self.note:
            self.phase, self.note = "downloading", ""
            self.emit(force=True)
        else:
            self.emit()


class _Bar:
    """What `http_get` takes as its `tqdm_class`: progress goes to the tracker, and a cancel
    raises from `update` (called before each chunk is written)."""

    tracker: _Tracker

    def __init__(self, *_args: Any, initial: int = 0, **_kwargs: Any) -> None:
        self.tracker.current = initial  # 0 again when the server ignored our Range request

    def update(self, n: int | float = 1) -> None:
        self.tracker.add(int(n))

    def close(self) -> None:
        pass

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass


class _HashedFile:
    """The `.incomplete` file of one download, hashed as it is written.

    `http_get` writes to it from its current end; when a server ignores a Range request it
    seeks back and truncates, and the hash starts over from what is left. Writing and hashing
    run on a thread of their own (both release the GIL), in step with the network reads: a
    download is then limited by the slowest of the three, not by their sum.
    """

    QUEUE_CHUNKS = 4  # chunks in flight between the reader and the writer (memory bound)

    def __init__(self, path: Path, remote: RemoteFile, tracker: _Tracker) -> None:
        self.path, self.remote, self.tracker = path, remote, tracker
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "r+b" if path.exists() else "w+b")  # noqa: SIM115
        self.valid = False
        self.error: BaseException | None = None
        self.queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUE_CHUNKS)
        self.writer: threading.Thread | None = None
        try:
            self.rehash()
        except BaseException:
            self.file.close()
            raise

    def _hasher(self) -> Any:
        if self.remote.sha256:
            return hashlib.sha256()
        hasher = hashlib.sha1(usedforsecurity=False)
        hasher.update(b"blob %d\0" % self.remote.size)  # git's object id of the content
        return hasher

    def rehash(self) -> None:
        """Hash what is on disk (after a restart, or when unsure)."""
        self.sync()
        size = os.fstat(self.file.fileno()).st_size
        hasher = self._hasher()
        self.file.seek(0)
        done = 0
        while done < size:
            self.tracker.check()
            block = self.file.read(min(8 * MiB, size - done))
            if not block:
                break
            hasher.update(block)
            done += len(block)
            self.tracker.current = done
            self.tracker.emit()
        self.file.seek(0, os.SEEK_END)
        self.hasher, self.hashed, self.position, self.valid = hasher, done, done, True

    def _write_loop(self) -> None:
        while True:
            data = self.queue.get()
            try:
                if data is None:
                    return
                if self.error is None:
                    try:
                        self.file.write(data)
                    except BaseException as exc:
                        self.error, self.valid = exc, False
                    else:
                        self.hasher.update(data)
                        self.hashed += len(data)
            finally:
                self.queue.task_done()

    def sync(self) -> None:
        """Wait until every queued chunk is written; raise what writing raised."""
        if self.writer is not None:
            self.queue.join()
        self.file.flush()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    @property
    def size(self) -> int:
        self.sync()
        return os.fstat(self.file.fileno()).st_size

    def write(self, data: bytes) -> int:
        if self.error is not None:
            self.sync()  # raises it
        if self.writer is None:
            self.writer = threading.Thread(target=self._write_loop, daemon=True)
            self.writer.start()
        self.queue.put(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.sync()
        self.position = self.file.seek(offset, whence)
        if self.position != self.hashed:
            self.valid = False  # writes from here would not be appends: hash again at the end
        return self.position

    def truncate(self, size: int | None = None) -> int:
        self.sync()
        result = self.file.truncate(size)
        self.rehash()
        return result

    def flush(self) -> None:
        self.sync()

    def digest_ok(self) -> bool:
        self.sync()
        if not self.valid or self.hashed != self.size:
            self.rehash()
        expected = self.remote.sha256 or self.remote.blob_id
        return bool(expected) and self.hasher.hexdigest() == expected.lower()

    def reset(self) -> None:
        self.sync()
        self.file.seek(0)
        self.file.truncate()
        self.rehash()

    def close(self) -> None:
        if self.writer is not None:
            self.queue.put(None)
            self.writer.join()
            self.writer = None
        if not self.file.closed:
            self.file.close()

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class _RetryNotes(logging.Filter):
    """huggingface_hub logs a warning when http_get resumes a dropped transfer by itself; on
    the downloading thread that becomes a progress note instead of a line on stderr."""

    def __init__(self, tracker: _Tracker) -> None:
        super().__init__()
        self.tracker, self.thread = tracker, threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        if threading.get_ident() != self.thread:
            return True
        message = record.getMessage()
        if "Trying to resume download" in message:
            self.tracker.set("retrying", note="The connection dropped; resuming…")
            return False
        return "Max retries exceeded" not in message  # our own error says it better


@contextlib.contextmanager
def _retry_notes(tracker: _Tracker) -> Iterator[None]:
    log = logging.getLogger("huggingface_hub.file_download")
    notes = _RetryNotes(tracker)
    log.addFilter(notes)
    try:
        yield
    finally:
        log.removeFilter(notes)


def _retryable(exc: BaseException) -> bool:
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, _transport_errors()):
        return True
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        return exc.response.status_code >= 500 or exc.response.status_code in (403, 408, 429)
    return False


def _free_space(folder: Path) -> tuple[int, Path]:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free, probe


def check_space(need: int, folder: Path, repo_id: str = "") -> None:
    """Raise NotEnoughSpaceError unless `need` bytes (and a margin) fit under `folder`."""
    free, where = _free_space(folder)
    if need + SPACE_MARGIN > free:
        what = f"{repo_id} needs" if repo_id else "This needs"
        raise NotEnoughSpaceError(
            f"Not enough disk space: {what} {format_size(need)} more and {where} has "
            f"{format_size(free)} free. Free some space (Remove models you no longer use) "
            "and try again."
        )


class Downloader:
    """Downloads what a Plan lists; `run` returns when the model is ready to load.

    Call `run` on a thread of its own (or the CLI's main thread); `cancel` (an Event) pauses
    it within one chunk, keeping what was downloaded. Network failures are retried with
    backoff (huggingface_hub's http_get also retries a dropped transfer a few times itself);
    every retry continues from the bytes already on disk.
    """

    def __init__(
        self,
        plan: Plan,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        token: str | None = None,
        retries: int = 5,
        retry_wait: float = 1.0,
        max_retry_wait: float = 30.0,
        chunk_size: int = CHUNK_SIZE,
        lock_timeout: float = 10.0,
    ) -> None:
        self.plan = plan
        self.cancel = cancel or threading.Event()
        self.tracker = _Tracker(plan, progress, self.cancel)
        self.token = token
        self.retries, self.retry_wait, self.max_retry_wait = retries, retry_wait, max_retry_wait
        self.chunk_size = chunk_size
        self.lock_timeout = lock_timeout

    # -- the whole job

    def run(self) -> Downloaded:
        with _retry_notes(self.tracker):
            return self._run()

    def _run(self) -> Downloaded:
        plan, tracker = self.plan, self.tracker
        try:
            _check_online()
            tracker.set("checking")
            todo = [f for f in plan.files if not plan.blob(f).exists()]
            tracker.finished = plan.total_bytes - sum(f.size for f in todo)
            check_space(plan.need_bytes(), plan.storage, plan.repo_id)
            # Small files first: a problem shows before the long transfer starts.
            for f in sorted(todo, key=lambda f: f.size):
                tracker.check()
                self._fetch(f)
                tracker.finished += f.size
                tracker.current = 0
            tracker.set("finishing", note=f"Finishing {plan.repo_id}…")
            result = self._link()
        except LibraryError:
            raise
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise NotEnoughSpaceError(
                    f"The disk filled up while downloading {plan.repo_id}; what was downloaded "
                    "is kept. Free some space and download again to resume."
                ) from exc
            raise explain(exc, plan.repo_id, plan.endpoint) from exc
        tracker.finished, tracker.current = plan.total_bytes, 0
        tracker.set("done")
        return result

    # -- one file

    @contextlib.contextmanager
    def _locked(self, f: RemoteFile) -> Iterator[None]:
        """The lock huggingface_hub takes for the same blob (other tools wait for us)."""
        from filelock import Timeout
        from huggingface_hub.utils import WeakFileLock

        folder = self.plan.cache_dir / ".locks" / self.plan.storage.name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with WeakFileLock(folder / f"{f.etag}.lock", timeout=self.lock_timeout):
                yield
        except Timeout as exc:
            raise LibraryError(
                f"Another program is downloading {f.name} of {self.plan.repo_id} into the same "
                "cache; try again when it has finished."
            ) from exc

    def _headers(self, location: str) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        headers = build_hf_headers(token=self.token)
        if urlsplit(location).hostname != urlsplit(self.plan.endpoint).hostname:
            headers.pop("authorization", None)  # a CDN's signed URL: the token stays home
        return headers

    def _metadata(self, f: RemoteFile) -> Any:
        from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url

        plan = self.plan
        url = hf_hub_url(plan.repo_id, f.name, revision=plan.commit, endpoint=plan.endpoint)
        meta = get_hf_file_metadata(url, token=self.token, endpoint=plan.endpoint)
        if (meta.etag or "").lower() != f.etag.lower() or (
            meta.size is not None and meta.size != f.size
        ):
            raise IntegrityError(
                f"The Hub's answers about {f.name} of {plan.repo_id} disagree (size or hash); "
                "nothing of it was kept. Try again later."
            )
        return meta

    def _wait(self, seconds: float, note: str) -> None:
        self.tracker.set("retrying", "", note)
        if self.cancel.wait(seconds):
            self.tracker.check()

    def _fetch(self, f: RemoteFile) -> None:
        from huggingface_hub import constants
        from huggingface_hub.file_download import http_get

        plan, tracker = self.plan, self.tracker
        blob, partial = plan.blob(f), plan.partial(f)
        bar = type("_FileBar", (_Bar,), {"tracker": tracker})
        with self._locked(f):
            if blob.exists():  # another program finished it meanwhile
                return
            tracker.current = 0
            if partial.exists():
                tracker.set("checking", f.name, f"Checking the part of {f.name} already here…")
            out = _HashedFile(partial, f, tracker)
            try:
                meta = None
                failures = 0
                while True:
                    tracker.check()
                    if out.size > f.size:
                        out.reset()
                    have = out.size
                    try:
                        if meta is None:
                            meta = self._metadata(f)
                        tracker.set("downloading", f.name)
                        # http_get reads in chunks of this size: a cancel or a dropped
                        # connection costs at most one chunk (process-wide, but harmless).
                        constants.DOWNLOAD_CHUNK_SIZE = self.chunk_size
                        http_get(
                            meta.location,
                            out,  # type: ignore[arg-type]
                            resume_size=have,
                            headers=self._headers(meta.location),
                            expected_size=f.size,
                            displayed_filename=f.name,
                            tqdm_class=bar,
                        )
                        break
                    except LibraryError:
                        raise
                    except Exception as exc:
                        # (huggingface_hub's and httpx's errors are OSErrors too.)
                        if "Consistency check failed" in str(exc):
                            out.discard()
                            raise IntegrityError(
                                f"{f.name} of {plan.repo_id} arrived with the wrong size, so it "
                                "was discarded and the model was not added. Try again later."
                            ) from exc
                        if not _retryable(exc):
                            raise
                        failures = 0 if out.size > have else failures + 1
                        if failures > self.retries:
                            raise NetworkError(
                                f"Downloading {f.name} of {plan.repo_id} keeps failing "
                                f"({_first_line(exc) or type(exc).__name__}). What was "
                                f"downloaded ({format_size(tracker.finished + out.size)}) is "
                                "kept: download again to resume."
                            ) from exc
                        if out.size > have:
                            meta = None  # a fresh HEAD: a CDN's signed URL may have expired
                        wait = min(self.retry_wait * 2 ** max(0, failures - 1), self.max_retry_wait)
                        self._wait(
                            wait,
                            f"Connection problem ({_first_line(exc) or type(exc).__name__}); "
                            f"retrying in {format_seconds(wait)}…",
                        )
                tracker.set("verifying", f.name)
                if out.size != f.size or not out.digest_ok():
                    out.discard()
                    raise IntegrityError(
                        f"{f.name} of {plan.repo_id} does not match the checksum the Hub "
                        "published, so it was discarded and the model was not added. Try again "
                        "later."
                    )
                out.sync()
                os.fsync(out.file.fileno())
                out.close()
                os.replace(partial, blob)
            finally:
                out.close()

    # -- the snapshot

    def _link(self) -> Downloaded:
        """Link the verified blobs into the snapshot, config.json last, and name the revision.

        All local: the Hub's answers about these files were checked before they downloaded,
        so a connection lost now changes nothing. huggingface_hub's own pointer helper makes
        each link (relative symlinks, or copies where symlinks are not allowed).
        """
        try:
            from huggingface_hub.file_download import _create_symlink as link
        except ImportError:  # pragma: no cover (a later huggingface_hub)

            def link(src: str, dst: str, new_blob: bool = False) -> None:
                os.symlink(os.path.relpath(src, os.path.dirname(dst)), dst)

        plan = self.plan
        snapshot = plan.storage / "snapshots" / plan.commit
        names = [f.name for f in plan.files]
        config = snapshot / "config.json"
        present = config.is_symlink() or config.exists()
        if "config.json" in names and present and not all((snapshot / n).exists() for n in names):
            config.unlink()  # until the rest is there, it is not a model
        for f in sorted(plan.files, key=lambda f: f.name == "config.json"):
            self.tracker.check()
            pointer = snapshot / f.name
            if pointer.exists():
                continue
            pointer.parent.mkdir(parents=True, exist_ok=True)
            link(str(plan.blob(f)), str(pointer), new_blob=False)
        if plan.revision != plan.commit and not _COMMIT.match(plan.revision):
            ref = plan.storage / "refs" / plan.revision
            ref.parent.mkdir(parents=True, exist_ok=True)
            if not ref.is_file() or ref.read_text().strip() != plan.commit:
                ref.write_text(plan.commit)
        path = snapshot if plan.kind == "safetensors" else snapshot / plan.gguf_file
        return Downloaded(plan.repo_id, plan.commit, plan.kind, path, plan.total_bytes)


def download(
    repo_id: str,
    revision: str = "main",
    file: str | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    **options: Any,
) -> Downloaded:
    """Plan and download in one call (see `plan` and `Downloader`)."""
    return Downloader(plan(repo_id, revision, file), progress, cancel, **options).run()


# ----------------------------------------------------------------------------- on this computer


@dataclass(frozen=True)
class LocalRepo:
    """A model repo in the Hugging Face cache, complete or partly downloaded."""

    repo_id: str
    size_on_disk: int  # finished files
    partial_bytes: int  # `.incomplete` files: a download to resume
    snapshot: Path | None
    gguf_files: tuple[Path, ...] = ()
    usable: bool = False  # a model folder Writer lists (config.json + safetensors)

    @property
    def specs(self) -> list[str]:
        """What the model setting takes to use it (a repo id, or .gguf paths)."""
        return [self.repo_id] if self.usable else [str(p) for p in self.gguf_files]


def _repo_id_of(folder: Path) -> str | None:
    parts = folder.name.split("--")
    if parts[0] != "models" or len(parts) < 2:
        return None
    return "/".join(parts[1:])


def local_repos(cache_dir: Path | None = None) -> list[LocalRepo]:
    """The model repos in the cache, with their size on disk and any paused download."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    from writer_app.engine.models import _is_causal_lm

    cache = Path(cache_dir) if cache_dir else hub_cache()
    try:
        info = scan_cache_dir(cache)
    except (CacheNotFound, OSError):
        return []
    partials: dict[Path, int] = {}
    for inc in info.incomplete_files:
        folder = inc.file_path.parent.parent
        partials[folder] = partials.get(folder, 0) + inc.size_on_disk
    found: dict[str, LocalRepo] = {}
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        snapshot: Path | None = None
        ggufs: tuple[Path, ...] = ()
        usable = False
        if repo.revisions:
            newest = max(repo.revisions, key=lambda r: r.last_modified)
            snapshot = Path(newest.snapshot_path)
            ggufs = tuple(
                sorted(f.file_path for f in newest.files if f.file_name.lower().endswith(".gguf"))
            )
            usable = _is_causal_lm(snapshot) and any(snapshot.glob("*.safetensors"))
        found[repo.repo_id] = LocalRepo(
            repo.repo_id,
            repo.size_on_disk,
            partials.pop(Path(repo.repo_path), 0),
            snapshot,
            ggufs,
            usable,
        )
    for folder, size in partials.items():  # only partial files: no snapshot yet
        repo_id = _repo_id_of(folder)
        if repo_id and repo_id not in found:
            found[repo_id] = LocalRepo(repo_id, 0, size, None)
    return sorted(found.values(), key=lambda r: r.repo_id.lower())


def local_repo(repo_id: str, cache_dir: Path | None = None) -> LocalRepo | None:
    return next((r for r in local_repos(cache_dir) if r.repo_id == repo_id), None)


def _converted_copy(gguf: Path) -> Path | None:
    try:
        folder = paths.converted_model_dir(gguf)
    except OSError:
        return None
    return folder if folder.is_dir() else None


def remove(repo_id: str, cache_dir: Path | None = None) -> int:
    """Delete a model repo from the cache (every revision, paused downloads, and Writer's
    converted copies of its GGUF files); returns the bytes freed."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    cache = Path(cache_dir) if cache_dir else hub_cache()
    storage = storage_folder(repo_id, cache)
    freed = 0
    existed = storage.is_dir()
    try:
        info = scan_cache_dir(cache)
    except (CacheNotFound, OSError):
        info = None
    if info is not None:
        for repo in info.repos:
            if repo.repo_id != repo_id or repo.repo_type != "model":
                continue
            for revision in repo.revisions:
                for f in revision.files:
                    copy = _converted_copy(f.file_path) if f.file_name.endswith(".gguf") else None
                    if copy is not None:
                        freed += sum(p.stat().st_size for p in copy.rglob("*") if p.is_file())
                        shutil.rmtree(copy, ignore_errors=True)
            strategy = info.delete_revisions(*(r.commit_hash for r in repo.revisions))
            freed += strategy.expected_freed_size
            strategy.execute()
    if storage.is_dir():
        for partial in storage.glob("blobs/*.incomplete"):
            with contextlib.suppress(OSError):
                freed += partial.stat().st_size
                partial.unlink()
        snapshots = storage / "snapshots"
        if not snapshots.is_dir() or not any(snapshots.iterdir()):
            shutil.rmtree(storage, ignore_errors=True)
    if not existed:
        raise NotFoundError(f"{repo_id} is not in the Hugging Face cache ({cache})")
    return freed
