"""The split tokenizer files, built from without long GIL holds, and built ahead of time
while the app starts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from writer_app.assistant import Assistant
from writer_app.config import Model
from writer_app.engine import tokenizer_files

TEXT = "The sea was calm that night, naïve café 🙂."


@pytest.fixture
def folder(tiny_model_dir: Path, tmp_path: Path) -> Path:
    shutil.copy(tiny_model_dir / "tokenizer.json", tmp_path / "tokenizer.json")
    tokenizer_files.split(tmp_path)
    assert tokenizer_files.is_split(tmp_path)
    return tmp_path


def _ids(parts: tokenizer_files.Parts) -> list[int]:
    shell, model = parts
    shell.model = model
    return list(shell.encode(TEXT).ids)


def test_the_split_files_make_the_same_tokenizer(folder: Path) -> None:
    from tokenizers import Tokenizer

    whole = Tokenizer.from_file(str(folder / "tokenizer.json"))
    parts = tokenizer_files.bpe_parts(folder)
    assert parts is not None
    assert _ids(parts) == list(whole.encode(TEXT).ids)


def test_a_prefetched_tokenizer_is_taken_once(folder: Path) -> None:
    assert tokenizer_files.prefetch(folder)
    first = tokenizer_files.bpe_parts(folder)
    assert first is not None
    second = tokenizer_files.bpe_parts(folder)  # nothing prefetched any more: built again
    assert second is not None and second[1] is not first[1]
    assert _ids(first) == _ids(second)


def test_files_changed_since_the_prefetch_are_read_again(folder: Path) -> None:
    assert tokenizer_files.prefetch(folder)
    tokenizer_files._prefetched[folder][1].result()  # built from the files as they were
    (folder / tokenizer_files.MERGES).write_text("", encoding="utf-8")  # another tokenizer
    os.utime(folder / tokenizer_files.MERGES, ns=(1, 1))
    parts = tokenizer_files.bpe_parts(folder)
    assert parts is not None
    merged = tokenizer_files.bpe_parts(folder)
    assert merged is not None and len(_ids(parts)) == len(_ids(merged))  # no merges: bytes
    assert len(_ids(parts)) == len(TEXT.encode("utf-8"))


def test_a_failed_prefetch_is_built_again_where_its_error_shows(folder: Path) -> None:
    (folder / tokenizer_files.SHELL).write_text("{not json", encoding="utf-8")
    assert tokenizer_files.prefetch(folder)
    with pytest.raises(ValueError):
        tokenizer_files.bpe_parts(folder)


def test_nothing_to_prefetch(tmp_path: Path) -> None:
    assert not tokenizer_files.prefetch(tmp_path)
    assert tokenizer_files.bpe_parts(tmp_path) is None
    Assistant.prefetch(Model(model=str(tmp_path / "missing.gguf")))  # the load will say why
    Assistant.prefetch(Model(backend="server", server="http://127.0.0.1:9"))
    assert tokenizer_files._prefetched == {}


@pytest.mark.real_model
def test_loading_the_builtin_model_takes_the_tokenizer_the_app_started_building(
    real_lm,  # (loaded once before: its tokenizer files are there, as on any later start)
) -> None:
    from writer_app.engine.loader import load_model

    Assistant.prefetch(Model())  # what writer-app does first
    assert len(tokenizer_files._prefetched) == 1
    lm = load_model("builtin", "cpu", precision="int4")
    assert tokenizer_files._prefetched == {}  # taken by the load, not built again
    assert lm.tokenizer.decode(lm.tokenizer(TEXT).input_ids) == TEXT
