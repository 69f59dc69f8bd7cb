"""Docstring → code, end to end: find the function, have the model write candidate bodies,
clean and check them, optionally run their doctests, and propose the best one; the feature's
declaration, its settings and `writer-cli code`.

`generate_body` is the one pipeline the window (through the assistant, on the model worker
thread) and `writer-cli code` both use. The rules for each step live in `tasks/code/`; the
window's side is `ui/code.py`. It never imports Qt; torch is imported only when generation
starts. Generated code runs only when the caller passes ``verify_doctests=True`` (the user
allowed it), and then only in the sandbox's contained child process (`writer_app.sandbox`).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from writer_app.cli_context import CliContext, value_type
from writer_app.features.base import Command, Feature, Progress
from writer_app.options import Decoding, setting, spec_of
from writer_app.sandbox import DEFAULT_LIMITS, DoctestReport, Limits
from writer_app.sandbox.doctests import verify
from writer_app.tasks.code import (
    Candidate,
    Edit,
    Ranked,
    Target,
    build_prompt,
    clean_candidate,
    find_function,
    rank,
    rejection_message,
    replace_body,
    should_stop,
    unverifiable,
)
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.loader import LoadedModel

OnProgress = Callable[[Progress], None]

_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


class CodeTaskError(ValueError):
    """The request cannot be carried out (no function here, no docstring…); for the user."""


@dataclass(frozen=True)
class CodeResult:
    """What the model wrote for one function, checked and ranked.

    `edit` is the proposal (the best candidate placed in `source`), None when every candidate
    was rejected; `message` then says why.
    """

    source: str  # the source the body was written for
    target: Target
    candidates: tuple[Candidate, ...]  # every model output, cleaned or rejected, in model order
    ranked: tuple[Ranked, ...]  # the usable ones, best first
    edit: Edit | None
    verified: bool  # doctests were run
    note: str  # why they were not run although asked ("" if they were, or were not asked)
    seconds: float

    @property
    def ok(self) -> bool:
        return self.edit is not None

    @property
    def best(self) -> Ranked | None:
        return self.ranked[0] if self.ranked else None

    @property
    def body(self) -> str:
        """The proposed body, indented for its place ("" if none)."""
        return self.best.body if self.best is not None else ""

    @property
    def status(self) -> str:
        """ "doctests pass", "doctests failed: …", "not verified" or "" when nothing is usable."""
        return self.best.status if self.best is not None else ""

    @property
    def passed(self) -> bool:
        return self.status == "doctests pass"

    @property
    def message(self) -> str:
        """One line for the user about the outcome."""
        name = f"{self.target.name}()"
        if self.best is None:
            return rejection_message(self.candidates)
        if self.best.report is not None:
            if self.passed:
                return f"{name}: doctests pass ({self.best.report.summary})"
            return f"{name}: {self.status}"
        return f"{name}: not verified ({self.note})" if self.note else f"{name}: not verified"


def find_target(source: str, where: int | str) -> Target:
    """The function to write: the one around character offset `where`, or the one named
    `where` ("f", or qualified: "Stack.push"). Raises CodeTaskError with a message for the user.
    """
    if isinstance(where, str):
        return _named(source, where)
    target = find_function(source, where)
    if target is None:
        raise CodeTaskError(
            "Put the cursor inside a function that has a docstring (its body can be empty)."
        )
    return _writable(target)


def _writable(target: Target) -> Target:
    problem = target.problem()
    if problem:
        raise CodeTaskError(problem)
    if not target.is_empty:
        raise CodeTaskError(
            f"{target.name}() already has a body. Delete it (or leave only `pass`) to have "
            "one written from the docstring."
        )
    return target


def functions(source: str) -> list[Target]:
    """Every function of the source that `find_function` can place, in source order."""
    found: dict[tuple[int, int], Target] = {}
    for match in _DEF.finditer(source):
        target = find_function(source, match.start(1))
        if target is not None and target.short_name == match.group(1):
            found.setdefault(target.span, target)
    return list(found.values())


def empty_functions(source: str) -> list[Target]:
    """The functions that have a docstring and no body yet: the ones to write."""
    return [t for t in functions(source) if t.is_empty and not t.problem()]


def _named(source: str, name: str) -> Target:
    name = name.strip().removesuffix("()")
    every = functions(source)
    matches = [t for t in every if t.name == name] or [t for t in every if t.short_name == name]
    if not matches:
        raise CodeTaskError(f"No function named {name!r} in the file.")
    if len(matches) > 1:
        names = ", ".join(t.name for t in matches)
        raise CodeTaskError(f"More than one function is named {name!r} ({names}); name one.")
    return _writable(matches[0])


def generate_body(
    lm: LoadedModel,
    source: str,
    where: int | str,
    decoding: Decoding,
    *,
    candidates: int | None = None,
    verify_doctests: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    cancel: threading.Event | None = None,
    on_update: OnProgress | None = None,
) -> CodeResult:
    """Write the body of the function at `where` (a cursor offset or a function name).

    The model first writes one body following `decoding` (greedy unless it says to sample).
    If that one is usable (it parses, does not repeat the signature or docstring, is more than
    a placeholder) and, with `verify_doctests`, passes the docstring's examples (run in the
    sandbox), it is proposed at once. Otherwise the model samples up to `candidates` - 1 more
    (default: the decoding's `alternatives`), checked the same way in the model's order until
    one passes; the best is proposed (see `tasks.code.rank`). `on_update` gets progress
    messages (`Progress` events).

    Raises CodeTaskError when there is nothing to write here, and
    `engine.generation.GenerationCancelled` when `cancel` was set before anything was written.
    """
    from writer_app.decoding import alternatives_decoding
    from writer_app.engine.generation import GenerationCancelled, generate
    from writer_app.engine.prefix_cache import PrefixCache

    started = time.perf_counter()
    target = find_target(source, where)
    count = max(1, candidates if candidates is not None else decoding.alternatives)
    note = (unverifiable(target) or "") if verify_doctests else "verification is off"
    run_doctests = verify_doctests and not note
    prompt = build_prompt(source, target, "completion")
    cache = PrefixCache()  # the prompt is read once for both rounds
    cleaned: list[Candidate] = []
    reports: list[DoctestReport | None] = []
    checked: set[str] = set()

    def progress(message: str) -> None:
        if on_update is not None:
            on_update(Progress(message))

    def write(how: Decoding, rows: int) -> bool:
        """Add `rows` candidates; True once one is good enough to stop."""
        try:
            result = generate(
                lm,
                prompt.text,
                how,
                candidates=rows,
                heal=False,
                is_done=lambda text: should_stop(text, target),
                cancel=cancel,
                prefix_cache=cache,
            )
        except GenerationCancelled:
            if cleaned:
                return True  # keep what the first round wrote
            raise
        done = False
        for text in result.texts:
            candidate = clean_candidate(text, target)
            cleaned.append(candidate)
            reports.append(None)
            body = candidate.body
            if body is None or body in checked or done:  # rejected, a repeat, or not needed
                continue
            checked.add(body)
            if not run_doctests or (cancel is not None and cancel.is_set()):
                done = True  # the first usable body is the proposal
                continue
            progress(f"Checking a candidate against its doctests ({len(cleaned)} of {count})…")
            reports[-1] = verify(replace_body(source, target, body).source, target, limits)
            done = bool(reports[-1] is not None and reports[-1].passed)
        if done:
            return True
        return bool(result.cancelled)

    progress(f"Writing {target.name}() from its docstring…")
    if not write(decoding, 1) and count > 1:
        progress(f"Writing {target.name}(): trying {count - 1} more candidates…")
        write(alternatives_decoding(decoding), count - 1)
    ranked = tuple(rank(cleaned, reports))
    return CodeResult(
        source=source,
        target=target,
        candidates=tuple(cleaned),
        ranked=ranked,
        edit=replace_body(source, target, ranked[0].body) if ranked else None,
        verified=any(r is not None for r in reports),
        note=note,
        seconds=time.perf_counter() - started,
    )


# --- the feature ---------------------------------------------------------------------------


@dataclass
class CodeSettings(Decoding):
    """The Code task's decoding, and whether generated code may run to be checked."""

    run_generated_code: bool = setting(
        False,
        "Generate code from docstring: check each body the model writes by running the "
        "docstring's examples (doctests). This runs code written by the model on this computer, "
        "in a separate process with a time limit, memory and CPU limits, its own temporary "
        "folder and none of your environment variables. Off: bodies are only checked to parse.",
        label="Run generated code to check it (doctests)",
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the Python file")
    parser.add_argument(
        "--function",
        metavar="NAME",
        help="the function to write (f or Class.method); default: the first one with a "
        "docstring and no body",
    )
    parser.add_argument(
        "--in-place", action="store_true", help="write the result back to FILE instead of printing"
    )
    parser.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        help="run the docstring's examples (doctests) against each candidate in a sandboxed "
        "child process and propose the first that passes; this runs generated code "
        "(default: the Run generated code setting, off unless you turned it on)",
    )
    alternatives = next(f for f in dataclasses.fields(Decoding) if f.name == "alternatives")
    parser.add_argument(
        "--candidates",
        dest="alternatives",
        metavar="N",
        type=value_type("alternatives", int, spec_of(alternatives)),
        help="how many bodies the model may write (the same as --alternatives)",
    )


def _cli(ctx: CliContext) -> int:
    from writer_app.documents import DocumentError, read_document, write_document

    args = ctx.args
    decoding = ctx.decoding()
    try:
        text, fmt = read_document(args.file)
    except DocumentError as exc:
        ctx.fail(str(exc))
    try:  # before the model loads: is there anything to write?
        if args.function is not None:
            where = find_target(text, args.function).name
        else:
            todo = empty_functions(text)
            if not todo:
                ctx.fail(
                    f"{args.file}: no function has a docstring and an empty body; "
                    "write one, or name a function with --function"
                )
            where = todo[0].name
            if len(todo) > 1:
                others = ", ".join(t.name for t in todo[1:])
                ctx.note(
                    f"writing {where}(); also without a body: {others} (choose with --function)"
                )
    except CodeTaskError as exc:
        ctx.fail(f"{args.file}: {exc}")
    verify = bool(getattr(decoding, "run_generated_code", False))
    if args.verify is not None:
        verify = args.verify
    lm = ctx.load()
    result = generate_body(
        lm,
        text,
        where,
        decoding,
        candidates=decoding.alternatives,
        verify_doctests=verify,
        on_update=lambda event: ctx.say(str(getattr(event, "message", event))),
    )
    if result.edit is None:
        ctx.fail(result.message)
    ctx.say(f"writer-cli: {result.message}")
    if args.in_place:
        try:
            write_document(args.file, result.edit.source, fmt)
        except DocumentError as exc:
            ctx.fail(str(exc))
        ctx.say(f"writer-cli: wrote {args.file}")
    else:
        sys.stdout.write(result.edit.source)
    return 0


FEATURE = Feature(
    name="code",
    title="Code",
    help="Write a Python function's body from its docstring",
    defaults={"temperature": 0.4, "max_new_tokens": 256, "max_time": 60.0, "alternatives": 4},
    settings=CodeSettings,
    priority=Priority.INTERACTIVE,
    command=Command(
        "code",
        "write the body of a Python function from its docstring; prints the file",
        _arguments,
        _cli,
    ),
)
