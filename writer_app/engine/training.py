"""Learning an adapter from the user's documents: LoRA with peft on a float32 copy of the base.

The base model is loaded afresh in float32 (never the copy that generates, never written
back); peft adds low-rank matrices to the attention projections and only those train. The
documents are split first: held-out text is set aside (whole documents where there are
several, else the end of each), and its perplexity is measured before training, every few
steps, and at the end. The run stops at its step or time budget, or early when held-out
perplexity stops improving; the adapter saved is the one with the best held-out perplexity.

A run checkpoints itself (the adapter's weights and the optimizer's state, in one file
replaced atomically) every `checkpoint_seconds`, so a run that is cancelled, killed or
crashes resumes from its last checkpoint when started again with the same documents and
settings. `run` is the whole job; it reports through a callback (`training_process` runs it
in a child process and forwards the reports over a pipe).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from writer_app.engine import adapters
from writer_app.engine.adapters import AdapterError
from writer_app.engine.training_process import TrainSettings

Report = Callable[[dict[str, Any]], None]

MIN_TOKENS = 2000  # less text than this teaches a model nothing about a writer
CHECKPOINT = "checkpoint.safetensors"
# Settings that change what a run learns: a checkpoint made with others is not resumed.
_RUN_KEYS = (
    "rank", "alpha", "dropout", "learning_rate", "sequence", "batch", "targets", "heldout",
    "eval_tokens", "seed", "warmup",
)  # fmt: skip


class TrainingError(RuntimeError):
    """Training cannot run on this input; the message is meant for the user."""


@dataclass(frozen=True)
class Document:
    """A document to learn from: its name (never its folder), size and text."""

    name: str
    text: str
    bytes: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def record(self) -> dict[str, Any]:
        """What the manifest keeps of it: never the text."""
        return {"name": self.name, "bytes": self.bytes, "sha256": self.sha256}


@dataclass
class Split:
    """Token windows to train on, and the held-out ones to measure perplexity on."""

    train: torch.Tensor  # [windows, sequence]
    heldout: list[torch.Tensor]
    train_tokens: int
    heldout_tokens: int
    heldout_documents: list[int]  # indices of whole documents set aside (else their ends)


def split(docs: Sequence[list[int]], settings: TrainSettings) -> Split:
    """Held-out text set aside: whole documents (about `heldout` of the tokens, at most a
    quarter) where there are three or more, else the end of each document."""
    total = sum(len(d) for d in docs)
    want = settings.heldout * total
    most = max(2 * want, total / 4)
    chosen: list[int] = []
    if len(docs) >= 3:
        order = list(range(len(docs)))
        random.Random(settings.seed).shuffle(order)
        got = 0
        for i in order:
            if got >= want:
                break
            if got + len(docs[i]) <= most and len(chosen) < len(docs) - 1:
                chosen.append(i)
                got += len(docs[i])
        if got < want / 2:
            chosen = []
    train_ids: list[int] = []
    held_ids: list[int] = []
    for i, ids in enumerate(docs):
        if chosen:
            (held_ids if i in chosen else train_ids).extend(ids)
        else:
            cut = len(ids) - max(1, round(len(ids) * settings.heldout))
            train_ids.extend(ids[:cut])
            held_ids.extend(ids[cut:])
    seq = settings.sequence
    windows = len(train_ids) // seq
    if windows == 0:
        raise TrainingError("There is too little text to train on after setting some aside")
    train = torch.tensor(train_ids[: windows * seq]).view(windows, seq)
    held = torch.tensor(held_ids[: settings.eval_tokens])
    heldout = [held[i : i + seq] for i in range(0, len(held), seq)]
    if len(heldout) > 1 and len(heldout[-1]) < 16:  # too short to measure on its own
        heldout[-2:] = [torch.cat(heldout[-2:])]
    return Split(train, heldout, len(train_ids), len(held_ids), sorted(chosen))


def token_ids(tokenizer: Any, documents: Sequence[Document]) -> list[list[int]]:
    """Each document's tokens, ending with the end-of-text token."""
    eos = tokenizer.eos_token_id
    found = []
    for doc in documents:
        ids = list(tokenizer(doc.text, add_special_tokens=False).input_ids)
        found.append(ids + ([eos] if eos is not None else []))
    return found


