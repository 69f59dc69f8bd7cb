"""Typed settings: each setting is declared once, with its default, range and help text.

The settings file (TOML, in the platformdirs config folder), validation and the views of
the settings are all derived from these declarations. A damaged or hand-edited-wrong file
never stops the app: bad entries fall back to their defaults, the file is backed up, and
the notices say what happened.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import stat
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from writer_app import features
from writer_app.atomic import FileTooLarge, NotRegularFile, atomic_write, read_regular_file
from writer_app.options import (
    Decoding,
    SettingError,
    Spec,
    coerce,
    knobs,
    section,
    setting,
    spec_of,
    with_knobs,
)

__all__ = [
    "PRESETS",
    "TASKS",
    "TASK_TITLES",
    "Decoding",
    "Editor",
    "Model",
    "SettingError",
    "Settings",
    "Spec",
    "coerce",
    "find_preset",
    "knobs",
    "load_settings",
    "matching_preset",
    "save_settings",
    "spec_of",
    "task_defaults",
    "with_knobs",
]

FEATURES = features.FEATURES
TASKS = tuple(FEATURES)
TASK_TITLES = {name: feature.title for name, feature in FEATURES.items()}
# Good defaults differ by task: short and focused for continuation, longer for drafting,
# greedy-ish for code. Each feature declares its own.
TASK_DEFAULTS: dict[str, dict[str, Any]] = {n: dict(f.defaults) for n, f in FEATURES.items()}

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
    """The settings a task starts with (its Balanced preset), its own options included."""
    return FEATURES[task].default_settings()


def builtin_preset(task: str, name: str) -> Decoding:
    return dataclasses.replace(knobs(task_defaults(task)), **PRESETS[name])


def preset_names(settings: Settings, task: str) -> list[str]:
    """Built-in presets first, then the user's own, in the order they were saved."""
    return [*PRESETS, *settings.presets.get(task, {})]


def find_preset(settings: Settings, task: str, name: str) -> Decoding:
    """A preset by name, matched case-insensitively. Raises KeyError with the choices."""
    for candidate in preset_names(settings, task):
        if candidate.casefold() == name.strip().casefold():
            user = settings.presets.get(task, {})
            if candidate in user:  # a preset is decoding knobs only
                return knobs(copy.deepcopy(user[candidate]))
            return builtin_preset(task, candidate)
    choices = ", ".join(preset_names(settings, task))
    raise KeyError(f"No preset {name!r} for {task}; choose one of: {choices}")


def matching_preset(settings: Settings, task: str) -> str | None:
    """The preset whose decoding values the task's settings equal, if any."""
    current = knobs(settings.decoding(task))
    for name in preset_names(settings, task):
        if find_preset(settings, task, name) == current:
            return name
    return None


LANGUAGES = ("", "en", "zh_CN")  # "": follow the system


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
    language: str = setting(
        "",
        "The language of menus and dialogs: the system's (empty), English (en) or "
        "Simplified Chinese (zh_CN). Takes effect when Writer restarts.",
        choices=LANGUAGES,
    )
    spell_check: bool = setting(
        True,
        "Underline words the English dictionary does not know (not in Python files).",
        label="Check spelling",
    )
    autosave_seconds: float = setting(
        1.0,
        "Keep a recovery copy of unsaved work this long after you stop typing.",
        label="Autosave after (s)",
        minimum=0.2,
        maximum=60.0,
    )


PRECISIONS = ("auto", "float32", "bfloat16", "float16", "int8", "int4")
# What an adapter is used for, and the backend's scope for each (engine.local.ADAPTER_SCOPES).
ADAPTER_USES = ("continuations", "every task")
ADAPTER_SCOPE = {"continuations": "text", "every task": "all"}


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
    backend: str = setting(
        "local",
        "Where text is generated: the local model on this machine, or a model server "
        "that speaks the OpenAI API (vLLM, llama.cpp's server, Ollama, LM Studio, TGI).",
        label="Run on",
        choices=("local", "server"),
    )
    server: str = setting(
        "",
        "The server's address, e.g. http://gpu-box:8000/v1.",
        label="Server URL",
    )
    server_model: str = setting(
        "",
        "The model on the server (empty = the first one it lists).",
        label="Server model",
    )
    server_key: str = setting(
        "",
        "The server's API key, if it needs one (empty = the WRITER_API_KEY environment "
        "variable). Kept in the settings file, which only you can read.",
        label="API key",
    )
    server_timeout: float = setting(
        30.0,
        "Seconds to wait for the server: to connect, for the first text, and for any "
        "pause in a reply.",
        label="Server timeout (s)",
        minimum=1.0,
        maximum=600.0,
    )
    server_fallback: bool = setting(
        True,
        "When the server cannot be reached, use the local model instead (and say so).",
        label="Fall back to the local model",
    )
    adapter: str = setting(
        "",
        "An adapter learned from your writing (writer-cli adapt; writer-cli adapters lists "
        "them), used by the local model (see Adapter used for). Empty = none.",
        label="Adapter",
    )
    adapter_use: str = setting(
        "continuations",
        "What the adapter is used for: continuations (the suggestions as you type, and code "
        "completed as text: writing like the text it learned from) or every task (rewrites, "
        "drafts, summaries and chat-style code requests too).",
        choices=ADAPTER_USES,
        label="Adapter used for",
    )

    @property
    def adapter_scope(self) -> str:
        """The backend's scope for the adapter (`engine.local.ADAPTER_SCOPES`)."""
        return ADAPTER_SCOPE.get(self.adapter_use, "text")


