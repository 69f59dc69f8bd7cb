"""Typed settings: each setting is declared once, with its default, range and help text.

The settings file (TOML, in the platformdirs config folder), validation and the views of
the settings are all derived from these declarations. A damaged or hand-edited-wrong file
never stops the app: bad entries fall back to their defaults, the file is backed up, and
the notices say what happened.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import time
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from writer_app.documents import atomic_write


@dataclass(frozen=True)
class Spec:
    """What the app knows about one setting besides its type and default."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


def setting(
    default: Any,
    help: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    """Declare a setting field on a settings dataclass."""
    spec = Spec(help=help, minimum=minimum, maximum=maximum, choices=choices)
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"spec": spec})
    return field(default=default, metadata={"spec": spec})


def section(factory: Any, help: str) -> Any:
    """Declare a nested group of settings."""
    return field(default_factory=factory, metadata={"spec": Spec(help=help)})


@dataclass
class Decoding:
    """How text is generated: the decoding knobs of one task."""

    do_sample: bool = setting(
        False,
        "Sample the main suggestion instead of taking the likeliest token each step (greedy).",
    )
    temperature: float = setting(
        0.8,
        "Randomness of sampling: lower is more focused, higher more varied.",
        minimum=0.05,
        maximum=5.0,
    )
    top_k: int = setting(
        50, "Sample only from the K likeliest tokens (0 = no limit).", minimum=0, maximum=1000
    )
    top_p: float = setting(
        0.95,
        "Sample only from the likeliest tokens whose probabilities add up to P.",
        minimum=0.01,
        maximum=1.0,
    )
    repetition_penalty: float = setting(
        1.0,
        "Values above 1 discourage repeating tokens already in the text.",
        minimum=1.0,
        maximum=3.0,
    )
    max_new_tokens: int = setting(
        32, "The most tokens one request may generate.", minimum=1, maximum=8192
    )
    max_time: float = setting(
        0.0,
        "Stop generating after this many seconds (0 = no limit).",
        minimum=0.0,
        maximum=3600.0,
    )
    seed: int | None = setting(
        None,
        "Random seed for reproducible sampling (empty = random).",
        minimum=0,
        maximum=2**32 - 1,
    )


def _continuation_decoding() -> Decoding:
    return Decoding(do_sample=False, temperature=0.8, max_new_tokens=32, max_time=5.0)


@dataclass
class Continuation:
    """Inline ghost-text suggestions."""

    enabled: bool = setting(True, "Offer a continuation as grey text when you pause.")
    delay_ms: int = setting(
        300,
        "How long to wait after the last keystroke before suggesting (ms).",
        minimum=0,
        maximum=5000,
    )
    stop_at: str = setting(
        "sentence",
        "Where a suggestion ends: the end of a sentence, of a paragraph, or only at the length "
        "limit.",
        choices=("sentence", "paragraph", "length"),
    )
    alternatives: int = setting(
        3,
        "How many alternatives one request offers (Alt+] and Alt+[ cycle).",
        minimum=1,
        maximum=8,
    )
    context_tokens: int = setting(
        512,
        "How much of the text before the cursor the model reads (tokens).",
        minimum=32,
        maximum=8192,
    )
    decoding: Decoding = section(_continuation_decoding, "Decoding for continuation.")


@dataclass
class Model:
    """Which model runs, and where."""

    model: str = setting(
        "builtin",
        "The model: 'builtin', a Hugging Face repo id in the local cache, a folder or a "
        ".gguf file.",
    )
    device: str = setting(
        "auto",
        "Where the model runs; auto picks CUDA, then MPS, then the CPU.",
        choices=("auto", "cpu", "cuda", "mps"),
    )
    extra_paths: list[str] = setting(
        [], "More model folders or .gguf files to list beside the built-in model."
    )


@dataclass
class Settings:
    """Everything the user can set."""

    model: Model = section(Model, "Model and device.")
    continuation: Continuation = section(Continuation, "Inline continuation.")


