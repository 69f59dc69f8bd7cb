"""Choosing: the usable candidates, best first, or why none could be used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from writer_app.tasks.code.clean import Candidate


class Verdict(Protocol):
    """What ranking needs of a doctest run (`writer_app.sandbox.DoctestReport` is one)."""

    @property
    def passed(self) -> bool: ...

    @property
    def summary(self) -> str: ...


@dataclass(frozen=True)
class Ranked:
    """A usable candidate with what is known about it."""

    candidate: Candidate
    status: str  # "doctests pass", "doctests failed: …", "held back: …" or "not verified"
    report: Verdict | None = None

    @property
    def body(self) -> str:
        assert self.candidate.body is not None
        return self.candidate.body


def rank(
    candidates: Sequence[Candidate],
    reports: Sequence[Verdict | None] | None = None,
    held: Mapping[int, str] | None = None,
) -> list[Ranked]:
    """The usable candidates, each body once, best first: those whose doctests pass, then the
    unverified, then those held back although they pass, then those whose doctests failed; in
    the model's order within each.

    `reports[i]` is the doctest report of `candidates[i]` (None: not run); `held[i]`, why
    `candidates[i]` is held back although its doctests pass ("it never reads low …").
    """
    held = held or {}
    reports = list(reports) if reports is not None else [None] * len(candidates)
    if len(reports) != len(candidates):
        raise ValueError("one report (or None) per candidate")
    seen: set[str] = set()
    ranked = []
    for index, (candidate, report) in enumerate(zip(candidates, reports, strict=True)):
        if candidate.body is None or candidate.body in seen:
            continue
        seen.add(candidate.body)
        if report is None:
            ranked.append(Ranked(candidate, "not verified"))
        elif report.passed and index in held:
            ranked.append(Ranked(candidate, f"held back: {held[index]}", report))
        elif report.passed:
            ranked.append(Ranked(candidate, "doctests pass", report))
        else:
            ranked.append(Ranked(candidate, f"doctests failed: {report.summary}", report))
    order = {"doctests pass": 0, "not verified": 1, "held back": 2}
    return sorted(ranked, key=lambda r: order.get(r.status.split(":")[0], 3))


def rejection_message(candidates: Sequence[Candidate]) -> str:
    """Why no candidate could be used, for the user."""
    if not candidates:
        return "The model wrote nothing."
    reasons: dict[str, int] = {}
    for candidate in candidates:
        if candidate.reason:
            reasons[candidate.reason] = reasons.get(candidate.reason, 0) + 1
    parts = [f"{why.rstrip('.')}" + (f" (×{n})" if n > 1 else "") for why, n in reasons.items()]
    noun = "suggestion" if len(candidates) == 1 else f"all {len(candidates)} suggestions"
    return f"No usable body: {noun} rejected. " + "; ".join(parts) + "."
