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

TASKS = ("continuation", "rewrite", "draft", "code")
TASK_TITLES = {
    "continuation": "Continuation",
    "rewrite": "Rewrite",
    "draft": "Draft",
    "code": "Code",
}


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
        "the others are sampled.",
        minimum=1,
        maximum=8,
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


# Good defaults differ by task: short and focused for continuation, longer for drafting,
# greedy-ish for code.
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "continuation": {"max_new_tokens": 32, "max_time": 5.0, "alternatives": 3},
    "rewrite": {  # greedy: the most faithful rewrite; "Try again" samples at this temperature
        "temperature": 0.7,
        "top_p": 0.9,
        "repetition_penalty": 1.05,
        "max_new_tokens": 512,
        "max_time": 90.0,
    },
    "draft": {
        "do_sample": True,
        "temperature": 0.55,  # a small model keeps to the outline better when calmer
        "top_p": 0.9,
        "repetition_penalty": 1.1,
        "no_repeat_ngram_size": 4,
        "max_new_tokens": 480,  # per section, a cap: the draft's length sets the budget
        "max_time": 120.0,
    },
    "code": {"temperature": 0.4, "max_new_tokens": 256, "max_time": 60.0, "alternatives": 4},
}

# Built-in presets change how text is chosen, never how much of it (length and time stay).
PRESETS: dict[str, dict[str, Any]] = {
    "Precise": {
        "do_sample": False,
        "temperature": 0.3,
        "top_k": 20,
        "top_p": 0.8,
        "repetition_penalty": 1.1,
        "seed": None,
    },
    "Balanced": {},
    "Creative": {
        "do_sample": True,
        "temperature": 1.0,
        "top_k": 100,
        "top_p": 0.95,
        "min_p": 0.02,
        "repetition_penalty": 1.15,
        "seed": None,
    },
    "Deterministic": {
        "do_sample": False,
        "num_beams": 1,
        "repetition_penalty": 1.0,
        "seed": 0,
    },
}


def task_defaults(task: str) -> Decoding:
    """The decoding settings a task starts with (its Balanced preset)."""
    return Decoding(**TASK_DEFAULTS[task])


def builtin_preset(task: str, name: str) -> Decoding:
    return dataclasses.replace(task_defaults(task), **PRESETS[name])


def preset_names(settings: Settings, task: str) -> list[str]:
    """Built-in presets first, then the user's own, in the order they were saved."""
    return [*PRESETS, *settings.presets.get(task, {})]


def find_preset(settings: Settings, task: str, name: str) -> Decoding:
    """A preset by name, matched case-insensitively. Raises KeyError with the choices."""
    for candidate in preset_names(settings, task):
        if candidate.casefold() == name.strip().casefold():
            user = settings.presets.get(task, {})
            if candidate in user:
                return copy.deepcopy(user[candidate])
            return builtin_preset(task, candidate)
    choices = ", ".join(preset_names(settings, task))
    raise KeyError(f"No preset {name!r} for {task}; choose one of: {choices}")


def matching_preset(settings: Settings, task: str) -> str | None:
    """The preset whose values the task's settings equal, if any."""
    current = getattr(settings, task)
    for name in preset_names(settings, task):
        if find_preset(settings, task, name) == current:
            return name
    return None


@dataclass
class Editor:
    """The editor and its inline suggestions."""

    suggestions: bool = setting(
        True, "Offer a continuation as grey text when you pause.", label="Inline suggestions"
    )
    delay_ms: int = setting(
        300,
        "How long to wait after the last keystroke before suggesting.",
        label="Suggestion delay (ms)",
        minimum=0,
        maximum=5000,
    )
    suggestion_length: str = setting(
        "sentence",
        "Where a suggestion ends: the end of the sentence, of the paragraph, or "
        "only at the length limit (Continuation → Max new tokens).",
        choices=("sentence", "paragraph", "length"),
    )
    context_tokens: int = setting(
        512,
        "How much of the text before the cursor the model reads for a suggestion.",
        label="Context (tokens)",
        minimum=32,
        maximum=8192,
    )
    font_family: str = setting("", "The editor's font (empty = the system's).", label="Font")
    font_size: float = setting(12.0, "The editor's font size in points.", minimum=6.0, maximum=72.0)
    theme: str = setting(
        "system",
        "Light or dark colours, or follow the system.",
        choices=("system", "light", "dark"),
    )
    autosave_seconds: float = setting(
        1.0,
        "Keep a recovery copy of unsaved work this long after you stop typing.",
        label="Autosave after (s)",
        minimum=0.2,
        maximum=60.0,
    )
    run_generated_code: bool = setting(
        False,
        "Generate code from docstring: check each body the model writes by running the "
        "docstring's examples (doctests). This runs code written by the model on this computer, "
        "in a separate process with a time limit, memory and CPU limits, its own temporary "
        "folder and none of your environment variables. Off: bodies are only checked to parse.",
        label="Run generated code to check it (doctests)",
    )


