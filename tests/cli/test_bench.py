"""`writer-cli bench` keeps working (short mode); its goals are read from its table, not
asserted here, because this machine is shared and timings are noisy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from writer_app.bench import PARAGRAPHS, document, percentile


def test_the_document_has_about_the_requested_tokens(tiny_lm) -> None:
    doc = document(tiny_lm.tokenizer, 300)
    assert 280 <= len(tiny_lm.tokenizer(doc).input_ids) <= 300
    assert doc.startswith("Chapter 1\n\n" + PARAGRAPHS[0][:20])


def test_percentile() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) in (2.0, 3.0)
    assert percentile([1.0, 2.0], 0.99) == 2.0


@pytest.mark.real_model
@pytest.mark.timeout(900)  # ~1 minute on an idle machine; it has taken 5 on a busy one
def test_bench_prints_the_table() -> None:
    cli = Path(sys.executable).parent / "writer-cli"
    result = subprocess.run(
        [str(cli), "bench", "--quick"], capture_output=True, text=True, timeout=870
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout
    for row in (
        "| first token after typing a word at the end of a",
        "| decoding, tokens/s |",
        "| decoding after the ",
        "| perplexity on the document's first 512 tokens (quality) |",
        "| GUI timer lateness while loading (p99 / max) |",
        "| GUI timer lateness while suggesting (p99 / max) |",
        "| window on screen after launch |",
        "| first run (empty cache) to a first 8-token suggestion, after imports |",
        "| warm model load, after imports |",
        "| peak memory with the model loaded |",
    ):
        assert row in table, row
    assert "x faster" in table and "Traceback" not in result.stderr


def test_perplexity_is_lower_for_text_the_model_knows(tiny_lm) -> None:
    from writer_app.bench import perplexity

    known = "The quick brown fox jumps over the lazy dog. A writer writes words."
    noise = "zq xv 7#k wj ;; qq pl zx vb"
    assert 1.0 < perplexity(tiny_lm, known) < perplexity(tiny_lm, noise)


def test_decoding_speeds_are_measured_in_turn() -> None:
    from writer_app.bench import interleaved

    calls: list[str] = []

    def meter(name: str, values: list[float]):
        def once() -> float:
            calls.append(name)
            return values.pop(0)

        return once

    rates = interleaved({"a": meter("a", [5.0, 1.0, 3.0]), "b": meter("b", [2.0, 9.0, 4.0])}, 3)
    assert calls == ["a", "b"] * 3  # alternating, so a busy moment hits both alike
    assert rates == {"a": 3.0, "b": 4.0}  # medians
