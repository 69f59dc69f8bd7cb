"""Llama-family GGUF files loaded straight from the file: no float copy on disk.

The file is memory-mapped. Its 4-bit Linear weights (Q4_0, Q4_1) become int4 layers built from
their own codes, scales and minimums (the layout the int4 kernel takes); every other tensor is
de-quantized with transformers' GGUF kernels into the dtype asked for, so float precisions need
no conversion either. What is slow to rebuild, the config and the tokenizer (a few MB), is kept
in the model's cache folder (`gguf_cache.converted_dir`), and so are the integer layers as
built (`prepared_weights`: the int4 layout is the kernel's, not the file's).

Other architectures go through `gguf_cache.convert` (transformers' own GGUF loader).
"""

from __future__ import annotations

import functools
import json
import mmap
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationConfig
from transformers.initialization import no_init_weights
from transformers.integrations.ggml import GGUF_CONFIG_MAPPING
from transformers.integrations.gguf.dequant import GGML_BLOCK, dequantize
from transformers.integrations.gguf.gguf_tokenizer_mapping import (
    convert_gguf_tokenizer,
    get_gguf_tokenizer,
)
from transformers.integrations.gguf.reader import GgufHeader, TensorInfo, read_gguf_metadata
from transformers.tokenization_utils_tokenizers import TokenizersBackend

from writer_app.engine import gguf_cache, prepared_weights, quantize, tokenizer_files

F32, F16, Q4_0, Q4_1, BF16 = 0, 1, 2, 3, 30
FLOAT_TYPES = {F32: torch.float32, F16: torch.float16, BF16: torch.bfloat16}
INT4_TYPES = (Q4_0, Q4_1)
ARCHITECTURES = ("llama",)
LOAD_WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads building weights while loading
METADATA_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json")

