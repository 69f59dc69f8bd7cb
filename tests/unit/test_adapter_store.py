"""The adapter store: saved whole, listed (damaged ones with their problem), checked before
use, renamed, deleted; names that cannot be folders are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from writer_app.engine import adapters
from writer_app.engine.adapters import AdapterError

FILES = {adapters.CONFIG: b'{"peft_type": "LORA"}', adapters.WEIGHTS: b"weights" * 100}
MANIFEST = {
    "base": {"name": "SmolLM2", "fingerprint": "abc123"},
    "documents": [{"name": "a.md", "bytes": 10, "sha256": "00"}],
    "tokens": {"train": 30000, "heldout": 3000, "seen": 60000},
    "perplexity": {"before": 12.5, "after": 10.0},
    "created": "2026-01-02T03:04:05+00:00",
}


def test_saved_adapters_are_listed_and_found() -> None:
    assert adapters.list_adapters() == []
    adapters.save("Mine", FILES, MANIFEST, replace=False)
    adapters.save("another one", FILES, MANIFEST, replace=False)
    listed = adapters.list_adapters()
    assert [a.name for a in listed] == ["another one", "Mine"]
    found = adapters.find("Mine")
    assert found.manifest["weights"]["sha256"] and found.manifest["name"] == "Mine"
    assert found.describe() == (
        "Mine\tSmolLM2\t1 document, 30,000 tokens\tperplexity 12.5 → 10.0 (-20%)\t"
        "2026-01-02\t0.0 MB"
    )
    store = adapters.store_dir()
    assert store.stat().st_mode & 0o077 == 0
    assert not [p for p in store.iterdir() if p.name.startswith(".M")]  # no temporaries left


def test_an_existing_name_is_replaced_only_when_asked() -> None:
    adapters.save("mine", FILES, MANIFEST, replace=False)
    with pytest.raises(AdapterError, match="exists already"):
        adapters.save("mine", FILES, MANIFEST, replace=False)
    changed = dict(MANIFEST, tokens={"train": 5, "heldout": 1, "seen": 5})
    adapters.save("mine", FILES, changed, replace=True)
    assert adapters.find("mine").manifest["tokens"]["train"] == 5
    assert [p.name for p in adapters.store_dir().iterdir()] == ["mine"]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda f: (f / adapters.MANIFEST).write_text("{not json"), "manifest.json is damaged"),
        (lambda f: (f / adapters.MANIFEST).unlink(), "manifest.json is missing"),
        (lambda f: (f / adapters.MANIFEST).write_text('{"a": 1}'), "not a Writer adapter"),
        (lambda f: (f / adapters.WEIGHTS).unlink(), "adapter_model.safetensors is missing"),
    ],
)
def test_a_damaged_adapter_is_listed_with_its_problem_and_refused(
    damage: Callable[[Path], object], problem: str
) -> None:
    adapters.save("mine", FILES, MANIFEST, replace=False)
    damage(adapters.adapter_dir("mine"))
    [listed] = adapters.list_adapters()
    assert problem in listed.problem
    assert listed.describe().startswith("mine\t(unusable: ")
    with pytest.raises(AdapterError, match=f"The adapter 'mine' cannot be used: .*{problem}"):
        adapters.find("mine")


def test_changed_weights_are_noticed() -> None:
    adapters.save("mine", FILES, MANIFEST, replace=False)
    (adapters.adapter_dir("mine") / adapters.WEIGHTS).write_bytes(b"other weights")
    assert not adapters.list_adapters()[0].problem  # listing does not read the weights
    with pytest.raises(AdapterError, match="'mine' is damaged: its weights file is not the one"):
        adapters.find("mine")


def test_an_adapter_for_another_model_is_refused() -> None:
    adapters.save("mine", FILES, MANIFEST, replace=False)
    found = adapters.find("mine")
    adapters.check_base(found, "abc123", "SmolLM2")
    with pytest.raises(AdapterError, match="trained for SmolLM2, not for Other-7B; it is not"):
        adapters.check_base(found, "ffff", "Other-7B")


def test_rename_and_delete() -> None:
    adapters.save("mine", FILES, MANIFEST, replace=False)
    adapters.save("taken", FILES, MANIFEST, replace=False)
    with pytest.raises(AdapterError, match="'taken' exists already"):
        adapters.rename("mine", "taken")
    renamed = adapters.rename("mine", "ours")
    assert renamed.name == "ours" and renamed.manifest["name"] == "ours"
    adapters.find("ours")  # still whole: its weights are the ones recorded
    adapters.delete("ours")
    assert [a.name for a in adapters.list_adapters()] == ["taken"]
    with pytest.raises(AdapterError, match="There is no adapter named 'ours'"):
        adapters.delete("ours")
    with pytest.raises(AdapterError, match="no adapter named 'gone'; there are: taken"):
        adapters.find("gone")


@pytest.mark.parametrize("name", ["", "  ", "../up", "a/b", ".hidden", "x" * 65, "tab\there"])
def test_names_that_cannot_be_folders_are_refused(name: str) -> None:
    with pytest.raises(AdapterError, match="cannot name an adapter"):
        adapters.check_name(name)


def test_the_fingerprint_follows_the_weights_not_the_path(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
        (folder / "model.safetensors").write_bytes(b"\1" * 3_000_000)
    assert adapters.base_fingerprint(first) == adapters.base_fingerprint(second)
    with (second / "model.safetensors").open("r+b") as handle:
        handle.seek(1_500_000)
        handle.write(b"\2")
    assert adapters.base_fingerprint(first) != adapters.base_fingerprint(second)
