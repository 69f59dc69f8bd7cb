"""The doctest sandbox's child program: runs one candidate's doctest examples and reports, in
JSON lines, what each printed; the parent decides whether they pass.

The parent (`writer_app.sandbox.runner`) starts it by path, as
``python -I -B child.py payload.json``, in an empty working folder with an almost empty
environment, with its stdout a pipe: the report. It moves the report to another descriptor and
points stdout at the null device (stdout and stderr belong to the candidate; stderr is kept for
diagnosis). It reads its job from the JSON file: the candidate's source, the function's name,
the examples the parent parsed from the source, the limits.

Three processes, so that the kernel holds the candidate (`confine`, loaded by path, does the
work; each layer it cannot get is reported, never skipped silently):

- the *outer* one enters new user, mount, network, PID, IPC and UTS namespaces, makes every
  mount read-only but the working folder, forks, waits and exits as its child did;
- *init*, the first process of the new PID namespace, mounts a /proc of its own and forks the
  worker; when it exits the kernel kills everything left in the namespace (without a PID
  namespace it is a subreaper and kills what is left itself);
- the *worker* limits itself (rlimits), restricts itself with Landlock (read only Python's and
  the system's files, write only the folder, no TCP, no signals out), drops its capabilities,
  installs the seccomp filter (no exec, no processes, no signals to others, no pidfds, no
  mknod, no sockets but a socketpair, no mounts), reports the layers it got as its first line,
  installs the audit hook (a convenience that names refused actions, not a boundary), then
  loads the candidate and runs the examples: {"type": "example"} before each,
  {"type": "got"} with what it printed or raised, {"type": "done"} at the end;
  {"type": "result"} when the code could not be loaded, {"type": "violation"} for an action the
  audit hook refused.

Anything after the first line may be the candidate's (it can reach the report descriptor), so
the parent compares each example's output with the expected output it parsed itself, requires
every example to be reported in order and a clean exit, and trusts nothing else.

It imports nothing but the standard library: it runs in an interpreter started with ``-I`` that
cannot import the app (and must not: the app's code is not the candidate's business).
What runs after the candidate's code is in `main`, in local names, so that the candidate cannot
reach it by replacing a module's attributes (``os.path.realpath``, ``os.lstat``…).

The audit hook alone could be defeated by code that means to (it can reach and change the
hook's state through frames or the gc, race a path check from another thread, or use C code
that raises no audit event); that is what the kernel's layers are for. Reading is allowed
outside the user's home folder by the hook, but Landlock allows only Python's own files and
system libraries.
"""

# try/except/pass rather than contextlib.suppress: the hook must not look up helpers that the
# candidate could replace.
# ruff: noqa: SIM105

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable

    Check = Callable[[tuple[Any, ...]], None]

# Readable under Landlock besides Python's own folders: the system's libraries and the few
# files of /etc that the C library and the standard library read.
SYSTEM_FILES = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/os-release",
    "/etc/mime.types",
    "/etc/locale.alias",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/sys/devices/system/cpu",
    "/sys/devices/system/node",
)
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
OUT_LIMIT = 256 * 1024  # characters of one example's output that are reported


