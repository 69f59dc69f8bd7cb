"""A model's own Python code never runs, and loading never asks about it (issue 18)."""

from __future__ import annotations

import builtins
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from writer_app.engine import gguf_cache, loader
from writer_app.engine.loader import ModelLoadError, load_model
from writer_app.engine.models import discover_models

MARKER = "model-code-ran"

# What a hostile model folder ships: importing it is running it.
EVIL_CODE = """
import os, pathlib
pathlib.Path(os.environ["EVIL_MARKER"]).write_text("ran")
from transformers import PreTrainedTokenizerFast as EvilTokenizer
from transformers import LlamaForCausalLM as EvilModel, LlamaConfig as EvilConfig
"""


def _evil_folder(tiny_model_dir: Path, where: Path, file: str) -> Path:
    folder = where / f"evil-{file.split('.')[0]}"
    shutil.copytree(tiny_model_dir, folder)
    config_file = folder / file
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if file == "tokenizer_config.json":  # a class transformers does not know: it would ask
        config["tokenizer_class"] = "EvilTokenizer"
        config["auto_map"] = {"AutoTokenizer": ["evil.EvilTokenizer", "evil.EvilTokenizer"]}
    else:
        config["auto_map"] = {
            "AutoConfig": "evil.EvilConfig",
            "AutoModelForCausalLM": "evil.EvilModel",
        }
    config_file.write_text(json.dumps(config), encoding="utf-8")
    (folder / "evil.py").write_text(EVIL_CODE, encoding="utf-8")
    return folder


@pytest.fixture
def watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Answers "y" to any question on stdin, and records that it was asked."""
    marker = tmp_path / MARKER
    monkeypatch.setenv("EVIL_MARKER", str(marker))
    asked: list[str] = []

    def answer_yes(prompt: object = "") -> str:
        asked.append(str(prompt))
        return "y"

    monkeypatch.setattr(builtins, "input", answer_yes)
    return {"marker": marker, "asked": asked}


@pytest.mark.parametrize("file", ["tokenizer_config.json", "config.json"])
def test_a_folder_that_needs_its_own_code_is_refused_clearly(
    tiny_model_dir: Path, tmp_path: Path, watch: dict[str, Any], file: str
) -> None:
    folder = _evil_folder(tiny_model_dir, tmp_path, file)
    with pytest.raises(ModelLoadError) as raised:
        load_model(str(folder), "cpu")
    message = str(raised.value)
    assert f"auto_map in {file}" in message and "never runs a model's own code" in message
    assert "\n" not in message
    assert watch["asked"] == [] and not watch["marker"].exists()
    # The model list says why it is not offered.
    found, problems = discover_models([str(folder)])
    assert str(folder) not in [str(info.path) for info in found]
    assert any(f"auto_map in {file}" in p for p in problems)


def test_without_the_check_transformers_still_refuses_without_asking(
    tiny_model_dir: Path, tmp_path: Path, watch: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """trust_remote_code=False is passed everywhere: even a folder the check missed (a
    model from the Hugging Face cache, say) never gets to ask on stdin or run its code."""
    folder = _evil_folder(tiny_model_dir, tmp_path, "tokenizer_config.json")
    monkeypatch.setattr(loader, "refuse_remote_code", lambda path: None)
    monkeypatch.setattr(loader, "resolve_model", _unchecked_info(folder))
    with pytest.raises(ModelLoadError):
        load_model(str(folder), "cpu")
    assert watch["asked"] == [] and not watch["marker"].exists()


def _unchecked_info(folder: Path) -> Any:
    from writer_app.engine.models import ModelInfo

    return lambda spec: ModelInfo(str(folder), folder.name, "hf-cache", folder, 1)


def test_every_load_passes_trust_remote_code_false(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    for auto in (loader.AutoModelForCausalLM, loader.AutoTokenizer):
        real = auto.from_pretrained

        def spy(*args: Any, _real: Any = real, _name: str = auto.__name__, **kwargs: Any) -> Any:
            calls.append((_name, kwargs))
            return _real(*args, **kwargs)

        monkeypatch.setattr(auto, "from_pretrained", spy)
    load_model(str(tiny_model_dir), "cpu")
    assert {name for name, _ in calls} == {"AutoModelForCausalLM", "AutoTokenizer"}
    assert all(kwargs.get("trust_remote_code") is False for _, kwargs in calls), calls


def test_gguf_conversion_passes_trust_remote_code_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    seen: list[dict[str, Any]] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(gguf_cache.AutoModelForCausalLM, "from_pretrained", record)
    with pytest.raises(RuntimeError, match="stop here"):
        gguf_cache.convert(gguf)
    assert seen and seen[0].get("trust_remote_code") is False


def test_a_gguf_beside_a_tokenizer_config_that_asks_for_code_is_refused(
    tmp_path: Path, watch: dict[str, Any]
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    gguf = folder / "model.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {"tokenizer_class": "EvilTokenizer", "auto_map": {"AutoTokenizer": ["e.T", None]}}
        )
    )
    with pytest.raises(ModelLoadError, match=r"auto_map in tokenizer_config\.json"):
        load_model(str(gguf), "cpu")
    assert watch["asked"] == []


def test_the_gguf_readers_progress_bar_stays_off_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """transformers' GGUF reader draws its own tqdm bar ("Converting and de-quantizing GGUF
    tensors"), which disable_progress_bar() does not reach; the CLI showed it on stderr."""
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")

    def read_like_transformers(*args: Any, **kwargs: Any) -> Any:
        for _ in gguf_utils.tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."):
            pass
        raise RuntimeError("stop here")

    monkeypatch.setattr(gguf_cache.AutoModelForCausalLM, "from_pretrained", read_like_transformers)
    with pytest.raises(RuntimeError, match="stop here"):
        gguf_cache.convert(gguf)
    assert "de-quantizing" not in capfd.readouterr().err
    assert getattr(gguf_utils.tqdm, "func", None) is None  # the bar is put back afterwards
