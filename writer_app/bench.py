"""`writer-cli bench`: Writer's speed, measured side by side with plain transformers (and
llama.cpp when `llama-cpp-python` is installed), in one run, as ratios.

1. Time to the first token of a suggestion after typing one word at the end of a
   ~2,000-token document: Writer's pipeline (prefix cache, precision) against a plain
   `model.generate` that reads the same context.
2. Decoding speed: Writer (its CPU default: int4 weights for the built-in model) against
   transformers in float32, and against llama.cpp on the same GGUF file; and the perplexity
   of both precisions on the document, so speed is never bought with quality.
3. How late a 5 ms timer on the GUI thread fires while the model loads and generates on the
   worker thread.
4. Cold and warm model load times, and peak memory (fresh processes).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from writer_app.config import Decoding, Model

PARAGRAPHS = [
    "The harbour town woke slowly in winter. Fishing boats knocked against the quay, gulls "
    "argued over the nets, and the baker on Water Street lit his ovens long before the sun "
    "cleared the hills. Most mornings the fog sat on the bay like a grey blanket, and the "
    "lighthouse kept sounding its horn until the ferry had safely passed the rocks.",
    "Mara had come back to the town after eleven years away. She rented the narrow house "
    "above the chandlery, where the stairs creaked in three places and the windows rattled "
    "whenever the wind swung round to the north. Her plan was simple: repair the old boat "
    "her grandfather had left her, sell it in the spring, and leave again before anyone "
    "asked too many questions.",
    "The boat was in worse shape than she remembered. Its planks had dried and split, the "
    "engine had seized, and something had nested in the cabin for several seasons. Still, "
    "the keel was sound, and when she ran her hand along the curve of the hull she felt the "
    "care that had gone into shaping it, one board at a time, by people who expected it to "
    "outlast them.",
    "Repairs took longer than plans. She learned which supplier in the next town would "
    "deliver timber, which neighbour owned a bench saw, and which of the fishermen would "
    "stop to give advice whether or not she had asked for it. By February she could tell "
    "larch from oak by the smell of the shavings, and she had stopped counting the days "
    "until spring.",
    "In the evenings she read her grandfather's logbooks by the stove. He had written down "
    "the weather, the catch, the price of diesel and, now and then, a line about the town: "
    "a wedding, a storm that took the roof off the school, a child pulled from the water "
    "by the harbour master. The entries grew shorter over the years, and the last pages "
    "were almost empty.",
    "One night a knock came at the door. It was Tomas, the harbour master's son, holding a "
    "box of rusted fittings he had found in his father's shed. They had belonged to the "
    "boat, he said, and his father had always meant to return them. He stayed for tea, "
    "then for supper, and they talked until the fire burned down and the fog horn fell "
    "silent for the night.",
]

WORDS = [
    "and",
    "the",
    "slowly",
    "harbour",
    "then",
    "boat",
    "quietly",
    "water",
    "night",
    "wind",
    "again",
    "morning",
    "rope",
    "light",
    "she",
    "found",
    "old",
    "grey",
    "sea",
    "after",
]


def document(tokenizer: Any, tokens: int = 2000) -> str:
    """About `tokens` tokens of prose: the paragraphs in turn, in numbered chapters."""
    parts: list[str] = []
    chapter = 0
    while len(tokenizer("\n\n".join(parts)).input_ids) < tokens:
        chapter += 1
        parts.append(f"Chapter {chapter}")
        parts.extend(PARAGRAPHS)
    text = "\n\n".join(parts)
    ids = tokenizer(text).input_ids[:tokens]
    return str(tokenizer.decode(ids)).rsplit(" ", 1)[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Row:
    what: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""


@dataclass
class Report:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        lines = [
            self.title,
            "",
            "| measure | Writer | baseline | ratio | goal |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.what} | {r.ours} | {r.baseline} | {r.ratio} | {r.goal} |" for r in self.rows
        ]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def first_token_after_edit(
    lm: Any, doc: str, trials: int, plain_trials: int
) -> tuple[list[float], list[float]]:
    """Seconds to the first token after appending one word, ours and plain generate."""
    import torch

    from writer_app.engine import decode_step
    from writer_app.engine.generation import generate
    from writer_app.engine.prefix_cache import PrefixCache

    one = Decoding(max_new_tokens=1, alternatives=1)
    cache = PrefixCache()
    generate(lm, doc, one, max_context=4096, prefix_cache=cache)  # the document is open
    ours = []
    text = doc
    for i in range(trials):
        text += " " + WORDS[i % len(WORDS)]
        result = generate(lm, text, one, max_context=4096, prefix_cache=cache)
        ours.append(result.first_token_seconds or 0.0)
    plain = []
    for i in range(plain_trials):
        started = time.perf_counter()
        ids = lm.tokenizer(doc + " " + WORDS[i], return_tensors="pt").input_ids
        with torch.inference_mode(), decode_step.transformers_only(lm.model):
            lm.model.generate(
                ids, max_new_tokens=1, do_sample=False, pad_token_id=lm.tokenizer.pad_token_id
            )
        plain.append(time.perf_counter() - started)
    return ours, plain


def decode_rate(generate_tokens: Any, steps: int) -> float:
    """Tokens per second of decoding alone: (time for 1+steps tokens - time for 1) / steps."""
    started = time.perf_counter()
    generate_tokens(1)
    one = time.perf_counter() - started
    started = time.perf_counter()
    generate_tokens(1 + steps)
    return steps / max(1e-9, time.perf_counter() - started - one)


DECODE_ROUNDS = 5
PROMPT = "Write a long story about a lighthouse keeper and the storm that changed his life.\n\n"


Meter = Callable[[], float]  # one measurement of decoding speed, tokens/s


def transformers_meter(model: Any, tokenizer: Any, steps: int) -> Meter:
    """Plain `model.generate` (transformers' own forward), greedy."""
    import torch

    from writer_app.engine import decode_step

    ids = tokenizer(PROMPT, return_tensors="pt").input_ids

    def run(n: int) -> None:
        with torch.inference_mode(), decode_step.transformers_only(model):
            model.generate(
                ids,
                max_new_tokens=n,
                min_new_tokens=n,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )

    run(4)  # warm up
    return lambda: decode_rate(run, steps)


def writer_meter(lm: Any, steps: int, prompt: str = PROMPT) -> Meter:
    """Writer's own generation (what suggestions use), greedy; the prompt is kept in a prefix
    cache, as the editor keeps a document's."""
    from writer_app.engine.generation import generate
    from writer_app.engine.prefix_cache import PrefixCache

    cache = PrefixCache()

    def once() -> float:
        decoding = Decoding(max_new_tokens=steps, alternatives=1)
        return generate(lm, prompt, decoding, heal=False, prefix_cache=cache).tokens_per_second

    once()  # warm up
    return once


def llama_cpp_meter(gguf: str, threads: int, steps: int, prompt: str = PROMPT) -> Meter | None:
    """llama.cpp on the same GGUF file and thread count, greedy (it keeps the prompt's
    evaluation between runs); None if not installed."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=gguf, n_threads=threads, n_ctx=4096, verbose=False)

    def run(n: int) -> None:
        llm.create_completion(prompt, max_tokens=n, temperature=0.0)

    run(4)
    return lambda: decode_rate(run, steps)


def interleaved(meters: dict[str, Meter], rounds: int) -> dict[str, float]:
    """The median of `rounds` measurements each, taken in turn, so that a busy moment on a
    shared machine falls on every contender alike instead of on one of them."""
    rates: dict[str, list[float]] = {name: [] for name in meters}
    for _ in range(rounds):
        for name, meter in meters.items():
            rates[name].append(meter())
    return {name: statistics.median(values) for name, values in rates.items()}


PERPLEXITY_TOKENS = 512


def perplexity(lm: Any, text: str) -> float:
    """How surprised the model is by real text (lower is better): the quality check."""
    import math

    import torch

    ids = lm.tokenizer(text, return_tensors="pt").input_ids[:, :PERPLEXITY_TOKENS]
    with torch.inference_mode():
        return math.exp(float(lm.model(ids, labels=ids).loss))


class Heartbeat:
    """A 5 ms timer on the thread that runs the Qt event loop (the GUI thread in the app)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late.append(max(0.0, now - self.last - 0.005))
        self.last = now

    def start(self) -> None:
        self.late.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> tuple[float, float]:
        self.timer.stop()
        return percentile(self.late, 0.99), max(self.late, default=0.0)


def gui_lateness(model: Model, doc: str, requests: int) -> dict[str, tuple[float, float]]:
    """Lateness (p99, max) of a GUI-thread timer while a worker thread loads the model and
    then suggests, in a fresh process as when the app starts: the load imports torch and
    transformers too."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", QT_QPA_PLATFORM="offscreen")
    args = json.dumps({"model": dataclasses.asdict(model), "doc": doc, "requests": requests})
    out = subprocess.run(
        [sys.executable, "-c", GUI_SCRIPT],
        input=args,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    results: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return {phase: (p99, worst) for phase, (p99, worst) in results.items()}


GUI_SCRIPT = """
import json, sys
from writer_app.bench import gui_lateness_here
from writer_app.config import Model
args = json.loads(sys.stdin.read())
print(json.dumps(gui_lateness_here(Model(**args["model"]), args["doc"], args["requests"])))
"""


def gui_lateness_here(model: Model, doc: str, requests: int) -> dict[str, tuple[float, float]]:
    """`gui_lateness` in this process: what the load imports is counted only if this process
    has not imported it yet."""
    import asyncio

    import qasync
    from PySide6.QtCore import QCoreApplication

    from writer_app.assistant import Assistant
    from writer_app.tasks.continuation import ContinuationRequest

    Assistant.prefetch(model)  # as the app does before its window shows
    app = QCoreApplication.instance() or QCoreApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    results: dict[str, tuple[float, float]] = {}

    async def run() -> None:
        assistant = Assistant()
        assistant.start()
        beat = Heartbeat()
        await asyncio.sleep(0.3)  # the loop's first ticks and the prefetch: the app's start
        beat.start()
        await assistant.load(model).result()
        results["loading"] = beat.stop()
        beat.start()
        text = doc
        for i in range(requests):
            text += " " + WORDS[i % len(WORDS)]
            job = assistant.continue_text(
                ContinuationRequest(text, "sentence"),
                Decoding(max_new_tokens=24, alternatives=3, max_time=5.0),
                2048,
            )
            async for _update in job:
                pass
            await job.result()
        results["suggesting"] = beat.stop()
        assistant.shutdown()

    with loop:
        loop.run_until_complete(run())
    return results


LOAD_SCRIPT = """
import json, resource, sys, time
started = time.perf_counter()
from writer_app.engine.loader import load_model
from writer_app.engine.generation import generate
from writer_app.config import Decoding
from transformers import LlamaForCausalLM  # transformers imports model code lazily
imported = time.perf_counter()
lm = load_model(sys.argv[1], "cpu", precision=sys.argv[2])
loaded = time.perf_counter()
generate(lm, "The sea", Decoding(max_new_tokens=8))
suggested = time.perf_counter()
try:  # Linux: this process's own peak (ru_maxrss also counts the parent's, from the fork)
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) * 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak *= 1 if sys.platform == "darwin" else 1024
print(json.dumps({
    "imports": imported - started,
    "load": loaded - imported,
    "first_suggestion": suggested - imported,
    "peak_rss": peak,
}))
"""


def load_times(spec: str, precision: str, cold: bool) -> dict[str, float]:
    """Import and load times and peak memory in a fresh process (cold: an empty cache)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    with tempfile.TemporaryDirectory() as cache:
        if cold:
            env["XDG_CACHE_HOME"] = cache
        out = subprocess.run(
            [sys.executable, "-c", LOAD_SCRIPT, spec, precision],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def window_seconds() -> float:
    """Seconds from starting `writer-app` (a fresh process, empty settings) until its window
    is shown (`--quit-after` says so on stdout; offscreen when there is no display)."""
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HF_HUB_OFFLINE="1", XDG_CONFIG_HOME=home, XDG_STATE_HOME=home)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        started = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, "-m", "writer_app", "--quit-after", "60"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as app:
            assert app.stdout is not None
            shown = None
            for line in app.stdout:
                if "window shown" in line:
                    shown = time.perf_counter() - started
                    break
            app.terminate()  # the model's load is measured elsewhere
    if shown is None:
        raise RuntimeError("writer-app did not show its window")
    return shown


