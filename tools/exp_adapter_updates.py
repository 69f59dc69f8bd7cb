"""How a stored adapter's update slows the lean decoding step: plans without the adapter,
with float32 updates and with int8 ones (what Writer uses behind integer kernels), taken in
turn on one model, with the ratio within each round; and held-out perplexity through the lean
step with each.

    .venv/bin/python tools/exp_adapter_updates.py [--adapter measure-adapt] [--rounds 20]

The adapter must be stored already (`tools/measure_adapt.py` makes "measure-adapt").
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

import torch
from measure_adapt import NAME, _step_rate, book_documents

from writer_app.engine import quantize
from writer_app.engine.kv_cache import new_cache
from writer_app.engine.loader import load_model
from writer_app.engine.local import LocalBackend

STORY = (
    "The keeper climbed the stairs of the lighthouse every evening at dusk, and every "
    "evening the sea below him was a different colour. "
)


def plans(adapter: str) -> tuple[LocalBackend, Any, dict[str, list[Any]]]:
    """The model, its lean step, and the step's plans: off, float32 updates, int8 updates."""
    backend = LocalBackend(load_model("builtin", "cpu"))
    step = backend.lm.model.forward
    found = {"off": step.plans}
    fast = quantize.fast_int_kernels
    for kind, int8 in (("float32", False), ("int8", True)):
        quantize.fast_int_kernels = lambda int8=int8: int8 and fast()  # type: ignore[misc]
        try:
            backend.use_adapter(None)
            backend.use_adapter(adapter)
            assert backend.adapter is not None
            backend.adapter.sync()
        finally:
            quantize.fast_int_kernels = fast  # type: ignore[method-assign]
        found[kind] = step.plans
    return backend, step, found


def perplexity(backend: LocalBackend, ids: torch.Tensor) -> float:
    """Teacher-forced through lean steps after the first 100 tokens as a prompt."""
    model = backend.lm.model
    cache, total = new_cache(model), 0.0
    with torch.inference_mode():
        logits = model(input_ids=ids[:, :100], cache=cache).logits[0, -1]
        for t in range(100, ids.shape[1]):
            token = ids[0, t : t + 1]
            total += float(torch.nn.functional.cross_entropy(logits.float()[None], token))
            logits = model(input_ids=ids[:, t : t + 1], cache=cache).logits[0, -1]
    return math.exp(total / (ids.shape[1] - 100))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default=NAME)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    backend, step, found = plans(args.adapter)
    rates: dict[str, list[float]] = {k: [] for k in found}
    attached = backend.adapter
    assert attached is not None

    def use(kind: str) -> None:
        step.plans = found[kind]
        attached.active = kind != "off"  # the prompt's forward (hooks) as the steps

    for i in range(args.rounds):
        for kind in list(found) if i % 2 == 0 else list(reversed(found)):
            use(kind)
            rates[kind].append(_step_rate(backend.lm, STORY, 64))
    with tempfile.TemporaryDirectory() as tmp:
        book_documents(Path(tmp), 200_000)
        text = "\n\n".join(p.read_text() for p in sorted(Path(tmp).iterdir())[-2:])
    ids = backend.lm.tokenizer(text, return_tensors="pt").input_ids[:, :600]
    print("| updates | tok/s (median) | with / without, within a round | perplexity |")
    print("|---|--:|--:|--:|")
    for kind, values in rates.items():
        use(kind)
        ratio = statistics.median(v / o for v, o in zip(values, rates["off"], strict=True))
        print(f"| {kind} | {statistics.median(values):.1f} | {ratio:.3f}x | "
              f"{perplexity(backend, ids):.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
