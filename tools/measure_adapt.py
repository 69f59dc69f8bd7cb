"""Learn my writing, measured: held-out perplexity before and after training an adapter on
about 30,000 tokens of one author's prose, training speed, and decoding speed with and
without the adapter (int4, the lean step, the prefix cache: as the editor runs).

    .venv/bin/python tools/measure_adapt.py [--docs FOLDER] [--tokens 30000] [--minutes 10]
        [--threads 2] [--rank 16] [--reuse] [--rounds 6] [--decode-threads N]

--docs: a folder of one author's .txt/.md files. By default, the prose of "The Rust
Programming Language" (Klabnik and Nichols; MIT/Apache-2.0) from rustup's local
documentation, one document per chapter, code blocks left out: nothing is downloaded.
Whole chapters are held out. The adapter is stored as "measure-adapt" (--reuse: measure
the one stored already).
"""

from __future__ import annotations

import argparse
import glob
import html
import os
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from writer_app.engine import adapters
from writer_app.engine.training_process import TrainingRun, TrainSettings, job, read_corpus

NAME = "measure-adapt"
BOOK = "~/.rustup/toolchains/*/share/doc/rust/html/book/ch[0-9]*.html"


class _Prose(HTMLParser):
    """The paragraphs and list items of a book page's main text (no code blocks)."""

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self._depth = 0  # inside <p>/<li>
        self._pre = 0
        self._main = False
        self._current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self._main = True
        elif tag == "pre":
            self._pre += 1
        elif tag in ("p", "li") and self._main and not self._pre:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._main = False
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag in ("p", "li") and self._depth:
            self._depth -= 1
            if not self._depth:
                text = " ".join("".join(self._current).split())
                if len(text) > 40:
                    self.paragraphs.append(text)
                self._current = []

    def handle_data(self, data: str) -> None:
        if self._depth and not self._pre:
            self._current.append(data)


def book_documents(folder: Path, chars: int) -> int:
    """The book's chapters as text files in `folder`, up to about `chars` characters."""
    total = 0
    pages = sorted(glob.glob(os.path.expanduser(BOOK)))
    pages = [p for p in pages if "print" not in p]
    if not pages:
        sys.exit("No --docs given, and the Rust book is not in ~/.rustup: give a folder")
    for page in pages:
        parser = _Prose()
        parser.feed(Path(page).read_text(encoding="utf-8"))
        text = html.unescape("\n\n".join(parser.paragraphs))
        if len(text) < 2000:
            continue
        (folder / (Path(page).stem + ".txt")).write_text(text, encoding="utf-8")
        total += len(text)
        if total >= chars:
            break
    return total


def train(docs: Path, args: argparse.Namespace) -> dict[str, object]:
    corpus = read_corpus([docs])
    print(f"{len(corpus.documents)} documents, {corpus.characters:,} characters", flush=True)
    settings = TrainSettings(rank=args.rank, max_seconds=args.minutes * 60)
    run = TrainingRun(job(NAME, "builtin", corpus, settings, threads=args.threads, replace=True))
    run.start()
    while run.outcome is None:
        for event in run.events(1.0):
            if event["event"] == "start":
                print(event, flush=True)
            elif event["event"] == "progress" and event["measured"]:
                print(
                    f"step {event['step']}: {event['tokens']:,} tokens, loss "
                    f"{event['loss']:.3f}, held-out perplexity {event['perplexity']:.2f}, "
                    f"{event['elapsed'] / 60:.1f} min, {event['tokens_per_second']:.0f} tok/s",
                    flush=True,
                )
    if run.outcome.manifest is None:
        sys.exit(run.outcome.message)
    return run.outcome.manifest


def _step_rate(lm: Any, prompt: str, steps: int) -> float:
    """Tokens/s of `steps` greedy decoding steps (the lean step) after `prompt`, on the
    cache Writer's generation uses (it grows in place, so the compiled layers take it)."""
    import torch

    from writer_app.engine.kv_cache import new_cache

    ids = lm.tokenizer(prompt, return_tensors="pt").input_ids
    with torch.inference_mode():
        cache = new_cache(lm.model)
        out = lm.model(input_ids=ids, cache=cache, use_cache=True)
        token = out.logits[:, -1:].argmax(-1)
        started = time.perf_counter()
        for _ in range(steps):
            out = lm.model(input_ids=token, cache=cache, use_cache=True)
            token = out.logits[:, -1:].argmax(-1)
        return steps / (time.perf_counter() - started)


