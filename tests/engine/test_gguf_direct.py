"""Loading Llama GGUF files straight from their blocks (`engine.gguf_direct`), checked
against transformers' own GGUF loader on tiny files written here in each storage type."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from writer_app.engine import gguf_cache, gguf_direct, prepared_weights, quantize
from writer_app.engine.loader import load_model

Q = gguf.GGMLQuantizationType
TEXT = "The quick brown fox jumps over the lazy dog. A writer writes words."

pytestmark = pytest.mark.skipif(
    not quantize.fast_int_kernels(), reason="the int4 CPU kernel is not fast here"
)


def _permute(weights: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's converter's rotary permutation of q/k rows (what the loader undoes)."""
    rows = weights.shape[0]
    return weights.reshape(heads, 2, rows // heads // 2, -1).swapaxes(1, 2).reshape(weights.shape)


def write_gguf(model_dir: Path, path: Path, linear: Q, architecture: str = "llama") -> Path:
    """The tiny test model as a GGUF file whose layers' Linear weights are stored as
    `linear` (embedding Q8_0, norms F32), with its tokenizer, as llama.cpp writes one."""
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    config = model.config
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    writer.add_vocab_size(config.vocab_size)
    writer.add_tokenizer_model("gpt2")
    vocab = tokenizer.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda item: item[1])]
    writer.add_token_list(tokens)
    special = set(tokenizer.all_special_ids)
    writer.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    merges = json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    writer.add_bos_token_id(config.bos_token_id)
    writer.add_eos_token_id(config.eos_token_id)
    writer.add_pad_token_id(config.pad_token_id)
    writer.add_unk_token_id(0)
    names = {hf: gg for gg, hf in gguf_direct.GLOBAL_NAMES.items()}
    for name, tensor in model.state_dict().items():
        if name.startswith("model.layers."):
            index, _, leaf = name.removeprefix("model.layers.").partition(".")
            gguf_name = next(
                f"blk.{index}.{g}" for g, h in gguf_direct.LAYER_NAMES.items() if h == leaf
            )
        else:
            gguf_name = names[name]
        data = tensor.float().numpy()
        if ".attn_q." in gguf_name:
            data = _permute(data, config.num_attention_heads)
        elif ".attn_k." in gguf_name:
            data = _permute(data, config.num_key_value_heads)
        kind = Q.F32
        if data.ndim == 2:
            kind = linear if gguf_name.startswith("blk.") else Q.Q8_0
        stored = gguf.quants.quantize(data, kind) if kind != Q.F32 else data
        writer.add_tensor(gguf_name, stored, raw_shape=stored.shape, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="module")
