"""Adapters learned from the user's writing: where they are kept, and what each one records.

An adapter is a LoRA adapter (peft's format: `adapter_config.json` and
`adapter_model.safetensors`, a few MB) in a folder of its own under the platformdirs data
folder (`…/writer/adapters/NAME/`), with `manifest.json`: the base model it was trained on
(its name and fingerprint), the documents used (names, sizes and hashes of their text, never
the text), how many tokens, the settings, the held-out perplexity before and after, the
date, and the weights file's own hash, so that a damaged file is noticed before it is used.
A training run in progress keeps its checkpoint under `…/adapters/.work/NAME/` until the
adapter is saved.

This module reads and writes the store and checks manifests; it imports no torch (the
settings window lists adapters). Applying one to a model is `engine.lora`; training one is
`engine.training`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import PlatformDirs

FORMAT = "writer-adapter"
VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "adapter_model.safetensors"
CONFIG = "adapter_config.json"
WORK = ".work"  # runs in progress (checkpoints), one folder per adapter name
MAX_MANIFEST_BYTES = 1 << 20
SAMPLE_BYTES = 1 << 20  # the fingerprint reads this much at three places of each file
_NAME = re.compile(r"^[\w][\w .\-]{0,63}$")


class AdapterError(RuntimeError):
    """An adapter cannot be used (missing, damaged, for another model); the message is
    meant for the user."""


def store_dir() -> Path:
    """Where adapters are kept (created 0700 on first use)."""
    folder = Path(PlatformDirs(appname="writer", appauthor=False).user_data_dir) / "adapters"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def check_name(name: str) -> str:
    """The name, stripped, if it can name an adapter (and its folder); AdapterError if not."""
    name = name.strip()
    if not _NAME.match(name) or name in (".", ".."):
        raise AdapterError(
            f"{name!r} cannot name an adapter: use up to 64 letters, digits, spaces, '-', '_' "
            "or '.', starting with a letter or digit"
        )
    return name


def adapter_dir(name: str) -> Path:
    return store_dir() / check_name(name)


def work_dir(name: str) -> Path:
    """Where a run that makes adapter `name` keeps its checkpoint (created 0700)."""
    folder = store_dir() / WORK / check_name(name)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sampled(digest: Any, path: Path) -> None:
    """A file's size and three samples (start, middle, end) into `digest`: a base model's
    weights are gigabytes, and any other model differs in all three."""
    size = path.stat().st_size
    digest.update(f"{path.name}|{size}|".encode())
    with path.open("rb") as handle:
        for start in sorted(
            {0, max(0, size // 2 - SAMPLE_BYTES // 2), max(0, size - SAMPLE_BYTES)}
        ):
            handle.seek(start)
            digest.update(handle.read(SAMPLE_BYTES))


def base_fingerprint(model_path: Path) -> str:
    """A fingerprint of a base model's weights (a .gguf file, or a folder's config.json and
    .safetensors files): the same for every precision it is loaded in, different for any
    other model."""
    digest = hashlib.sha256()
    if model_path.is_file():
        files = [model_path]
    else:
        files = [model_path / "config.json", *sorted(model_path.glob("*.safetensors"))]
    for file in files:
        _sampled(digest, file)
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Adapter:
    """An adapter in the store: its folder and manifest, or why it cannot be used."""

    name: str
    folder: Path
    manifest: dict[str, Any]
    problem: str = ""  # empty when it looks usable

    @property
    def base_name(self) -> str:
        return str(self.manifest.get("base", {}).get("name", "?"))

    @property
    def fingerprint(self) -> str:
        return str(self.manifest.get("base", {}).get("fingerprint", ""))

    def describe(self) -> str:
        """One tab-separated line: name, base model, tokens, perplexity, date, size."""
        if self.problem:
            return f"{self.name}\t(unusable: {self.problem})"
        m = self.manifest
        tokens = m.get("tokens", {}).get("train", 0)
        ppl = m.get("perplexity", {})
        before, after = ppl.get("before"), ppl.get("after")
        change = ""
        if isinstance(before, int | float) and isinstance(after, int | float) and before > 0:
            change = f"perplexity {before:.1f} → {after:.1f} ({(after / before - 1) * 100:+.0f}%)"
        size = m.get("weights", {}).get("bytes", 0) / 2**20
        created = str(m.get("created", ""))[:10]
        docs = len(m.get("documents", []))
        return "\t".join(
            (
                self.name,
                self.base_name,
                f"{docs} document{'s' * (docs != 1)}, {tokens:,} tokens",
                change,
                created,
                f"{size:.1f} MB",
            )
        )


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise AdapterError(f"its {MANIFEST} is missing") from None
    except OSError as exc:
        raise AdapterError(f"its {MANIFEST} cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise AdapterError(f"its {MANIFEST} is damaged (far too large)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise AdapterError(f"its {MANIFEST} is damaged ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AdapterError(f"its {MANIFEST} is not a Writer adapter manifest")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise AdapterError("it was made by a newer version of Writer")
    base, weights = data.get("base"), data.get("weights")
    if not isinstance(base, dict) or not isinstance(weights, dict):
        raise AdapterError(f"its {MANIFEST} is damaged (no base model or weights entry)")
    if not isinstance(weights.get("sha256"), str) or not isinstance(base.get("fingerprint"), str):
        raise AdapterError(f"its {MANIFEST} is damaged (no weights hash or base fingerprint)")
    return data


def _inspect(folder: Path) -> Adapter:
    try:
        manifest = _read_manifest(folder)
    except AdapterError as exc:
        return Adapter(folder.name, folder, {}, str(exc))
    for needed in (CONFIG, WEIGHTS):
        if not (folder / needed).is_file():
            return Adapter(folder.name, folder, manifest, f"its {needed} is missing")
    return Adapter(folder.name, folder, manifest)


def list_adapters() -> list[Adapter]:
    """Every adapter in the store, by name; damaged ones too, each with its problem."""
    found = []
    for folder in sorted(store_dir().iterdir(), key=lambda p: p.name.casefold()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        found.append(_inspect(folder))
    return found


def find(name: str) -> Adapter:
    """The adapter called `name`, checked: its manifest reads, its weights are the ones it
    recorded. AdapterError (saying what is wrong) otherwise."""
    folder = adapter_dir(name)
    if not folder.is_dir():
        known = [a.name for a in list_adapters()]
        hint = f"; there are: {', '.join(known)}" if known else "; there are none yet"
        raise AdapterError(f"There is no adapter named {name!r}{hint} (see writer-cli adapters)")
    adapter = _inspect(folder)
    if adapter.problem:
        raise AdapterError(f"The adapter {name!r} cannot be used: {adapter.problem}")
    weights = adapter.manifest["weights"]
    try:
        digest = sha256_file(folder / WEIGHTS)
    except OSError as exc:
        raise AdapterError(f"The adapter {name!r} cannot be read: {exc.strerror or exc}") from exc
    if digest != weights["sha256"]:
        raise AdapterError(
            f"The adapter {name!r} is damaged: its weights file is not the one it was saved "
            "with. Train it again, or delete it (writer-cli adapters --delete NAME)"
        )
    return adapter


def check_base(adapter: Adapter, fingerprint: str, model_name: str) -> None:
    """AdapterError unless `adapter` was trained on the model with this fingerprint."""
    if adapter.fingerprint != fingerprint:
        raise AdapterError(
            f"The adapter {adapter.name!r} was trained for {adapter.base_name}, not for "
            f"{model_name}; it is not used with this model"
        )


def save(name: str, files: dict[str, bytes], manifest: dict[str, Any], replace: bool) -> Adapter:
    """Store a new adapter all at once (a temporary folder, then a rename): its files
    (`CONFIG` and `WEIGHTS`) and `manifest`, completed with the weights' hash and size."""
    target = adapter_dir(name)
    if target.exists() and not replace:
        raise AdapterError(f"An adapter named {name!r} exists already")
    manifest = dict(manifest, format=FORMAT, version=VERSION, name=name)
    manifest["weights"] = {
        "file": WEIGHTS,
        "bytes": len(files[WEIGHTS]),
        "sha256": hashlib.sha256(files[WEIGHTS]).hexdigest(),
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=store_dir()))
    try:
        for file, data in [*files.items(), (MANIFEST, json.dumps(manifest, indent=2).encode())]:
            _write_new(tmp / file, data)
        old = None
        if target.exists():
            old = target.with_name(f".{name}.old-{time.time_ns()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _inspect(target)


def _write_new(path: Path, data: bytes) -> None:
    """A new file only the user can read, written in full and flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def delete(name: str) -> None:
    folder = adapter_dir(name)
    if not folder.is_dir():
        raise AdapterError(f"There is no adapter named {name!r}")
    shutil.rmtree(folder)
    discard_work(name)


def discard_work(name: str) -> None:
    """Forget a run's checkpoint (once its adapter is saved, or deleted)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(store_dir() / WORK / check_name(name))


def rename(old: str, new: str) -> Adapter:
    source, target = adapter_dir(old), adapter_dir(new)
    if not source.is_dir():
        raise AdapterError(f"There is no adapter named {old!r}")
    if target.exists():
        raise AdapterError(f"An adapter named {new!r} exists already")
    manifest = _read_manifest(source)
    manifest["name"] = target.name
    data = json.dumps(manifest, indent=2).encode()
    os.replace(source, target)
    path = target / MANIFEST
    tmp = path.with_name(f".{MANIFEST}.{time.time_ns()}.tmp")
    _write_new(tmp, data)
    os.replace(tmp, path)
    return _inspect(target)