PRECISIONS = ("auto", "float32", "bfloat16", "float16", "int8", "int4")


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
    precision: str = setting(
        "auto",
        "Number format of the weights: auto is 16-bit on GPUs and, on the CPU, int4 for "
        "4-bit models such as the built-in one, float32 for others. int4 and int8 (CPU "
        "only) are 2-4x faster than float32 and smaller; int4 is exact for 4-bit models "
        "and rounds others more than int8, whose output stays close to float32.",
        choices=PRECISIONS,
    )
    threads: int = setting(
        0,
        "CPU threads the model may use (0 = automatic).",
        label="CPU threads",
        minimum=0,
        maximum=256,
    )
    extra_paths: list[str] = setting(
        [],
        "More model folders or .gguf files to list beside the built-in model.",
        label="Model paths",
    )


@dataclass
class Settings:
    """Everything the user can set."""

    editor: Editor = section(Editor, "Editor")
    model: Model = section(Model, "Model & Device")
    continuation: Decoding = section(lambda: task_defaults("continuation"), "Continuation")
    rewrite: Decoding = section(lambda: task_defaults("rewrite"), "Rewrite")
    draft: Decoding = section(lambda: task_defaults("draft"), "Draft")
    code: Decoding = section(lambda: task_defaults("code"), "Code")
    presets: dict[str, dict[str, Decoding]] = setting(
        {}, "Your own decoding presets, by task and name."
    )
    styles: dict[str, str] = setting(
        {}, "Your own rewrite styles: a name and the instruction the model follows."
    )

    def decoding(self, task: str) -> Decoding:
        if task not in TASKS:
            raise KeyError(task)
        value: Decoding = getattr(self, task)
        return value


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

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return to_dict(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {
        f.name: plain(getattr(obj, f.name))
        for f in dataclasses.fields(obj)
        if getattr(obj, f.name) is not None
    }


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
        elif typing.get_origin(hints[key]) is dict:
            setattr(obj, key, _mapping_from(hints[key], value, name, notices))
        else:
            try:
                setattr(obj, key, coerce(name, hints[key], spec_of(f), value))
            except SettingError as exc:
                notices.append(f"{exc}; using the default")
    return obj


def _mapping_from(hint: Any, data: Any, name: str, notices: list[str]) -> dict[str, Any]:
    """A table of named entries, e.g. presets by task and name; bad entries are dropped."""
    if not isinstance(data, dict):
        notices.append(f"{name}: expected a table; ignored")
        return {}
    value_type: Any = typing.get_args(hint)[1]
    out: dict[str, Any] = {}
    for key, value in data.items():
        if typing.get_origin(value_type) is dict:
            out[key] = _mapping_from(value_type, value, f"{name}.{key}", notices)
        elif isinstance(value_type, type) and dataclasses.is_dataclass(value_type):
            out[key] = from_dict(value_type(), value, f"{name}.{key}.", notices)
        elif isinstance(value, str) and value.strip():
            out[key] = value
        else:
            notices.append(f"{name}.{key}: expected text; ignored")
    return out


def validate(obj: Any, prefix: str = "") -> None:
    """Raise SettingError if any value in a settings object is out of its declared range."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            validate(value, f"{prefix}{f.name}.")
        elif isinstance(value, dict):
            _validate_mapping(value, f"{prefix}{f.name}")
        else:
            coerce(f"{prefix}{f.name}", hints[f.name], spec_of(f), value)


def _validate_mapping(mapping: dict[str, Any], prefix: str) -> None:
    for key, value in mapping.items():
        if isinstance(value, dict):
            _validate_mapping(value, f"{prefix}.{key}")
        elif dataclasses.is_dataclass(value):
            validate(value, f"{prefix}.{key}.")
        elif not isinstance(value, str):
            raise SettingError(f"{prefix}.{key} must be text, not {value!r}")


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
    for task in [t for t in settings.presets if t not in TASKS]:
        notices.append(f"presets.{task}: no such task, ignored")
        del settings.presets[task]
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