def check_tokens(total: int) -> None:
    if total == 0:
        raise TrainingError("There is no text in these documents")
    if total < MIN_TOKENS:
        raise TrainingError(
            f"These documents hold only {total:,} tokens; at least {MIN_TOKENS:,} "
            "(about 1,500 words) are needed to learn from"
        )


def run_id(fingerprint: str, documents: Sequence[Document], settings: TrainSettings) -> str:
    """What a checkpoint must match to be resumed: the base, the documents, the settings."""
    what = {
        "base": fingerprint,
        "documents": [d.sha256 for d in documents],
        "settings": {k: getattr(settings, k) for k in _RUN_KEYS},
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:24]


def perplexity(model: Any, windows: Sequence[torch.Tensor]) -> float:
    """exp(mean negative log-likelihood) of the windows' tokens under `model`."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for w in windows:
            out = model(input_ids=w[None], labels=w[None])
            total += float(out.loss) * (len(w) - 1)
            count += len(w) - 1
    model.train(was_training)
    return math.exp(total / max(count, 1))


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value)
    return str(value)


class _Trainer:
    """One run: the peft model, its optimizer, and where it stands (saved in checkpoints)."""

    def __init__(self, lm: Any, data: Split, settings: TrainSettings, ckpt: Path, rid: str):
        from peft import LoraConfig, get_peft_model

        self.lm, self.data, self.settings, self.ckpt, self.rid = lm, data, settings, ckpt, rid
        self.config = LoraConfig(
            r=settings.rank,
            lora_alpha=settings.lora_alpha,
            lora_dropout=settings.dropout,
            target_modules=list(settings.targets),
            bias="none",
            task_type="CAUSAL_LM",
        )
        torch.manual_seed(settings.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # transformers' deprecation notices for peft
            try:
                self.model = get_peft_model(lm.model, self.config)
            except ValueError as exc:  # no layer matches the targets
                raise TrainingError(f"This model cannot be adapted: {exc}") from None
        self.names = [n for n, p in self.model.named_parameters() if p.requires_grad]
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.params, lr=settings.learning_rate)
        self.step = 0
        self.tokens_seen = 0
        self.elapsed = 0.0
        self.before: float | None = None
        self.best: float | None = None
        self.best_step = 0
        self.best_weights: list[torch.Tensor] = []
        self.history: list[tuple[int, float]] = []
        self.bad = 0  # measurements since the last improvement
        self.resumed_from = 0

    # ---------------------------------------------------------------- state

    def lora_state(self) -> dict[str, torch.Tensor]:
        from peft import get_peft_model_state_dict

        return {k: v.detach().clone() for k, v in get_peft_model_state_dict(self.model).items()}

    def save_checkpoint(self) -> None:
        from safetensors.torch import save

        from writer_app.atomic import atomic_write

        tensors: dict[str, torch.Tensor] = {}
        for i, p in enumerate(self.params):
            tensors[f"param.{i}"] = p.detach().contiguous()
            if self.best_weights:
                tensors[f"best.{i}"] = self.best_weights[i].contiguous()
            state = self.optimizer.state.get(p)
            if state:
                for key in ("step", "exp_avg", "exp_avg_sq"):
                    tensors[f"adam.{i}.{key}"] = state[key].detach().reshape(-1).contiguous()
        tensors["rng"] = torch.get_rng_state()
        meta = {
            "run": self.rid,
            "names": self.names,
            "step": self.step,
            "tokens_seen": self.tokens_seen,
            "elapsed": self.elapsed,
            "before": self.before,
            "best": self.best,
            "best_step": self.best_step,
            "history": self.history,
            "bad": self.bad,
        }
        data = save(tensors, metadata={"meta": json.dumps(meta)})
        atomic_write(self.ckpt, data, mode=0o600)

    def load_checkpoint(self) -> bool:
        """Resume from the checkpoint if there is one of this very run; False if not."""
        from safetensors import SafetensorError, safe_open

        if not self.ckpt.is_file():
            return False
        try:
            with safe_open(str(self.ckpt), framework="pt") as handle:
                meta = json.loads((handle.metadata() or {}).get("meta", "{}"))
                if meta.get("run") != self.rid or meta.get("names") != self.names:
                    return False
                tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
        except (SafetensorError, OSError, ValueError):
            return False  # a damaged checkpoint: start again
        with torch.no_grad():
            for i, p in enumerate(self.params):
                p.copy_(tensors[f"param.{i}"])
                if f"adam.{i}.step" in tensors:
                    self.optimizer.state[p] = {
                        "step": tensors[f"adam.{i}.step"].reshape(()),
                        "exp_avg": tensors[f"adam.{i}.exp_avg"].view_as(p).clone(),
                        "exp_avg_sq": tensors[f"adam.{i}.exp_avg_sq"].view_as(p).clone(),
                    }
        self.best_weights = [tensors[f"best.{i}"] for i in range(len(self.params))] if (
            "best.0" in tensors
        ) else []  # fmt: skip
        torch.set_rng_state(tensors["rng"])
        self.step, self.tokens_seen = int(meta["step"]), int(meta["tokens_seen"])
        self.elapsed, self.before, self.best = float(meta["elapsed"]), meta["before"], meta["best"]
        self.best_step, self.bad = int(meta["best_step"]), int(meta["bad"])
        self.history = [(int(s), float(v)) for s, v in meta["history"]]
        self.resumed_from = self.step
        return True

    # ------------------------------------------------------------- training

    def window(self, index: int) -> torch.Tensor:
        """The training window of micro-step `index`: a fresh shuffle each epoch."""
        windows = self.data.train
        epoch, at = divmod(index, len(windows))
        order = torch.randperm(len(windows), generator=torch.Generator().manual_seed(
            self.settings.seed * 100_003 + epoch
        ))  # fmt: skip
        return windows[int(order[at])]

    def train_step(self) -> float:
        """One optimizer step over `batch` windows; returns their mean loss."""
        s = self.settings
        scale = min(1.0, (self.step + 1) / max(1, s.warmup))
        for group in self.optimizer.param_groups:
            group["lr"] = s.learning_rate * scale
        total = 0.0
        for j in range(s.batch):
            w = self.window(self.step * s.batch + j)[None]
            loss = self.model(input_ids=w, labels=w).loss
            (loss / s.batch).backward()
            total += float(loss.detach())
            self.tokens_seen += w.shape[1]
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return total / s.batch

    def measure(self) -> float:
        value = perplexity(self.model, self.data.heldout)
        self.history.append((self.step, value))
        if self.best is None or value < self.best * 0.998:
            self.best, self.best_step, self.bad = value, self.step, 0
            self.best_weights = [p.detach().clone() for p in self.params]
        else:
            self.bad += 1
        return value

    def adapter_files(self) -> dict[str, bytes]:
        """The best weights in peft's format (its own loader takes them, and so does ours)."""
        from safetensors.torch import save

        with torch.no_grad():
            for p, best in zip(self.params, self.best_weights, strict=True):
                p.copy_(best)
        config = self.config.to_dict()
        config.update(base_model_name_or_path=self.lm.info.name, inference_mode=True)
        return {
            adapters.CONFIG: json.dumps(config, indent=2, default=_json_default).encode(),
            adapters.WEIGHTS: save(self.lora_state(), metadata={"format": "pt"}),
        }


