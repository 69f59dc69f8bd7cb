"""How much the compiled layers (`engine.scripted_layers`) speed up the lean decoding step:
greedy decoding on the built-in model (int4), the layers compiled by TorchScript and called
one by one taken in turn, the ratio within each round; the text must be the same.

    .venv/bin/python tools/exp_scripted_layers.py [--rounds 12] [--tokens 64] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.kv_cache import new_cache
from writer_app.engine.loader import load_model

PROMPT = "Write a long story about a lighthouse keeper and the storm that changed his life.\n\n"


def decode(lm: Any, steps: int) -> tuple[float, list[int]]:
    """Milliseconds a token over `steps` greedy lean steps after the prompt, and the tokens."""
    model = lm.model
    ids = lm.tokenizer(PROMPT, return_tensors="pt").input_ids
    tokens: list[int] = []
    with torch.inference_mode():
        cache = new_cache(model)
        token = model(ids, cache=cache, use_cache=True).logits[:, -1:].argmax(-1)
        started = time.perf_counter()
        for _ in range(steps):
            token = model(token, cache=cache, use_cache=True).logits[:, -1:].argmax(-1)
            tokens.append(int(token))
        return (time.perf_counter() - started) / steps * 1000, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: Writer's)")
    args = parser.parse_args()
    lm = load_model("builtin", "cpu", threads=args.threads)
    step = lm.model.forward
    assert isinstance(step, DecodeStep)
    times: dict[bool, list[float]] = {True: [], False: []}
    texts: dict[bool, list[int]] = {}
    for i in range(args.rounds + 1):
        for compiled in (True, False) if i % 2 == 0 else (False, True):
            step.use_compiled = compiled
            ms, texts[compiled] = decode(lm, args.tokens)
            if i:  # the first round warms both up
                times[compiled].append(ms)
    assert texts[True] == texts[False], "the compiled layers changed the text"
    assert step.scripted_steps >= args.rounds * args.tokens, "the layers did not compile"
    ratio = statistics.median(e / c for c, e in zip(times[True], times[False], strict=True))
    print(f"{lm.describe()}, {torch.get_num_threads()} threads, {args.rounds} rounds")
    print("| layers | ms/token (median) | speed-up, within a round |")
    print("|---|--:|--:|")
    print(f"| called one by one | {statistics.median(times[False]):.2f} | |")
    print(f"| compiled (TorchScript) | {statistics.median(times[True]):.2f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
