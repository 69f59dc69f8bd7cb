"""How settings are declared: each with its default, range and help text, once.

`setting()` and `section()` declare the fields of a settings dataclass; `Decoding` holds the
decoding knobs that every generating feature has (a feature may extend it with options of
its own). Validation, the settings file, the settings pages and the CLI flags are all
derived from these declarations (see `config.py`).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import reprlib
import types
import typing
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Spec:
    """What the app knows about one setting besides its type and default."""

    help: str
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()  # decoding knobs that only some tasks use
    sampling: bool = False  # only used when sampling

    def title(self, name: str) -> str:
        return self.label or name.replace("_", " ").capitalize()


def setting(
    default: Any,
    help: str,
    *,
    label: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] = (),
    tasks: tuple[str, ...] = (),
    sampling: bool = False,
) -> Any:
    """Declare a setting field on a settings dataclass."""
    spec = Spec(help, label, minimum, maximum, choices, tasks, sampling)
    if isinstance(default, list | dict):
        return field(default_factory=lambda: copy.deepcopy(default), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def section(factory: Any, help: str) -> Any:
    """Declare a nested group of settings."""
    return field(default_factory=factory, metadata={"spec": Spec(help=help)})


@dataclass
class Decoding:
    """How text is generated: the decoding knobs of one task."""

    do_sample: bool = setting(
        False,
        "Sample from the likely tokens instead of always taking the likeliest (greedy). "
        "Off is focused and repeatable; on is varied.",
        label="Sampling",
    )
    temperature: float = setting(
        0.8,
        "Randomness of sampling: lower is more focused, higher more surprising.",
        minimum=0.05,
        maximum=5.0,
        sampling=True,
    )
    top_k: int = setting(
        50,
        "Sample only among the K likeliest tokens (0 = no limit).",
        label="Top-k",
        minimum=0,
        maximum=1000,
        sampling=True,
    )
    top_p: float = setting(
        0.95,
        "Sample only among the likeliest tokens that together have probability P.",
        label="Top-p",
        minimum=0.01,
        maximum=1.0,
        sampling=True,
    )
    min_p: float = setting(
        0.0,
        "Drop tokens less likely than P times the likeliest one (0 = off).",
        label="Min-p",
        minimum=0.0,
        maximum=1.0,
        sampling=True,
    )
    typical_p: float = setting(
        1.0,
        "Keep tokens whose surprise is close to the expected surprise (1 = off).",
        label="Typical-p",
        minimum=0.01,
        maximum=1.0,
        sampling=True,
    )
    repetition_penalty: float = setting(
        1.0,
        "Above 1 discourages tokens that are already in the text (1 = off).",
        minimum=1.0,
        maximum=3.0,
    )
    no_repeat_ngram_size: int = setting(
        0,
        "Never repeat any run of this many tokens (0 = off).",
        label="No-repeat n-gram size",
        minimum=0,
        maximum=20,
    )
    num_beams: int = setting(
        1,
        "Keep this many candidate texts at each step and return the best (1 = off). "
        "Slower; the text appears when it is finished.",
        label="Beams",
        minimum=1,
        maximum=8,
    )
    length_penalty: float = setting(
        1.0,
        "With beams: above 1 favours longer texts, below 1 shorter ones.",
        minimum=-5.0,
        maximum=5.0,
    )
    max_new_tokens: int = setting(
        32,
        "The most tokens one request may generate.",
        label="Max new tokens",
        minimum=1,
        maximum=8192,
    )
    max_time: float = setting(
        0.0,
        "Stop generating after this many seconds (0 = no limit).",
        label="Max time (s)",
        minimum=0.0,
        maximum=3600.0,
    )
    alternatives: int = setting(
        1,
        "How many candidates one request offers; the first follows the settings above, "
        "the others are sampled. Code writes them one at a time and stops at the first "
        "that passes its doctests (or, unchecked, the first usable one).",
        minimum=1,
        maximum=16,
        tasks=("continuation", "code"),
    )
    seed: int | None = setting(
        None,
        "Random seed, for reproducible sampling (empty = random).",
        minimum=0,
        maximum=2**32 - 1,
    )
    stop_strings: list[str] = setting(
        [],
        "Stop when the text contains one of these; it is not included.",
    )
    banned_words: list[str] = setting(
        [],
        "Words or phrases the model may not write.",
        label="Banned words and phrases",
    )


def knobs(settings: Decoding) -> Decoding:
    """Only the decoding knobs of a feature's settings (without its own options)."""
    return Decoding(**{f.name: getattr(settings, f.name) for f in dataclasses.fields(Decoding)})


def with_knobs(settings: Decoding, decoding: Decoding) -> Decoding:
    """A feature's settings with the decoding knobs of `decoding` (its own options kept)."""
    return dataclasses.replace(settings, **dataclasses.asdict(knobs(decoding)))


def spec_of(f: dataclasses.Field[Any]) -> Spec:
    spec = f.metadata.get("spec")
    assert isinstance(spec, Spec), f"{f.name} is not declared with setting()"
    return spec


class SettingError(ValueError):
    """A value that does not fit its setting; the message says why."""


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 80
_SHOWN.maxlevel = 3


def _shown(value: Any) -> str:
    """A value for a message: short, whatever it is (a huge or deeply nested list included)."""
    return _SHOWN.repr(value)


def coerce(name: str, hint: Any, spec: Spec, value: Any) -> Any:
    """Check one value against its declared type and range; return it in its proper type."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        if value is None or value == "":
            return None
        (hint,) = [a for a in args if a is not type(None)]
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingError(f"{name} must be true or false, not {_shown(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(f"{name} must be a whole number, not {_shown(value)}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(f"{name} must be a number, not {_shown(value)}")
        try:
            value = float(value)
        except OverflowError:  # a whole number too large for a float
            value = math.inf
        if not math.isfinite(value):  # nan passes every range check, and breaks generation
            raise SettingError(f"{name} must be a finite number, not {_shown(value)}")
    elif hint is str:
        if not isinstance(value, str):
            raise SettingError(f"{name} must be text, not {_shown(value)}")
        if spec.choices and value not in spec.choices:
            raise SettingError(
                f"{name} must be one of {', '.join(spec.choices)}, not {_shown(value)}"
            )
        return value
    elif typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingError(f"{name} must be a list of text items, not {_shown(value)}")
        return list(value)
    if spec.minimum is not None and value < spec.minimum:
        raise SettingError(f"{name} must be at least {spec.minimum:g}, not {_shown(value)}")
    if spec.maximum is not None and value > spec.maximum:
        raise SettingError(f"{name} must be at most {spec.maximum:g}, not {_shown(value)}")
    return value