def main() -> NoReturn:
    """Run the job named on the command line, then exit (``os._exit``)."""
    import json

    with open(sys.argv[1], encoding="utf-8") as file:
        job: dict[str, Any] = json.load(file)
    # stdout is the report: keep it on another descriptor; the candidate's goes nowhere.
    out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.close(null)

    def emit(**event: object) -> None:
        try:
            data = (json.dumps(event) + "\n").encode("ascii")
            while data:
                data = data[os.write(out, data) :]
        except Exception:
            pass

    layers, missing, confine = _enter_namespaces(job, out)  # only the worker returns

    try:
        import resource
    except ImportError:  # Windows: only the parent's wall-clock timeout applies
        pass
    else:

        def cap(name: str, soft: int, hard: int | None = None) -> None:
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

    import __future__  # noqa: I001  (doctest's compile flags)
    import inspect
    import io
    import linecache
    import pathlib
    import stat
    import tempfile
    import traceback
    import types

    checker: Any = None
    if "sources" in job:  # a screening compares outputs itself (see `screen`)
        import doctest

        checker = doctest.OutputChecker()

    try:  # imported now so that importing it later (numpy does) loads no library
        import ctypes  # noqa: F401
    except ImportError:
        pass
    _restrict(job, confine, layers, missing)
    emit(type="setup", layers=layers, missing=missing)  # the first line: no candidate code yet
    tempfile.tempdir = job["box"]
    try:
        import _posixsubprocess
    except ImportError:
        _posixsubprocess = None  # type: ignore[assignment]

    # --- the audit hook ---------------------------------------------------------------
    # The checks use a private copy of os.path whose os and stat are snapshots, so that code
    # replacing os.path.realpath or os.lstat does not change what the checks see.
    import importlib.util

    spec = importlib.util.find_spec(os.path.__name__)
    assert spec is not None and spec.loader is not None  # os.path is always there
    paths: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(paths)
    paths.os = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os)})
    paths.stat = types.SimpleNamespace(**{name: getattr(stat, name) for name in dir(stat)})
    realpath, normcase, isabs = paths.realpath, paths.normcase, paths.isabs
    fspath, os_stat, os_lstat, readlink = os.fspath, os.stat, os.lstat, os.readlink
    is_char, is_block, is_dir = stat.S_ISCHR, stat.S_ISBLK, stat.S_ISDIR
    fs_encoding, sep, my_pid = sys.getfilesystemencoding(), os.sep, os.getpid()

    def fsdecode(name: str | bytes) -> str:
        if type(name) is bytes:
            return name.decode(fs_encoding, "surrogateescape")
        return name  # type: ignore[return-value]  # str: `type(name) is` does not narrow here

    def lexists(path: str) -> bool:
        try:
            os_lstat(path)
        except (OSError, ValueError):
            return False
        return True

    def norm(path: str) -> str:
        return normcase(realpath(path))

    box = norm(job["box"])
    home = normcase(job["home"]) if job["home"] else ""
    # This program's own file, wherever the app is installed: tracebacks and warnings that
    # pass through its frames read their lines from it.
    script = norm(__file__)
    python_roots = [
        norm(path)
        for path in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path)
        if isinstance(path, str) and isabs(path)
    ]
    devices = {
        norm(os.devnull),
        "/dev/null",
        "/dev/zero",
        "/dev/full",
        "/dev/random",
        "/dev/urandom",
    }
    path_types = (
        str,
        bytes,
        os.DirEntry,
        pathlib.PurePosixPath,
        pathlib.PureWindowsPath,
        pathlib.PosixPath,
        pathlib.WindowsPath,
    )
    write_flags = 0
    for flag in ("O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC"):
        write_flags |= getattr(os, flag, 0)
    created = [0]
    reported: set[tuple[str, str]] = set()

    class SandboxDenied(PermissionError):
        pass

    def deny(kind: str, detail: str) -> NoReturn:
        if (kind, detail) not in reported and len(reported) < 20:
            reported.add((kind, detail))
            emit(type="violation", kind=kind, detail=detail[:300])
        raise SandboxDenied(f"not allowed in the doctest sandbox: {detail}")

    def inside(path: str, root: str, strict: bool = False) -> bool:
        if path == root:
            return not strict
        return path.startswith(root if root.endswith(sep) else root + sep)

    def resolve(obj: Any) -> str:
        # Plain path types only: a custom os.PathLike could name another file when used.
        if type(obj) not in path_types:
            deny("escape", f"unusual path object ({type(obj).__name__})")
        return norm(fsdecode(fspath(obj)))

    def fd_path(fd: int) -> str | None:
        try:
            return normcase(readlink(f"/proc/self/fd/{fd}"))
        except (OSError, ValueError):
            return None

    def may_read(path: str) -> bool:
        if inside(path, box) or path in devices or path == script:
            return True
        if path.startswith("/proc/"):  # its own /proc entries, not other processes'
            part = path[6:].split("/", 1)[0]
            return not part.isdigit() or int(part) == my_pid
        if home and inside(path, home):
            return any(inside(path, root) for root in python_roots)
        return True

    def check_change(path: str | None, event: str, strict: bool = True) -> None:
        # strict: the folder itself may not be removed or renamed (but O_TMPFILE opens it).
        if path is None or not (inside(path, box, strict) or path in devices):
            deny("write", path or event)

    def count_new(path: str) -> None:
        if not lexists(path):
            created[0] += 1
            if created[0] > job["new_files"]:
                deny("disk", f"more than {job['new_files']} files")

    def on_open(args: tuple[Any, ...]) -> None:
        path, mode, flags = (*args, None, None, None)[:3]
        if type(path) is int:  # wraps a descriptor it already has
            return
        path = resolve(path)
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            type(flags) is int and flags & write_flags
        )
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

    def on_change(*positions: int, fds_ok: bool = False) -> Check:
        def check(args: tuple[Any, ...]) -> None:
            for index in positions:
                target = args[index]
                if type(target) is int:
                    if fds_ok:
                        continue
                    check_change(fd_path(target), "a file descriptor")
                else:
                    check_change(resolve(target), "")

        return check

    def on_mkdir(args: tuple[Any, ...]) -> None:
        path = resolve(args[0])
        check_change(path, "")
        count_new(path)

    def on_list(args: tuple[Any, ...]) -> None:
        path = args[0] if args and args[0] is not None else "."
        if type(path) is not int:
            path = resolve(path)
            if not may_read(path):
                deny("read", path)

    def on_chdir(args: tuple[Any, ...]) -> None:
        target = fd_path(args[0]) if type(args[0]) is int else resolve(args[0])
        if target != box:  # relative paths are checked against the folder
            deny("escape", f"chdir to {target}")

    def on_kill(args: tuple[Any, ...]) -> None:
        if args[0] != my_pid:
            deny("signal", f"process {args[0]}")

    def on_socket(args: tuple[Any, ...]) -> None:
        if args[1] not in (1, -1):  # AF_UNIX (1 everywhere) for socketpair, or from a fd
            deny("network", f"socket family {args[1]}")

    def on_sqlite(args: tuple[Any, ...]) -> None:
        database = args[0]
        if isinstance(database, str) and database.startswith("file:"):
            deny("write", database)  # a URI could name any file
        if database not in (":memory:", "", b":memory:", b""):
            path = resolve(database)
            check_change(path, "")
            count_new(path)

    def on_dlopen(args: tuple[Any, ...]) -> None:
        # Shared libraries of installed packages (torch loads some); nothing else, not even
        # the C library (dlopen(None)) that would give system() and fork().
        name = args[0]
        if type(name) in (str, bytes):
            name = fsdecode(name)
            if isabs(name) and any(inside(norm(name), root) for root in python_roots):
                return
        deny("native", f"load {name}")

    blocked_imports = {
        "_posixsubprocess",
        "_testcapi",
        "_testinternalcapi",
        "_testmultiphase",
        "_testbuffer",
        "_testclinic",
        "_ctypes_test",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_xxtestfuzz",
    }

    def on_import(args: tuple[Any, ...]) -> None:
        if args[0] in blocked_imports:
            deny("escape", f"import {args[0]}")

    def refuse(kind: str) -> Check:
        def check(args: tuple[Any, ...]) -> None:
            deny(kind, event_name[0])

        return check

    handlers: dict[str, Check] = {
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
        "process": (
            "subprocess.Popen",
            "os.system",
            "os.exec",
            "os.spawn",
            "os.posix_spawn",
            "os.fork",
            "os.forkpty",
            "os.startfile",
            "pty.spawn",
            "webbrowser.open",
            "ensurepip.bootstrap",
            "_winapi.CreateProcess",
        ),
        "network": (
            "socket.connect",
            "socket.bind",
            "socket.sendto",
            "socket.sendmsg",
            "socket.getaddrinfo",
            "socket.gethostbyname",
            "socket.gethostbyaddr",
            "socket.getnameinfo",
            "socket.sethostname",
            "urllib.Request",
        ),
        "write": ("os.symlink", "syslog.openlog", "syslog.syslog"),
        "limits": ("resource.setrlimit", "resource.prlimit"),
        "native": (
            "ctypes.dlsym",
            "ctypes.dlsym/handle",
            "ctypes.call_function",
            "ctypes.cdata",
            "ctypes.PyObj_FromPtr",
            "ctypes.string_at",
            "ctypes.wstring_at",
        ),
        "escape": ("cpython.PyInterpreterState_New", "fcntl.ioctl"),
    }
    for kind, events in refusals.items():
        for event in events:
            handlers[event] = refuse(kind)
    windows_prefixes = ("_winapi.", "winreg.")
    event_name = [""]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        handler = handlers.get(event)
        if handler is not None:
            event_name[0] = event
            handler(args)
        elif event.startswith(windows_prefixes):
            deny("escape", event)

    sys.addaudithook(hook)
    if _posixsubprocess is not None:

        def fork_exec(*args: object, **kwargs: object) -> NoReturn:
            deny("process", "_posixsubprocess.fork_exec")

        _posixsubprocess.fork_exec = fork_exec

    # --- the doctests -------------------------------------------------------------------
    def clip(text: object, limit: int = 200) -> str:
        text = str(text)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def describe(exc: BaseException) -> str:
        try:
            text = str(exc)
        except BaseException:
            text = ""
        return clip(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)

    def exception_only(exc: BaseException) -> str:
        """What doctest compares with an expected exception (as `doctest.DocTestRunner`)."""
        try:
            lines = traceback.format_exception_only(type(exc), exc)
            if isinstance(exc, SyntaxError):  # only the message and notes, not the carets
                prefixes = (
                    f"{type(exc).__qualname__}:",
                    f"{type(exc).__module__}.{type(exc).__qualname__}:",
                )
                start = next((i for i, line in enumerate(lines) if line.startswith(prefixes)), 0)
                lines = lines[start:]
            return "".join(lines)
        except BaseException:
            return f"{type(exc).__name__}\n"

    class Output(io.StringIO):
        def getvalue(self) -> str:  # as doctest's: a final newline added if missing
            text = super().getvalue()
            return text + "\n" if text and not text.endswith("\n") else text

    def load(source: str, name: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The candidate's globals, or None and why not."""
        filename = "<candidate>"
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return None, {"status": "syntax_error", "line": exc.lineno, "error": clip(exc.msg)}
        except MemoryError:
            raise
        except Exception as exc:  # e.g. null bytes
            return None, {"status": "syntax_error", "error": describe(exc)}
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        module = types.ModuleType("candidate")
        sys.modules["candidate"] = module
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            return None, {
                "status": "load_error",
                "error": describe(exc),
                "memory": isinstance(exc, MemoryError),
            }
        target: Any = module
        try:
            for part in name.split("."):
                target = getattr(target, part)
        except BaseException:
            return None, {"status": "missing", "name": name}
        if not (inspect.isroutine(target) or inspect.isclass(target)):
            return None, {"status": "not_testable", "name": name}
        return dict(vars(module)), {}

    def future_flags(globs: dict[str, Any]) -> int:
        """The candidate's `from __future__ import …` as compile flags, as doctest does."""
        flags = 0
        for feature_name in __future__.all_feature_names:
            feature = globs.get(feature_name)
            if feature is getattr(__future__, feature_name):
                flags |= feature.compiler_flag
        return flags

    def execute(
        example: str, label: str, globs: dict[str, Any], flags: int
    ) -> tuple[str, BaseException | None]:
        """Run one example as doctest does: what it printed, and what it raised if anything."""
        output = Output()
        error: BaseException | None = None
        saved_stdout, saved_hook = sys.stdout, sys.displayhook
        sys.stdout, sys.displayhook = output, sys.__displayhook__
        try:
            exec(compile(example, label, "single", flags, True), globs)
        except BaseException as exc:
            error = exc
        finally:
            sys.stdout, sys.displayhook = saved_stdout, saved_hook
        return output.getvalue(), error

    def run(source: str, name: str, examples: list[str]) -> None:
        globs, failed = load(source, name)
        if globs is None:
            emit(type="result", **failed)
            return
        flags = future_flags(globs)
        for index, example in enumerate(examples):
            emit(type="example", index=index)
            got, error = execute(example, f"<doctest {name}[{index}]>", globs, flags)
            event: dict[str, Any] = {"out": got[:OUT_LIMIT], "clipped": len(got) > OUT_LIMIT}
            if error is not None:
                event["exc"] = exception_only(error)[:OUT_LIMIT]
                event["error"] = describe(error)
                event["memory"] = isinstance(error, MemoryError)
            del error
            emit(type="got", index=index, **event)
        emit(type="done")

    def screen(sources: list[str], name: str, examples: list[dict[str, Any]]) -> None:
        """Each source in turn, reporting {"type": "passed"} for those whose every example
        printed (or raised) what was expected: a quick sieve for many variants of one
        function, compared here. Never a verdict: the parent runs a kept one again."""
        for index, source in enumerate(sources):
            try:
                globs = load(source, name)[0]
                if globs is None:
                    continue
                flags = future_flags(globs)
                for number, example in enumerate(examples):
                    label = f"<doctest {name}[{number}]>"
                    got, error = execute(example["source"], label, globs, flags)
                    options, expected = example["flags"], example["exc_msg"]
                    if error is None:
                        ok = expected is None and checker.check_output(
                            example["want"], got, options
                        )
                    else:
                        got = exception_only(error)
                        ok = expected is not None and checker.check_output(expected, got, options)
                    del error
                    if not ok:
                        break
                else:
                    emit(type="passed", index=index)
            except MemoryError:
                pass
        emit(type="done")

    reserve = [bytearray(1 << 20)]  # freed to have room to report after a MemoryError
    try:
        if "sources" in job:
            screen(job["sources"], job["function"], job["examples"])
        else:
            run(job["source"], job["function"], job["examples"])
    except MemoryError:
        reserve.clear()
        emit(type="result", status="crash", memory=True)
    except BaseException as exc:
        reserve.clear()
        emit(type="result", status="crash", error=describe(exc))
    reserve.clear()
    os._exit(0)  # skip the candidate's atexit handlers and threads


# --- the processes and the kernel's layers (before any candidate code) -----------------------

# Layers whose absence the parent reports ("verified with reduced isolation").
LAYERS = (
    "user namespace",
    "mount namespace",
    "network namespace",
    "PID namespace",
    "read-only filesystem",
    "private /proc",
    "Landlock",
    "seccomp filter",
)


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))[:200]


