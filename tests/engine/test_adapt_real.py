"""Learning a distinctive writer on the built-in model: a short real run in the training
child lowers held-out perplexity, and continuations then follow the corpus."""

from __future__ import annotations

import random
from typing import Any

import pytest

from writer_app.engine.training_process import TrainingRun
from writer_app.options import Decoding

WINDS = ["north", "north-east", "east", "south-east", "south", "south-west", "west"]
FORCES = ["a light air", "a gentle breeze", "a moderate breeze", "a fresh breeze", "a near gale"]
SEAS = ["smooth", "slight", "moderate", "rough", "very rough"]
VISITORS = [
    "Mrs Carrow brought bread and the post from Penhallow",
    "The relief boat did not come",
    "Young Jory rowed out with paraffin and news of the fair",
    "The Trinity inspector called and found all in order",
    "No one came out from the mainland",
]
SHIPS = [
    "the collier Mary Ellen",
    "a Breton crabber",
    "the packet from Falmouth",
    "two luggers of the Newlyn fleet",
    "a barque under reduced canvas",
]
CHORES = [
    "Painted the gallery rail",
    "Cleaned the lens and polished the brass",
    "Mended the fog-bell rope",
    "Whitewashed the lantern room",
    "Carried up coal for the week",
]


def keeper_log(month: str, days: int, seed: int) -> str:
    """A lighthouse keeper's log for a month: a voice, a form and words of its own."""
    r = random.Random(seed)
    entries = [f"LOG OF THE GODREVY LIGHT, {month.upper()}."]
    oil = 300
    for day in range(1, days + 1):
        oil -= r.randint(2, 5)
        trims = r.choice(["once", "twice", "three times"])
        entries.append(
            f"{day} {month}. Wind {r.choice(WINDS)}, {r.choice(FORCES)}; sea {r.choice(SEAS)}. "
            f"Lamp lit at {r.randint(4, 6)}.{r.randint(10, 59)} and trimmed {trims} in the "
            f"night. {r.choice(VISITORS)}. {r.choice(CHORES)}. Saw {r.choice(SHIPS)} standing "
            f"off the reef. Oil in store: {oil} gallons. Nothing else to report. T. Hobb, Keeper."
        )
    return "\n\n".join(entries)


@pytest.mark.real_model
def test_a_short_run_lowers_held_out_perplexity_and_continuations_follow(real_lm: Any) -> None:
    from writer_app.engine.local import LocalBackend

    months = ["January", "February", "March", "April"]
    docs: list[dict[str, Any]] = [
        {"name": f"{m}.txt", "text": keeper_log(m, 16, i), "bytes": 1500}
        for i, m in enumerate(months)
    ]
    settings = {"rank": 8, "sequence": 128, "batch": 1, "max_steps": 8, "max_seconds": 0,
                "learning_rate": 2e-3, "eval_tokens": 256, "eval_every": 1000,
                "checkpoint_seconds": 1000.0}  # fmt: skip
    job = {"name": "keeper", "model": "builtin", "documents": docs, "settings": settings}
    run = TrainingRun(job | {"threads": 1})
    run.start()
    outcome = run.wait(150)
    assert outcome is not None and outcome.manifest is not None, outcome
    manifest = outcome.manifest
    ppl = manifest["perplexity"]
    assert manifest["tokens"]["train"] > 4000 and manifest["tokens"]["heldout"] > 300
    assert ppl["after"] < 0.7 * ppl["before"], ppl

    backend = LocalBackend(real_lm)  # the int4 model the app generates with
    prompt = "LOG OF THE GODREVY LIGHT, MAY.\n\n1 May. Wind"
    decoding = Decoding(max_new_tokens=24, max_time=0.0)
    plain = backend.generate(prompt, decoding).texts[0]
    try:
        backend.use_adapter("keeper")
        adapted = backend.generate(prompt, decoding).texts[0]
    finally:
        backend.use_adapter(None)
    assert adapted != plain
    # E.g. plain 's of Light. The Moon is a great and beautiful one…', adapted ' from the
    # north-west. 16 May. Wind from the north-west. 17 May'.
    assert _marks(adapted) >= max(2, _marks(plain) + 2), (plain, adapted)


# The log's own words: its winds, seas, months and the keeper's things.
MARKS = {w for phrase in WINDS + FORCES + SEAS for w in phrase.split()} - {"a", "very"}
MARKS |= {"wind", "sea", "lamp", "lit", "trimmed", "oil", "gallons", "keeper", "reef", "may"}


def _marks(text: str) -> int:
    """How many of the log's own words a text uses."""
    words = [w.strip(".,;:!?\"'()").lower() for w in text.split()]
    return sum(w in MARKS for w in words)