def decode_speeds(rounds: int) -> dict[str, list[float]]:
    """Decoding speed with the adapter switched on and off in turns on one model (int4, the
    lean step, as the editor loads it), and the first token after an edit on two copies of
    the model, one with the adapter (each with its prefix cache)."""
    from writer_app.engine.loader import load_model
    from writer_app.engine.local import LocalBackend
    from writer_app.engine.prefix_cache import PrefixCache
    from writer_app.options import Decoding

    plain = LocalBackend(load_model("builtin", "cpu"))
    adapted = LocalBackend(load_model("builtin", "cpu"))
    adapted.use_adapter(NAME)
    attached = adapted.adapter
    assert attached is not None
    print(adapted.describe(), flush=True)
    story = (
        "The keeper climbed the stairs of the lighthouse every evening at dusk, and every "
        "evening the sea below him was a different colour. "
    )
    one = Decoding(max_new_tokens=1, max_time=0.0)
    doc = story * 60  # about 2,000 tokens: a document open in the editor
    found: dict[str, list[float]] = {k: [] for k in ("step", "step+a", "first", "first+a")}
    sessions = {False: PrefixCache(), True: PrefixCache()}
    backends = {False: plain, True: adapted}
    for key, backend in backends.items():
        backend.generate(doc, one, session=sessions[key])  # the document is open
    attached.sync()
    for i in range(rounds):
        for on in (False, True) if i % 2 == 0 else (True, False):
            suffix = "+a" if on else ""
            attached.active = on
            found["step" + suffix].append(_step_rate(adapted.lm, story, 64))
            started = time.perf_counter()
            backends[on].generate(doc + f" word{i}", one, session=sessions[on])
            found["first" + suffix].append(time.perf_counter() - started)
    samples = {k: b.generate("The borrow checker", Decoding(max_new_tokens=40)).texts[0]
               for k, b in backends.items()}  # fmt: skip
    print(f"continuation without: {samples[False]!r}\ncontinuation with:    {samples[True]!r}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, help="a folder of one author's documents")
    parser.add_argument("--tokens", type=int, default=30_000, help="about this much text")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--decode-threads", type=int, default=0, help="CPU threads for decoding (0: torch's)"
    )
    parser.add_argument("--reuse", action="store_true", help="measure the stored adapter")
    args = parser.parse_args()
    if not args.reuse:
        with tempfile.TemporaryDirectory() as tmp:
            docs = args.docs
            if docs is None:
                docs = Path(tmp)
                book_documents(docs, int(args.tokens * 1.1 * 4.3))  # ~4.3 characters a token
            manifest = train(docs, args)
    else:
        manifest = adapters.find(NAME).manifest
    ppl, run, tokens = manifest["perplexity"], manifest["training"], manifest["tokens"]
    assert isinstance(ppl, dict) and isinstance(run, dict) and isinstance(tokens, dict)
    if args.decode_threads:
        import torch

        torch.set_num_threads(args.decode_threads)
    speeds = decode_speeds(args.rounds)
    med = {k: statistics.median(v) for k, v in speeds.items()}
    best = {k: max(v) if k.startswith("step") else min(v) for k, v in speeds.items()}
    before, after = ppl["before"], ppl["after"]
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| training text | {tokens['train']:,} tokens (+ {tokens['heldout']:,} held out) |")
    print(f"| held-out perplexity | {before:.2f} → {after:.2f} ({(after / before - 1):+.1%}) |")
    print(
        f"| training | {run['steps']} steps, {tokens['seen']:,} tokens in "
        f"{run['seconds'] / 60:.1f} min, {run['tokens_per_second']} tok/s, "
        f"{run['threads']} threads, stopped: {run['stopped']} |"
    )
    for key, what, unit in (
        ("step", "decode steps, int4 lean step", "tok/s"),
        ("first", "first token after an edit (2,000-token document)", "ms"),
    ):
        scale = 1000 if unit == "ms" else 1
        for how, values in ((f"median of {args.rounds}", med), ("best", best)):
            a, b = values[key] * scale, values[key + "+a"] * scale
            print(f"| {what}, {how} | {a:.1f} {unit} without, {b:.1f} with ({b / a:.2f}x) |")
        # Each round measures both within a second or two: the ratio within a round is the
        # least disturbed by a shared machine's drifting speed.
        ratios = [b / a for a, b in zip(speeds[key], speeds[key + "+a"], strict=True)]
        print(f"| {what}, with/without within a round, median | {statistics.median(ratios):.2f}x |")


if __name__ == "__main__":
    main()