# GGUF's tensor names for a Llama model, and transformers' (blk.N.* per layer).
GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
LAYER_NAMES = {
    "attn_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight",
    "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight",
    "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight",
    "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}
TOKEN_IDS = {  # config fields that GGUF keeps with the tokenizer
    "tokenizer.ggml.bos_token_id": "bos_token_id",
    "tokenizer.ggml.eos_token_id": "eos_token_id",
    "tokenizer.ggml.padding_token_id": "pad_token_id",
    "tokenizer.ggml.unknown_token_id": "unk_token_id",
}


def hf_name(gguf_name: str) -> str | None:
    """transformers' name for a tensor of a Llama GGUF file (None: not one it knows)."""
    if gguf_name in GLOBAL_NAMES:
        return GLOBAL_NAMES[gguf_name]
    block, _, rest = gguf_name.partition(".")
    index, _, leaf = rest.partition(".")
    if block == "blk" and index.isdigit() and leaf in LAYER_NAMES:
        return f"model.layers.{index}.{LAYER_NAMES[leaf]}"
    return None


@dataclass
class GgufModel:
    """A GGUF file this module can load, its tensor table and metadata."""

    path: Path
    header: GgufHeader

    @functools.cached_property
    def metadata(self) -> dict[str, Any]:
        """Its key/value metadata (read when the config is first made)."""
        return dict(read_gguf_metadata(str(self.path))[0])

    @functools.cached_property
    def tensors(self) -> dict[str, TensorInfo]:
        return {t.name: t for t in self.header.tensors}

    @property
    def int4_ready(self) -> bool:
        """Whether every Linear weight in the layers is 4-bit blocks the int4 kernel takes as
        they are (groups of 32 along the input — what Q4_0/Q4_1 blocks are — and outputs in
        multiples of 16)."""
        return all(
            t.ggml_type in INT4_TYPES and t.shape[0] % 16 == 0
            for t in self.header.tensors
            if t.name.startswith("blk.") and len(t.shape) == 2
        )


def open_gguf(path: Path) -> GgufModel | None:
    """The file, if it is one this module loads: a Llama-family model whose tensors are all
    ones it knows, stored as floats or blocks transformers de-quantizes. None otherwise (the
    caller converts it the general way); raises OSError/ValueError for unreadable files."""
    header = GgufHeader.from_file(str(path))
    if header.architecture not in ARCHITECTURES:
        return None
    for info in header.tensors:
        if hf_name(info.name) is None:
            return None  # e.g. rope_freqs of Llama 3.1: not handled here
        if info.ggml_type not in FLOAT_TYPES and info.ggml_type not in GGML_BLOCK:
            return None
    return GgufModel(path, header)


# ---------------------------------------------------------------- config and tokenizer


def _config_values(file: GgufModel) -> dict[str, Any]:
    """The config, from the file's metadata as transformers' GGUF loader reads it."""
    arch = file.header.architecture
    values: dict[str, Any] = {"model_type": arch, "architectures": ["LlamaForCausalLM"]}
    renames: dict[str, str | None] = GGUF_CONFIG_MAPPING[arch]  # type: ignore[assignment]
    for key, name in renames.items():
        if f"{arch}.{key}" in file.metadata and name is not None:
            values[name] = file.metadata[f"{arch}.{key}"]
    for key, name in TOKEN_IDS.items():
        if key in file.metadata:
            values[name] = file.metadata[key]
    values["tie_word_embeddings"] = "output.weight" not in file.tensors
    if "vocab_size" not in values:
        values["vocab_size"] = file.tensors["token_embd.weight"].shape[0]
    return values


def _write_metadata(file: GgufModel, folder: Path) -> None:
    from tokenizers import models

    config = AutoConfig.for_model(**_config_values(file))
    config.save_pretrained(folder)
    GenerationConfig.from_model_config(config).save_pretrained(folder)
    architecture, tokenizer_dict, tokenizer_config = get_gguf_tokenizer(str(file.path))
    backend, extra = convert_gguf_tokenizer(architecture, tokenizer_dict)
    # TokenizersBackend deep-copies the tokenizer it is given (through a JSON pickle of the
    # whole vocabulary: ~0.1 s holding the GIL), so it gets it with an empty BPE model of the
    # same options, and the model goes back in afterwards.
    model = backend.model
    if isinstance(model, models.BPE):
        backend.model = models.BPE(
            vocab={}, merges=[], **{k: getattr(model, k) for k in tokenizer_files.BPE_OPTIONS}
        )
    tokenizer = TokenizersBackend(tokenizer_object=backend, **tokenizer_config, **extra)
    tokenizer.backend_tokenizer.model = model
    tokenizer.save_pretrained(folder)
    tokenizer_files.split(folder)
    (folder / gguf_cache.SOURCE_FILE).write_text(str(file.path.resolve()), encoding="utf-8")


def metadata_folder(file: GgufModel) -> Path:
    """The cache folder with the config and tokenizer (written on first use, atomically)."""
    target = gguf_cache.converted_dir(file.path)
    if all((target / name).is_file() for name in METADATA_FILES):
        # A folder an earlier version made: its float copy is not needed any more, and its
        # tokenizer may not be split yet; copies of older versions of the file go.
        for copy in target.glob("*.safetensors"):
            copy.unlink(missing_ok=True)
        if not tokenizer_files.is_split(target):
            tokenizer_files.split(target)
        gguf_cache.remove_superseded(target, file.path)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        _write_metadata(file, tmp)
        shutil.rmtree(target, ignore_errors=True)  # an unfinished folder of an older version
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not all((target / name).is_file() for name in METADATA_FILES):
            raise  # else another process wrote the same folder first
    gguf_cache.remove_superseded(target, file.path)
    return target


TOKENIZER_ARGS = ("bos_token", "eos_token", "unk_token", "pad_token", "model_max_length")


def load_tokenizer(folder: Path) -> Any:
    """The tokenizer `_write_metadata` saved, built straight from its files: what
    `AutoTokenizer.from_pretrained` gives, without its parses of tokenizer.json in one go
    (0.1-0.3 s each, holding the GIL, so the window would stall)."""
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    template = folder / "chat_template.jinja"
    parts = tokenizer_files.bpe_parts(folder)
    source: dict[str, Any] = (
        {"tokenizer_file": str(folder / "tokenizer.json")}
        if parts is None
        else {"tokenizer_object": parts[0]}  # copied inside: cheap while it has no vocabulary
    )
    tokenizer = TokenizersBackend(
        **source,
        chat_template=template.read_text(encoding="utf-8") if template.is_file() else None,
        name_or_path=str(folder),
        **{key: config[key] for key in TOKENIZER_ARGS if key in config},
    )
    if parts is not None:
        tokenizer.backend_tokenizer.model = parts[1]
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


# ---------------------------------------------------------------- weights


class _Blob:
    """The file mapped copy-on-write: tensors are views of it (nothing is read until used,
    and torch gets a writable buffer, which it wants, without a copy)."""

    def __init__(self, path: Path, data_start: int) -> None:
        with open(path, "rb") as handle:
            self.map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
        self.data_start = data_start

    def raw(self, info: TensorInfo) -> torch.Tensor:
        return torch.frombuffer(
            self.map, dtype=torch.uint8, count=info.nbytes, offset=self.data_start + info.offset
        )


def _unpermute(rows: int, heads: int) -> torch.Tensor:
    """Row order undoing llama.cpp's rotary permutation of q/k weights (its converter
    interleaves the two halves of each head; transformers' LlamaTensorProcessor undoes it)."""
    return torch.arange(rows).reshape(heads, rows // heads // 2, 2).transpose(1, 2).reshape(rows)


def _row_order(name: str, rows: int, config: Any) -> torch.Tensor | None:
    if ".attn_q." in name:
        return _unpermute(rows, config.num_attention_heads)
    if ".attn_k." in name:
        return _unpermute(rows, config.num_key_value_heads)
    return None


def _int4_layer(raw: torch.Tensor, info: TensorInfo, order: torch.Tensor | None) -> nn.Module:
    """An Int4Linear holding a Q4_0/Q4_1 weight's own blocks: w = q * d + m per 32 inputs
    (Q4_0: w = (q - 8) * d, so m = -8 d)."""
    out_features, in_features = info.shape
    block_bytes = GGML_BLOCK[info.ggml_type][1]
    blocks = raw.reshape(out_features, in_features // quantize.GROUP_SIZE, block_bytes)
    if order is not None:
        blocks = blocks[order]
    scale = blocks[..., 0:2].contiguous().view(torch.float16).squeeze(-1).float()
    if info.ggml_type == Q4_1:
        low = blocks[..., 2:4].contiguous().view(torch.float16).squeeze(-1).float()
        packed = blocks[..., 4:]
    else:
        low = scale * -8
        packed = blocks[..., 2:]
    # Byte j holds input j in its low nibble and input j + 16 in its high one.
    codes = torch.cat([packed & 0xF, packed >> 4], -1).reshape(out_features, in_features)
    return quantize.Int4Linear.from_groups(codes, scale, low)


def _tensor(raw: torch.Tensor, info: TensorInfo, dtype: torch.dtype) -> torch.Tensor:
    if info.ggml_type in FLOAT_TYPES:
        values = raw.view(FLOAT_TYPES[info.ggml_type]).to(dtype, copy=True)
    else:
        values = dequantize(raw, info.ggml_type, dtype)
    return values.reshape(info.shape)


def _set(model: nn.Module, name: str, value: nn.Module | torch.Tensor) -> None:
    owner_name, _, leaf = name.rpartition(".")
    owner = model.get_submodule(owner_name)
    if isinstance(value, nn.Module):  # the layer itself ("…q_proj.weight" names its Linear)
        parent_name, _, child = owner_name.rpartition(".")
        setattr(model.get_submodule(parent_name), child, value)
    else:
        owner._parameters[leaf] = nn.Parameter(value, requires_grad=False)


def load(file: GgufModel, dtype: torch.dtype, int4: bool) -> tuple[Any, Any]:
    """The model (on the CPU, eval mode) and its tokenizer. With `int4` (the file must be
    `int4_ready`) the Linear weights of the layers are Int4Linear layers from the file's own
    blocks, the output layer int8 (as `quantize.quantize(model, 4)` makes them), the rest
    float32; else every weight is `dtype`."""
    folder = metadata_folder(file)
    config = AutoConfig.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    blob = _Blob(file.path, file.header.data_start)
    stored = prepared_weights.read(folder) if int4 else {}
    made: list[str] = []  # integer layers built from the file this time (worth storing)

    def weight(info: TensorInfo) -> nn.Module | torch.Tensor:
        if int4 and info.ggml_type in INT4_TYPES and info.name.startswith("blk."):
            name = (hf_name(info.name) or "").removesuffix(".weight")  # open_gguf knew it
            layer: nn.Module | None = prepared_weights.int4_layer(stored, name, *info.shape)
            if layer is None:
                order = _row_order(info.name, info.shape[0], config)
                layer = _int4_layer(blob.raw(info), info, order)
                made.append(name)
            return layer
        raw = blob.raw(info)
        order = _row_order(info.name, info.shape[0], config)
        value = _tensor(raw, info, dtype)
        return value if order is None else value[order].contiguous()

    # The weights are built side by side, one core each (torch lets go of the GIL while it
    # works), and the tokenizer is read meanwhile: on two cores a warm load takes about a
    # third less time than one after the other.
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS) as pool:
        tokenizer_read = pool.submit(load_tokenizer, folder)
        built = [(info, pool.submit(weight, info)) for info in file.header.tensors]
        # Empty: no memory and no random initialisation (which also held the GIL for ~0.15 s).
        with torch.device("meta"), no_init_weights():
            model = AutoModelForCausalLM.from_config(config, trust_remote_code=False, dtype=dtype)
        for info, value in built:
            name = hf_name(info.name)
            assert name is not None  # open_gguf checked
            _set(model, name, value.result())
        model.tie_weights()
        # Buffers computed at construction (the rotary frequencies) were made on the meta
        # device.
        rotary = model.model.rotary_emb
        model.model.rotary_emb = type(rotary)(config=config)
        left = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
        if left:
            raise ValueError(f"{file.path.name}: no weights for {', '.join(left[:3])}")
        if int4:  # the output layer as int8, as `quantize.quantize(model, 4)` makes it
            head = model.lm_head
            shape = (head.out_features, head.in_features)
            stored_head = prepared_weights.int8_layer(stored, prepared_weights.HEAD, *shape)
            if stored_head is None:
                with torch.no_grad():
                    stored_head = quantize.Int8Linear.from_linear(head, pool.map)
                made.append(prepared_weights.HEAD)
            model.lm_head = stored_head
        tokenizer = tokenizer_read.result()
    if made:  # for the next load (best-effort)
        prepared_weights.write(folder, model)
    model.generation_config = GenerationConfig.from_pretrained(folder)
    model.eval()
    return model, tokenizer
