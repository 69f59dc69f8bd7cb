"""A local stand-in for the Hugging Face Hub's HTTP API, with faults a test can inject.

It answers the requests the real `huggingface_hub` client makes to download a model:

- `GET /api/models/{repo}[/revision/{rev}]` (`HfApi.model_info`, with `?blobs=true` for sizes
  and hashes),
- `HEAD`/`GET /{repo}/resolve/{rev}/{file}`: small files directly (ETag = git blob id); LFS
  files (weights) with a 302 to a "CDN" on another host name (`localhost` instead of
  127.0.0.1) carrying `X-Linked-Etag` (sha256) and `X-Linked-Size`, as the Hub does,
- `GET /cdn/{sha256}`: the bytes, with Range requests (206) like a CDN.

Gated repos answer 401 without a token and 403 with one that was not granted access, with the
Hub's `X-Error-Code: GatedRepo`. Every request is recorded (method, path, Range, status,
bytes sent). `Fault`s break chosen requests: drop the connection after some bytes, stall,
answer an HTTP error, serve different bytes (wrong size or hash) or ignore Range.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".gguf", ".bin", ".pt", ".pth", ".model")


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class HubFile:
    """One file of a repo: bytes in memory, or a file on disk (for big ones)."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    lfs: bool | None = None  # None: by suffix or size, as the Hub decides
    size: int = 0
    sha256: str = ""
    blob_id: str = ""

    def __post_init__(self) -> None:
        if self.path is not None:
            self.size = self.path.stat().st_size
            digest = hashlib.sha256()
            with open(self.path, "rb") as f:
                while block := f.read(8 << 20):
                    digest.update(block)
            self.sha256 = digest.hexdigest()
        else:
            assert self.data is not None
            self.size = len(self.data)
            self.sha256 = hashlib.sha256(self.data).hexdigest()
        if self.lfs is None:
            self.lfs = self.name.endswith(LFS_SUFFIXES) or self.size > 10 * 2**20
        if self.lfs:
            pointer = (
                f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
                f"size {self.size}\n"
            ).encode()
            self.blob_id = git_blob_id(pointer)
        else:
            assert self.data is not None, "small files are served from memory"
            self.blob_id = git_blob_id(self.data)

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.blob_id

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end)."""
        if self.data is not None:
            return self.data[start:end]
        assert self.path is not None
        with open(self.path, "rb") as f:
            f.seek(start)
            return f.read(end - start)


@dataclass
class HubRepo:
    repo_id: str
    files: dict[str, HubFile]
    sha: str = ""
    gated: bool = False
    license: str = "apache-2.0"
    granted: set[str] = field(default_factory=set)  # tokens with access to a gated repo

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = hashlib.sha1(self.repo_id.encode(), usedforsecurity=False).hexdigest()

    @staticmethod
    def from_folder(repo_id: str, folder: Path, **kwargs: Any) -> HubRepo:
        files = {
            p.name: HubFile(p.name, data=p.read_bytes())
            for p in sorted(folder.iterdir())
            if p.is_file()
        }
        return HubRepo(repo_id, files, **kwargs)

    @staticmethod
    def from_bytes(repo_id: str, files: dict[str, bytes], **kwargs: Any) -> HubRepo:
        return HubRepo(repo_id, {n: HubFile(n, data=d) for n, d in files.items()}, **kwargs)


@dataclass
class Fault:
    """What to break. `kind`: "drop" (close after `after` bytes of the body), "stall" (send
    `after` bytes, then nothing for `seconds`), "status" (answer `status`), "corrupt" (same
    size, one byte changed), "resize" (the body is `after` bytes long instead, consistently),
    "ignore_range" (answer 200 with the whole file to a Range request), "slow" (send `after`
    bytes every `seconds`). `after` counts bytes
    of this response's body. It applies to `times`
    requests (0: all) whose path contains `match`, of the given `method` ("GET", "HEAD", "")
    and route ("cdn", "resolve", "api", ""), after letting `skip` of them through."""

    kind: str
    match: str = ""
    after: int = 0
    seconds: float = 0.0
    status: int = 500
    times: int = 1
    method: str = "GET"
    route: str = "cdn"
    skip: int = 0  # let this many matching requests through first
    hits: int = 0
    seen: int = 0


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    status: int = 0
    sent: int = 0  # body bytes written
    authorization: str | None = None


class HubServer:
    """Serves `repos` on 127.0.0.1 (and their LFS files on localhost) until `close`."""

    def __init__(self, repos: list[HubRepo] | None = None) -> None:
        self.repos: dict[str, HubRepo] = {r.repo_id: r for r in repos or []}
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                owner.handle(self, head=True)

            def do_GET(self) -> None:
                owner.handle(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.cdn = f"http://localhost:{self.port}/cdn"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, repo: HubRepo) -> HubRepo:
        self.repos[repo.repo_id] = repo
        return repo

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> HubServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- what tests read

    def cdn_requests(self, name_or_sha: str = "") -> list[Request]:
        """The GETs of LFS bytes (optionally of one file: its name or sha256)."""
        sha = name_or_sha
        for repo in self.repos.values():
            if name_or_sha in repo.files:
                sha = repo.files[name_or_sha].sha256
        return [
            r
            for r in self.requests
            if r.method == "GET" and r.path.startswith("/cdn/") and sha in r.path
        ]

    def bytes_served(self, name_or_sha: str = "") -> int:
        return sum(r.sent for r in self.cdn_requests(name_or_sha))

    # -- answering

    def _fault(self, method: str, route: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times and fault.hits >= fault.times:
                    continue
                if fault.method and fault.method != method:
                    continue
                if fault.route and fault.route != route:
                    continue
                if fault.match and fault.match not in path:
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.hits += 1
                return fault
        return None

    def handle(self, h: BaseHTTPRequestHandler, *, head: bool) -> None:
        method = "HEAD" if head else "GET"
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        record = Request(
            method, h.path, h.headers.get("Range"), authorization=h.headers.get("Authorization")
        )
        with self.lock:
            self.requests.append(record)
        route = (
            "cdn" if path.startswith("/cdn/") else "api" if path.startswith("/api/") else "resolve"
        )
        fault = self._fault(method, route, path)
        try:
            if fault is not None and fault.kind == "status":
                self._error(h, record, fault.status, "Injected", "An injected failure")
            elif route == "api":
                self._api(h, record, path)
            elif route == "cdn":
                self._cdn(h, record, path, head, fault)
            else:
                self._resolve(h, record, path, head, fault)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        record: Request,
        status: int,
        headers: dict[str, str],
        body: bytes = b"",
        head: bool = False,
    ) -> None:
        record.status = status
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        if "Content-Length" not in headers:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body and not head and h.command != "HEAD":
            h.wfile.write(body)
            record.sent += len(body)

    def _error(
        self, h: BaseHTTPRequestHandler, record: Request, status: int, code: str, message: str
    ) -> None:
        body = json.dumps({"error": message}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Error-Code": code,
            "X-Error-Message": message,
        }
        self._send(h, record, status, headers, body)

    def _access(self, h: BaseHTTPRequestHandler, record: Request, repo: HubRepo) -> bool:
        """Gated repos: 401 without a token, 403 with one that has no access."""
        if not repo.gated:
            return True
        auth = h.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip()
        if not token:
            self._error(
                h,
                record,
                401,
                "GatedRepo",
                f"Access to model {repo.repo_id} is restricted. You must have access to it "
                "and be authenticated to access it. Please log in.",
            )
            return False
        if token not in repo.granted:
            self._error(
                h,
                record,
                403,
                "GatedRepo",
                f"Access to model {repo.repo_id} is restricted and you are not in the "
                "authorized list. Visit the model page to ask for access.",
            )
            return False
        return True

    def _find(
        self, h: BaseHTTPRequestHandler, record: Request, tail: str
    ) -> tuple[HubRepo, str] | None:
        """The repo a path starts with, and the rest of the path."""
        for repo_id, repo in self.repos.items():
            if tail == repo_id or tail.startswith(repo_id + "/"):
                return repo, tail[len(repo_id) :].lstrip("/")
        self._error(h, record, 401, "RepoNotFound", "Repository not found")
        return None

    def _api(self, h: BaseHTTPRequestHandler, record: Request, path: str) -> None:
        found = self._find(h, record, path.removeprefix("/api/models/"))
        if found is None:
            return
        repo, rest = found
        if rest and not (
            rest.startswith("revision/") and rest.split("/", 1)[1] in ("main", repo.sha)
        ):
            self._error(h, record, 404, "RevisionNotFound", "Revision not found")
            return
        siblings = []
        for f in repo.files.values():
            sibling: dict[str, Any] = {"rfilename": f.name, "size": f.size, "blobId": f.blob_id}
            if f.lfs:
                sibling["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": 130}
            siblings.append(sibling)
        info = {
            "_id": repo.sha[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "sha": repo.sha,
            "private": False,
            "gated": "manual" if repo.gated else False,
            "disabled": False,
            "tags": ["safetensors", "text-generation"],
            "pipeline_tag": "text-generation",
            "cardData": {"license": repo.license},
            "siblings": siblings,
        }
        self._send(h, record, 200, {"Content-Type": "application/json"}, json.dumps(info).encode())

    def _resolve(
        self, h: BaseHTTPRequestHandler, record: Request, path: str, head: bool, fault: Fault | None
    ) -> None:
        found = self._find(h, record, path.lstrip("/"))
        if found is None:
            return
        repo, rest = found
        if not rest.startswith("resolve/"):
            self._error(h, record, 404, "EntryNotFound", "Not found")
            return
        _, revision, name = rest.split("/", 2)
        if revision not in ("main", repo.sha):
            self._error(h, record, 404, "RevisionNotFound", "Revision not found")
            return
        if not self._access(h, record, repo):
            return
        f = repo.files.get(name)
        if f is None:
            record.status = 404
            body = b'{"error": "Entry not found"}'
            h.send_response(404)
            h.send_header("X-Error-Code", "EntryNotFound")
            h.send_header("X-Repo-Commit", repo.sha)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if not head:
                h.wfile.write(body)
            return
        common = {"X-Repo-Commit": repo.sha, "Accept-Ranges": "bytes"}
        if f.lfs:
            headers = {
                **common,
                "Location": f"{self.cdn}/{f.sha256}",
                "X-Linked-Etag": f'"{f.sha256}"',
                "X-Linked-Size": str(f.size),
                "ETag": f'"{f.blob_id}"',
            }
            self._send(h, record, 302, headers)
            return
        self._body(h, record, f, {**common, "ETag": f'"{f.blob_id}"'}, head, fault)

    def _cdn(
        self, h: BaseHTTPRequestHandler, record: Request, path: str, head: bool, fault: Fault | None
    ) -> None:
        sha = path.removeprefix("/cdn/")
        for repo in self.repos.values():
            for f in repo.files.values():
                if f.lfs and f.sha256 == sha:
                    self._body(h, record, f, {"ETag": f'"{sha}"'}, head, fault)
                    return
        self._error(h, record, 404, "EntryNotFound", "No such object")

    def _body(
        self,
        h: BaseHTTPRequestHandler,
        record: Request,
        f: HubFile,
        headers: dict[str, str],
        head: bool,
        fault: Fault | None,
    ) -> None:
        size = f.size
        kind = fault.kind if fault is not None else ""
        if kind == "resize":
            assert fault is not None
            size = fault.after  # a consistently different file
        start, end = 0, size
        wanted = h.headers.get("Range")
        status = 200
        if wanted and kind != "ignore_range":
            first, _, last = wanted.removeprefix("bytes=").partition("-")
            start = int(first)
            end = min(size, int(last) + 1) if last else size
            if start >= size:
                self._send(h, record, 416, {"Content-Range": f"bytes */{size}"})
                return
            status = 206
            headers = {**headers, "Content-Range": f"bytes {start}-{end - 1}/{size}"}
        headers = {
            **headers,
            "Content-Type": "application/octet-stream",
            "Content-Length": str(end - start),
        }
        record.status = status
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()
        if head:
            return
        h.wfile.flush()
        if kind in ("drop", "stall"):
            assert fault is not None
            self._write(h, record, f, start, min(end, start + fault.after), corrupt=False)
            h.wfile.flush()
            if kind == "stall":
                self.closing.wait(fault.seconds)
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        slow = fault if kind == "slow" else None
        self._write(h, record, f, start, end, kind == "corrupt", kind == "resize", slow)

    def _write(
        self,
        h: BaseHTTPRequestHandler,
        record: Request,
        f: HubFile,
        start: int,
        end: int,
        corrupt: bool,
        resized: bool = False,
        slow: Fault | None = None,
    ) -> None:
        if start >= end:
            return
        if f.path is not None and not corrupt and not resized and slow is None:
            # The fast path for big files: the kernel copies (as a CDN would, at full speed).
            h.wfile.flush()
            with open(f.path, "rb") as src:
                sent = 0
                while sent < end - start:
                    n = os.sendfile(
                        h.connection.fileno(), src.fileno(), start + sent, end - start - sent
                    )
                    if n == 0:
                        break
                    sent += n
                    record.sent += n
            return
        data = f.read(start, min(end, f.size))
        if resized and end > f.size:
            data += b"\0" * (end - max(start, f.size))
        if corrupt and data:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        view = memoryview(data)
        step = slow.after if slow is not None else 1 << 16
        for i in range(0, len(view), step):
            piece = view[i : i + step]
            h.wfile.write(piece)
            record.sent += len(piece)
            if slow is not None:
                h.wfile.flush()
                self.closing.wait(slow.seconds)


def hub_env(server: HubServer, root: Path) -> dict[str, str]:
    """Environment variables that point a huggingface_hub client (another process) at the
    server, with its cache and home under `root` and no token."""
    return {
        "HF_ENDPOINT": server.url,
        "HF_HOME": str(root / "hf-home"),
        "HF_HUB_CACHE": str(root / "hub"),
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DOWNLOAD_TIMEOUT": "2",
        "HF_HUB_ETAG_TIMEOUT": "2",
        "HF_TOKEN": "",
    }


def use_hub(monkeypatch: Any, server: HubServer, root: Path) -> Path:
    """Point this process's huggingface_hub at the server (its constants are read at import,
    so they are patched as well as the environment); returns the cache folder."""
    from huggingface_hub import constants

    env = hub_env(server, root)
    for name, value in env.items():
        if name == "HF_TOKEN":
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    cache = Path(env["HF_HUB_CACHE"])
    template = server.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HOME", env["HF_HOME"])
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(root / "hf-home" / "token"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 2)
    monkeypatch.setattr(constants, "HF_HUB_ETAG_TIMEOUT", 2)
    # The library sets the chunk size for http_get; put it back after the test.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", constants.DOWNLOAD_CHUNK_SIZE)
    return cache


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.01)
