"""The curated model catalog: the shipped file is valid, and the fit hints add up."""

from __future__ import annotations

import pytest

from writer_app.engine import catalog
from writer_app.engine.catalog import CatalogError, Machine, fit, load_catalog, parse_catalog
from writer_app.engine.library import GGUF_PREFERENCE, default_gguf

GB = 10**9


def test_the_shipped_catalog_is_valid_and_useful() -> None:
    entries = load_catalog()
    assert len(entries) >= 8
    repos = [e.repo for e in entries]
    assert "Qwen/Qwen2.5-1.5B-Instruct" in repos and "HuggingFaceTB/SmolLM2-1.7B-Instruct" in repos
    assert any(e.chinese for e in entries) and any(e.is_gguf for e in entries)
    for e in entries:
        assert 100_000_000 <= e.parameters <= 5_000_000_000, e.repo  # laptop-sized
        # A safetensors download is about 2 bytes a parameter (bf16); a GGUF one less.
        per_parameter = e.download_bytes / e.parameters
        assert (0.5 <= per_parameter <= 1.2) if e.is_gguf else (1.9 <= per_parameter <= 2.2)
        assert e.context >= 2048 and e.license and e.good_for and e.languages
        assert not e.is_gguf or any(q in e.gguf_file for q in GGUF_PREFERENCE)
        assert e.gated == ("Gated" in e.notes), e.repo


def test_memory_at_each_precision_shrinks_with_the_bits() -> None:
    entry = next(e for e in load_catalog() if e.repo == "Qwen/Qwen2.5-1.5B-Instruct")
    sizes = [entry.memory(p) for p in catalog.PRECISIONS]
    assert sizes == sorted(sizes, reverse=True)
    assert 6 * GB < entry.memory("float32") < 7 * GB
    assert entry.disk_bytes() == entry.download_bytes
    gguf = next(e for e in load_catalog() if e.is_gguf)
    assert gguf.disk_bytes() > gguf.download_bytes + 4 * gguf.parameters - 1  # + the float32 copy


@pytest.mark.parametrize(
    ("ram_free", "disk_free", "vram_free", "level", "words"),
    [
        (32 * GB, 100 * GB, None, "good", "Fits: needs 6.5 GB of memory (32.0 GB free)"),
        (7 * GB, 100 * GB, None, "tight", "Tight fit"),
        (4 * GB, 100 * GB, None, "no", "Too big for the free memory: needs 6.5 GB, 4.0 GB free"),
        (32 * GB, 1 * GB, None, "no", "Not enough disk space: needs 3.1 GB, 1.0 GB free"),
        (2 * GB, 100 * GB, 8 * GB, "good", "GPU memory"),  # 16-bit on the GPU
    ],
)
def test_fit_hints(
    ram_free: int, disk_free: int, vram_free: int | None, level: str, words: str
) -> None:
    entry = next(e for e in load_catalog() if e.repo == "Qwen/Qwen2.5-1.5B-Instruct")
    here = Machine(ram_free, 64 * GB, disk_free, vram_free, vram_free)
    result = fit(entry, here, "auto")
    assert result.level == level and words in result.text
    if vram_free is not None:
        assert fit(entry, here, "cpu").level == "no"  # the CPU has only 2 GB free


def test_this_machine_is_measured_without_importing_torch() -> None:
    here = catalog.machine()
    assert here.ram_total > here.ram_free > 0 and here.disk_free > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[model]]\nrepo = 'a/b'\n", "name is missing"),
        ("[[model]]\nrepo = 'ab'\nname='x'\nparameters=1\ndownload_mb=1\ncontext=1\n"
         "license='x'\ngood_for='x'\n", "org/name"),
        ("[[model]]\nrepo = 'a/b'\nname='x'\nparameters='1'\ndownload_mb=1\ncontext=1\n"
         "license='x'\ngood_for='x'\n", "parameters has the wrong type"),
        ("[[model]]\nrepo = 'a/b'\nname='x'\nparameters=1\ndownload_mb=1\ncontext=1\n"
         "license='x'\ngood_for='x'\nformat='gguf'\n", "gguf_file"),
        ("[[model]]\nrepo = 'a/b'\nname='x'\nparameters=1\ndownload_mb=1\ncontext=1\n"
         "license='x'\ngood_for='x'\nsize=3\n", "unknown field 'size'"),
        ("[[model]\n", "models.toml"),
    ],
)  # fmt: skip
def test_a_malformed_catalog_says_where(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(text)


def test_the_default_gguf_file_is_a_4_bit_k_quant_when_there_is_one() -> None:
    names = ["m-f16.gguf", "m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-Q2_K.gguf"]
    assert default_gguf(names) == "m-Q4_K_M.gguf"
    assert default_gguf(["m-f16.gguf", "m-q8_0.gguf"]) == "m-q8_0.gguf"
    assert default_gguf(["b.gguf", "a.gguf"]) == "a.gguf"