def spec_of(f: dataclasses.Field[Any]) -> Spec:
    spec = f.metadata.get("spec")
    assert isinstance(spec, Spec), f"{f.name} is not declared with setting()"
    return spec


class SettingError(ValueError):
    """A value that does not fit its setting; the message says why."""


def coerce(name: str, hint: Any, spec: Spec, value: Any) -> Any:
    """Check one value against its declared type and range; return it in its proper type."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        if value is None or value == "":
            return None
        (hint,) = [a for a in args if a is not type(None)]
    if hint is bool:
        if not isinstance(value, bool):
            raise SettingError(f"{name} must be true or false, not {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(f"{name} must be a whole number, not {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(f"{name} must be a number, not {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise SettingError(f"{name} must be text, not {value!r}")
        if spec.choices and value not in spec.choices:
            raise SettingError(f"{name} must be one of {', '.join(spec.choices)}, not {value!r}")
        return value
    elif typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingError(f"{name} must be a list of text items, not {value!r}")
        return list(value)
    if spec.minimum is not None and value < spec.minimum:
        raise SettingError(f"{name} must be at least {spec.minimum:g}, not {value!r}")
    if spec.maximum is not None and value > spec.maximum:
        raise SettingError(f"{name} must be at most {spec.maximum:g}, not {value!r}")
    return value


def to_dict(obj: Any) -> dict[str, Any]:
    """A settings object as plain TOML-ready data (unset optional values are left out)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = to_dict(value)
        elif value is not None:
            out[f.name] = value
    return out


def from_dict(defaults: Any, data: Any, prefix: str = "", notices: list[str] | None = None) -> Any:
    """Apply parsed data onto a copy of `defaults`; a bad or unknown entry becomes a notice."""
    notices = notices if notices is not None else []
    obj = copy.deepcopy(defaults)
    if not isinstance(data, dict):
        notices.append(f"{prefix.rstrip('.') or 'settings'}: expected a table; using defaults")
        return obj
    hints = typing.get_type_hints(type(obj))
    known = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in data.items():
        name = f"{prefix}{key}"
        f = known.get(key)
        if f is None:
            notices.append(f"{name}: unknown setting, ignored")
        elif dataclasses.is_dataclass(getattr(obj, key)):
            setattr(obj, key, from_dict(getattr(obj, key), value, f"{name}.", notices))
        else:
            try:
                setattr(obj, key, coerce(name, hints[key], spec_of(f), value))
            except SettingError as exc:
                notices.append(f"{exc}; using the default")
    return obj


def validate(obj: Any, prefix: str = "") -> None:
    """Raise SettingError if any value in a settings object is out of its declared range."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            validate(value, f"{prefix}{f.name}.")
        else:
            coerce(f"{prefix}{f.name}", hints[f.name], spec_of(f), value)


@dataclass
class Loaded:
    settings: Settings
    notices: list[str]
    backup: Path | None = None


def load_settings(path: Path) -> Loaded:
    """Read the settings file. Never raises for a bad file: it falls back and says so."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(Settings(), [])
    except OSError as exc:
        return Loaded(Settings(), [f"Could not read {path}: {exc.strerror}; using defaults"])
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        copy_path = _backup(path)
        return Loaded(
            Settings(),
            [f"The settings file is damaged ({exc}); using defaults. A copy is in {copy_path}"],
            copy_path,
        )
    notices: list[str] = []
    settings = from_dict(Settings(), data, "", notices)
    if not notices:
        return Loaded(settings, [])
    copy_path = _backup(path)
    notices.append(f"The original settings file was kept as {copy_path}")
    return Loaded(settings, notices, copy_path)


def _backup(path: Path) -> Path:
    backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
    shutil.copyfile(path, backup)
    return backup


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings file atomically."""
    validate(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomli_w.dumps(to_dict(settings)).encode("utf-8"))
