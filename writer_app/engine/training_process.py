"""Training an adapter in a child process, so that the editor (or the terminal) stays
responsive: the child gets a bounded number of threads and a lower priority, its reports
come back over a pipe, and cancelling ends it at once (its last checkpoint is kept: the
same job started again resumes from there).

Also the documents side, which needs no model: reading the files and folders the user
chose (.txt, .md, .py…), refusing empty, binary or undecodable ones with a clear message,
and an estimate of the tokens and the time. This module imports no torch (the window
uses it); the child does (`engine.training`).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".rst", ".py", ".tex", ".org")
MAX_FILES = 5000
CHARS_PER_TOKEN = 4.0  # English prose, for estimates before the model's tokenizer is loaded
TOKENS_PER_SECOND = 60.0  # one training thread on a laptop CPU, the built-in model (measured)
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")  # the attention projections (Llama names)


@dataclass
class TrainSettings:
    """How an adapter is trained (the defaults suit the built-in model on a laptop CPU)."""

    rank: int = 16
    alpha: int = 0  # 0 = twice the rank
    dropout: float = 0.05
    learning_rate: float = 1e-3
    sequence: int = 256  # tokens per training window
    batch: int = 4  # windows per optimizer step (one at a time, gradients accumulated)
    max_steps: int = 0  # 0 = no step limit
    max_seconds: float = 600.0  # 0 = no time limit; the run counts across resumptions
    targets: list[str] = field(default_factory=lambda: list(TARGETS))
    heldout: float = 0.1  # the share of the tokens set aside to measure perplexity
    eval_tokens: int = 2048  # at most this many held-out tokens are measured
    eval_every: int = 0  # optimizer steps between measurements; 0 = about 4 per epoch
    patience: int = 2  # measurements without improvement before stopping early
    seed: int = 0
    checkpoint_seconds: float = 30.0
    warmup: int = 5  # optimizer steps of rising learning rate

    @property
    def lora_alpha(self) -> int:
        return self.alpha or 2 * self.rank

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainSettings:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class DocumentsError(ValueError):
    """The chosen documents cannot be learned from; the message is meant for the user."""


@dataclass(frozen=True)
class Corpus:
    """The documents chosen, read; each a dict of name, text and bytes (as a job takes it)."""

    documents: list[dict[str, Any]]
    skipped: list[str]  # files in the chosen folders that were left out, and why

    @property
    def characters(self) -> int:
        return sum(len(d["text"]) for d in self.documents)

    @property
    def estimated_tokens(self) -> int:
        return int(self.characters / CHARS_PER_TOKEN)

    def estimated_seconds(self, epochs: float = 2.0, tokens_per_second: float = 0.0) -> float:
        """About how long `epochs` passes over the text take (early stopping may end sooner)."""
        return self.estimated_tokens * epochs / (tokens_per_second or TOKENS_PER_SECOND)


def _files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    """Each file given, and the text files inside each folder given (hidden ones left out),
    with the folder it was found in (None for a file given itself)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                parts = found.relative_to(path).parts
                if any(p.startswith(".") for p in parts) or not found.is_file():
                    continue
                yield found, path
        else:
            yield path, None


def read_corpus(paths: Iterable[str | Path]) -> Corpus:
    """The documents in `paths` (files, and .txt/.md/.py… files in folders). DocumentsError
    when one named file cannot be read, or when there is no text at all."""
    from writer_app.documents import DocumentError, read_document, shown_path

    documents: list[dict[str, Any]] = []
    skipped: list[str] = []
    names: set[str] = set()
    for file, folder in _files(Path(p).expanduser() for p in paths):
        if folder is not None and file.suffix.lower() not in TEXT_SUFFIXES:
            continue
        if len(documents) >= MAX_FILES:
            raise DocumentsError(f"More than {MAX_FILES:,} documents; choose fewer")
        try:
            text, _fmt = read_document(file)
        except DocumentError as exc:
            if folder is None:  # a file the user named: say why it cannot be used
                raise DocumentsError(str(exc)) from None
            skipped.append(str(exc))
            continue
        if not text.strip():
            if folder is None:
                raise DocumentsError(f"{shown_path(file)} is empty")
            skipped.append(f"{shown_path(file)} is empty")
            continue
        name = str(file.relative_to(folder)) if folder is not None else file.name
        while name in names:  # two files of the same name from different places
            name = f"{name} (2)"
        names.add(name)
        documents.append({"name": name, "text": text, "bytes": file.stat().st_size})
    if not documents:
        raise DocumentsError(
            "There is no text in these documents"
            + (f" ({len(skipped)} files could not be used)" if skipped else "")
        )
    return Corpus(documents, skipped)


