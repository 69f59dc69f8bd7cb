"""Where Writer keeps its files: platformdirs locations, created on first use."""

from __future__ import annotations

import hashlib
from pathlib import Path

from platformdirs import PlatformDirs

from writer_app.atomic import remove_stale_temp_files, remove_stale_temp_folders

_DIRS = PlatformDirs(appname="writer", appauthor=False)


def _ensure(path: str) -> Path:
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # ours alone: it holds text and paths
    return folder


def config_dir() -> Path:
    """Settings and presets."""
    return _ensure(_DIRS.user_config_dir)


def cache_dir() -> Path:
    """Re-creatable data, such as models converted from GGUF."""
    return _ensure(_DIRS.user_cache_dir)


def model_cache_dir() -> Path:
    """Safetensors copies of GGUF models, one folder per source file."""
    return _ensure(str(cache_dir() / "models"))


def state_dir() -> Path:
    """Autosave and recovery copies of open documents."""
    return _ensure(_DIRS.user_state_dir)


def log_dir() -> Path:
    return _ensure(_DIRS.user_log_dir)


def recovery_dir() -> Path:
    """Recovery copies of unsaved documents (autosave)."""
    return state_dir() / "recovery"


def recent_files_file() -> Path:
    return state_dir() / "recent.json"


def document_adapters_file() -> Path:
    return state_dir() / "document-adapters.json"


def instruction_history_file() -> Path:
    """Custom rewrite instructions used lately."""
    return state_dir() / "instructions.json"


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def converted_model_dir(gguf: Path) -> Path:
    """The cache folder for the safetensors copy of one GGUF file; a changed file gets a new one."""
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    return model_cache_dir() / f"{gguf.stem}-{key[:12]}"


# The temporary folder of a conversion: ".{converted folder's name}.{mkdtemp's random part}".
CONVERSION_TEMP_PATTERN = r"\..+-[0-9a-f]{12}\.[a-z0-9_]+"


def remove_abandoned_conversions() -> list[Path]:
    """Temporary folders of GGUF conversions that were interrupted (the app was killed, say)
    and are over an hour old; a conversion in progress is left alone. Never raises."""
    return remove_stale_temp_folders(Path(_DIRS.user_cache_dir) / "models", CONVERSION_TEMP_PATTERN)


def remove_stale_leftovers() -> list[Path]:
    """At start: what writes and conversions of ours that were cut short (a crash, a kill)
    left in the app's own folders, once over an hour old. Only our own temporary names are
    touched; the temporary files beside documents are cleaned when their folder is used
    (see `documents`). Never raises; returns what was removed."""
    removed = remove_abandoned_conversions()
    for folder in (_DIRS.user_config_dir, _DIRS.user_state_dir):
        removed += remove_stale_temp_files(Path(folder))
    return removed
