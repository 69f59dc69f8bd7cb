"""A BPE tokenizer kept as three files, and built from them without long GIL holds. No torch.

`tokenizer.json` holds a BPE tokenizer's whole vocabulary and merges; parsing it in one go
(by tokenizers or by `json`) holds the GIL 0.1-0.3 s, and the editor's thread with it. So the
GGUF loader (`gguf_direct`) keeps it split in three: the rest of it (`SHELL`, small), and the
vocabulary and merges as one JSON string per line (`VOCAB`, `MERGES`), decoded a few thousand
lines at a time. One hold is left: the BPE model taking its tables (25-45 ms here; tokenizers
has no constructor that releases the GIL). `prefetch` lets the app pay it while it starts, on
a thread, before its window is on screen; the loader then takes the result.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

SHELL, VOCAB, MERGES = "tokenizer-shell.json", "vocab.lines", "merges.lines"
FILES = (SHELL, VOCAB, MERGES)
BPE_OPTIONS = (
    "dropout",
    "unk_token",
    "continuing_subword_prefix",
    "end_of_word_suffix",
    "fuse_unk",
    "byte_fallback",
    "ignore_merges",
)

Parts = tuple[Any, Any]  # the tokenizer without its vocabulary, and its BPE model
_prefetched: dict[Path, tuple[tuple[tuple[int, int], ...], Future[Parts | None]]] = {}
_lock = threading.Lock()


def split(folder: Path) -> None:
    """Write the three files beside `folder`'s tokenizer.json (nothing for a tokenizer that
    is not a BPE of this shape: it is then read from tokenizer.json as it is)."""
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    model = data["model"]
    ids = sorted(model.get("vocab", {}).items(), key=lambda item: item[1])
    if model.get("type") != "BPE" or [i for _, i in ids] != list(range(len(ids))):
        return
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    if any(m.count(" ") != 1 for m in merges):
        return
    (folder / VOCAB).write_text("\n".join(json.dumps(t) for t, _ in ids), encoding="utf-8")
    (folder / MERGES).write_text("\n".join(json.dumps(m) for m in merges), encoding="utf-8")
    data["model"] = dict(model, vocab={}, merges=[])
    (folder / SHELL).write_text(json.dumps(data), encoding="utf-8")


def is_split(folder: Path) -> bool:
    return all((folder / name).is_file() for name in FILES)


def _json_lines(path: Path, chunk: int = 2000) -> list[str]:
    """A file of one JSON string per line, decoded `chunk` lines at a time: each decoding
    holds the GIL for a millisecond or two. (Read whole, then split: iterating over a
    file's lines holds it throughout, 80-120 ms here.)"""
    lines = path.read_text(encoding="utf-8").split("\n")
    values: list[str] = []
    for start in range(0, len(lines), chunk):
        values += json.loads("[" + ",".join(lines[start : start + chunk]) + "]")
    return values


def _build(folder: Path) -> Parts | None:
    if not is_split(folder):
        return None
    from tokenizers import Tokenizer, models

    shell_text = (folder / SHELL).read_text(encoding="utf-8")
    params = json.loads(shell_text)["model"]
    tokens = _json_lines(folder / VOCAB)
    vocab = {token: index for index, token in enumerate(tokens)}
    merges = [pair.partition(" ")[::2] for pair in _json_lines(folder / MERGES)]
    options = {  # (an option left out is None, which some of them refuse to be given)
        k: v for k, v in params.items() if k not in ("type", "vocab", "merges") and v is not None
    }
    return Tokenizer.from_str(shell_text), models.BPE(vocab=vocab, merges=merges, **options)


def _stamp(folder: Path) -> tuple[tuple[int, int], ...]:
    """The three files' sizes and times (a prefetched result is used only if unchanged)."""
    try:
        return tuple(
            (info.st_size, info.st_mtime_ns) for info in (os.stat(folder / n) for n in FILES)
        )
    except OSError:
        return ()


def prefetch(folder: Path) -> bool:
    """Start building `folder`'s tokenizer parts on a thread of their own; False (and
    nothing started) if the folder holds no split tokenizer."""
    stamp = _stamp(folder)
    if not stamp:
        return False
    future: Future[Parts | None] = Future()

    def run() -> None:
        try:
            future.set_result(_build(folder))
        except BaseException as exc:  # handed to whoever takes it
            future.set_exception(exc)

    with _lock:
        _prefetched[folder] = (stamp, future)
    threading.Thread(target=run, name="tokenizer-prefetch", daemon=True).start()
    return True


def bpe_parts(folder: Path) -> Parts | None:
    """The tokenizer without its vocabulary, and its BPE model (None: not split): what
    `prefetch` built, if it was asked for this folder and its files have not changed since,
    else built now."""
    with _lock:
        stamp, future = _prefetched.pop(folder, ((), None))
    if future is not None and stamp == _stamp(folder):
        with contextlib.suppress(Exception):  # (built again below, where it raises again)
            return future.result()
    return _build(folder)
