"""Run the doctests of generated code in a contained child process.

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
code written to escape it (see the notes at ``_CHILD``). Limits are set by the child itself
rather than in a ``preexec_fn``, which is unsafe in a threaded program like the app.
"""

from __future__ import annotations

import contextlib
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
        child = work / "child.py"  # outside the folder, so the candidate cannot change it
        child.write_text(_CHILD, encoding="utf-8")
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
        command = [sys.executable, "-I", "-B", str(child), str(payload)]
        if os.name == "posix":
            group: dict[str, Any] = {"start_new_session": True}
        else:
            flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
            group = {"creationflags": flags | getattr(subprocess, "CREATE_NO_WINDOW", 0)}
        with stderr_path.open("wb") as stderr:
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


# The child script, run as ``python -I -B child.py payload.json``. It reads its job from the
# JSON file, limits itself, installs the audit hook, runs the doctests and writes JSON lines to
# the report file (stdout and stderr belong to the candidate; stderr is kept for diagnosis):
# {"type": "example"} before each example, {"type": "violation"} for each refused action and
# {"type": "result"} at the end.
#
# Not contained, because an in-process audit hook can be defeated by code that means to: it
# can reach and change the hook's state through frames or the gc, write a fake result to the
# report descriptor, race a path check from another thread, or use C code that raises no audit
# event (mknod, native libraries of installed packages). Run as root, RLIMIT_NPROC is not
# enforced and file permissions do not help, so the hook is then the only barrier. Reading is
# allowed outside the user's home folder (the standard library needs it), and so is listen()
# on a socket that was never bound.
_CHILD = r"""
import os
import sys


def main():
    import json

    with open(sys.argv[1], encoding="utf-8") as file:
        job = json.load(file)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    out = os.open(job["report"], flags, 0o600)

    def emit(**event):
        try:
            os.write(out, (json.dumps(event) + "\n").encode("ascii"))
        except Exception:
            pass

    try:
        import resource
    except ImportError:  # Windows: only the parent's wall-clock timeout applies
        resource = None
    if resource is not None:
        def cap(name, soft, hard=None):
            which = getattr(resource, name, None)
            if which is None:
                return
            hard = soft if hard is None else hard
            old_hard = resource.getrlimit(which)[1]
            if old_hard != resource.RLIM_INFINITY:
                hard = min(hard, old_hard)
                soft = min(soft, hard)
            try:
                resource.setrlimit(which, (soft, hard))
            except (ValueError, OSError):  # e.g. RLIMIT_AS on macOS
                pass

        mb = 1 << 20
        cap("RLIMIT_AS", job["memory_mb"] * mb)
        cap("RLIMIT_CPU", job["cpu_s"], job["cpu_s"] + 1)  # SIGXCPU, then SIGKILL
        cap("RLIMIT_FSIZE", job["file_mb"] * mb)
        cap("RLIMIT_NOFILE", job["open_files"])
        cap("RLIMIT_CORE", 0)
        cap("RLIMIT_NPROC", 0)  # no processes (or threads); root is exempt
    try:
        os.nice(10)  # leave the editor responsive
    except (AttributeError, OSError):
        pass

    import doctest
    import inspect
    import linecache
    import pathlib
    import stat
    import tempfile
    import types

    try:  # imported now so that importing it later (numpy does) loads no library
        import ctypes
    except ImportError:
        pass
    tempfile.tempdir = job["box"]
    try:
        import _posixsubprocess
    except ImportError:
        _posixsubprocess = None

    # --- the audit hook ---------------------------------------------------------------
    # The checks use a private copy of os.path whose os and stat are snapshots, so that code
    # replacing os.path.realpath or os.lstat does not change what the checks see.
    import importlib.util

    spec = importlib.util.find_spec(os.path.__name__)
    paths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(paths)
    paths.os = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os)})
    paths.stat = types.SimpleNamespace(**{name: getattr(stat, name) for name in dir(stat)})
    realpath, normcase, isabs = paths.realpath, paths.normcase, paths.isabs
    fspath, os_stat, os_lstat, readlink = os.fspath, os.stat, os.lstat, os.readlink
    is_char, is_block, is_dir = stat.S_ISCHR, stat.S_ISBLK, stat.S_ISDIR
    fs_encoding, sep, my_pid = sys.getfilesystemencoding(), os.sep, os.getpid()

    def fsdecode(name):
        return name.decode(fs_encoding, "surrogateescape") if type(name) is bytes else name

    def lexists(path):
        try:
            os_lstat(path)
        except (OSError, ValueError):
            return False
        return True

    def norm(path):
        return normcase(realpath(path))

    box = norm(job["box"])
    home = normcase(job["home"]) if job["home"] else ""
    python_roots = [
        norm(path)
        for path in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                     *sys.path)
        if isinstance(path, str) and isabs(path)
    ]
    devices = {norm(os.devnull), "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
               "/dev/urandom"}
    path_types = (str, bytes, os.DirEntry, pathlib.PurePosixPath, pathlib.PureWindowsPath,
                  pathlib.PosixPath, pathlib.WindowsPath)
    write_flags = 0
    for flag in ("O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC"):
        write_flags |= getattr(os, flag, 0)
    created = [0]
    reported = set()

    class SandboxDenied(PermissionError):
        pass

    def deny(kind, detail):
        if (kind, detail) not in reported and len(reported) < 20:
            reported.add((kind, detail))
            emit(type="violation", kind=kind, detail=detail[:300])
        raise SandboxDenied(f"not allowed in the doctest sandbox: {detail}")

    def inside(path, root, strict=False):
        if path == root:
            return not strict
        return path.startswith(root if root.endswith(sep) else root + sep)

    def resolve(obj):
        # Plain path types only: a custom os.PathLike could name another file when used.
        if type(obj) not in path_types:
            deny("escape", f"unusual path object ({type(obj).__name__})")
        return norm(fsdecode(fspath(obj)))

    def fd_path(fd):
        try:
            return normcase(readlink(f"/proc/self/fd/{fd}"))
        except (OSError, ValueError):
            return None

    def may_read(path):
        if inside(path, box) or path in devices:
            return True
        if path.startswith("/proc/"):  # its own /proc entries, not other processes'
            part = path[6:].split("/", 1)[0]
            return not part.isdigit() or int(part) == my_pid
        if home and inside(path, home):
            return any(inside(path, root) for root in python_roots)
        return True

    def check_change(path, event, strict=True):
        # strict: the folder itself may not be removed or renamed (but O_TMPFILE opens it).
        if path is None or not (inside(path, box, strict) or path in devices):
            deny("write", path or event)

    def count_new(path):
        if not lexists(path):
            created[0] += 1
            if created[0] > job["new_files"]:
                deny("disk", f"more than {job['new_files']} files")

    def on_open(args):
        path, mode, flags = (*args, None, None, None)[:3]
        if type(path) is int:  # wraps a descriptor it already has
            return
        path = resolve(path)
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            type(flags) is int and flags & write_flags)
        if writing:
            check_change(path, "open", strict=False)
            count_new(path)
        elif not may_read(path):
            deny("read", path)
        if path not in devices:
            try:
                mode_bits = os_stat(path).st_mode
            except (OSError, ValueError):
                mode_bits = 0
            if is_char(mode_bits) or is_block(mode_bits):
                deny("device", path)
            # A folder descriptor from outside would let dir_fd= calls escape.
            if is_dir(mode_bits) and not inside(path, box):
                deny("read", path)

    def on_change(*positions, fds_ok=False):
        def check(args):
            for index in positions:
                target = args[index]
                if type(target) is int:
                    if fds_ok:
                        continue
                    check_change(fd_path(target), "a file descriptor")
                else:
                    check_change(resolve(target), "")
        return check

    def on_mkdir(args):
        path = resolve(args[0])
        check_change(path, "")
        count_new(path)

    def on_list(args):
        path = args[0] if args and args[0] is not None else "."
        if type(path) is not int:
            path = resolve(path)
            if not may_read(path):
                deny("read", path)

    def on_chdir(args):
        target = fd_path(args[0]) if type(args[0]) is int else resolve(args[0])
        if target != box:  # relative paths are checked against the folder
            deny("escape", f"chdir to {target}")

    def on_kill(args):
        if args[0] != my_pid:
            deny("signal", f"process {args[0]}")

    def on_socket(args):
        if args[1] not in (1, -1):  # AF_UNIX (1 everywhere) for socketpair, or from a fd
            deny("network", f"socket family {args[1]}")

    def on_sqlite(args):
        database = args[0]
        if isinstance(database, str) and database.startswith("file:"):
            deny("write", database)  # a URI could name any file
        if database not in (":memory:", "", b":memory:", b""):
            path = resolve(database)
            check_change(path, "")
            count_new(path)

    def on_dlopen(args):
        # Shared libraries of installed packages (torch loads some); nothing else, not even
        # the C library (dlopen(None)) that would give system() and fork().
        name = args[0]
        if type(name) in (str, bytes):
            name = fsdecode(name)
            if isabs(name) and any(inside(norm(name), root) for root in python_roots):
                return
        deny("native", f"load {name}")

    blocked_imports = {"_posixsubprocess", "_testcapi", "_testinternalcapi", "_testmultiphase",
                       "_testbuffer", "_testclinic", "_ctypes_test", "_xxsubinterpreters",
                       "_xxinterpchannels", "_xxtestfuzz"}

    def on_import(args):
        if args[0] in blocked_imports:
            deny("escape", f"import {args[0]}")

    def refuse(kind):
        def check(args):
            deny(kind, event_name[0])
        return check

    handlers = {
        "open": on_open,
        "os.mkdir": on_mkdir,
        "os.remove": on_change(0),
        "os.rmdir": on_change(0),
        "os.rename": on_change(0, 1),
        "os.link": on_change(0, 1),
        "os.truncate": on_change(0, fds_ok=True),
        "os.utime": on_change(0),
        "os.chmod": on_change(0),
        "os.chown": on_change(0),
        "os.chflags": on_change(0),
        "os.setxattr": on_change(0),
        "os.removexattr": on_change(0),
        "os.listdir": on_list,
        "os.scandir": on_list,
        "os.chdir": on_chdir,
        "os.kill": on_kill,
        "os.killpg": on_kill,
        "socket.__new__": on_socket,
        "sqlite3.connect": on_sqlite,
        "import": on_import,
        "ctypes.dlopen": on_dlopen,
    }
    refusals = {
        "process": ("subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn",
                    "os.fork", "os.forkpty", "os.startfile", "pty.spawn", "webbrowser.open",
                    "ensurepip.bootstrap", "_winapi.CreateProcess"),
        "network": ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
                    "socket.getnameinfo", "socket.sethostname", "urllib.Request"),
        "write": ("os.symlink", "syslog.openlog", "syslog.syslog"),
        "limits": ("resource.setrlimit", "resource.prlimit"),
        "native": ("ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function", "ctypes.cdata",
                   "ctypes.PyObj_FromPtr", "ctypes.string_at", "ctypes.wstring_at"),
        "escape": ("cpython.PyInterpreterState_New", "fcntl.ioctl"),
    }
    for kind, events in refusals.items():
        for event in events:
            handlers[event] = refuse(kind)
    windows_prefixes = ("_winapi.", "winreg.")
    event_name = [""]

    def hook(event, args):
        handler = handlers.get(event)
        if handler is not None:
            event_name[0] = event
            handler(args)
        elif event.startswith(windows_prefixes):
            deny("escape", event)

    sys.addaudithook(hook)
    if _posixsubprocess is not None:
        def fork_exec(*args, **kwargs):
            deny("process", "_posixsubprocess.fork_exec")
        _posixsubprocess.fork_exec = fork_exec

    # --- the doctests -------------------------------------------------------------------
    def clip(text, limit=200):
        text = str(text)
        return text if len(text) <= limit else text[:limit - 1] + "…"

    def describe(exc):
        try:
            text = str(exc)
        except BaseException:
            text = ""
        return clip(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)

    failures = []
    memory = []

    class Runner(doctest.DocTestRunner):
        def report_start(self, out, test, example):
            emit(type="example", source=clip(example.source))

        def report_success(self, out, test, example, got):
            pass

        def report_failure(self, out, test, example, got):
            failures.append(
                {"source": clip(example.source), "want": clip(example.want), "got": clip(got)})

        def report_unexpected_exception(self, out, test, example, exc_info):
            if isinstance(exc_info[1], MemoryError):
                memory.append(True)
            failures.append({"source": clip(example.source), "error": describe(exc_info[1])})

    def run(source, name):
        filename = "<candidate>"
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return {"status": "syntax_error", "line": exc.lineno, "error": clip(exc.msg)}
        except MemoryError:
            raise
        except Exception as exc:  # e.g. null bytes
            return {"status": "syntax_error", "error": describe(exc)}
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        module = types.ModuleType("candidate")
        sys.modules["candidate"] = module
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            return {"status": "load_error", "error": describe(exc),
                    "memory": isinstance(exc, MemoryError)}
        target = module
        try:
            for part in name.split("."):
                target = getattr(target, part)
        except BaseException:
            return {"status": "missing", "name": name}
        if not (inspect.isroutine(target) or inspect.isclass(target)):
            return {"status": "not_testable", "name": name}
        try:
            tests = doctest.DocTestFinder(recurse=False).find(
                target, name, module=module, globs=dict(vars(module)))
        except BaseException as exc:
            return {"status": "bad_docstring", "error": describe(exc)}
        if not sum(len(test.examples) for test in tests):
            return {"status": "no_examples"}
        runner = Runner(verbose=False)
        attempted = failed = 0
        for test in tests:
            counts = runner.run(test, out=lambda text: None)
            attempted += counts.attempted
            failed += counts.failed
        return {"status": "ran", "attempted": attempted, "failed": failed,
                "failures": failures[:5], "memory": bool(memory)}

    reserve = bytearray(1 << 20)  # freed to have room to report after a MemoryError
    try:
        result = run(job["source"], job["function"])
    except MemoryError:
        reserve = None
        result = {"status": "crash", "memory": True}
    except BaseException as exc:
        reserve = None
        result = {"status": "crash", "error": describe(exc)}
    reserve = None
    emit(type="result", **result)
    os._exit(0)  # skip the candidate's atexit handlers and threads


main()
"""
