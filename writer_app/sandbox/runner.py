"""The parent side of the doctest sandbox: parse the examples, start the child, wait, kill,
and decide the verdict from what the child printed.

Docstring → code checks a candidate function against the examples in its docstring, but only
when the user allowed running generated code. The candidate then runs in a fresh Python
process (`writer_app.sandbox.child`) that:

- starts isolated (``python -I -B``) with an almost empty environment (none of the user's
  variables, so no tokens or passwords), in a temporary folder that is deleted afterwards;
- on Linux, runs behind layers the kernel enforces (`writer_app.sandbox.confine`): new user,
  mount, network and PID namespaces (no network; no other process visible; every mount
  read-only but its folder), Landlock (read only Python's and the system's files, write only
  its folder, no TCP, no signals out), a seccomp filter (no exec, no new processes, no signals
  to others, no pidfds, no mknod, no sockets, no mounts), no capabilities;
- gets resource limits: address space (memory), CPU seconds, file size, open files, no core
  dumps and, for users other than root, no new processes (``RLIMIT_NPROC``);
- runs behind an audit hook that names refused actions (a convenience, not a boundary);
- is killed with its whole process group when the wall-clock timeout runs out, and everything
  it started dies with its PID namespace (or its subreaper).

A layer the kernel cannot give is listed in the report (`DoctestReport.missing`) and a pass
then says "verified with reduced isolation (no …)". Limits are set by the child itself rather
than in a ``preexec_fn``, which is unsafe in a threaded program like the app.

The verdict is decided here. The examples are parsed here, from the source (never run: `ast`);
the child runs them and reports what each printed or raised, and this side compares that with
the expected output as doctest would. A pass needs every example reported, in order, the
child's end-of-run line and a clean exit; the child's own claims (it could forge any line after
its first) are never taken for a pass.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import importlib.resources
import json
import keyword
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from writer_app.sandbox.child import LAYERS

FILE_SIZE_LIMIT_MB = 4  # largest file the candidate may write
OPEN_FILES_LIMIT = 64
NEW_FILES_LIMIT = 256  # files and folders the candidate may create
_REPORT_BYTES = 16 << 20  # the most of the child's report that is read
_STDERR_TAIL_BYTES = 4096
_CLIP = 80  # characters of an example, expected or actual output in a summary

# Reasons for a refused action, by the kind the child reports.
_VIOLATIONS = {
    "write": "tried to write outside its folder",
    "read": "tried to read files outside its folder",
    "device": "tried to open a device",
    "process": "tried to start a process",
    "network": "tried to use the network",
    "native": "tried to load native code",
    "signal": "tried to signal another process",
    "limits": "tried to change its resource limits",
    "disk": "tried to create too many files",
    "escape": "tried to get around the sandbox",
}


@dataclass(frozen=True)
class Limits:
    """What one doctest run may use: wall-clock seconds, megabytes of memory, CPU seconds."""

    timeout_s: float = 5.0
    memory_mb: int = 512
    cpu_s: int = 5

    def __post_init__(self) -> None:
        timeout = self.timeout_s
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise ValueError("timeout_s must be a positive number of seconds")
        for name in ("memory_mb", "cpu_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive whole number")


DEFAULT_LIMITS = Limits()
# A screening runs thousands of small variants one after another.
SCREEN_LIMITS = Limits(timeout_s=20.0, cpu_s=15)


# The layers whose absence a pass mentions: the child's own list.
ISOLATION_LAYERS = LAYERS
# For tests: layers the child leaves out ("namespaces", "mounts", "landlock", "seccomp").
_SKIP_LAYERS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DoctestReport:
    """The outcome of one run: passed only if every example ran and matched.

    `layers`: the isolation the child ran under ("user namespace", "Landlock", "seccomp
    filter"…); `missing`: the layers it could not get, each "name: why". Neither takes part in
    comparisons.
    """

    passed: bool
    attempted: int
    failed: int
    summary: str  # one short line for the user, e.g. "timed out after 5 s"
    layers: tuple[str, ...] = field(default=(), compare=False)
    missing: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class _Examples:
    """What the parent parsed from the source: the examples to run (SKIP left out)."""

    name: str
    found: bool  # a def or class of that name is in the source
    examples: tuple[doctest.Example, ...] = ()
    skipped: int = 0
    error: str = ""  # the docstring's examples could not be read


def run_doctests(source: str, function_name: str, limits: Limits = DEFAULT_LIMITS) -> DoctestReport:
    """Run the docstring examples of ``function_name`` (``"f"`` or ``"Class.method"``),
    defined in the module ``source``, in a contained child process.

    Blocks for up to ``limits.timeout_s`` (plus start-up); call it off the GUI thread. Never
    raises for anything the code does; raises ValueError for bad arguments.
    """
    _check_arguments(source, function_name, limits)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        line = f" on line {exc.lineno}" if isinstance(exc.lineno, int) else ""
        return DoctestReport(False, 0, 0, f"syntax error{line}: {_clip(exc.msg or '', 120)}")
    except (ValueError, MemoryError, RecursionError) as exc:  # null bytes, deep nesting
        return DoctestReport(False, 0, 0, f"syntax error: {_clip(str(exc), 120)}")
    parsed = _parse_examples(tree, function_name)
    if parsed.error:
        return DoctestReport(
            False, 0, 0, f"the docstring examples could not be read: {parsed.error}"
        )
    if not sys.executable or getattr(sys, "frozen", False):
        # A frozen (PyInstaller) app has no interpreter to start; see the report.
        return DoctestReport(False, 0, 0, "cannot run doctests: no Python interpreter found")
    job = {"source": source, "examples": [example.source for example in parsed.examples]}
    child = _run_child(job, function_name, limits)
    if isinstance(child, str):
        return DoctestReport(False, 0, 0, child)
    if child.lingering:
        return DoctestReport(False, 0, 0, "left a process running after it ended")
    return _build_report(
        parsed,
        child.events,
        child.exited,
        child.returncode,
        child.stderr_tail,
        limits,
        child.overflow,
    )


def screen_doctests(
    sources: Sequence[str],
    function_name: str,
    limits: Limits = SCREEN_LIMITS,
    stop: Callable[[], bool] | None = None,
) -> list[int]:
    """The indices of `sources` (variants of one module, the examples read from the first)
    whose examples of ``function_name`` all pass, run one after another in one contained child.

    A quick sieve for many variants at the cost of one start, never a verdict: the child
    compares the outputs itself, so a variant could claim to pass; run `run_doctests` on the
    one you keep. Variants share the child (one may change what the next one sees), and those
    after one that exhausts the limits are not run. Blocks until done or until `stop()` (asked
    every few milliseconds) is true, then gives what passed so far; call it off the GUI thread.
    """
    if not sources:
        return []
    _check_arguments(sources[0], function_name, limits)
    try:
        parsed = _parse_examples(ast.parse(sources[0]), function_name)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    if parsed.error or not parsed.examples or not sys.executable or getattr(sys, "frozen", False):
        return []
    examples = [
        {
            "source": e.source,
            "want": e.want,
            "exc_msg": e.exc_msg,
            "flags": _flags(e),
        }
        for e in parsed.examples
    ]
    job = {"sources": list(sources), "examples": examples}
    child = _run_child(job, function_name, limits, stop)
    if isinstance(child, str) or not child.events or child.events[0]["type"] != "setup":
        return []
    indices = [e.get("index") for e in child.events[1:] if e["type"] == "passed"]
    valid = range(len(sources))
    return sorted({i for i in indices if isinstance(i, int) and type(i) is not bool and i in valid})


@dataclass(frozen=True)
class _ChildRun:
    events: list[dict[str, Any]]
    exited: bool  # by itself, within the time limit
    returncode: int | None
    stderr_tail: str
    overflow: bool  # its report was longer than is read
    lingering: bool  # it left a process holding the report open


def _run_child(
    job: dict[str, Any],
    function_name: str,
    limits: Limits,
    stop: Callable[[], bool] | None = None,
) -> _ChildRun | str:
    """Run the child program on `job` (what to run: "source" and "examples", or "sources" for a
    screening) under `limits`; what it reported, or why it could not start."""
    # ignore_cleanup_errors: the candidate must not be able to make this call raise.
    with tempfile.TemporaryDirectory(prefix="writer-sandbox-", ignore_cleanup_errors=True) as tmp:
        work = Path(os.path.realpath(tmp))
        box = work / "box"  # the child's working folder, the only place it may write
        box.mkdir(mode=0o700)
        payload = work / "payload.json"
        stderr_path = work / "stderr.txt"
        home = os.path.realpath(os.path.expanduser("~"))
        # The child program and the code it confines itself with are this package's `child`
        # and `confine` modules, run by path: importing nothing of the app (``-I`` keeps its
        # folder off sys.path).
        with _package_file("child.py") as program, _package_file("confine.py") as confine:
            payload.write_text(
                json.dumps(
                    {
                        **job,
                        "function": function_name,
                        "box": str(box),
                        "confine": os.path.realpath(confine),
                        "home": "" if home == os.path.dirname(home) else home,  # "/" is no home
                        "memory_mb": limits.memory_mb,
                        "cpu_s": limits.cpu_s,
                        "file_mb": FILE_SIZE_LIMIT_MB,
                        "open_files": OPEN_FILES_LIMIT,
                        "new_files": NEW_FILES_LIMIT,
                        "skip": sorted(_SKIP_LAYERS),
                    }
                ),
                encoding="ascii",
            )
            if os.name == "posix":
                group: dict[str, Any] = {"start_new_session": True}
            else:
                flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
                group = {"creationflags": flags | getattr(subprocess, "CREATE_NO_WINDOW", 0)}
            with stderr_path.open("wb") as stderr:
                command = [sys.executable, "-I", "-B", str(program), str(payload)]
                report_fd, child_end = os.pipe()  # the report: the child's stdout
                try:
                    proc = subprocess.Popen(
                        command,
                        stdin=subprocess.DEVNULL,
                        stdout=child_end,  # the child moves the candidate's own elsewhere
                        stderr=stderr,
                        cwd=box,
                        env=_child_env(box),
                        close_fds=True,
                        **group,
                    )
                except OSError as exc:
                    os.close(report_fd)
                    return f"could not start the check: {exc}"
                finally:
                    os.close(child_end)
                reader = _Reader(report_fd)  # closes it
                exited = _wait_then_kill(proc, limits.timeout_s, stop)
                reader.finish()
        stderr_tail = _tail(stderr_path)
    return _ChildRun(
        _parse_events(reader.data),
        exited,
        proc.returncode,
        stderr_tail,
        reader.overflow,
        reader.lingering,
    )


def _package_file(name: str) -> contextlib.AbstractContextManager[Path]:
    """The path of one of this package's files (a real file for as long as the context lasts)."""
    resource = importlib.resources.files(__name__.rpartition(".")[0]) / name
    return importlib.resources.as_file(resource)


def _child_program() -> contextlib.AbstractContextManager[Path]:
    """The path of the child program."""
    return _package_file("child.py")


def _check_arguments(source: object, function_name: object, limits: object) -> None:
    if not isinstance(source, str):
        raise ValueError("source must be a string of Python code")
    if not isinstance(function_name, str) or not all(
        part.isidentifier() and not keyword.iskeyword(part) for part in function_name.split(".")
    ):
        raise ValueError(f"not a function name: {function_name!r}")
    if not isinstance(limits, Limits):
        raise ValueError("limits must be a Limits")


# --- the examples, parsed here ---------------------------------------------------------------


def _parse_examples(tree: ast.Module, name: str) -> _Examples:
    """The examples of the docstring of the def or class ``name`` ("f", "Class.method"), read
    from the syntax tree as doctest would read ``__doc__`` (the last definition wins)."""
    node: ast.AST | None = None
    body: list[ast.stmt] = tree.body
    for part in name.split("."):
        node = None
        for statement in _definitions(body):
            if statement.name == part:
                node = statement
        if node is None:
            return _Examples(name, found=False)
        body = node.body if isinstance(node, ast.ClassDef) else []
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    docstring = ast.get_docstring(node, clean=False)
    if not docstring:
        return _Examples(name, found=True)
    try:
        examples = doctest.DocTestParser().get_examples(docstring, name)
    except ValueError as exc:
        return _Examples(name, found=True, error=_clip(str(exc), 120))
    runnable = tuple(e for e in examples if not _flags(e) & doctest.SKIP)
    return _Examples(name, True, runnable, len(examples) - len(runnable))


def _definitions(
    body: list[ast.stmt],
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The defs and classes of a block, including those under if, try, with and loops."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append(statement)
        elif isinstance(statement, ast.If | ast.For | ast.While | ast.With | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                found += _definitions(getattr(statement, block, []))
            for handler in getattr(statement, "handlers", []):
                found += _definitions(handler.body)
    return found


def _flags(example: doctest.Example) -> int:
    """The example's option flags (doctest's defaults are none)."""
    flags = 0
    for flag, on in example.options.items():
        flags = flags | flag if on else flags & ~flag
    return flags


def _strip_exception_details(message: str) -> str:
    """The exception's name alone, for IGNORE_EXCEPTION_DETAIL (as doctest does)."""
    start, end = 0, len(message)
    newline = message.find("\n")
    if newline >= 0:
        end = newline
    colon = message.find(":", 0, end)
    if colon >= 0:
        end = colon
    dot = message.rfind(".", 0, end)
    if dot >= 0:
        start = dot + 1
    return message[start:end]


def _child_env(box: Path) -> dict[str, str]:
    """Only what Python needs; nothing from the user's environment."""
    env = {"HOME": str(box), "TMPDIR": str(box), "TEMP": str(box), "TMP": str(box)}
    if os.name == "nt":  # Python cannot start on Windows without these
        env["USERPROFILE"] = str(box)
        for name in ("SYSTEMROOT", "SYSTEMDRIVE"):
            if name in os.environ:
                env[name] = os.environ[name]
    return env


def _wait_then_kill(
    proc: subprocess.Popen[bytes], timeout: float, stop: Callable[[], bool] | None = None
) -> bool:
    """Wait for the child; then kill its whole process group and reap it.

    Returns whether it exited by itself within ``timeout`` seconds (and before `stop` said
    to stop waiting).
    """
    exited = _wait_for_exit(proc, timeout, stop)
    if os.name == "posix":
        # Also kills anything it left behind in its group. On Linux the child is still an
        # unreaped zombie here, so its process-group id cannot have been reused.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    elif not exited:
        # Windows: no resource limits and no process group kill; a Job object would be needed
        # to take down grandchildren (the audit hook refuses to start them).
        with contextlib.suppress(OSError):
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    return exited


def _wait_for_exit(
    proc: subprocess.Popen[bytes], timeout: float, stop: Callable[[], bool] | None = None
) -> bool:
    waitid = getattr(os, "waitid", None)  # not on Windows or macOS
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        if waitid is None:
            try:
                proc.wait(timeout=max(0.0, min(0.05, deadline - time.monotonic())))
                return True
            except subprocess.TimeoutExpired:
                pass
        else:
            try:
                # WNOWAIT: notice the exit but leave the zombie for proc.wait() to reap.
                if waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    return True
            except ChildProcessError:  # someone else reaped it
                return True
        left = deadline - time.monotonic()
        if left <= 0 or (stop is not None and stop()):
            return False
        if waitid is not None:
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.02)


class _Reader:
    """Reads the child's report pipe on a thread (keeping at most _REPORT_BYTES), so that a
    child that writes a lot never blocks on a full pipe. Owns the descriptor: closes it at the
    end of the report."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._chunks: list[bytes] = []
        self._size = 0
        self.overflow = False
        self.lingering = False  # something still held the pipe after the child was killed
        self._thread = threading.Thread(target=self._run, name="sandbox-report", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while chunk := os.read(self._fd, 1 << 16):
                if self._size + len(chunk) > _REPORT_BYTES:
                    self.overflow = True  # keep reading, so that the child is not stuck
                    continue
                self._chunks.append(chunk)
                self._size += len(chunk)
        except OSError:
            pass
        finally:
            os.close(self._fd)

    def finish(self) -> None:
        """Wait (briefly: everything that could write is dead) for the end of the report."""
        self._thread.join(timeout=2)
        self.lingering = self._thread.is_alive()

    @property
    def data(self) -> bytes:
        return b"".join(self._chunks)


def _parse_events(data: bytes) -> list[dict[str, Any]]:
    """The child's report lines. Any but the first could be the candidate's: trust nothing."""
    events = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            event = {"type": "garbage"}
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            event = {"type": "garbage"}
        events.append(event)
    return events


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - _STDERR_TAIL_BYTES))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _build_report(
    parsed: _Examples,
    events: list[dict[str, Any]],
    exited: bool,
    returncode: int | None,
    stderr_tail: str,
    limits: Limits,
    overflow: bool = False,
) -> DoctestReport:
    setup = events[0] if events and events[0]["type"] == "setup" else {}
    layers = tuple(x for x in setup.get("layers", ()) if isinstance(x, str))
    missing_why = setup.get("missing")
    missing_why = missing_why if isinstance(missing_why, dict) else {}
    missing = tuple(
        f"{name}: {_clip(str(missing_why.get(name, 'not set up')), 120)}"
        for name in ISOLATION_LAYERS
        if name not in layers
    )
    examples = parsed.examples
    status = next((e for e in events if e["type"] == "result"), None) or {}
    violation = next((e for e in events if e["type"] == "violation"), None)
    started = [e.get("index") for e in events if e["type"] == "example"]
    current = started[-1] if started else None
    at = ""
    if isinstance(current, int) and not isinstance(current, bool) and 0 <= current < len(examples):
        at = f" in {_clip(examples[current].source)}"
    gots = [e for e in events if e["type"] == "got"]

    def failure(summary: str, attempted: int = 0, failed: int = 0) -> DoctestReport:
        return DoctestReport(False, attempted, failed, summary, layers, missing)

    memory = f"ran out of memory (limit {limits.memory_mb} MB){at}"
    if not setup:
        return failure(_no_report_summary(returncode, stderr_tail, limits, memory))
    if violation is not None:
        reason = _VIOLATIONS.get(_text(violation, "kind"), _VIOLATIONS["escape"])
        detail = _text(violation, "detail")
        return failure(f"{reason}: {_clip(detail, 120)}" if detail else reason)
    if not exited:
        return failure(f"timed out after {limits.timeout_s:g} s{at}")
    if status.get("memory") is True or any(g.get("memory") is True for g in gots):
        return failure(memory)
    if status:
        name = _text(status, "name")
        error = _clip(_text(status, "error"), 120)
        line = status.get("line")
        summaries = {
            "syntax_error": "syntax error"
            + (f" on line {line}" if isinstance(line, int) and not isinstance(line, bool) else "")
            + f": {error}",
            "load_error": f"the code failed while loading: {error}",
            "missing": f"no function named {name!r} in the code",
            "not_testable": f"{name!r} is not a function or class",
        }
        kind = _text(status, "status")
        if kind == "crash":
            return failure(f"the check failed: {error}" if error else "the check failed")
        return failure(summaries.get(kind, "the check failed: its report was garbled"))
    if overflow:
        return failure("its report was too long")
    known = {"example", "got", "done", "result", "violation"}
    if (
        any(e["type"] not in known for e in events[1:])
        or any(g.get("index") != i for i, g in enumerate(gots))
        or len(gots) > len(examples)
    ):
        return failure("the check failed: its report was garbled")
    if len(gots) < len(examples):
        return failure(_no_report_summary(returncode, stderr_tail, limits, memory) + at)
    done = [i for i, e in enumerate(events) if e["type"] == "done"]
    if returncode != 0 or len(done) != 1 or done[0] != len(events) - 1:
        return failure(_no_report_summary(returncode, stderr_tail, limits, memory))
    if not parsed.found:
        return failure(f"no function named {parsed.name!r} in the code")
    if not examples:
        return failure(
            "no doctest examples were run (all skipped)"
            if parsed.skipped
            else "no doctest examples"
        )
    attempted, failures = _compare(examples, gots)
    if not failures:
        summary = _plural(attempted, "example") + " passed"
        if missing:
            summary += f"; verified with reduced isolation ({_gaps(missing)})"
        return DoctestReport(True, attempted, 0, summary, layers, missing)
    summary = f"{len(failures)} of {_plural(attempted, 'example')} failed: "
    summary += _describe_failure(failures[0])
    if len(failures) > 1:
        summary += f" (and {len(failures) - 1} more)"
    return failure(summary, attempted, len(failures))


def _gaps(missing: tuple[str, ...]) -> str:
    """The missing layers in a few words: "no namespaces, no Landlock"."""
    names = [gap.split(":", 1)[0] for gap in missing]
    namespaces = ISOLATION_LAYERS[:4]
    if "mount namespace" in names:  # these need it
        names = [n for n in names if n not in ("read-only filesystem", "private /proc")]
    if "PID namespace" in names:
        names = [n for n in names if n != "private /proc"]
    if all(n in names for n in namespaces):
        names = ["namespaces", *(n for n in names if n not in namespaces)]
    return ", ".join(f"no {name}" for name in names)


def _compare(
    examples: tuple[doctest.Example, ...], gots: list[dict[str, Any]]
) -> tuple[int, list[dict[str, str]]]:
    """Check each example's reported output against its expected output, as doctest does.
    Returns how many were attempted and the failures."""
    checker = doctest.OutputChecker()
    attempted = 0
    failures: list[dict[str, str]] = []
    for example, got in zip(examples, gots, strict=True):
        attempted += 1
        flags = _flags(example)
        out = _text(got, "out")
        exception = got.get("exc")
        if exception is not None and (not isinstance(exception, str) or example.exc_msg is None):
            # An exception where none was expected (or a malformed one).
            failures.append({"source": example.source, "error": _text(got, "error") or "?"})
        else:
            if got.get("clipped") is True:
                ok = False  # too long to compare
            elif exception is None:
                ok = checker.check_output(example.want, out, flags)
            else:
                assert example.exc_msg is not None
                ok = checker.check_output(example.exc_msg, exception, flags) or bool(
                    flags & doctest.IGNORE_EXCEPTION_DETAIL
                    and checker.check_output(
                        _strip_exception_details(example.exc_msg),
                        _strip_exception_details(exception),
                        flags,
                    )
                )
                out += exception
            if not ok:
                failures.append({"source": example.source, "want": example.want, "got": out})
        if failures and flags & doctest.FAIL_FAST:
            break
    return attempted, failures


def _no_report_summary(
    returncode: int | None, stderr_tail: str, limits: Limits, memory: str
) -> str:
    """Why a child that wrote no result stopped."""
    if returncode is not None and returncode < 0 and os.name == "posix":
        number = -returncode
        if number == signal.SIGXCPU:
            return f"used more than {limits.cpu_s} s of CPU time"
        if number == signal.SIGXFSZ:
            return f"wrote a file larger than {FILE_SIZE_LIMIT_MB} MB"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}" if number == signal.SIGKILL else f"crashed ({name})"
    if "MemoryError" in stderr_tail or "Cannot allocate memory" in stderr_tail:
        return memory
    lines = [line.strip() for line in stderr_tail.splitlines() if line.strip()]
    why = f": {_clip(lines[-1], 120)}" if lines else ""
    return f"stopped before reporting (exit code {returncode}){why}"


def _describe_failure(failure: dict[str, Any]) -> str:
    source = _clip(_text(failure, "source"))
    if "error" in failure:
        return f"{source} raised {_clip(_text(failure, 'error'))}"
    want = _clip(_text(failure, "want")) or "nothing"
    got = _clip(_text(failure, "got")) or "nothing"
    return f"{source} expected {want}, got {got}"


def _text(event: dict[str, Any] | None, key: str) -> str:
    value = (event or {}).get(key)
    return value if isinstance(value, str) else ""


def _number(event: dict[str, Any], key: str) -> int:
    value = event.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _clip(text: str, limit: int = _CLIP) -> str:
    text = text.strip().replace("\r\n", "\n").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
