"""The integer layers of a GGUF model as loading built them, kept for the next load.

Loading a 4-bit GGUF file straight into int4 layers (`gguf_direct`) re-lays each weight's
blocks out in the int4 kernel's order and quantizes the output layer to int8: about 0.4 s of
CPU work on the built-in model at every start (a warm load took 0.6-0.7 s on two cores, and
0.3-0.4 s without it). The result is the same every time, so the first load writes it to one
safetensors file in the model's cache folder (beside the config and tokenizer made from the
same file), and later loads read it instead (~15 ms): the layers' packed
codes and scales, and the output layer's int8 codes and scales, nothing in float (95 MB for
the built-in model, about its GGUF's size).

The packed layout belongs to the int4 kernel of one torch version on one kind of CPU, so the
file's name carries both: another torch, or a copied cache on another machine, makes a file
of its own and the stale one is removed. A file that cannot be read, or whose tensors do not
fit the model, is ignored and written again. Writing is best-effort (a read-only or full
disk only costs the next load its speed).
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import TypeGuard

import torch
from torch import nn

from writer_app.atomic import atomic_write_with, remove_stale_temp_files
from writer_app.engine import quantize

FORMAT = 1  # bump when what is stored, or how, changes
FOLDER = "prepared"  # inside the model's cache folder (its *.safetensors are other things)
HEAD = "lm_head"


def tag() -> str:
    """What the stored layout depends on: this format, torch's kernel and the CPU's."""
    key = f"{FORMAT}|{torch.__version__}|{quantize.cpu_capability()}|{quantize.GROUP_SIZE}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def path(folder: Path) -> Path:
    return folder / FOLDER / f"int-layers-{tag()}.safetensors"


def read(folder: Path) -> dict[str, torch.Tensor]:
    """The stored tensors for this torch and CPU ({} when there are none, or they are
    unreadable: a damaged file is removed)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    file = path(folder)
    if not file.is_file():
        return {}
    try:
        mapped = load_file(str(file))
        # Copied out of the file's mapping: the integer kernels want their weights aligned
        # as torch allocates them (views of the file segfault them), and a later write of
        # the file can then never touch a loaded model.
        return {key: value.clone() for key, value in mapped.items()}
    except (SafetensorError, OSError, ValueError, RuntimeError):
        file.unlink(missing_ok=True)
        return {}


def _fits(
    tensor: torch.Tensor | None, dtype: torch.dtype, shape: tuple[int, ...]
) -> TypeGuard[torch.Tensor]:
    return tensor is not None and tensor.dtype == dtype and tuple(tensor.shape) == shape


def int4_layer(
    stored: dict[str, torch.Tensor], name: str, out_features: int, in_features: int
) -> quantize.Int4Linear | None:
    """The int4 layer `name` (its module name) as stored, or None when it is not there or
    does not fit [out_features, in_features]."""
    packed, scales = stored.get(f"{name}.packed"), stored.get(f"{name}.scales_and_zeros")
    groups = in_features // quantize.GROUP_SIZE
    if _fits(packed, torch.uint8, (out_features, in_features // 2)) and _fits(
        scales, torch.bfloat16, (groups, out_features, 2)
    ):
        return quantize.Int4Linear(packed, scales, in_features, out_features)
    return None


def int8_layer(
    stored: dict[str, torch.Tensor], name: str, out_features: int, in_features: int
) -> quantize.Int8Linear | None:
    """The int8 layer `name` as stored, or None (see `int4_layer`)."""
    codes, scales = stored.get(f"{name}.weight_int8"), stored.get(f"{name}.scales")
    if _fits(codes, torch.int8, (out_features, in_features)) and _fits(
        scales, torch.bfloat16, (out_features,)
    ):
        return quantize.Int8Linear(codes, scales)
    return None


def layers(model: nn.Module) -> dict[str, torch.Tensor]:
    """What `write` stores of `model`: its bias-free int4 and int8 layers' buffers."""
    tensors: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        if isinstance(module, quantize.Int4Linear | quantize.Int8Linear) and module.bias is None:
            for buffer, value in module.named_buffers(recurse=False):
                tensors[f"{name}.{buffer}"] = value.contiguous()
    return tensors


def write(folder: Path, model: nn.Module) -> bool:
    """Store `model`'s integer layers for the next load (written all at once, as the app
    writes its files; files of other torch versions or CPUs, and what an interrupted write
    left, go). False when nothing could be written."""
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    tensors = layers(model)
    if not tensors:
        return False
    target = path(folder)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        metadata = {"format": str(FORMAT), "torch": torch.__version__}
        # Written to the file as it goes: `save` would build all ~95 MB in memory first,
        # holding the GIL (and with it the editor's thread) for ~50 ms.
        atomic_write_with(target, lambda tmp: save_file(tensors, tmp, metadata=metadata))
    except (OSError, RuntimeError, ValueError, SafetensorError):
        return False
    remove_stale_temp_files(target.parent)
    with contextlib.suppress(OSError):  # best-effort, as the write
        for other in target.parent.glob("int-layers-*.safetensors"):
            if other != target:
                other.unlink(missing_ok=True)
    return True