def files(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gguf")
    return {
        kind.name: write_gguf(tiny_model_dir, folder / f"tiny-{kind.name}.gguf", kind)
        for kind in (Q.Q4_0, Q.Q4_1, Q.Q8_0, Q.F32)
    }


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _reference(path: Path) -> tuple[Any, Any]:
    """transformers' own GGUF loader: every tensor de-quantized to float32."""
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    return model.eval(), AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


def _logits(model: torch.nn.Module, ids: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return model(ids).logits


@pytest.mark.parametrize("kind", ["Q4_0", "Q4_1", "Q8_0", "F32"])
def test_float_weights_are_what_transformers_reads(files: dict[str, Path], kind: str) -> None:
    reference, tokenizer = _reference(files[kind])
    file = gguf_direct.open_gguf(files[kind])
    assert file is not None and file.int4_ready == kind.startswith("Q4")
    model, ours = gguf_direct.load(file, torch.float32, int4=False)
    ids = tokenizer(TEXT, return_tensors="pt").input_ids
    assert ours(TEXT).input_ids == ids[0].tolist()
    assert ours.backend_tokenizer.to_str() == tokenizer.backend_tokenizer.to_str()
    assert torch.allclose(_logits(model, ids), _logits(reference, ids), atol=1e-5)
    assert model.config.tie_word_embeddings is False
    assert model.generation_config.eos_token_id == reference.generation_config.eos_token_id


@pytest.mark.parametrize("kind", ["Q4_0", "Q4_1"])
def test_int4_layers_hold_the_files_own_blocks(files: dict[str, Path], kind: str) -> None:
    """Each int4 layer built from the file's codes, scales and minimums is the file's
    weight (up to the kernel's bfloat16 scales). For Q4_1, whose groups span codes 0..15,
    that is also exactly what int4 made from the de-quantized floats was (the path before);
    Q4_0 files were re-quantized by that path, and are now exact."""
    reference, tokenizer = _reference(files[kind])
    file = gguf_direct.open_gguf(files[kind])
    assert file is not None
    model, _ = gguf_direct.load(file, torch.float32, int4=True)
    assert isinstance(model.lm_head, quantize.Int8Linear)
    for name in ("self_attn.q_proj", "self_attn.k_proj", "mlp.down_proj"):
        ours = model.get_submodule(f"model.layers.1.{name}")
        assert isinstance(ours, quantize.Int4Linear)
        weight = reference.get_submodule(f"model.layers.1.{name}").weight.detach()
        assert torch.allclose(ours.dequantized(), weight, atol=float(weight.abs().max()) / 64)
    if kind == "Q4_1":
        with torch.no_grad():
            quantize.quantize(reference, bits=4)
        ids = tokenizer(TEXT, return_tensors="pt").input_ids
        assert torch.allclose(_logits(model, ids), _logits(reference, ids), atol=1e-4)


def test_the_loader_reads_4bit_files_directly_and_others_as_floats(
    files: dict[str, Path],
) -> None:
    lm = load_model(str(files["Q4_1"]), "cpu")  # auto: int4, from the blocks
    assert lm.precision == "int4"
    assert not gguf_cache.is_converted(files["Q4_1"])
    folder = gguf_cache.converted_dir(files["Q4_1"])
    (folder / "model.safetensors").write_bytes(b"a float copy an earlier version made")
    load_model(str(files["Q4_1"]), "cpu")
    assert not list(folder.glob("*.safetensors"))  # removed: never used again
    assert load_model(str(files["Q4_1"]), "cpu", precision="float32").precision == "float32"
    assert load_model(str(files["Q8_0"]), "cpu").precision == "float32"  # not 4-bit
    assert load_model(str(files["Q8_0"]), "cpu", precision="int4").precision == "int4"
    assert not gguf_cache.is_converted(files["Q8_0"])


def test_pack_int4_matches_the_kernel() -> None:
    for rows, inputs in [(64, 32), (192, 576), (48, 64)]:  # 48: not whole blocks of 64
        codes = torch.randint(0, 16, (rows, inputs), dtype=torch.int32)
        expected = torch._convert_weight_to_int4pack_for_cpu(codes, quantize.INNER_K_TILES)
        assert torch.equal(quantize.pack_int4(codes.to(torch.uint8)), expected)


def test_other_architectures_and_unknown_tensors_go_the_general_way(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    other = write_gguf(tiny_model_dir, tmp_path / "other.gguf", Q.Q4_1, architecture="qwen2")
    assert gguf_direct.open_gguf(other) is None
    assert gguf_direct.hf_name("rope_freqs.weight") is None
    assert gguf_direct.hf_name("blk.3.attn_q.weight") == "model.layers.3.self_attn.q_proj.weight"


def test_integer_layers_are_stored_once_and_read_back_by_later_loads(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = gguf_direct.open_gguf(files["Q4_1"])
    assert file is not None
    folder = gguf_cache.converted_dir(files["Q4_1"])
    stale = folder / prepared_weights.FOLDER / "int-layers-000000000000.safetensors"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"another torch's layout")
    stored = prepared_weights.path(folder)
    cut_short = stored.parent / f".{stored.name}.abcd1234.tmp"  # a write a crash interrupted
    cut_short.write_bytes(b"half")
    os.utime(cut_short, (0, 0))
    built, tokenizer = gguf_direct.load(file, torch.float32, int4=True)
    assert stored.is_file() and not stale.exists()  # one file, for this torch and CPU
    assert not cut_short.exists()
    written = stored.stat().st_mtime_ns
    ids = tokenizer(TEXT, return_tensors="pt").input_ids
    expected = _logits(built, ids)

    def not_again(*_args: Any) -> None:
        raise AssertionError("an int4 layer was built from the file again")

    with monkeypatch.context() as patch:
        patch.setattr(gguf_direct, "_int4_layer", not_again)
        patch.setattr(quantize.Int8Linear, "from_linear", not_again)
        read, _ = gguf_direct.load(file, torch.float32, int4=True)
    assert torch.equal(_logits(read, ids), expected)
    assert stored.stat().st_mtime_ns == written  # nothing new to store

    # A layer that does not fit (another model's file under this name) is built again, and
    # a damaged file is passed over: the same model either way, and a good file afterwards.
    tensors = prepared_weights.layers(read)
    tensors["model.layers.0.mlp.down_proj.packed"] = torch.zeros(8, 8, dtype=torch.uint8)
    from safetensors.torch import save_file

    save_file(tensors, str(stored))  # (over the file the loaded models were read from)
    misfit, _ = gguf_direct.load(file, torch.float32, int4=True)
    assert torch.equal(_logits(misfit, ids), expected)
    stored.write_bytes(stored.read_bytes()[:1000])
    damaged, _ = gguf_direct.load(file, torch.float32, int4=True)
    assert torch.equal(_logits(damaged, ids), expected)
    assert set(prepared_weights.read(folder)) == set(prepared_weights.layers(damaged))
    assert torch.equal(_logits(read, ids), expected)  # untouched by the files written since


def test_storing_is_best_effort(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    file = gguf_direct.open_gguf(files["Q4_0"])
    assert file is not None
    folder = gguf_direct.metadata_folder(file)
    (folder / prepared_weights.FOLDER).write_text("a file where the folder would go")
    model, _ = gguf_direct.load(file, torch.float32, int4=True)  # loads all the same
    assert isinstance(model.lm_head, quantize.Int8Linear)
    assert not prepared_weights.write(folder, model)
    (folder / prepared_weights.FOLDER).unlink()

    def disk_full(*_args: Any, **_kwargs: Any) -> None:
        from safetensors import SafetensorError

        raise SafetensorError("Error while serializing: I/O error: No space left on device")

    monkeypatch.setattr("safetensors.torch.save_file", disk_full)
    assert not prepared_weights.write(folder, model)
    assert list((folder / prepared_weights.FOLDER).iterdir()) == []  # nothing half-written
