"""Text and jobs for the adapter tests: readable random prose for the tiny model (its
tokenizer splits it into about one token per word), and a training job on it."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

WORDS = [
    *("the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "she", "opened"),
    *("door", "and", "looked", "outside", "river", "morning", "cold", "quiet", "writer"),
    *("words", "sentences", "paragraphs", "raining", "again", "street", "empty"),
]


def prose(words: int, seed: int) -> str:
    r = random.Random(seed)
    return " ".join(r.choice(WORDS) for _ in range(words)) + "."


def documents(count: int = 1, words: int = 2500) -> list[dict[str, Any]]:
    """`count` documents of `words` words in all (2,500: a little over 2,000 tokens)."""
    return [
        {"name": f"doc{i}.txt", "text": prose(words // count, i), "bytes": words * 5 // count}
        for i in range(count)
    ]


def tiny_job(model: Path, name: str = "mine", **settings: Any) -> dict[str, Any]:
    """A short run on the tiny model (12 steps of 2 windows of 64 tokens, a high rate)."""
    values = {"rank": 4, "sequence": 64, "batch": 2, "max_steps": 12, "max_seconds": 0,
              "learning_rate": 1e-2, "eval_every": 4, "patience": 50} | settings  # fmt: skip
    return {"name": name, "model": str(model), "documents": documents(), "settings": values}


def train_tiny(model: Path, name: str = "mine", **settings: Any) -> dict[str, Any]:
    """Train and store an adapter on the tiny model in this process (one thread); its
    manifest."""
    import torch

    from writer_app.engine import training

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return training.run(tiny_job(model, name, **settings), lambda _event: None)
    finally:
        torch.set_num_threads(before)
