"""Loading models: clear errors, the GGUF conversion cache, and the CPU fallback."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from writer_app.config import Decoding
from writer_app.engine import gguf_cache, loader, prepared_weights, quantize
from writer_app.engine.generation import generate
from writer_app.engine.loader import ModelLoadError, load_model
from writer_app.engine.models import builtin_model


def test_tiny_model_loads_on_the_cpu(tiny_lm) -> None:
    assert tiny_lm.device == "cpu" and tiny_lm.dtype == torch.float32
    assert "CPU" in tiny_lm.describe() and tiny_lm.notices == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/no/such/model", "No model at"),
        ("nobody/nothing", "not in the local Hugging Face cache"),
        ("", "No model was given"),
    ],
)
def test_missing_models_give_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(ModelLoadError, match=message):
        load_model(spec, "cpu")


def test_unavailable_device_is_refused_clearly(tiny_model_dir: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelLoadError, match="not available"):
        load_model(str(tiny_model_dir), "cuda")


def test_corrupt_gguf_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x00garbage" * 100)
    with pytest.raises(ModelLoadError, match="Could not read the model file"):
        load_model(str(bad), "cpu")
    assert not gguf_cache.converted_dir(bad).exists()


def test_corrupt_weights_give_a_clear_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="Could not load broken-model"):
        load_model(str(broken), "cpu")


def _fail_on_gpu(real_to):
    def to(self, *args, **kwargs):
        if "cuda" in [str(a) for a in args] + [str(v) for v in kwargs.values()]:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_to(self, *args, **kwargs)

    return to


def test_gpu_out_of_memory_at_load_falls_back_to_cpu(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "resolve_device", lambda choice: "cuda")
    monkeypatch.setattr(loader, "default_dtype", lambda device: torch.float32)
    monkeypatch.setattr(torch.nn.Module, "to", _fail_on_gpu(torch.nn.Module.to))
    lm = load_model(str(tiny_model_dir), "auto")
    assert lm.device == "cpu"
    assert lm.notices == [
        "CUDA failed (CUDA out of memory. Tried to allocate 2.00 GiB); running on the CPU instead."
    ]
    assert generate(lm, "The quick", Decoding(max_new_tokens=3)).texts[0]


def test_gpu_out_of_memory_while_generating_falls_back_to_cpu(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lm = load_model(str(tiny_model_dir), "cpu")
    lm.device = "cuda"  # as if it had been placed on a GPU that then ran out of memory
    real_generate = lm.model.generate
    calls = []

    def generate_once_oom(*args, **kwargs):
        calls.append(lm.device)
        if lm.device == "cuda":
            raise torch.OutOfMemoryError("CUDA out of memory")
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(lm.model, "generate", generate_once_oom)
    notices: list[str] = []
    result = generate(lm, "The quick", Decoding(max_new_tokens=3), on_notice=notices.append)
    assert calls == ["cuda", "cpu"] and result.texts[0]
    assert notices and "running on the CPU" in notices[0]


@pytest.mark.real_model
def test_gguf_conversion_is_atomic_and_recovers_from_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The general path, for GGUF architectures `gguf_direct` does not read."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(loader.gguf_direct, "open_gguf", lambda path: None)
    gguf = builtin_model().path
    target = gguf_cache.converted_dir(gguf)
    assert not target.exists()

    # Read the GGUF once; later conversions in this test reuse a copy of that model.
    read = gguf_cache.AutoModelForCausalLM.from_pretrained
    memo: dict[str, object] = {}

    def read_once(*args, **kwargs):
        if "model" not in memo:
            memo["model"] = read(*args, **kwargs)
        return copy.deepcopy(memo["model"])

    monkeypatch.setattr(gguf_cache.AutoModelForCausalLM, "from_pretrained", read_once)

    # An interrupted conversion (the final rename fails) leaves nothing behind.
    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(gguf_cache.os, "rename", no_rename)
        with pytest.raises(ModelLoadError, match="No space left"):
            load_model("builtin", "cpu")
    assert list(target.parent.iterdir()) == []

    messages: list[str] = []
    lm = load_model("builtin", "cpu", progress=messages.append)
    assert messages[0] == "Converting SmolLM2-135M-Instruct from GGUF (first use only)…"
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= {
        p.name for p in target.iterdir()
    }
    assert (target / gguf_cache.SOURCE_FILE).read_text(encoding="utf-8") == str(gguf.resolve())
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    text = generate(lm, "The capital of France is", Decoding(max_new_tokens=4)).texts[0]

    # Later starts load the cached copy without converting.
    messages.clear()
    again = load_model("builtin", "cpu", progress=messages.append)
    assert messages == ["Loading SmolLM2-135M-Instruct…"]
    assert generate(again, "The capital of France is", Decoding(max_new_tokens=4)).texts[0] == text

    # A damaged cached copy is rebuilt from the GGUF file.
    (target / "model.safetensors").write_bytes(b"damaged")
    repaired = load_model("builtin", "cpu")
    assert generate(repaired, "The capital of France is", Decoding(max_new_tokens=4)).texts[0] == (
        text
    )


@pytest.mark.real_model
def test_the_builtin_model_loads_straight_from_its_gguf_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No float copy on disk: the config and tokenizer are cached, written atomically and
    made again when damaged, and the integer layers as built (codes and 16-bit scales) for
    later loads; the int4 layers give the same logits as int4 made from the de-quantized
    float weights (the path before), and so do those read back."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gguf = builtin_model().path
    target = gguf_cache.converted_dir(gguf)

    def no_rename(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(loader.gguf_direct.os, "rename", no_rename)
        with pytest.raises(ModelLoadError, match="No space left"):
            load_model("builtin", "cpu", precision="int4")
    assert list(target.parent.iterdir()) == []

    messages: list[str] = []
    lm = load_model("builtin", "cpu", precision="int4", progress=messages.append)
    assert messages == ["Loading SmolLM2-135M-Instruct…"] and lm.precision == "int4"
    files = {p.name for p in target.iterdir()}
    assert {"config.json", "tokenizer.json", gguf_cache.SOURCE_FILE} <= files
    assert not any(name.endswith(".safetensors") for name in files)
    assert sum(p.stat().st_size for p in target.iterdir()) < 8 * 2**20
    assert not gguf_cache.is_converted(gguf)

    floats = load_model("builtin", "cpu", precision="float32")
    assert floats.precision == "float32" and not gguf_cache.is_converted(gguf)
    with torch.no_grad():
        quantize.quantize(floats.model, bits=4)  # int4 the way it was made before
    ids = lm.tokenizer("The capital of France is Paris, and the river is", return_tensors="pt")
    with torch.inference_mode():
        direct = lm.model(ids.input_ids).logits
        before = floats.model(ids.input_ids).logits
    assert torch.allclose(direct, before, atol=1e-3)

    stored = prepared_weights.read(target)
    assert len(stored) == 2 * 7 * lm.model.config.num_hidden_layers + 2  # int4 layers, head
    assert {t.dtype for t in stored.values()} == {torch.uint8, torch.int8, torch.bfloat16}
    with monkeypatch.context() as m:
        m.setattr(loader.gguf_direct, "_int4_layer", None)  # read back, never built again
        again = load_model("builtin", "cpu", precision="int4")
    with torch.inference_mode():
        assert torch.equal(again.model(ids.input_ids).logits, direct)

    # The tokenizer built from the cached parts is transformers' own, loaded from the folder.
    reference = AutoTokenizer.from_pretrained(target)
    assert lm.tokenizer.backend_tokenizer.to_str() == reference.backend_tokenizer.to_str()
    chat = [{"role": "user", "content": "Hello"}]
    assert lm.tokenizer.apply_chat_template(chat, tokenize=False) == (
        reference.apply_chat_template(chat, tokenize=False)
    )

    (target / "vocab.lines").write_text("{damaged", encoding="utf-8")
    repaired = load_model("builtin", "cpu", precision="int4")
    assert repaired.tokenizer("Paris").input_ids == lm.tokenizer("Paris").input_ids


def test_abandoned_conversions_are_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = gguf_cache.converted_dir(builtin_model().path)
    old = target.parent / f".{target.name}.abc123"
    fresh = target.parent / f".{target.name}.def456"  # maybe another process, converting now
    for d in (old, fresh):
        d.mkdir(parents=True)
    hours_ago = time.time() - 2 * gguf_cache.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    gguf_cache._remove_abandoned(target)
    assert not old.exists() and fresh.exists()


def test_superseded_conversions_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gguf = tmp_path / "models" / "story.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"new version")
    target = gguf_cache.converted_dir(gguf)
    target.parent.mkdir(parents=True, exist_ok=True)
    folders = {}
    for name, source in {
        "older": gguf,  # the same file before it changed (a reinstall, an update)
        "gone": tmp_path / "models" / "deleted.gguf",  # a file that no longer exists
        "other": tmp_path / "other.gguf",  # another model, still there: kept
        "legacy-same": None,  # from before sources were recorded, same name: removed
        "legacy-else": None,
    }.items():
        folder = target.parent / {
            "legacy-same": "story-a1b2c3d4e5f6",
            "legacy-else": "poem-abc",
        }.get(name, f"story-{name}")
        folder.mkdir()
        if source is not None:
            (folder / gguf_cache.SOURCE_FILE).write_text(str(source), encoding="utf-8")
        folders[name] = folder
    (tmp_path / "other.gguf").write_bytes(b"x")
    target.mkdir()
    working = target.parent / f".{target.name}.tmp1"  # a conversion in progress: left alone
    working.mkdir()
    gguf_cache.remove_superseded(target, gguf)
    left = {p.name for p in target.parent.iterdir()}
    assert left == {target.name, working.name, "story-other", "poem-abc"}


@pytest.mark.parametrize("precision", ["int4", "int8"])
def test_integer_precisions_are_cpu_only(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, precision: str
) -> None:
    real_to = torch.nn.Module.to

    def to(self, *args, **kwargs):
        if "cuda" in [str(a) for a in args]:
            return self  # pretend the GPU took it
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(loader, "resolve_device", lambda choice: "cuda")
    monkeypatch.setattr(loader, "default_dtype", lambda device: torch.float32)
    monkeypatch.setattr(torch.nn.Module, "to", to)
    lm = load_model(str(tiny_model_dir), "auto", precision=precision)
    assert lm.device == "cuda" and not lm.quantized
    assert lm.notices == [f"{precision} runs on the CPU only; using 16-bit precision on CUDA."]


def test_token_index_sorts_token_texts_with_ties_by_id(tiny_lm) -> None:
    lm = copy.copy(tiny_lm)  # (cached_property: a fresh copy works it out again)
    lm.__dict__.pop("token_index", None)
    special = set(lm.tokenizer.all_special_ids)
    pairs = sorted((t, i) for i, t in enumerate(lm.token_texts) if t and i not in special)
    assert lm.token_index == ([t for t, _ in pairs], [i for _, i in pairs])
    assert len(set(lm.token_index[0])) < len(lm.token_index[0])  # ties exist, by id
