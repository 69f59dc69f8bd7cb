"""GGUF models that `gguf_direct` does not read (architectures other than Llama's) converted
once into a safetensors folder in the cache, so later loads are fast.

transformers reads GGUF by de-quantizing every tensor (tens of seconds); the converted folder
loads in well under a second. Conversion writes into a temporary folder and renames it into
place, so an interrupted conversion never leaves a half-written model behind. The same folder
holds `gguf_direct`'s config and tokenizer for the files it reads (no weights then).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

from writer_app import paths
from writer_app.atomic import remove_stale_temp_folders


def converted_dir(gguf: Path) -> Path:
    return paths.converted_model_dir(gguf)


def is_converted(gguf: Path) -> bool:
    """Whether the float copy is there (the folder may hold only the config and tokenizer
    that `gguf_direct` keeps)."""
    return any(converted_dir(gguf).glob("*.safetensors"))


STALE_SECONDS = 3600
SOURCE_FILE = "source.txt"  # in each converted folder: the GGUF file it was made from


def _source(folder: Path) -> str | None:
    try:
        return (folder / SOURCE_FILE).read_text(encoding="utf-8")
    except OSError:
        return None


def remove_superseded(target: Path, gguf: Path) -> None:
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
    """Temporary folders of conversions of this file that were interrupted (the app quit,
    say); those of every file are removed at start (`paths.remove_stale_leftovers`)."""
    pattern = rf"\.{re.escape(target.name)}\.[a-z0-9_]+"
    remove_stale_temp_folders(target.parent, pattern, max_age=STALE_SECONDS)


@contextlib.contextmanager
def _no_progress_bars() -> Iterator[None]:
    """No console progress bars while converting: transformers' and huggingface_hub's are
    switched off, and the GGUF reader's own ("Converting and de-quantizing GGUF tensors"),
    which uses tqdm directly, is made silent. Progress is reported by the caller."""
    hf_logging.disable_progress_bar()
    try:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:  # pragma: no cover - a transformers without GGUF support
        yield
        return
    bar = getattr(gguf_utils, "tqdm", None)
    if bar is None:
        yield
        return
    gguf_utils.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = bar


def convert(gguf: Path) -> Path:
    """Convert a GGUF file into a safetensors model folder (if not done already); return it."""
    target = converted_dir(gguf)
    if is_converted(gguf):
        return target
    _remove_abandoned(target)
    with _no_progress_bars():  # never run a model's own code, never ask about it
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent,
            gguf_file=gguf.name,
            dtype=torch.float32,
            local_files_only=True,
            trust_remote_code=False,
        )
        tokenizer = AutoTokenizer.from_pretrained(
            gguf.parent, gguf_file=gguf.name, local_files_only=True, trust_remote_code=False
        )
    # A GGUF-loaded model refuses save_pretrained: rebuild a plain one from its config.
    config = model.config
    del config.quantization_config
    with torch.device("meta"):
        plain = AutoModelForCausalLM.from_config(config, trust_remote_code=False)
    plain.load_state_dict(model.state_dict(), assign=True)
    plain.tie_weights()
    plain.generation_config = model.generation_config
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / SOURCE_FILE).write_text(str(gguf.resolve()), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # the config and tokenizer only
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not is_converted(gguf):  # another process may have finished the same conversion
            raise
    remove_superseded(target, gguf)
    return target


def discard(gguf: Path) -> None:
    """Forget a converted copy (used when it turns out to be damaged)."""
    shutil.rmtree(converted_dir(gguf), ignore_errors=True)