@dataclass
class SettingsBase:
    """Everything the user can set: these, and a section per feature (see `Settings`)."""

    editor: Editor = section(Editor, "Editor")
    model: Model = section(Model, "Model & Device")
    presets: dict[str, dict[str, Decoding]] = setting(
        {}, "Your own decoding presets, by task and name."
    )
    styles: dict[str, str] = setting(
        {}, "Your own rewrite styles: a name and the instruction the model follows."
    )

    if TYPE_CHECKING:  # the sections of the features, added by `Settings` below

        def __getattr__(self, name: str) -> Any: ...

    def decoding(self, task: str) -> Decoding:
        """The settings section of a feature: its decoding knobs and its own options."""
        if task not in TASKS:
            raise KeyError(task)
        value: Decoding = getattr(self, task)
        return value


def _feature_section(feature: features.Feature) -> Any:
    return section(feature.default_settings, feature.title)


if TYPE_CHECKING:
    Settings = SettingsBase
else:  # one section per declared feature, named after it: [continuation], [rewrite], …
    Settings = dataclasses.make_dataclass(
        "Settings",
        [(f.name, f.settings, _feature_section(f)) for f in FEATURES.values()],
        bases=(SettingsBase,),
        namespace={"__doc__": "Everything the user can set.", "__module__": __name__},
    )


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


MAX_SETTINGS_BYTES = 1024 * 1024
"""A settings file is a few KB; a larger one is damaged, and at most this much of it is read
(and kept in the backup)."""

BACKUP_SUFFIX = ".bak"
MAX_NOTICES = 20  # about single entries; more are counted, not listed


def load_settings(path: Path) -> Loaded:
    """Read the settings file. Never raises for a bad file: it falls back and says so.

    Only a regular file is read (a FIFO or device there is never opened for blocking reads),
    and at most MAX_SETTINGS_BYTES of it. A damaged file, or one with bad entries, is kept in
    one backup beside it (`backup_path`), with the original's permissions.
    """
    try:
        raw, info = read_regular_file(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        return Loaded(Settings(), [])
    except NotRegularFile:
        return Loaded(
            Settings(),
            [f"Could not read {_shown(path)}: it is not a regular file; using defaults"],
        )
    except FileTooLarge as exc:
        copy_path, kept = _backup(path, exc.data, _mode_of(path))
        return Loaded(
            Settings(),
            [
                f"The settings file is damaged (it is {exc.size:,} bytes, far larger than "
                f"a settings file); using defaults. {kept}"
            ],
            copy_path,
        )
    except OSError as exc:
        return Loaded(
            Settings(), [f"Could not read {_shown(path)}: {exc.strerror or exc}; using defaults"]
        )
    mode = stat.S_IMODE(info.st_mode)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # ValueError: bad UTF-8 or TOML, a huge number
        reason = "it is nested too deeply" if isinstance(exc, RecursionError) else exc
        copy_path, kept = _backup(path, raw, mode)
        return Loaded(
            Settings(),
            [_one_line(f"The settings file is damaged ({reason}); using defaults. {kept}")],
            copy_path,
        )
    notices: list[str] = []
    _migrate(data)
    settings = from_dict(Settings(), data, "", notices)
    for task in [t for t in settings.presets if t not in TASKS]:
        notices.append(f"presets.{task}: no such task, ignored")
        del settings.presets[task]
    if not notices:
        return Loaded(settings, [])
    copy_path, kept = _backup(path, raw, mode)
    shown = [_one_line(n) for n in notices[:MAX_NOTICES]]
    if len(notices) > MAX_NOTICES:
        shown.append(f"and {len(notices) - MAX_NOTICES:,} more entries like these")
    shown.append(kept)
    return Loaded(settings, shown, copy_path)


def _shown(path: Path) -> str:
    """A path for a one-line message (quoted if it holds a line break or other control)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _one_line(text: str, limit: int = 500) -> str:
    """A notice as one line of reasonable length (a key may hold line breaks, or be huge)."""
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mode_of(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def backup_path(path: Path) -> Path:
    """Where the copy of a damaged settings file is kept: one copy, replaced by the next."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def _backup(path: Path, data: bytes, mode: int | None) -> tuple[Path | None, str]:
    """Keep `data` (the file as read, at most MAX_SETTINGS_BYTES) in the one backup, with the
    original's permissions; return its path (None if it could not be written) and a sentence
    for the notice. An identical backup is left as it is."""
    backup = backup_path(path)
    mode = 0o600 if mode is None else mode
    try:
        if backup.is_symlink():  # never written through to somewhere else
            backup.unlink()
        try:
            same = read_regular_file(backup, MAX_SETTINGS_BYTES)[0] == data
        except OSError:
            same = False
        if backup.exists():
            os.chmod(backup, mode)  # before the data is written (the write keeps the mode)
        if not same:
            atomic_write(backup, data, mode=mode)
    except OSError as exc:
        reason = exc.strerror or exc
        return None, f"No copy of the settings file could be kept ({reason}); it is left as it is"
    cut = " (its first MB)" if len(data) >= MAX_SETTINGS_BYTES else ""
    return backup, f"A copy of the settings file{cut} is in {_shown(backup)}"


def _migrate(data: dict[str, Any]) -> None:
    """Settings that moved since an earlier version go where they live now."""
    editor = data.get("editor")
    if isinstance(editor, dict) and "run_generated_code" in editor:
        value = editor.pop("run_generated_code")
        code = data.setdefault("code", {})
        if isinstance(code, dict):
            code.setdefault("run_generated_code", value)


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings file atomically."""
    validate(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    private = None
    if settings.model.server_key:  # an API key: the file is for its owner's eyes only
        private = 0o600
        if path.exists():
            os.chmod(path, private)  # before the key is written, kept by the atomic write
    atomic_write(path, tomli_w.dumps(to_dict(settings)).encode("utf-8"), mode=private)