def _enter_namespaces(job: dict[str, Any], report: int) -> tuple[list[str], dict[str, str], Any]:
    """Enter the namespaces and fork twice (outer → init → worker); returns in the worker only,
    with the layers entered, why the others are missing, and the `confine` module (or None)."""
    layers: list[str] = []
    missing: dict[str, str] = {}
    skip = set(job.get("skip", ()))
    if not sys.platform.startswith("linux"):
        missing.update(dict.fromkeys(LAYERS, "not on Linux"))
        return layers, missing, None
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location("writer_sandbox_confine", job["confine"])
        assert spec is not None and spec.loader is not None
        confine: Any = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(confine)
    except Exception as exc:
        missing.update(dict.fromkeys(LAYERS, f"could not load the sandbox's code: {exc}"))
        return layers, missing, None
    if "namespaces" in skip:
        for name in LAYERS[:4]:
            missing[name] = "turned off"
    else:
        entered, not_entered = confine.enter_namespaces()
        layers += entered
        missing.update(not_entered)
    if "mount namespace" not in layers:
        missing["read-only filesystem"] = "no mount namespace"
    elif "mounts" in skip:
        missing["read-only filesystem"] = "turned off"
    else:
        try:
            confine.read_only_mounts(job["box"])
        except OSError as exc:
            missing["read-only filesystem"] = _reason(exc)
        else:
            layers.append("read-only filesystem")
    outer = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(report)
        _supervise(pid, relay=True)
    # init: the first process of the PID namespace
    try:
        confine.die_with_parent(signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() not in (outer, 0):  # the outer one died already (0: it is outside)
        os._exit(1)
    pid_namespace = "PID namespace" in layers
    if not pid_namespace:
        missing["private /proc"] = "no PID namespace"
        try:
            confine.set_subreaper()
            layers.append("subreaper")
        except OSError as exc:
            missing["subreaper"] = _reason(exc)
    if "mount namespace" not in layers:
        missing.setdefault("private /proc", "no mount namespace")
    elif pid_namespace:
        try:
            confine.mount_proc()
            layers.append("private /proc")
        except OSError as exc:
            missing["private /proc"] = _reason(exc)
    if "mount namespace" in layers and "private /proc" not in layers:
        try:
            confine.hide_proc()
            layers.append("hidden /proc")
        except OSError:
            pass
    init = os.getpid()
    pid = os.fork()
    if pid:
        os.close(report)
        _supervise(pid, relay=False, reap_all=None if pid_namespace else confine)
    # the worker
    try:
        confine.die_with_parent(signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() != init:
        os._exit(1)
    return layers, missing, confine


def _supervise(pid: int, relay: bool, reap_all: Any = None) -> NoReturn:
    """Wait for the child `pid`, then exit as it did. init (relay False) turns a death by a
    signal into exit status 128 + the signal (a PID namespace's first process cannot kill itself
    with most signals); the outer process (relay True) turns that back into the signal, so that
    the parent sees e.g. SIGXCPU. `reap_all`: kill and reap any other children left."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = 1 << 8
    if reap_all is not None:
        try:
            reap_all.kill_children(signal.SIGKILL)
        except Exception:
            pass
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if not relay:
            os._exit(128 + number)
    else:
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1
        if not relay:
            os._exit(min(code, 127))
        if code < 128:
            os._exit(code)
        number = code - 128
    stops = {"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH"}
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = ""
    if name and name not in stops:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except Exception:
            pass
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), number)
    os._exit(128 + number)


def _restrict(
    job: dict[str, Any], confine: Any, layers: list[str], missing: dict[str, str]
) -> None:
    """The worker's own layers: Landlock, no capabilities, the seccomp filter."""
    if confine is None:
        return
    skip = set(job.get("skip", ()))
    try:
        confine.no_new_privileges()
    except OSError as exc:
        missing["no new privileges"] = _reason(exc)
    if "landlock" in skip:
        missing["Landlock"] = "turned off"
    else:
        try:
            extras = confine.landlock(_readable(job, layers), [job["box"]], list(DEVICES))
        except OSError as exc:
            missing["Landlock"] = _reason(exc)
        else:
            layers += ["Landlock", *extras]
    try:
        confine.drop_capabilities()
        layers.append("no capabilities")
    except OSError as exc:
        missing["no capabilities"] = _reason(exc)
    if "seccomp" in skip:
        missing["seccomp filter"] = "turned off"
    else:
        try:
            confine.seccomp(os.getpid(), metadata="read-only filesystem" not in layers)
        except OSError as exc:
            missing["seccomp filter"] = _reason(exc)
        else:
            layers.append("seccomp filter")


def _readable(job: dict[str, Any], layers: list[str]) -> list[str]:
    """What Landlock lets the worker read: Python's folders (but never the home folder or an
    ancestor of it as a whole), the system's libraries, this program and a private /proc."""
    home = job["home"]
    paths = []
    for path in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path):
        if not isinstance(path, str) or not os.path.isabs(path):
            continue
        real = os.path.realpath(path)
        if real == os.path.dirname(real):
            continue
        if home and (home == real or home.startswith(real.rstrip(os.sep) + os.sep)):
            continue
        paths.append(real)
    paths += SYSTEM_FILES
    paths += [os.path.realpath(__file__), job["confine"]]
    if "private /proc" in layers:
        paths.append("/proc")
    return paths


if __name__ == "__main__":
    main()
