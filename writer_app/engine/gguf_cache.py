"""GGUF models converted once into a safetensors folder in the cache, so later loads are fast.

transformers reads GGUF by de-quantizing every tensor (tens of seconds); the converted folder
loads in well under a second. Conversion writes into a temporary folder and renames it into
place, so an interrupted conversion never leaves a half-written model behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app import paths


def converted_dir(gguf: Path) -> Path:
    return paths.converted_model_dir(gguf)


def is_converted(gguf: Path) -> bool:
    return converted_dir(gguf).is_dir()


STALE_SECONDS = 3600
SOURCE_FILE = "source.txt"  # in each converted folder: the GGUF file it was made from


def _source(folder: Path) -> str | None:
    try:
        return (folder / SOURCE_FILE).read_text(encoding="utf-8")
    except OSError:
        return None


def _remove_superseded(target: Path, gguf: Path) -> None:
    """Earlier copies of the same GGUF file (it was updated or reinstalled: a new size or
    date gives a new folder) and copies of files that no longer exist: ~0.5 GB each."""
    source = str(gguf.resolve())
    for folder in target.parent.iterdir():
        if folder == target or folder.name.startswith(".") or not folder.is_dir():
            continue
        recorded = _source(folder)
        if recorded is None:  # from before sources were recorded: same name, same file
            superseded = folder.name.rpartition("-")[0] == gguf.stem
        else:
            superseded = recorded == source or not Path(recorded).exists()
        if superseded:
            shutil.rmtree(folder, ignore_errors=True)


def _remove_abandoned(target: Path) -> None:
    """Temporary folders of conversions that were interrupted (the app quit, say)."""
    for tmp in target.parent.glob(f".{target.name}.*"):
        if time.time() - tmp.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(tmp, ignore_errors=True)


def convert(gguf: Path) -> Path:
    """Convert a GGUF file into a safetensors model folder (if not done already); return it."""
    target = converted_dir(gguf)
    if target.is_dir():
        return target
    _remove_abandoned(target)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32, local_files_only=True
    )
    tokenizer = AutoTokenizer.from_pretrained(
        gguf.parent, gguf_file=gguf.name, local_files_only=True
    )
    # A GGUF-loaded model refuses save_pretrained: rebuild a plain one from its config.
    config = model.config
    del config.quantization_config
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict(), assign=True)
    plain.tie_weights()
    plain.generation_config = model.generation_config
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / SOURCE_FILE).write_text(str(gguf.resolve()), encoding="utf-8")
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.is_dir():  # another process may have finished the same conversion
            raise
    _remove_superseded(target, gguf)
    return target


def discard(gguf: Path) -> None:
    """Forget a converted copy (used when it turns out to be damaged)."""
    shutil.rmtree(converted_dir(gguf), ignore_errors=True)
