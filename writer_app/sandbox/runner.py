"""The parent side of the doctest sandbox: start the child, wait, kill, read its report.

Docstring → code checks a candidate function against the examples in its docstring, but only
when the user allowed running generated code. The candidate then runs in a fresh Python
process that:

- starts isolated (``python -I -B``) with an almost empty environment (none of the user's
  variables, so no tokens or passwords), in a temporary folder that is deleted afterwards;
- on POSIX gets resource limits: address space (memory), CPU seconds, file size, open files,
  no core dumps and, for users other than root, no new processes (``RLIMIT_NPROC``);
- runs behind an audit hook (``sys.addaudithook``) that refuses writing, deleting or renaming
  outside its folder, starting processes, network access, ctypes, signalling other processes,
  changing its limits, and reading the user's home folder, devices and other processes' /proc;
- is killed with its whole process group when the wall-clock timeout runs out.

The audit hook guards against careless and buggy code. It is not a security boundary against
code written to escape it (see the notes in `writer_app.sandbox.child`, the program the child
runs). Limits are set by the child itself rather than in a ``preexec_fn``, which is unsafe in a
threaded program like the app. The verdict is built here, from how the child ended and what it
reported (read defensively: the candidate can write to the report too).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import keyword
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_SIZE_LIMIT_MB = 4  # largest file the candidate may write
OPEN_FILES_LIMIT = 64
NEW_FILES_LIMIT = 256  # files and folders the candidate may create
_REPORT_BYTES = FILE_SIZE_LIMIT_MB << 20
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


@dataclass(frozen=True)
class DoctestReport:
    """The outcome of one run: passed only if every example ran and matched."""

    passed: bool
    attempted: int
    failed: int
    summary: str  # one short line for the user, e.g. "timed out after 5 s"


def run_doctests(source: str, function_name: str, limits: Limits = DEFAULT_LIMITS) -> DoctestReport:
    """Run the docstring examples of ``function_name`` (``"f"`` or ``"Class.method"``),
    defined in the module ``source``, in a contained child process.

    Blocks for up to ``limits.timeout_s`` (plus start-up); call it off the GUI thread. Never
    raises for anything the code does; raises ValueError for bad arguments.
    """
    _check_arguments(source, function_name, limits)
    if not sys.executable or getattr(sys, "frozen", False):
        # A frozen (PyInstaller) app has no interpreter to start; see the report.
        return DoctestReport(False, 0, 0, "cannot run doctests: no Python interpreter found")
    # ignore_cleanup_errors: the candidate must not be able to make this call raise.
    with tempfile.TemporaryDirectory(prefix="writer-sandbox-", ignore_cleanup_errors=True) as tmp:
        work = Path(os.path.realpath(tmp))
        box = work / "box"  # the child's working folder, the only place it may write
        box.mkdir(mode=0o700)
        payload = work / "payload.json"
        report = work / "report.jsonl"
        stderr_path = work / "stderr.txt"
        home = os.path.realpath(os.path.expanduser("~"))
        payload.write_text(
            json.dumps(
                {
                    "source": source,
                    "function": function_name,
                    "box": str(box),
                    "report": str(report),
                    "home": "" if home == os.path.dirname(home) else home,  # "/" is no home
                    "memory_mb": limits.memory_mb,
                    "cpu_s": limits.cpu_s,
                    "file_mb": FILE_SIZE_LIMIT_MB,
                    "open_files": OPEN_FILES_LIMIT,
                    "new_files": NEW_FILES_LIMIT,
                }
            ),
            encoding="ascii",
        )
        if os.name == "posix":
            group: dict[str, Any] = {"start_new_session": True}
        else:
            flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
            group = {"creationflags": flags | getattr(subprocess, "CREATE_NO_WINDOW", 0)}
        # The child program is this package's `child` module, run by path: outside the folder,
        # and importing nothing of the app (``-I`` keeps its folder off sys.path).
        with _child_program() as program, stderr_path.open("wb") as stderr:
            command = [sys.executable, "-I", "-B", str(program), str(payload)]
            try:
                proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,  # candidate noise; the report has its own file
                    stderr=stderr,
                    cwd=box,
                    env=_child_env(box),
                    close_fds=True,
                    **group,
                )
            except OSError as exc:
                return DoctestReport(False, 0, 0, f"could not start the check: {exc}")
            exited = _wait_then_kill(proc, limits.timeout_s)
        events = _read_events(report)
        stderr_tail = _tail(stderr_path)
    return _build_report(events, exited, proc.returncode, stderr_tail, limits)


def _child_program() -> contextlib.AbstractContextManager[Path]:
    """The path of the child program (a real file for as long as the context lasts)."""
    program = importlib.resources.files(__name__.rpartition(".")[0]) / "child.py"
    return importlib.resources.as_file(program)


def _check_arguments(source: object, function_name: object, limits: object) -> None:
    if not isinstance(source, str):
        raise ValueError("source must be a string of Python code")
    if not isinstance(function_name, str) or not all(
        part.isidentifier() and not keyword.iskeyword(part) for part in function_name.split(".")
    ):
        raise ValueError(f"not a function name: {function_name!r}")
    if not isinstance(limits, Limits):
        raise ValueError("limits must be a Limits")


def _child_env(box: Path) -> dict[str, str]:
    """Only what Python needs; nothing from the user's environment."""
    env = {"HOME": str(box), "TMPDIR": str(box), "TEMP": str(box), "TMP": str(box)}
    if os.name == "nt":  # Python cannot start on Windows without these
        env["USERPROFILE"] = str(box)
        for name in ("SYSTEMROOT", "SYSTEMDRIVE"):
            if name in os.environ:
                env[name] = os.environ[name]
    return env