def _child(job: dict[str, Any], conn: Any) -> None:
    from writer_app.engine import training  # torch is imported here, in the child only

    training.child_main(job, conn)


@dataclass
class Outcome:
    """How a run ended: its manifest when it saved an adapter, else a message; `resumable`
    when a checkpoint is left to resume from."""

    manifest: dict[str, Any] | None = None
    message: str = ""
    cancelled: bool = False
    resumable: bool = False


def default_memory_limit() -> int | None:
    """The most memory a training child may use: half of this computer's (None where the
    system does not say how much it has)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return None


MEMORY_LIMIT = default_memory_limit()


def resident_bytes(pid: int) -> int | None:
    """How much memory process `pid` holds now (Linux: /proc; None elsewhere or if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


class TrainingRun:
    """One training job in a child process (`start`, then `events` until `outcome`).

    The child is stopped when it holds more than `memory_limit` bytes (default: half of the
    computer's memory), so a run that would push the editor into swap ends with a message
    instead; what it checkpointed stays, to resume from.
    """

    def __init__(self, job: dict[str, Any], memory_limit: int | None = MEMORY_LIMIT) -> None:
        self.job = job
        self.memory_limit = memory_limit  # None: no limit
        self.process: Any = None
        self._conn: Any = None
        self.outcome: Outcome | None = None
        self.last_progress: dict[str, Any] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or Qt state
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(self.job, send), name="writer-training", daemon=True
        )
        self.started_at = time.monotonic()
        self.process.start()
        send.close()  # only the child writes; the pipe then ends when the child does
        self._conn = receive

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.outcome is None and self.process is not None

    def events(self, timeout: float = 0.0) -> list[dict[str, Any]]:
        """The reports that came since the last call (waiting up to `timeout` for the
        first); when the child has ended, `outcome` is set."""
        found: list[dict[str, Any]] = []
        if self._conn is None:
            return found
        if self._over_memory():
            return found
        try:
            ready = self._conn.poll(timeout)
            while ready:
                event = self._conn.recv()
                found.append(event)
                self._note(event)
                ready = self._conn.poll(0)
        except (EOFError, OSError):
            self._ended()
        return found

    def _over_memory(self) -> bool:
        """Stop the child if it holds more than the limit; whether it was stopped."""
        if self.memory_limit is None or self.pid is None or self.outcome is not None:
            return False  # no limit, not started, or already over (a finished run is kept)
        held = resident_bytes(self.pid)
        if held is None or held <= self.memory_limit:
            return False
        self.cancel()
        gib = self.memory_limit / 2**30
        self.outcome = Outcome(
            message=f"Training stopped: it needed more than {gib:.1f} GB of memory, half of "
            "this computer's. Close other programs or adapt a smaller model; start it again to "
            "resume from its last checkpoint",
            resumable=True,
        )
        return True

    def _note(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "progress":
            self.last_progress = event
        elif kind == "done":
            self.outcome = Outcome(manifest=event["manifest"])
        elif kind == "error":
            self.outcome = Outcome(message=str(event["message"]))

    def _ended(self) -> None:
        """The pipe closed: the child is gone (finished, failed, or killed)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.process is not None:
            self.process.join(5)
        if self.outcome is None:
            code = self.process.exitcode if self.process is not None else None
            self.outcome = Outcome(
                message=f"Training stopped unexpectedly (exit status {code}); start it again "
                "to resume from its last checkpoint",
                resumable=True,
            )

    def wait(self, timeout: float | None = None) -> Outcome | None:
        """Collect reports until the child ends (or `timeout` passes); the outcome, if any."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.outcome is None or self._conn is not None:
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                break
            self.events(min(left, 1.0))
            if self._conn is None:
                break
        return self.outcome

    def cancel(self) -> Outcome:
        """Stop the child at once; what it checkpointed last stays, to resume from."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(3)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(3)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.outcome is None or self.outcome.manifest is None:
            self.outcome = Outcome(
                message="Training cancelled; start it again to resume from its last checkpoint",
                cancelled=True,
                resumable=True,
            )
        return self.outcome


def default_threads() -> int:
    """Training threads when the user did not say: all cores but one (one on two cores),
    so the editor keeps a core of its own."""
    return max(1, (os.cpu_count() or 2) - 1)


def job(
    name: str,
    model: str,
    corpus: Corpus,
    settings: TrainSettings | dict[str, Any] | None = None,
    *,
    threads: int = 0,
    replace: bool = False,
) -> dict[str, Any]:
    """A training job as the child takes it (plain data: it crosses a pipe)."""
    values = dataclasses.asdict(settings) if isinstance(settings, TrainSettings) else settings
    return {
        "name": name,
        "model": model,
        "documents": corpus.documents,
        "settings": dict(values or {}),
        "threads": threads or default_threads(),
        "replace": replace,
    }