def documents_from(job: dict[str, Any]) -> list[Document]:
    return [Document(d["name"], d["text"], int(d["bytes"])) for d in job["documents"]]


def run(job: dict[str, Any], report: Report) -> dict[str, Any]:
    """Train the adapter a job describes and store it; returns its manifest.

    `job`: name, model (a model spec), documents (name, text, bytes), settings (see
    `TrainSettings`), replace (an existing adapter of that name), threads. Reports dicts
    with an `event`: status, start, progress, checkpoint; raises TrainingError or
    AdapterError for the user, anything else when training itself fails.
    """
    from writer_app.engine import decode_step
    from writer_app.engine.loader import ModelLoadError, load_model

    settings = TrainSettings.from_dict(job.get("settings", {}))
    if settings.rank < 1 or settings.sequence < 16 or settings.batch < 1:
        raise TrainingError("rank, sequence and batch must be positive")
    name = adapters.check_name(job["name"])
    if adapters.adapter_dir(name).exists() and not job.get("replace"):
        raise AdapterError(f"An adapter named {name!r} exists already")
    documents = documents_from(job)
    report({"event": "status", "message": "Loading the model…"})
    try:  # a float32 copy of its own: the model that generates is never touched
        lm = load_model(
            job["model"], "cpu", precision="float32", threads=int(job.get("threads", 0))
        )
    except ModelLoadError as exc:
        raise TrainingError(str(exc)) from None
    decode_step.remove(lm.model)  # training runs transformers' forward
    fingerprint = adapters.base_fingerprint(lm.info.path)
    docs_ids = token_ids(lm.tokenizer, documents)
    check_tokens(sum(len(d) for d in docs_ids))
    data = split(docs_ids, settings)
    rid = run_id(fingerprint, documents, settings)
    trainer = _Trainer(lm, data, settings, adapters.work_dir(name) / CHECKPOINT, rid)
    resumed = trainer.load_checkpoint()
    per_epoch = max(1, len(data.train) // settings.batch)
    eval_every = settings.eval_every or max(1, per_epoch // 4)
    eval_seconds = max(60.0, settings.max_seconds / 6) if settings.max_seconds else math.inf
    report({
        "event": "start",
        "documents": len(documents),
        "heldout_documents": len(data.heldout_documents),
        "train_tokens": data.train_tokens,
        "heldout_tokens": data.heldout_tokens,
        "resumed_step": trainer.resumed_from if resumed else 0,
        "max_steps": settings.max_steps,
        "max_seconds": settings.max_seconds,
        "trainable": sum(p.numel() for p in trainer.params),
    })  # fmt: skip
    started = time.perf_counter() - trainer.elapsed
    trainer.model.train()
    if trainer.before is None:
        report({"event": "status", "message": "Measuring held-out perplexity…"})
        trainer.before = trainer.measure()
        trainer.elapsed = time.perf_counter() - started
        trainer.save_checkpoint()
    last_eval = last_ckpt = time.perf_counter()
    step_seconds: list[float] = []
    stopped = ""
    loss = math.nan
    while not stopped:
        if settings.max_steps and trainer.step >= settings.max_steps:
            stopped = "steps"
            break
        if settings.max_seconds and time.perf_counter() - started >= settings.max_seconds:
            stopped = "time"
            break
        began = time.perf_counter()
        loss = trainer.train_step()
        step_seconds.append(time.perf_counter() - began)
        now = time.perf_counter()
        trainer.elapsed = now - started
        measured = None
        if trainer.step % eval_every == 0 or now - last_eval >= eval_seconds:
            measured = trainer.measure()
            last_eval = time.perf_counter()
            trainer.elapsed = last_eval - started
            if trainer.bad >= settings.patience:
                stopped = "early"
        report(_progress(trainer, loss, measured, step_seconds))
        if measured is not None or time.perf_counter() - last_ckpt >= settings.checkpoint_seconds:
            trainer.save_checkpoint()
            last_ckpt = time.perf_counter()
            report({"event": "checkpoint", "step": trainer.step})
    if not trainer.history or trainer.history[-1][0] != trainer.step:
        report({"event": "status", "message": "Measuring held-out perplexity…"})
        trainer.measure()
        trainer.elapsed = time.perf_counter() - started
        trainer.save_checkpoint()
    report({"event": "status", "message": "Saving the adapter…"})
    manifest = _manifest(trainer, documents, fingerprint, stopped, int(job.get("threads", 0)))
    stored = adapters.save(name, trainer.adapter_files(), manifest, bool(job.get("replace")))
    adapters.discard_work(name)
    return stored.manifest


def _progress(
    trainer: _Trainer, loss: float, measured: float | None, step_seconds: list[float]
) -> dict[str, Any]:
    s = trainer.settings
    recent = step_seconds[-10:]
    per_step = sum(recent) / len(recent)
    left = []
    if s.max_steps:
        left.append((s.max_steps - trainer.step) * per_step)
    if s.max_seconds:
        left.append(max(0.0, s.max_seconds - trainer.elapsed))
    return {
        "event": "progress",
        "step": trainer.step,
        "max_steps": s.max_steps,
        "tokens": trainer.tokens_seen,
        "loss": loss,
        "perplexity_before": trainer.before,
        "perplexity": trainer.history[-1][1] if trainer.history else None,
        "best": trainer.best,
        "measured": measured is not None,
        "elapsed": trainer.elapsed,
        "left": min(left) if left else None,
        "tokens_per_second": s.batch * s.sequence / per_step if per_step > 0 else 0.0,
    }


def _manifest(
    trainer: _Trainer, documents: Sequence[Document], fingerprint: str, stopped: str, threads: int
) -> dict[str, Any]:
    lm, data, s = trainer.lm, trainer.data, trainer.settings
    config = lm.model.config
    held = set(data.heldout_documents)
    records = [dict(d.record(), heldout=i in held) for i, d in enumerate(documents)]
    settings = {k: v for k, v in dataclasses.asdict(s).items() if k != "checkpoint_seconds"}
    settings["alpha"] = s.lora_alpha
    return {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "base": {
            "name": lm.info.name,
            "spec": lm.info.spec,
            "fingerprint": fingerprint,
            "model_type": getattr(config, "model_type", ""),
            "layers": getattr(config, "num_hidden_layers", 0),
            "hidden_size": getattr(config, "hidden_size", 0),
            "vocab_size": getattr(config, "vocab_size", 0),
        },
        "documents": records,
        "tokens": {
            "train": data.train_tokens,
            "heldout": data.heldout_tokens,
            "seen": trainer.tokens_seen,
        },
        "settings": settings,
        "perplexity": {
            "before": trainer.before,
            "after": trainer.best,
            "best_step": trainer.best_step,
            "history": trainer.history,
        },
        "training": {
            "steps": trainer.step,
            "seconds": round(trainer.elapsed, 1),
            "tokens_per_second": round(trainer.tokens_seen / trainer.elapsed, 1)
            if trainer.elapsed
            else 0.0,
            "stopped": stopped,
            "threads": threads or torch.get_num_threads(),
            "resumed": trainer.resumed_from > 0,
        },
    }


def child_main(job: dict[str, Any], conn: Any) -> None:
    """The training child's entry point: bounded threads, lower priority, reports on `conn`."""
    import signal

    # Ctrl+C in a terminal reaches the whole process group: the parent decides (it ends
    # this process at once; the last checkpoint stays).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threads = max(1, int(job.get("threads") or 1))
    torch.set_num_threads(threads)
    with contextlib.suppress(OSError, AttributeError):  # lower priority than the editor
        os.nice(int(job.get("nice", 5)))
    warnings.simplefilter("ignore")

    def report(event: dict[str, Any]) -> None:
        conn.send(event)

    try:
        manifest = run(dict(job, threads=threads), report)
        report({"event": "done", "manifest": manifest})
    except (TrainingError, AdapterError) as exc:
        report({"event": "error", "message": str(exc)})
    except MemoryError:
        report({"event": "error", "message": "Training ran out of memory"})
    except Exception as exc:  # reported, not raised: the parent shows it as one line
        report({"event": "error", "message": f"Training failed: {type(exc).__name__}: {exc}"})
    finally:
        conn.close()