def _wait_then_kill(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for the child; then kill its whole process group and reap it.

    Returns whether it exited by itself within ``timeout`` seconds.
    """
    exited = _wait_for_exit(proc, timeout)
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


def _wait_for_exit(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    waitid = getattr(os, "waitid", None)  # not on Windows or macOS
    if waitid is None:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            # WNOWAIT: notice the exit but leave the zombie for proc.wait() to reap.
            if waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:  # someone else reaped it
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.02)


def _read_events(path: Path) -> list[dict[str, Any]]:
    """The child's report lines. The candidate could write there too, so trust nothing."""
    try:
        with path.open("rb") as file:
            data = file.read(_REPORT_BYTES)
    except OSError:
        return []
    events = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(event, dict) and isinstance(event.get("type"), str):
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
    events: list[dict[str, Any]],
    exited: bool,
    returncode: int | None,
    stderr_tail: str,
    limits: Limits,
) -> DoctestReport:
    result = next((e for e in reversed(events) if e["type"] == "result"), None) or {}
    violation = next((e for e in events if e["type"] == "violation"), None)
    current = next((e for e in reversed(events) if e["type"] == "example"), None)
    at = f" in {_clip(_text(current, 'source'))}" if current else ""
    attempted = _number(result, "attempted")
    failed = _number(result, "failed")

    def failure(summary: str) -> DoctestReport:
        return DoctestReport(False, attempted, failed, summary)

    if violation is not None:
        reason = _VIOLATIONS.get(_text(violation, "kind"), _VIOLATIONS["escape"])
        detail = _text(violation, "detail")
        return failure(f"{reason}: {_clip(detail, 120)}" if detail else reason)
    if not exited:
        return failure(f"timed out after {limits.timeout_s:g} s{at}")
    memory = f"ran out of memory (limit {limits.memory_mb} MB){at}"
    if result.get("memory") is True:
        return failure(memory)
    status = _text(result, "status")
    if not status:
        return failure(_no_report_summary(returncode, stderr_tail, limits, memory) + at)
    if status == "ran":
        if not attempted:
            return failure("no doctest examples were run (all skipped)")
        if not failed:
            return DoctestReport(True, attempted, 0, _plural(attempted, "example") + " passed")
        failures = result.get("failures")
        first = failures[0] if isinstance(failures, list) and failures else {}
        summary = f"{failed} of {_plural(attempted, 'example')} failed"
        if isinstance(first, dict) and first:
            summary += ": " + _describe_failure(first)
            if failed > 1:
                summary += f" (and {failed - 1} more)"
        return failure(summary)
    name = _text(result, "name")
    error = _clip(_text(result, "error"), 120)
    summaries = {
        "no_examples": "no doctest examples",
        "syntax_error": "syntax error"
        + (f" on line {result['line']}" if isinstance(result.get("line"), int) else "")
        + f": {error}",
        "load_error": f"the code failed while loading: {error}",
        "missing": f"no function named {name!r} in the code",
        "not_testable": f"{name!r} is not a function or class",
        "bad_docstring": f"the docstring examples could not be read: {error}",
    }
    return failure(summaries.get(status, f"the check failed: {error}"))


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