def _decoding_path(model: Any) -> str:
    """How Writer's decoding steps ran: how many through the compiled layers."""
    from writer_app.engine import decode_step, scripted_layers

    step = model.forward
    if not isinstance(step, decode_step.DecodeStep):
        return "Writer's decoding steps: transformers' forward (no lean step for this model)"
    why = scripted_layers.unavailable()
    return (
        f"Writer's decoding steps: {step.scripted_steps:,} of {step.steps:,} lean steps through "
        "layers compiled by TorchScript" + (f" (TorchScript unavailable: {why})" if why else "")
    )


def _cache_dtype(model: Any) -> str:
    """Which dtype long caches are kept in, and why."""
    from writer_app.engine import kv_cache

    compact = model.config._attn_implementation == kv_cache.ATTENTION
    speedup = kv_cache.bfloat16_attention_speedup(model.config)
    return (
        f"long key/value caches: {'bfloat16' if compact else 'float32'} (attention over "
        f"{kv_cache.PROBE_POSITIONS:,} positions in bfloat16: {speedup:.2f}x the speed of "
        "float32 here)"
    )


def run(model: Model, *, quick: bool = False, gui: bool = True, progress: Any = None) -> Report:
    """Measure everything; `quick` uses few iterations (for CI), not fewer kinds."""
    import torch

    from writer_app.engine.loader import load_model
    from writer_app.engine.models import resolve_model

    say = progress or (lambda message: None)
    info = resolve_model(model.model)
    lm = load_model(model.model, model.device, precision=model.precision, threads=model.threads)
    threads = torch.get_num_threads()
    report = Report(
        f"Writer benchmark — {info.name}, {lm.describe().split(' · ', 1)[1]}, {threads} threads"
        f"{' (quick: few iterations)' if quick else ''}"
    )
    doc = document(lm.tokenizer)
    doc_tokens = len(lm.tokenizer(doc).input_ids)

    say("first token after an edit…")
    ours, plain = first_token_after_edit(lm, doc, 5 if quick else 24, 2 if quick else 5)
    p50, p95 = statistics.median(ours), percentile(ours, 0.95)
    plain50, plain95 = statistics.median(plain), percentile(plain, 0.95)
    report.rows.append(
        Row(
            f"first token after typing a word at the end of a {doc_tokens:,}-token document, p50",
            _ms(p50),
            f"{_ms(plain50)} (plain generate)",
            f"{plain50 / p50:.0f}x faster",
            "≥ 20x and < 150 ms",
        )
    )
    report.rows.append(Row("… p95", _ms(p95), _ms(plain95), f"{plain95 / p95:.0f}x faster"))

    say("decoding speed…")
    steps = 16 if quick else 64
    reference = (
        lm
        if lm.dtype == torch.float32 and not lm.quantized
        else load_model(model.model, model.device, precision="float32")
    )
    gguf = str(info.path) if info.is_gguf else None
    meters = {
        "ours": writer_meter(lm, steps),
        "fp32": transformers_meter(reference.model, reference.tokenizer, steps),
    }
    llama = llama_cpp_meter(gguf, threads, steps) if gguf else None
    if llama is not None:
        meters["llama.cpp"] = llama
    rounds = 1 if quick else DECODE_ROUNDS
    rates = interleaved(meters, rounds)
    rate, fp32 = rates["ours"], rates["fp32"]
    report.rows.append(
        Row(
            "decoding, tokens/s",
            f"{rate:.0f} ({lm.precision})",
            f"{fp32:.0f} (transformers float32)",
            f"{rate / fp32:.2f}x",
        )
    )
    ours_ppl, fp32_ppl = perplexity(lm, doc), perplexity(reference, doc)
    report.rows.append(
        Row(
            f"perplexity on the document's first {PERPLEXITY_TOKENS} tokens (quality)",
            f"{ours_ppl:.2f} ({lm.precision})",
            f"{fp32_ppl:.2f} (float32)",
            f"{ours_ppl / fp32_ppl:.3f}x",
            "≤ 1.01x",
        )
    )
    if "llama.cpp" in rates:
        report.rows.append(
            Row(
                "decoding vs llama.cpp (same GGUF)",
                f"{rate:.0f}",
                f"{rates['llama.cpp']:.0f} (llama.cpp)",
                f"{rate / rates['llama.cpp']:.2f}x",
                "≥ 0.8x",
            )
        )
        say("decoding after the whole document…")
        assert gguf is not None
        llama_after_doc = llama_cpp_meter(gguf, threads, steps, doc)
        assert llama_after_doc is not None  # installed: it was measured above
        after_doc = interleaved(
            {"ours": writer_meter(lm, steps, doc), "llama.cpp": llama_after_doc}, rounds
        )
        ours_long, llama_long = after_doc["ours"], after_doc["llama.cpp"]
        report.rows.append(
            Row(
                f"decoding after the {doc_tokens:,}-token document vs llama.cpp",
                f"{ours_long:.0f}",
                f"{llama_long:.0f} (llama.cpp)",
                f"{ours_long / max(llama_long, 1e-9):.2f}x",
            )
        )
    else:
        report.notes.append(
            "llama.cpp: not measured ("
            + (
                "the model is not a GGUF file"
                if not gguf
                else "install the optional extra: pip install 'writer-app[bench]'"
            )
            + ")"
        )
    report.notes.append(
        f"decoding speeds: the median of {rounds} runs of {steps} tokens each, "
        "taken in turn (Writer, transformers, llama.cpp)"
    )
    report.notes.append(_decoding_path(lm.model))
    report.notes.append(_cache_dtype(lm.model))

    if gui:
        say("GUI timer while loading and suggesting…")
        late = gui_lateness(model, doc, 3 if quick else 12)
        report.notes.append(
            "GUI timer: a 5 ms Qt timer on the thread of a fresh process's event loop while a "
            "worker thread imports torch and transformers, loads the model and suggests"
        )
        for phase, (p99, worst) in late.items():
            report.rows.append(
                Row(
                    f"GUI timer lateness while {phase} (p99 / max)",
                    f"{p99 * 1000:.1f} / {worst * 1000:.1f} ms",
                    "",
                    "",
                    "≤ 16 / ≤ 50 ms",
                )
            )

    if gui:
        say("window on screen after launch…")
        report.rows.append(
            Row("window on screen after launch", f"{window_seconds():.2f} s", "", "", "≤ 1 s")
        )

    say("load times…")
    # A warm load is a fraction of a second, so one sample on a busy machine says little:
    # the median of a few fresh processes (the peak memory: the largest).
    warms = [load_times(model.model, model.precision, cold=False) for _ in range(1 if quick else 3)]
    warm = {key: statistics.median(w[key] for w in warms) for key in warms[0]}
    warm["peak_rss"] = max(w["peak_rss"] for w in warms)
    cold = load_times(model.model, model.precision, cold=True)
    report.rows.append(
        Row(
            "first run (empty cache) to a first 8-token suggestion, after imports",
            f"{cold['first_suggestion']:.1f} s",
            f"load {cold['load']:.1f} s",
            "",
            "≤ 5 s",
        )
    )
    report.rows.append(
        Row(
            "warm model load, after imports",
            f"{warm['load']:.2f} s",
            f"imports {warm['imports']:.1f} s",
            "",
            "≤ 0.5 s",
        )
    )
    samples = ", ".join(f"{w['load']:.2f}" for w in warms)
    report.notes.append(f"warm model load: the median of {len(warms)} processes ({samples} s)")
    report.rows.append(
        Row(
            "peak memory with the model loaded",
            f"{warm['peak_rss'] / 2**30:.2f} GB",
            "",
            "",
            "< 1.2 GB",
        )
    )
    return report


