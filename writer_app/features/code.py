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
import functools
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from writer_app.cli_context import CliContext, value_type
from writer_app.features.base import Command, Feature, Progress
from writer_app.options import Decoding, setting, spec_of
from writer_app.sandbox import DEFAULT_LIMITS, DoctestReport, Limits
from writer_app.sandbox.doctests import screen, verify
from writer_app.tasks.code import (
    Candidate,
    Edit,
    PromptKind,
    Ranked,
    Target,
    build_prompt,
    clean_candidate,
    find_function,
    function_source,
    rank,
    rejection_message,
    replace_body,
    should_stop,
    unverifiable,
)
from writer_app.tasks.code.params import ignored, parameters, required
from writer_app.tasks.code.recombine import as_body, recombine
from writer_app.tasks.code.schedule import DEFAULT_CANDIDATES, Attempt, attempts
from writer_app.translatable import QT_TRANSLATE_NOOP, Message
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.engine.backend import Backend, Prompt

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
            if self.passed and self.best.candidate.combined:
                written = len(self.candidates) - 1
                return (
                    f"{name}: doctests pass ({self.best.report.summary}); made by combining "
                    f"parts of the {written} bod{'y' if written == 1 else 'ies'} the model wrote"
                )
            if self.passed:
                return f"{name}: doctests pass ({self.best.report.summary})"
            tried = len(self.candidates)
            if self.status.startswith("held back"):
                return f"{name}: no candidate could be accepted ({tried} tried); {self.status}"
            return f"{name}: no candidate passed its doctests ({tried} tried); {self.status}"
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
    backend: Backend,
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

    Best-of-N with an early stop: the model writes up to `candidates` bodies (default: the
    decoding's `alternatives`) one at a time, in the order `tasks.code.schedule` gives (the
    prompt's forms in turn; each form first as `decoding` says, greedy unless it samples, then
    sampled at rising temperatures). Each is cleaned and checked as it comes, and writing
    stops at the first good enough: with `verify_doctests`, the first whose docstring examples
    pass (run in the sandbox, twice) and that reads every parameter; without, the first usable
    one (it parses, does not repeat the signature or docstring, is more than a placeholder).
    When verification finds none, the candidates' parts are combined (`_combined`). The best is
    proposed (`tasks.code.rank`).

    `on_update` gets a `Progress` event per candidate ("candidate 5 of 12"); `cancel` stops
    the candidate being written within a token, and no other starts. `decoding.max_time`, when
    set, bounds the whole job. Raises CodeTaskError when there is nothing to write here, and
    `engine.backend.GenerationCancelled` when `cancel` was set before anything was written.
    """
    from writer_app.engine.backend import GenerationCancelled

    started = time.perf_counter()
    target = find_target(source, where)
    count = max(1, candidates if candidates is not None else decoding.alternatives)
    note = (unverifiable(target) or "") if verify_doctests else "verification is off"
    run_doctests = verify_doctests and not note
    prompts = _Prompts(backend, source, target)
    needed = required(target)
    cleaned: list[Candidate] = []
    reports: list[DoctestReport | None] = []
    held: dict[int, str] = {}  # candidates that pass but are held back, each with why
    checked: set[str] = set()
    name = f"{target.name}()"
    deadline = started + decoding.max_time if decoding.max_time > 0 else None

    def progress(message: str) -> None:
        if on_update is not None:
            on_update(Progress(message))

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    def good(candidate: Candidate) -> bool:
        """Whether the candidate is good enough to stop: checked if need be."""
        body = candidate.body
        if body is None or body in checked:  # rejected, or a body already checked
            return False
        checked.add(body)
        if not run_doctests or cancelled():
            return True  # the first usable body is the proposal
        checking = QT_TRANSLATE_NOOP(
            "Messages", "Writing {name}: checking candidate {n} of {count}…"
        )
        progress(Message(checking, name=name, n=len(cleaned), count=count))
        report = _verify_twice(replace_body(source, target, body).source, target, limits)
        reports[-1] = report
        unread = ignored(body, needed) if report is not None and report.passed else []
        if unread:
            held[len(cleaned) - 1] = (
                f"it never reads {', '.join(unread)} (passing the examples may only mean it "
                "repeats their answers)"
            )
        return bool(report is not None and report.passed and not unread)

    for attempt in attempts(count, decoding.temperature):
        how = _attempt_decoding(decoding, attempt, deadline)
        if how is None or cancelled():
            break  # out of time, or cancelled between candidates
        writing = QT_TRANSLATE_NOOP("Messages", "Writing {name}: candidate {n} of {count}…")
        progress(Message(writing, name=name, n=attempt.number, count=count))
        prompt, session = prompts.get(attempt.kind)
        try:
            result = backend.generate(
                prompt,
                how,
                is_done=functools.partial(should_stop, target=target, kind=attempt.kind),
                cancel=cancel,
                session=session,
            )
        except GenerationCancelled:
            break
        cleaned.append(clean_candidate(result.texts[0], target, attempt.kind))
        reports.append(None)
        if good(cleaned[-1]) or result.cancelled:
            break
    if not cleaned and cancelled():
        raise GenerationCancelled()
    passed = any(r is not None and r.passed and i not in held for i, r in enumerate(reports))
    if run_doctests and not passed and not cancelled() and any(c.ok for c in cleaned):
        combining = QT_TRANSLATE_NOOP("Messages", "Writing {name}: combining the candidates…")
        progress(Message(combining, name=name))
        found = _combined(source, target, cleaned, needed, limits, cancelled, deadline)
        if found is not None:
            cleaned.append(found[0])
            reports.append(found[1])
    ranked = tuple(rank(cleaned, reports, held))
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


_SLOT = "__writer_expression__"
SCREEN_CHUNK = 4000  # variants per sandboxed screening: the first chunk with a pass ends it


def _combined(
    source: str,
    target: Target,
    cleaned: list[Candidate],
    needed: list[str],
    limits: Limits,
    cancelled: Callable[[], bool],
    deadline: float | None,
) -> tuple[Candidate, DoctestReport] | None:
    """A body made of parts of the candidates' (`tasks.code.recombine`) that passes the
    doctests, or None: the variants (each reading all of `needed`) are screened in the sandbox
    a chunk at a time, smallest first, and the first few kept are each checked as any candidate
    is (`_verify_twice`).
    """
    bodies = [c.body for c in cleaned if c.body is not None]
    params = parameters(target)
    if not bodies or not params:
        return None
    expressions = recombine(bodies, params, required=needed)
    module = function_source(replace_body(source, target, as_body(_SLOT, bodies[0])).source, target)
    if module.count(_SLOT) != 1:
        return None

    def stop() -> bool:
        return cancelled() or (deadline is not None and time.perf_counter() > deadline)

    for start in range(0, len(expressions), SCREEN_CHUNK):
        if stop():
            return None
        chunk = expressions[start : start + SCREEN_CHUNK]
        kept = screen([module.replace(_SLOT, f"({e})") for e in chunk], target, stop=stop)
        if stop():
            return None
        for index in kept[:3]:
            body = as_body(chunk[index], bodies[0])
            report = _verify_twice(replace_body(source, target, body).source, target, limits)
            if report is not None and report.passed:
                return Candidate("", body, combined=True), report
        if kept:
            return None
    return None


def _verify_twice(new_source: str, target: Target, limits: Limits) -> DoctestReport | None:
    """`verify`, and a pass run again in another fresh process: a body whose result depends on
    chance (a set's order, which changes from one process to the next) seldom passes twice."""
    report = verify(new_source, target, limits)
    if report is None or not report.passed:
        return report
    again = verify(new_source, target, limits)
    if again is None or again.passed:
        return report
    why = f"passed once but not when run again ({again.summary}): its result depends on chance"
    return dataclasses.replace(again, summary=why)


class _Prompts:
    """Each form of the prompt, made when first needed, with a session of its own: the
    model reads each prompt once however many candidates it writes from it."""

    def __init__(self, backend: Backend, source: str, target: Target) -> None:
        self.backend, self.source, self.target = backend, source, target
        self.made: dict[PromptKind, tuple[Prompt, Any]] = {}

    def get(self, kind: PromptKind) -> tuple[Prompt, Any]:
        """The prompt (text or chat) and its session."""
        from writer_app.engine.backend import Chat

        if kind not in self.made:
            made = build_prompt(self.source, self.target, kind)
            prompt: Prompt = made.text
            if kind in ("chat", "begun"):
                prompt = Chat(made.messages, begun=kind == "begun")
            self.made[kind] = (prompt, self.backend.session())
        return self.made[kind]


def _attempt_decoding(
    decoding: Decoding, attempt: Attempt, deadline: float | None
) -> Decoding | None:
    """How one candidate is written: as `decoding` says, or sampled at the attempt's
    temperature with a seed of its own (the same seed would repeat the same sample); None
    when the job's time is up."""
    from writer_app.decoding import alternatives_decoding

    how = decoding
    if attempt.temperature is not None:
        how = dataclasses.replace(
            alternatives_decoding(decoding),
            temperature=attempt.temperature,
            seed=None if decoding.seed is None else decoding.seed + attempt.number - 1,
        )
    if deadline is None:
        return how
    left = deadline - time.perf_counter()
    return dataclasses.replace(how, max_time=left) if left > 0 else None


# --- the feature ---------------------------------------------------------------------------


@dataclass
class CodeSettings(Decoding):
    """The Code task's decoding, and whether generated code may run to be checked."""

    run_generated_code: bool = setting(
        False,
        "Generate code from docstring: check each body the model writes by running the "
        "docstring's examples (doctests). This runs code written by the model on this computer, "
        "in a separate process with a time limit, memory and CPU limits, its own temporary "
        "folder and none of your environment variables. On Linux the kernel also confines it "
        "(namespaces, Landlock, seccomp: no network, no other processes, your files read-only "
        "and your home folder unreadable); where the system lacks one of these, a pass says "
        '"verified with reduced isolation (no …)". Off: bodies are only checked to parse.',
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
        help="the most bodies the model may write, one at a time; it stops at the first that "
        "passes its doctests (with --verify) or, unchecked, the first usable one (the same as "
        f"--alternatives; default {DEFAULT_CANDIDATES})",
    )


def _cli(ctx: CliContext) -> int:
    from writer_app.documents import (
        DocumentError,
        check_can_save,
        decode_document,
        read_document_bytes,
        shown_path,
        write_document,
    )

    args = ctx.args
    decoding = ctx.decoding()
    try:
        original = read_document_bytes(args.file)
        text, fmt = decode_document(original, name=shown_path(args.file))
        if args.in_place:  # before the model works: could the result be written back?
            check_can_save(args.file)
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
    backend = ctx.load()
    result = generate_body(
        backend,
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
            # Another program (an editor) may have changed the file while the model wrote:
            # never overwrite that.
            changed = read_document_bytes(args.file) != original
        except DocumentError:
            changed = True
        if changed:
            ctx.fail(
                f"{shown_path(args.file)} changed while the function was being written, so it "
                "was not overwritten; run again, or without --in-place to print the result"
            )
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
    defaults={
        "temperature": 0.4,
        "max_new_tokens": 256,
        "max_time": 60.0,
        "alternatives": DEFAULT_CANDIDATES,
    },
    settings=CodeSettings,
    priority=Priority.INTERACTIVE,
    command=Command(
        "code",
        "write the body of a Python function from its docstring; prints the file",
        _arguments,
        _cli,
    ),
)
