"""The order candidate bodies are written in: best-of-N with an early stop.

The caller checks each candidate as it comes and stops at the first good one (its doctests
pass, or, without them, it is usable), so an easy function costs one candidate and a hard one
up to the count the user allows. What varies from one candidate to the next:

- the prompt's form (`KINDS`): the plain completion of the code first (what the model does
  best on easy functions), then the chat request answered in a code block, and the chat
  request whose answer is begun with the code. Each form gets some functions right that the
  others never do, so taking turns reaches more of them than any one form alone;
- the temperature: the first round of forms follows the user's decoding settings (greedy by
  default: each form's likeliest body), then the forms take turns sampling, at temperatures
  rising evenly from the settings' temperature up to `CEILING`. Low temperatures vary the
  likeliest body a little; higher ones reach bodies the model thinks less likely.

Plain data here; the feature turns each `Candidate` plan into a prompt and a decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from writer_app.tasks.code.prompt import PromptKind

KINDS: tuple[PromptKind, ...] = ("completion", "chat", "begun")
CEILING = 1.0  # the temperature the last sampled candidate reaches
DEFAULT_CANDIDATES = 12  # the Code task's default count (see `writer_app.features.code`)


@dataclass(frozen=True)
class Attempt:
    """How one candidate is written."""

    number: int  # 1-based, as the user sees it ("candidate 5 of 12")
    kind: PromptKind
    temperature: float | None  # None: as the decoding settings say


def temperatures(count: int, start: float, ceiling: float = CEILING) -> list[float]:
    """Temperatures for `count` sampled candidates, rising evenly from `start` to `ceiling`
    (never below `start`: a user who asked for more randomness keeps it)."""
    if count <= 0:
        return []
    top = max(start, ceiling)
    if count == 1:
        return [round(start, 3)]
    step = (top - start) / (count - 1)
    return [round(start + step * i, 3) for i in range(count)]


def attempts(
    count: int,
    temperature: float,
    *,
    kinds: tuple[PromptKind, ...] | None = None,
    ceiling: float | None = None,
) -> list[Attempt]:
    """How each of up to `count` candidates is written: each form of `kinds` (default
    `KINDS`) once as the settings say, then the forms in turn, sampled at rising temperatures
    up to `ceiling` (default `CEILING`)."""
    kinds = kinds or KINDS
    plain = min(count, len(kinds))
    plan = [Attempt(i + 1, kinds[i], None) for i in range(plain)]
    heat = temperatures(count - plain, temperature, CEILING if ceiling is None else ceiling)
    for i, t in enumerate(heat):
        plan.append(Attempt(plain + i + 1, kinds[i % len(kinds)], t))
    return plan
