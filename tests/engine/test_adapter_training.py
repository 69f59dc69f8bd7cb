"""Training an adapter on the tiny model, in this process: loss falls, held-out text is set
aside, the adapter and its manifest are stored, bad input is refused clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from adapter_corpus import documents, tiny_job

from writer_app.engine import adapters, training
from writer_app.engine.training_process import TrainSettings


@pytest.fixture(autouse=True)
def one_thread() -> Any:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_a_few_steps_reduce_the_training_loss_and_held_out_perplexity(
    tiny_model_dir: Path,
) -> None:
    events: list[dict[str, Any]] = []
    manifest = training.run(tiny_job(tiny_model_dir), events.append)
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < 0.8 * sum(losses[:3]) / 3
    ppl = manifest["perplexity"]
    assert ppl["after"] < 0.5 * ppl["before"]
    assert manifest["training"]["steps"] == 12 and manifest["training"]["stopped"] == "steps"
    assert manifest["tokens"]["seen"] == 12 * 2 * 64


def test_the_adapter_is_stored_with_a_manifest_that_keeps_no_text(tiny_model_dir: Path) -> None:
    job = tiny_job(tiny_model_dir, max_steps=2)
    manifest = training.run(job, lambda _e: None)
    [stored] = adapters.list_adapters()
    assert stored.name == "mine" and not stored.problem
    folder = stored.folder
    assert {p.name for p in folder.iterdir()} == {
        adapters.MANIFEST, adapters.CONFIG, adapters.WEIGHTS
    }  # fmt: skip
    assert folder.stat().st_mode & 0o077 == 0
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())
    raw = (folder / adapters.MANIFEST).read_text(encoding="utf-8")
    for doc in job["documents"]:
        assert doc["text"][:40] not in raw
    on_disk = json.loads(raw)
    assert on_disk == json.loads(json.dumps(manifest))
    assert on_disk["base"]["name"] == tiny_model_dir.name
    assert on_disk["base"]["fingerprint"] == adapters.base_fingerprint(tiny_model_dir)
    assert on_disk["documents"][0]["sha256"] and on_disk["documents"][0]["name"] == "doc0.txt"
    assert on_disk["settings"]["rank"] == 4 and on_disk["settings"]["alpha"] == 8
    config = json.loads((folder / adapters.CONFIG).read_text(encoding="utf-8"))
    assert config["peft_type"] == "LORA" and config["r"] == 4
    # The run's checkpoint is gone once the adapter is saved.
    assert not (adapters.store_dir() / adapters.WORK / "mine").exists()


def test_early_stop_keeps_the_best_measured_weights(tiny_model_dir: Path) -> None:
    # A learning rate far too high: held-out perplexity gets worse, and the run stops.
    job = tiny_job(tiny_model_dir, learning_rate=3.0, max_steps=200, eval_every=1, patience=2)
    manifest = training.run(job, lambda _e: None)
    run = manifest["training"]
    assert run["stopped"] == "early" and run["steps"] < 200
    ppl = manifest["perplexity"]
    assert ppl["after"] == min(v for _s, v in ppl["history"])


def test_an_existing_name_is_refused_unless_replaced(tiny_model_dir: Path) -> None:
    training.run(tiny_job(tiny_model_dir, max_steps=1), lambda _e: None)
    with pytest.raises(adapters.AdapterError, match="exists already"):
        training.run(tiny_job(tiny_model_dir, max_steps=1), lambda _e: None)
    job = tiny_job(tiny_model_dir, max_steps=1) | {"replace": True}
    assert training.run(job, lambda _e: None)["name"] == "mine"


def test_too_little_text_is_refused_before_training(tiny_model_dir: Path) -> None:
    job = tiny_job(tiny_model_dir) | {"documents": documents(words=300)}
    with pytest.raises(training.TrainingError, match=r"only \d+ tokens; at least 2,000"):
        training.run(job, lambda _e: None)
    job = tiny_job(tiny_model_dir) | {"documents": []}
    with pytest.raises(training.TrainingError, match="There is no text"):
        training.run(job, lambda _e: None)
    assert adapters.list_adapters() == []


def test_held_out_text_is_whole_documents_where_there_are_several() -> None:
    settings = TrainSettings(sequence=16, heldout=0.1)
    docs = [list(range(100 * i, 100 * i + 100)) for i in range(10)]
    data = training.split(docs, settings)
    assert len(data.heldout_documents) == 1
    held = set(docs[data.heldout_documents[0]])
    assert data.heldout_tokens == 100 and data.train_tokens == 900
    assert not held & set(data.train.flatten().tolist())
    assert set(training.torch.cat(data.heldout).tolist()) == held


def test_one_document_is_held_out_at_its_end() -> None:
    settings = TrainSettings(sequence=16, heldout=0.1)
    data = training.split([list(range(1000))], settings)
    assert data.heldout_documents == []
    assert data.heldout_tokens == 100 and data.train_tokens == 900
    assert training.torch.cat(data.heldout).tolist() == list(range(900, 1000))
    assert data.train.flatten().tolist() == list(range(896))  # whole windows only
