"""The curated catalog of models to download (`resources/models.toml`), and whether each fits
this machine: memory at each precision, against the real free RAM, VRAM and disk.

No Qt and no torch imports here (the dialog reads this on the GUI thread); the free VRAM is
read only when torch is already loaded by the model worker.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from writer_app import resources
from writer_app.engine.models import BYTES_PER_PARAMETER, RUNTIME_OVERHEAD_BYTES

CATALOG_FILE = "models.toml"
FORMATS = ("safetensors", "gguf")
PRECISIONS = ("float32", "bfloat16", "int8", "int4")  # what the memory column shows
ROOMY = 0.8  # a model "fits" when it needs at most this share of what is free


class CatalogError(ValueError):
    """The catalog file is malformed; the message says which entry and field."""


@dataclass(frozen=True)
class CatalogEntry:
    """One model the Get Models dialog offers."""

    repo: str
    name: str
    parameters: int
    download_bytes: int
    context: int
    license: str
    languages: tuple[str, ...]
    chinese: bool
    good_for: str
    notes: str = ""
    gated: bool = False
    format: str = "safetensors"
    gguf_file: str = ""

    @property
    def is_gguf(self) -> bool:
        return self.format == "gguf"

    def memory(self, precision: str) -> int:
        """Bytes of memory once loaded at this precision (weights and runtime)."""
        return memory_needed(self.parameters, precision)

    def disk_bytes(self) -> int:
        """Disk space: the download, plus the float32 copy a GGUF file is converted into."""
        if self.is_gguf:
            return self.download_bytes + int(self.parameters * BYTES_PER_PARAMETER["float32"])
        return self.download_bytes

    def languages_text(self) -> str:
        return ", ".join(self.languages) + (" (good at Chinese)" if self.chinese else "")


def memory_needed(parameters: int, precision: str) -> int:
    return int(parameters * BYTES_PER_PARAMETER[precision] + RUNTIME_OVERHEAD_BYTES)


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "repo": str,
    "name": str,
    "parameters": int,
    "download_mb": (int, float),
    "context": int,
    "license": str,
    "languages": list,
    "chinese": bool,
    "good_for": str,
    "notes": str,
    "gated": bool,
    "format": str,
    "gguf_file": str,
}
_REQUIRED = ("repo", "name", "parameters", "download_mb", "context", "license", "good_for")


def _entry(raw: dict[str, Any], index: int) -> CatalogEntry:
    where = f"{CATALOG_FILE}, model {index + 1} ({raw.get('repo', '?')})"
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise CatalogError(f"{where}: unknown field {unknown[0]!r}")
    for name in _REQUIRED:
        if name not in raw:
            raise CatalogError(f"{where}: {name} is missing")
    for name, value in raw.items():
        kind = _FIELDS[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise CatalogError(f"{where}: {name} has the wrong type")
    repo = raw["repo"]
    if repo.count("/") != 1:
        raise CatalogError(f"{where}: repo must look like org/name")
    fmt = raw.get("format", "safetensors")
    if fmt not in FORMATS:
        raise CatalogError(f"{where}: format must be one of {', '.join(FORMATS)}")
    if (fmt == "gguf") != bool(raw.get("gguf_file")):
        raise CatalogError(f"{where}: a gguf entry (and only a gguf entry) names its gguf_file")
    if raw["parameters"] <= 0 or raw["download_mb"] <= 0 or raw["context"] <= 0:
        raise CatalogError(f"{where}: parameters, download_mb and context must be positive")
    return CatalogEntry(
        repo=repo,
        name=raw["name"],
        parameters=raw["parameters"],
        download_bytes=int(raw["download_mb"] * 1_000_000),
        context=raw["context"],
        license=raw["license"],
        languages=tuple(str(x) for x in raw.get("languages", [])),
        chinese=raw.get("chinese", False),
        good_for=raw["good_for"],
        notes=raw.get("notes", ""),
        gated=raw.get("gated", False),
        format=fmt,
        gguf_file=raw.get("gguf_file", ""),
    )


def parse_catalog(text: str) -> list[CatalogEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{CATALOG_FILE}: {exc}") from exc
    entries = [_entry(raw, i) for i, raw in enumerate(data.get("model", []))]
    repos = [e.repo for e in entries]
    if len(set(repos)) != len(repos):
        raise CatalogError(f"{CATALOG_FILE}: a repo is listed twice")
    return entries


def load_catalog() -> list[CatalogEntry]:
    """The shipped catalog, in its file's order (smallest first)."""
    source = resources.root() / CATALOG_FILE
    return parse_catalog(source.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- this machine


@dataclass(frozen=True)
class Machine:
    """What this computer has free now."""

    ram_free: int
    ram_total: int
    disk_free: int
    vram_free: int | None = None  # None: no CUDA, or torch not loaded in this process
    vram_total: int | None = None


def _ram() -> tuple[int, int]:
    try:
        import psutil

        memory = psutil.virtual_memory()
        return int(memory.available), int(memory.total)
    except ImportError:  # psutil comes with accelerate; without it, POSIX sysconf
        page = os.sysconf("SC_PAGE_SIZE")
        return os.sysconf("SC_AVPHYS_PAGES") * page, os.sysconf("SC_PHYS_PAGES") * page


def _vram() -> tuple[int | None, int | None]:
    torch = sys.modules.get("torch")  # never imported here: only read when already loaded
    if torch is None:
        return None, None
    try:
        # Only where CUDA is in use already: asking would otherwise start it on this thread.
        if not (torch.cuda.is_available() and torch.cuda.is_initialized()):
            return None, None
        free, total = torch.cuda.mem_get_info()
        return int(free), int(total)
    except Exception:  # a driver problem is no reason to fail a hint
        return None, None


def machine(cache_dir: Path | None = None) -> Machine:
    from writer_app.engine.library import hub_cache

    folder = cache_dir or hub_cache()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    ram_free, ram_total = _ram()
    vram_free, vram_total = _vram()
    return Machine(ram_free, ram_total, shutil.disk_usage(folder).free, vram_free, vram_total)


@dataclass(frozen=True)
class Fit:
    level: str  # "good", "tight" or "no"
    text: str


def gb(n: float) -> str:
    """Bytes as gigabytes with one decimal (memory and disk hints)."""
    return f"{n / 1e9:.1f} GB"


def fit(entry: CatalogEntry, here: Machine, device: str = "auto") -> Fit:
    """Whether the model fits this machine: memory while loading and disk for the download.

    On the CPU, Writer loads weights in float32 and then converts them (int8/int4 after), so
    the float32 size is what must fit while loading. On a GPU, 16-bit weights.
    """
    on_gpu = device in ("auto", "cuda") and here.vram_free is not None
    if on_gpu:
        assert here.vram_free is not None
        need, free, where = entry.memory("bfloat16"), here.vram_free, "GPU memory"
    else:
        need, free, where = entry.memory("float32"), here.ram_free, "memory"
    disk = entry.disk_bytes()
    if disk + 64 * 2**20 > here.disk_free:
        return Fit(
            "no",
            f"Not enough disk space: needs {gb(disk)}, {gb(here.disk_free)} free.",
        )
    if need > free:
        return Fit("no", f"Too big for the free {where}: needs {gb(need)}, {gb(free)} free.")
    level = "good" if need <= ROOMY * free else "tight"
    word = "Fits" if level == "good" else "Tight fit"
    return Fit(level, f"{word}: needs {gb(need)} of {where} ({gb(free)} free).")
