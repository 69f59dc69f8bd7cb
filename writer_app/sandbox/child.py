"""The doctest sandbox's child program: runs one candidate's doctests and reports in JSON lines.

The parent (`writer_app.sandbox.runner`) starts it by path, as
``python -I -B child.py payload.json``, in an empty working folder with an almost empty
environment. It reads its job from the JSON file, limits itself, installs the audit hook, runs
the doctests and writes JSON lines to the report file (stdout and stderr belong to the
candidate; stderr is kept for diagnosis): {"type": "example"} before each example,
{"type": "violation"} for each refused action and {"type": "result"} at the end.

It imports nothing but the standard library: it runs in an interpreter started with ``-I`` that
cannot import the app (and must not: the app's code is not the candidate's business).
Everything happens inside `main`, in local names, so that the candidate cannot reach the checks
by replacing a module's attributes (``os.path.realpath``, ``os.lstat``…).

Not contained, because an in-process audit hook can be defeated by code that means to: it
can reach and change the hook's state through frames or the gc, write a fake result to the
report descriptor, race a path check from another thread, or use C code that raises no audit
event (mknod, native libraries of installed packages). Run as root, RLIMIT_NPROC is not
enforced and file permissions do not help, so the hook is then the only barrier. Reading is
allowed outside the user's home folder (the standard library needs it), and so is listen()
on a socket that was never bound.
"""

# try/except/pass rather than contextlib.suppress: the hook must not look up helpers that the
# candidate could replace.
# ruff: noqa: SIM105

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Callable

    Check = Callable[[tuple[Any, ...]], None]


def main() -> NoReturn:
    """Run the job named on the command line, then exit (``os._exit``)."""
    import json

    with open(sys.argv[1], encoding="utf-8") as file:
        job: dict[str, Any] = json.load(file)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    out = os.open(job["report"], flags, 0o600)

    def emit(**event: object) -> None:
        try:
            os.write(out, (json.dumps(event) + "\n").encode("ascii"))
        except Exception:
            pass

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

    import doctest
    import inspect
    import linecache
    import pathlib
    import stat
    import tempfile
    import types

    try:  # imported now so that importing it later (numpy does) loads no library
        import ctypes  # noqa: F401
    except ImportError:
        pass
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

    failures: list[dict[str, str]] = []
    memory: list[bool] = []

    class Runner(doctest.DocTestRunner):
        def report_start(
            self,
            out: Callable[[str], object],
            test: doctest.DocTest,
            example: doctest.Example,
        ) -> None:
            emit(type="example", source=clip(example.source))

        def report_success(
            self,
            out: Callable[[str], object],
            test: doctest.DocTest,
            example: doctest.Example,
            got: str,
        ) -> None:
            pass

        def report_failure(
            self,
            out: Callable[[str], object],
            test: doctest.DocTest,
            example: doctest.Example,
            got: str,
        ) -> None:
            failures.append(
                {"source": clip(example.source), "want": clip(example.want), "got": clip(got)}
            )

        def report_unexpected_exception(
            self,
            out: Callable[[str], object],
            test: doctest.DocTest,
            example: doctest.Example,
            exc_info: tuple[type[BaseException], BaseException, types.TracebackType],
        ) -> None:
            if isinstance(exc_info[1], MemoryError):
                memory.append(True)
            failures.append({"source": clip(example.source), "error": describe(exc_info[1])})

    def run(source: str, name: str) -> dict[str, Any]:
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
            return {
                "status": "load_error",
                "error": describe(exc),
                "memory": isinstance(exc, MemoryError),
            }
        target: Any = module
        try:
            for part in name.split("."):
                target = getattr(target, part)
        except BaseException:
            return {"status": "missing", "name": name}
        if not (inspect.isroutine(target) or inspect.isclass(target)):
            return {"status": "not_testable", "name": name}
        try:
            tests = doctest.DocTestFinder(recurse=False).find(
                target, name, module=module, globs=dict(vars(module))
            )
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
        return {
            "status": "ran",
            "attempted": attempted,
            "failed": failed,
            "failures": failures[:5],
            "memory": bool(memory),
        }

    reserve = [bytearray(1 << 20)]  # freed to have room to report after a MemoryError
    result: dict[str, Any]
    try:
        result = run(job["source"], job["function"])
    except MemoryError:
        reserve.clear()
        result = {"status": "crash", "memory": True}
    except BaseException as exc:
        reserve.clear()
        result = {"status": "crash", "error": describe(exc)}
    reserve.clear()
    emit(type="result", **result)
    os._exit(0)  # skip the candidate's atexit handlers and threads


if __name__ == "__main__":
    main()
