"""Downloading models from the Hub (a local stand-in running the Hub's HTTP API, with the real
huggingface_hub client): resume, retries, integrity, disk space, gated and refused repos."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hub_server import Fault, HubFile, HubRepo, HubServer, use_hub
from servers import free_port

from writer_app.config import Decoding
from writer_app.engine import library
from writer_app.engine.library import (
    Cancelled,
    Downloader,
    GatedError,
    IntegrityError,
    NetworkError,
    NotEnoughSpaceError,
    NotFoundError,
    OfflineError,
    Progress,
    RefusedError,
)
from writer_app.engine.models import hf_cache_models

REPO = "test/tiny"
CHUNK = 16 * 1024  # small chunks, so that a resume shows on a small model
QUICK = {"chunk_size": CHUNK, "retry_wait": 0.01, "retries": 2}


@pytest.fixture
def hub(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HubServer]:
    with HubServer([HubRepo.from_folder(REPO, tiny_model_dir)]) as server:
        use_hub(monkeypatch, server, tmp_path)
        yield server


def _download(repo: str = REPO, file: str | None = None, **options: object) -> library.Downloaded:
    return Downloader(library.plan(repo, file=file), **{**QUICK, **options}).run()  # type: ignore[arg-type]


def _listed() -> list[str]:
    return [m.spec for m in hf_cache_models()]


def _weights(hub: HubServer) -> HubFile:
    return hub.repos[REPO].files["model.safetensors"]


def test_full_download_then_load_and_generate(hub: HubServer) -> None:
    from writer_app.engine.generation import generate
    from writer_app.engine.loader import load_model

    seen: list[Progress] = []
    plan = library.plan(REPO)
    assert plan.kind == "safetensors" and plan.commit == hub.repos[REPO].sha
    names = [f.name for f in plan.files]
    assert "model.safetensors" in names and "config.json" in names and "tokenizer.json" in names
    result = Downloader(plan, seen.append, chunk_size=CHUNK).run()

    assert result.spec == REPO and result.path.name == plan.commit
    assert _listed() == [REPO]
    assert seen[-1].phase == "done" and seen[-1].done == seen[-1].total == plan.total_bytes
    assert {p.phase for p in seen} >= {"downloading", "verifying", "finishing", "done"}
    # The standard cache layout: blobs named by their hash, the snapshot, refs/main.
    storage = plan.storage
    assert (storage / "refs" / "main").read_text() == plan.commit
    assert (storage / "blobs" / _weights(hub).sha256).is_file()
    assert not list(storage.glob("blobs/*.incomplete"))
    assert all(r.range is None for r in hub.cdn_requests())

    lm = load_model(REPO, "cpu")
    assert generate(lm, "The quick", Decoding(max_new_tokens=3)).texts[0]


def test_other_tools_find_it_in_the_shared_cache(hub: HubServer) -> None:
    from huggingface_hub import hf_hub_download, snapshot_download

    result = _download()
    again = hf_hub_download(REPO, "config.json", local_files_only=True)
    assert Path(again).parent == result.path
    assert Path(snapshot_download(REPO, local_files_only=True)) == result.path


def test_a_dropped_connection_resumes_without_fetching_bytes_again(hub: HubServer) -> None:
    size = _weights(hub).size
    hub.faults.append(Fault("drop", after=100_000))
    _download()
    first, second = hub.cdn_requests("model.safetensors")
    assert first.sent == 100_000 and first.range is None
    assert second.range is not None and second.status == 206
    resumed_at = int(second.range.removeprefix("bytes=").rstrip("-"))
    # Everything written before the drop is kept: at most the chunk in flight is fetched again.
    assert 100_000 - CHUNK <= resumed_at <= 100_000
    assert hub.bytes_served("model.safetensors") - size < CHUNK
    assert _listed() == [REPO]


def test_a_stalled_transfer_times_out_and_resumes(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.5)
    hub.faults.append(Fault("stall", after=60_000, seconds=10))
    _download()
    requests = hub.cdn_requests("model.safetensors")
    assert len(requests) == 2 and requests[1].range is not None
    assert _listed() == [REPO]


def test_server_errors_are_retried_with_backoff(hub: HubServer) -> None:
    hub.faults.append(Fault("status", status=503, times=2))
    notes: list[str] = []
    _download(progress=lambda p: notes.append(p.note) if p.phase == "retrying" else None)
    assert len(hub.cdn_requests("model.safetensors")) == 3
    assert len(notes) == 2 and all("retrying in" in n for n in notes)
    assert _listed() == [REPO]


def test_a_transfer_that_keeps_failing_keeps_what_it_got(hub: HubServer) -> None:
    hub.faults.append(Fault("drop", after=50_000))
    hub.faults.append(Fault("status", status=500, times=0))
    with pytest.raises(NetworkError, match=r"keeps failing.*kept: download again to resume"):
        _download()
    plan = library.plan(REPO)
    assert 0 < plan.have_bytes() < plan.total_bytes
    assert REPO not in _listed()  # nothing half-made is offered
    local = library.local_repo(REPO)
    assert local is not None and local.partial_bytes > 0 and not local.usable
    hub.faults.clear()
    _download()
    assert _listed() == [REPO]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", match="tokenizer.json", route="resolve", times=0),
        Fault("status", match="/config.json", route="resolve", method="GET", skip=1, times=0),
        Fault("status", route="cdn", times=0),
    ],
    ids=["tokenizer", "config", "weights"],
)
def test_a_failure_at_any_point_never_leaves_a_model_that_loads_broken(
    hub: HubServer, fault: Fault
) -> None:
    hub.faults.append(Fault("drop", after=30_000))  # a drop first, recovered from
    hub.faults.append(fault)
    plan = library.plan(REPO)
    with pytest.raises(NetworkError):
        Downloader(plan, **QUICK).run()  # type: ignore[arg-type]
    assert REPO not in _listed()
    hub.faults.clear()
    _download()
    assert _listed() == [REPO]


def test_linking_the_snapshot_is_local_and_config_json_comes_last(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import file_download

    real_link = file_download._create_symlink
    linked: list[str] = []

    def link_then_crash(src: str, dst: str, new_blob: bool = False) -> None:
        if len(linked) == 3:
            raise OSError("the process was killed here")
        linked.append(Path(dst).name)
        real_link(src, dst, new_blob)

    monkeypatch.setattr(file_download, "_create_symlink", link_then_crash)
    with pytest.raises(library.LibraryError, match="killed"):
        _download()
    assert len(linked) == 3 and "config.json" not in linked
    assert REPO not in _listed()  # a snapshot without config.json is not a model
    monkeypatch.setattr(file_download, "_create_symlink", real_link)
    before = len(hub.requests)
    plan = library.plan(REPO)
    asked = len(hub.requests)
    Downloader(plan).run()  # everything is here: it only links the rest
    assert len(hub.requests) == asked and asked - before == 3  # the plan's requests only
    assert _listed() == [REPO]


def test_cancel_then_resume_in_a_new_downloader(hub: HubServer) -> None:
    size = _weights(hub).size
    hub.faults.append(Fault("slow", after=8192, seconds=0.02, times=0))  # a slow link
    cancel = threading.Event()
    before = library.plan(REPO).total_bytes - size  # the small files come first

    def stop_midway(p: Progress) -> None:
        if p.done - before > 40_000:
            cancel.set()  # (the Pause button): stops before the next chunk is written

    with pytest.raises(Cancelled, match="kept"):
        Downloader(library.plan(REPO), stop_midway, cancel, chunk_size=CHUNK).run()
    assert REPO not in _listed()
    hub.faults.clear()
    plan = library.plan(REPO)  # as after a restart: a new plan, a new downloader
    kept = plan.partial(_weights_file(plan)).stat().st_size
    assert 40_000 - CHUNK < kept < size
    checked: list[Progress] = []
    Downloader(plan, checked.append, chunk_size=CHUNK).run()
    resumed = hub.cdn_requests("model.safetensors")[-1]
    assert resumed.range == f"bytes={kept}-" and resumed.sent == size - kept
    assert any(p.phase == "checking" for p in checked)  # the kept part was hashed again
    assert _listed() == [REPO]


def _weights_file(plan: library.Plan) -> library.RemoteFile:
    return next(f for f in plan.files if f.name == "model.safetensors")


def test_a_server_that_ignores_range_starts_the_file_over(hub: HubServer) -> None:
    hub.faults.append(Fault("drop", after=50_000))
    hub.faults.append(Fault("ignore_range"))
    _download()
    assert _listed() == [REPO]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault("resize", after=100_000, times=0), "wrong size"),
        (Fault("corrupt", times=0), "does not match the checksum"),
    ],
)
def test_wrong_size_or_hash_is_not_offered(hub: HubServer, fault: Fault, message: str) -> None:
    hub.faults.append(fault)
    plan = library.plan(REPO)
    with pytest.raises(IntegrityError, match=message):
        Downloader(plan, **QUICK).run()  # type: ignore[arg-type]
    assert REPO not in _listed()
    weights = _weights_file(plan)
    assert not plan.blob(weights).exists() and not plan.partial(weights).exists()


def test_a_wrong_small_file_is_caught_too(hub: HubServer) -> None:
    hub.faults.append(Fault("corrupt", match="tokenizer.json", route="resolve", times=0))
    with pytest.raises(IntegrityError, match=r"tokenizer\.json"):
        _download()
    assert REPO not in _listed()


def test_free_space_is_checked_before_anything_downloads(
    hub: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "_free_space", lambda folder: (1_000_000, folder))
    with pytest.raises(NotEnoughSpaceError, match=r"needs 192 kB more .* 1\.0 MB free"):
        _download()
    assert hub.cdn_requests() == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root: mount), unmounted after the test."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_keeps_the_part_and_says_so(
    hub: HubServer, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(small_disk / "hub"))
    monkeypatch.setattr(library, "SPACE_MARGIN", 0)  # (the margin is 64 MiB: bigger than the disk)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (150 * 1024))
    with pytest.raises(NotEnoughSpaceError, match="Not enough disk space"):
        _download()  # refused before it starts: the check sees the real tmpfs
    assert hub.cdn_requests() == []
    # If the disk fills up anyway (another program wrote to it), the part is kept.
    free_space = library._free_space
    monkeypatch.setattr(library, "_free_space", lambda folder: (10**12, folder))
    with pytest.raises(NotEnoughSpaceError, match="disk filled up"):
        _download()
    assert REPO not in _listed()
    local = library.local_repo(REPO)
    assert local is not None and local.partial_bytes > 0
    filler.unlink()
    monkeypatch.setattr(library, "_free_space", free_space)
    _download()
    assert _listed() == [REPO]


def test_gated_repos_are_explained(
    hub: HubServer, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.add(HubRepo.from_folder("org/gated", tiny_model_dir, gated=True, granted={"hf_ok"}))
    with pytest.raises(GatedError, match=r"accept its license.*hf auth login.*HF_TOKEN"):
        library.plan("org/gated")
    monkeypatch.setenv("HF_TOKEN", "hf_someone_else")
    with pytest.raises(GatedError, match="has not been given access"):
        library.plan("org/gated")
    monkeypatch.setenv("HF_TOKEN", "hf_ok")
    start = len(hub.requests)
    plan = library.plan("org/gated")
    assert plan.gated and any("gated" in n for n in plan.notes)
    Downloader(plan, chunk_size=CHUNK).run()
    assert "org/gated" in _listed()
    auth = [r.authorization for r in hub.requests[start:] if r.path.startswith("/org/gated/")]
    assert auth and all(a == "Bearer hf_ok" for a in auth)
    assert all(r.authorization is None for r in hub.cdn_requests())  # the token stays home


def test_pickle_only_and_remote_code_repos_are_refused(
    hub: HubServer, tiny_model_dir: Path
) -> None:
    config = json.loads((tiny_model_dir / "config.json").read_text())
    hub.add(
        HubRepo.from_bytes(
            "org/pickled",
            {"config.json": json.dumps(config).encode(), "pytorch_model.bin": b"\x80\x04" * 100},
        )
    )
    with pytest.raises(RefusedError, match="only in pickle files"):
        library.plan("org/pickled")

    custom = {**config, "model_type": "my_own_model", "auto_map": {"AutoModel": "x.Model"}}
    weights = (tiny_model_dir / "model.safetensors").read_bytes()
    hub.add(
        HubRepo.from_bytes(
            "org/custom",
            {"config.json": json.dumps(custom).encode(), "model.safetensors": weights},
        )
    )
    with pytest.raises(RefusedError, match=r"Python code of its own \(auto_map in config\.json"):
        library.plan("org/custom")

    # Even beside a model type transformers has built in (as Phi-3's repos do): refused,
    # as loading refuses it.
    native = {**config, "auto_map": {"AutoModelForCausalLM": "modeling_x.XForCausalLM"}}
    files = {p.name: p.read_bytes() for p in tiny_model_dir.iterdir()}
    hub.add(HubRepo.from_bytes("org/native", {**files, "config.json": json.dumps(native).encode()}))
    with pytest.raises(RefusedError, match=r"auto_map in config\.json"):
        library.plan("org/native")

    tokenizer_config = json.loads((tiny_model_dir / "tokenizer_config.json").read_text())
    tokenizer_config["auto_map"] = {"AutoTokenizer": ["tok.MyTokenizer", None]}
    custom_tokenizer = {**files, "tokenizer_config.json": json.dumps(tokenizer_config).encode()}
    hub.add(HubRepo.from_bytes("org/custom-tokenizer", custom_tokenizer))
    with pytest.raises(RefusedError, match=r"auto_map in tokenizer_config\.json"):
        library.plan("org/custom-tokenizer")

    unknown = {**config, "model_type": "not_in_transformers"}
    hub.add(
        HubRepo.from_bytes("org/unknown", {**files, "config.json": json.dumps(unknown).encode()})
    )
    with pytest.raises(RefusedError, match="does not know its model type"):
        library.plan("org/unknown")

    not_text = {**config, "architectures": ["LlamaForSequenceClassification"]}
    hub.add(
        HubRepo.from_bytes(
            "org/classifier", {**files, "config.json": json.dumps(not_text).encode()}
        )
    )
    with pytest.raises(RefusedError, match="not a text-generation model"):
        library.plan("org/classifier")
    assert hub.cdn_requests() == []  # refused before any weights were fetched


def _tiny_gguf(path: Path, seed: int) -> bytes:
    import gguf

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    rng = np.random.default_rng(seed)
    writer.add_tensor("token_embd.weight", rng.standard_normal((8, 4)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def test_a_gguf_repo_gets_one_file_with_a_sensible_default(hub: HubServer, tmp_path: Path) -> None:
    files = {
        "README.md": b"# tiny",
        "tiny-f16.gguf": _tiny_gguf(tmp_path / "a.gguf", 1),
        "tiny-q8_0.gguf": _tiny_gguf(tmp_path / "b.gguf", 2),
        "tiny-q4_k_m.gguf": _tiny_gguf(tmp_path / "c.gguf", 3),
    }
    hub.add(HubRepo.from_bytes("org/tiny-GGUF", files))
    plan = library.plan("org/tiny-GGUF")
    assert plan.kind == "gguf" and plan.gguf_file == "tiny-q4_k_m.gguf"
    assert [f.name for f in plan.gguf_files] == [
        "tiny-f16.gguf",
        "tiny-q4_k_m.gguf",
        "tiny-q8_0.gguf",
    ]
    result = _download("org/tiny-GGUF", file="tiny-q8_0.gguf")
    assert result.path.name == "tiny-q8_0.gguf" and result.spec == str(result.path)
    assert result.path.read_bytes() == files["tiny-q8_0.gguf"]
    local = library.local_repo("org/tiny-GGUF")
    assert local is not None and local.specs == [str(result.path)]
    with pytest.raises(RefusedError, match=r"not a \.gguf file"):
        library.plan("org/tiny-GGUF", file="README.md")
    with pytest.raises(NotFoundError, match="no file"):
        library.plan("org/tiny-GGUF", file="nope.gguf")


def test_remove_frees_the_space(hub: HubServer) -> None:
    result = _download()
    storage = library.storage_folder(REPO)
    freed = library.remove(REPO)
    assert freed >= result.size and not storage.exists()
    assert library.local_repos() == [] and _listed() == []
    with pytest.raises(NotFoundError, match="not in the Hugging Face cache"):
        library.remove(REPO)
    # A download that never finished is removed too.
    hub.faults.append(Fault("drop", after=50_000))
    hub.faults.append(Fault("status", status=500, times=0))
    with pytest.raises(NetworkError):
        _download()
    assert library.local_repo(REPO) is not None
    assert library.remove(REPO) > 0 and not storage.exists()


def test_offline_missing_and_unreachable(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    with pytest.raises(NotFoundError, match="no model org/missing"):
        library.plan("org/missing")
    with pytest.raises(NotFoundError, match="not a Hugging Face repo id"):
        library.plan("no slash")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert library.offline_reason() is not None
    with pytest.raises(OfflineError, match="HF_HUB_OFFLINE"):
        library.plan(REPO)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    port = free_port()  # nothing listens there
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(OfflineError, match=rf"Cannot reach 127\.0\.0\.1:{port}"):
        library.plan(REPO)