def server_run(model: Model, *, quick: bool = False, progress: Any = None) -> Report:
    """The server backend side by side with the local one, in one run: the first ghost
    token after typing a word at the end of a ~2,000-token document, and decoding speed
    through Writer's client against the server's own (one whole reply, not streamed)."""
    from writer_app.engine.backends import open_local, open_server
    from writer_app.engine.local import LocalBackend
    from writer_app.engine.remote import RemoteBackend

    say = progress or (lambda message: None)
    local = open_local(model, say)
    assert isinstance(local, LocalBackend)
    server = open_server(model, say)
    assert isinstance(server, RemoteBackend)
    report = Report(
        f"Writer benchmark — server {server.describe()} against local {local.describe()}"
        f"{' (quick: few iterations)' if quick else ''}"
    )
    doc = document(local.lm.tokenizer)
    doc_tokens = len(local.lm.tokenizer(doc).input_ids)
    one = Decoding(max_new_tokens=1, alternatives=1)

    say("first token after an edit, on both…")
    for backend in (local, server):  # the document is open: each has read it once
        backend.generate(doc, one, max_context=4096, session=backend.shared_session)
    firsts: dict[str, list[float]] = {"local": [], "server": []}
    text = doc
    for i in range(5 if quick else 20):
        text += " " + WORDS[i % len(WORDS)]
        for name, backend in (("local", local), ("server", server)):
            result = backend.generate(
                text, one, max_context=4096, heal=True, session=backend.shared_session
            )
            firsts[name].append(result.first_token_seconds or 0.0)
    ours, theirs = statistics.median(firsts["server"]), statistics.median(firsts["local"])
    report.rows.append(
        Row(
            f"first token after typing a word at the end of a {doc_tokens:,}-token document, p50",
            f"{_ms(ours)} (server)",
            f"{_ms(theirs)} (local)",
            f"{ours / theirs:.2f}x",
            "≤ 1.5x",
        )
    )

    say("decoding speed…")
    steps = 16 if quick else 64

    def streamed(n: int) -> None:
        server.generate(PROMPT, Decoding(max_new_tokens=n, alternatives=1))

    def whole(n: int) -> None:
        body = {"model": server.model, "prompt": PROMPT, "max_tokens": n, "temperature": 0.0}
        server.endpoint.request("POST", "/completions", body)

    def local_run(n: int) -> None:
        local.generate(PROMPT, Decoding(max_new_tokens=n, alternatives=1))

    for warm in (streamed, whole, local_run):
        warm(4)
    meters = {
        "streamed": lambda: decode_rate(streamed, steps),
        "whole": lambda: decode_rate(whole, steps),
        "local": lambda: decode_rate(local_run, steps),
    }
    rates = interleaved(meters, 1 if quick else DECODE_ROUNDS)
    report.rows.append(
        Row(
            "decoding through Writer's client (streamed), tokens/s",
            f"{rates['streamed']:.0f}",
            f"{rates['whole']:.0f} (the server's own: one whole reply)",
            f"{rates['streamed'] / rates['whole']:.2f}x",
            "≥ 0.9x",
        )
    )
    report.rows.append(
        Row(
            "decoding, server against the local backend, tokens/s",
            f"{rates['streamed']:.0f} (server)",
            f"{rates['local']:.0f} (local, {local.lm.precision})",
            f"{rates['streamed'] / rates['local']:.2f}x",
        )
    )
    report.notes.append(
        f"decoding speeds: the median of {1 if quick else DECODE_ROUNDS} runs of {steps} "
        "tokens each (time for 1+N tokens less the time for 1), taken in turn"
    )
    server.close()
    return report
