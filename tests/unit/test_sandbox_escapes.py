"""Code written to escape the doctest sandbox stays inside: the kernel holds it.

Each attempt first clears the audit hook, as hostile code can (walking its frames to the hook's
table of checks), so what refuses is the kernel: namespaces, read-only mounts, Landlock,
seccomp. Each test checks the effect did not happen (no file, no signal, no connection, no
process left, no secret shown) and that the verdict is not a pass. Some attempts are repeated
with one layer turned off, to show the others still hold.

Linux only (the layers are Linux's). Where this machine's kernel cannot give a layer, the escape
tests that need it are skipped, saying which; `test_every_layer_is_active_here` names them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from processes import processes_mentioning

from writer_app.sandbox import DoctestReport, run_doctests, runner

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's layers")

# Clears the audit hook's table of checks: from the frames of the call (the child's `main`
# holds it), else through the garbage collector. Fails loudly when it finds nothing, so that a
# test never passes because the hook, not the kernel, refused.
UNHOOK = """
def _unhook():
    import gc, sys
    frame = sys._getframe()
    while frame is not None:
        handlers = frame.f_locals.get("handlers")
        if isinstance(handlers, dict) and "open" in handlers:
            handlers.clear()
            return
        frame = frame.f_back
    for obj in gc.get_objects():
        if type(obj) is dict and "open" in obj and "os.system" in obj:
            obj.clear()
            return
    raise RuntimeError("audit hook not found")
"""


def escape(body: str, imports: str = "import os", **names: object) -> DoctestReport:
    """Run ``f()`` (expected to return 'ok') whose body clears the audit hook, then runs `body`
    with `names` defined as globals."""
    constants = "".join(f"{name} = {value!r}\n" for name, value in names.items())
    source = (
        f"{imports}\n{constants}{UNHOOK}\n\ndef f():\n    '''\n    >>> f()\n    'ok'\n    '''\n"
    )
    source += "    _unhook()\n"
    source += textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n    return 'ok'\n"
    report = run_doctests(source, "f")
    assert "audit hook not found" not in report.summary
    assert not report.summary.startswith("tried to"), report.summary  # not the hook's refusal
    return report


def active() -> DoctestReport:
    """A passing run, with the layers it got (as the child is set up now)."""
    return run_doctests("def f():\n    '''\n    >>> f()\n    1\n    '''\n    return 1\n", "f")


@cache
def machine_layers() -> tuple[str, ...]:
    return active().layers if sys.platform.startswith("linux") else ()


def needs(*wanted: str) -> pytest.MarkDecorator:
    """Skip unless at least one of the `wanted` layers works on this machine."""
    present = machine_layers()
    return pytest.mark.skipif(
        not any(layer in present for layer in wanted),
        reason=f"this machine cannot give any of: {', '.join(wanted)}",
    )


Without = Callable[..., None]


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch) -> Without:
    """Turn layers of the child off for one test: ``without("seccomp")``."""

    def turn_off(*names: str) -> None:
        monkeypatch.setattr(runner, "_SKIP_LAYERS", frozenset(names))

    return turn_off


# ------------------------------------------------------------------ the layers


def test_every_layer_is_active_here() -> None:
    """Which layers this machine gives (a skip names the missing ones and why)."""
    report = active()
    assert report.passed, report.summary
    named = set(report.layers) | {gap.split(":", 1)[0] for gap in report.missing}
    assert set(runner.ISOLATION_LAYERS) <= named  # each is either there or explained
    if report.missing:
        pytest.skip("reduced isolation on this machine: " + "; ".join(report.missing))
    assert report.summary == "1 example passed"


def test_the_missing_layers_are_said_in_a_few_words() -> None:
    every = tuple(f"{name}: why" for name in runner.ISOLATION_LAYERS)
    assert runner._gaps(every) == "no namespaces, no Landlock, no seccomp filter"
    assert runner._gaps(every[2:4] + every[5:]) == (
        "no network namespace, no PID namespace, no Landlock, no seccomp filter"
    )
    assert runner._gaps(("private /proc: why",)) == "no private /proc"


def test_a_missing_layer_is_said_in_the_result(without: Without) -> None:
    without("landlock", "seccomp")
    report = active()
    assert report.passed
    assert "Landlock: turned off" in report.missing
    assert "seccomp filter: turned off" in report.missing
    assert "Landlock" not in report.layers and "seccomp filter" not in report.layers
    assert report.summary.startswith("1 example passed; verified with reduced isolation (")
    assert "no Landlock" in report.summary and "no seccomp filter" in report.summary


# ------------------------------------------------------------------ writing outside its folder


WRITES = {
    "append": "open(TARGET, 'a').write('echo pwned\\n')",
    "create": "open(TARGET + '.new', 'w').write('x')",
    "os.open": "os.close(os.open(TARGET + '.new', os.O_CREAT | os.O_WRONLY))",
    "remove": "os.remove(TARGET)",
    "rename": "os.rename(TARGET, TARGET + '.new')",
    "chmod": "os.chmod(TARGET, 0o777)",
    "symlink": "os.symlink('/etc/passwd', TARGET + '.new')",
    "truncate": "os.truncate(TARGET, 0)",
}


def _check_untouched(target: Path) -> None:
    assert target.read_text() == "mine\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{target}.new").exists() and not Path(f"{target}.new").is_symlink()


@needs("Landlock", "read-only filesystem")
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_writing_outside_its_folder_is_refused_by_the_kernel(tmp_path: Path, write: str) -> None:
    target = tmp_path / ".bashrc"
    target.write_text("mine\n")
    target.chmod(0o600)
    report = escape(write, TARGET=str(target))
    _check_untouched(target)
    assert not report.passed


@pytest.mark.parametrize(
    ("off", "layer"),
    [
        (("landlock", "seccomp"), "read-only filesystem"),
        (("mounts", "namespaces", "seccomp"), "Landlock"),
    ],
)
def test_each_filesystem_layer_holds_alone(
    tmp_path: Path, without: Without, off: tuple[str, ...], layer: str
) -> None:
    without(*off)
    if layer not in active().layers:
        pytest.skip(f"no {layer} on this machine")
    target = tmp_path / ".bashrc"
    target.write_text("mine\n")
    target.chmod(0o600)
    for write in ("append", "create", "rename", "remove"):
        report = escape(WRITES[write], TARGET=str(target))
        _check_untouched(target)
        assert not report.passed


@needs("seccomp filter", "read-only filesystem")
@pytest.mark.parametrize(
    "make",
    [
        "os.mkfifo(TARGET)",
        "os.mknod(TARGET, stat.S_IFIFO | 0o600)",
        "os.mknod(TARGET, stat.S_IFREG | 0o600)",
        "os.mknod(TARGET, stat.S_IFCHR | 0o600, os.makedev(1, 3))",
    ],
)
def test_mknod_and_mkfifo_cannot_plant_files(tmp_path: Path, make: str) -> None:
    # e.g. a FIFO where the settings file goes would hang every later start of the app
    target = tmp_path / "settings.toml"
    report = escape(make, imports="import os, stat", TARGET=str(target))
    assert not target.exists() and not target.is_symlink()
    assert not report.passed


# ------------------------------------------------------------------ the network


@needs("network namespace", "seccomp filter", "Landlock TCP")
@pytest.mark.parametrize(
    "connect",
    [
        "socket.create_connection(('127.0.0.1', PORT), timeout=1)",
        "s = socket.socket(socket.AF_INET6)\ns.settimeout(1)\ns.connect(('::1', PORT))",
        "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', PORT))",
    ],
)
def test_a_network_connection_is_refused(connect: str) -> None:
    with (
        socket.create_server(("127.0.0.1", 0)) as tcp,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
    ):
        port = tcp.getsockname()[1]
        udp.bind(("127.0.0.1", port))
        tcp.setblocking(False)
        udp.setblocking(False)
        report = escape(connect, imports="import socket", PORT=port)
        with pytest.raises(BlockingIOError):
            tcp.accept()
        with pytest.raises(BlockingIOError):
            udp.recv(16)
    assert not report.passed


@needs("seccomp filter")
def test_a_unix_socket_of_the_users_cannot_be_reached(tmp_path: Path) -> None:
    # like ssh-agent's or a container engine's: the network namespace does not cover these
    path = tmp_path / "agent.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        server.listen()
        server.setblocking(False)
        body = "s = socket.socket(socket.AF_UNIX)\ns.connect(SOCKET_PATH)"
        report = escape(body, imports="import socket", SOCKET_PATH=str(path))
        with pytest.raises(BlockingIOError):
            server.accept()
    assert not report.passed


# ------------------------------------------------------------------ processes


@needs("seccomp filter")
@pytest.mark.parametrize(
    "start",
    [
        "assert os.system('touch ' + MARKER) == 0",
        "os.posix_spawn('/usr/bin/touch', ['touch', MARKER], {})",
        "os.execv('/usr/bin/touch', ['touch', MARKER])",
        "pid = os.fork()\nif pid == 0:\n    open(MARKER, 'w')\n    os._exit(0)\nos.waitpid(pid, 0)",
    ],
)
def test_starting_a_process_is_refused(tmp_path: Path, start: str) -> None:
    marker = tmp_path / "ran.txt"
    report = escape(start, MARKER=str(marker))
    assert not marker.exists()
    assert not report.passed


FORK_AND_HIDE = """
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
    os._exit(0)
"""


def _no_process_left(tmp_path: Path) -> None:
    left = processes_mentioning(str(tmp_path))
    for pid in left:  # clean up after a failure
        os.kill(pid, signal.SIGKILL)
    assert left == []


@needs("seccomp filter", "PID namespace")
def test_a_grandchild_in_its_own_session_does_not_outlive_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the child's command line has it
    report = escape(FORK_AND_HIDE, imports="import os, time")
    time.sleep(0.2)
    _no_process_left(tmp_path)
    assert not report.passed


@pytest.mark.parametrize(
    ("off", "layer"),
    [(("seccomp",), "PID namespace"), (("seccomp", "namespaces"), "subreaper")],
)
def test_without_seccomp_every_process_still_dies_with_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    without: Without,
    off: tuple[str, ...],
    layer: str,
) -> None:
    without(*off)
    if layer not in active().layers:
        pytest.skip(f"no {layer} on this machine")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report = escape(FORK_AND_HIDE, imports="import os, time")
    time.sleep(0.2)
    _no_process_left(tmp_path)
    if os.geteuid() == 0:  # (RLIMIT_NPROC stops the fork for other users)
        assert report.passed, report.summary  # it forked: only the namespace or reaper held it


# ------------------------------------------------------------------ signals


@pytest.fixture
def usr1() -> Iterator[list[int]]:
    """SIGUSR1s this process receives."""
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda number, frame: received.append(number))
    yield received
    signal.signal(signal.SIGUSR1, previous)


@needs("seccomp filter", "PID namespace", "Landlock signal scope")
@pytest.mark.parametrize(
    "send",
    [
        "signal.pidfd_send_signal(os.pidfd_open(PARENT), signal.SIGUSR1)",
        "os.kill(PARENT, signal.SIGUSR1)",
    ],
)
def test_the_editor_cannot_be_signalled(usr1: list[int], send: str) -> None:
    report = escape(send, imports="import os, signal", PARENT=os.getpid())
    time.sleep(0.1)
    assert usr1 == []
    assert not report.passed


@needs("seccomp filter", "PID namespace", "Landlock signal scope")
def test_another_process_cannot_be_killed() -> None:
    with subprocess.Popen(["sleep", "30"]) as victim:
        try:
            body = "signal.pidfd_send_signal(os.pidfd_open(VICTIM), signal.SIGKILL)"
            report = escape(body, imports="import os, signal", VICTIM=victim.pid)
            time.sleep(0.1)
            assert victim.poll() is None
            assert not report.passed
        finally:
            victim.kill()


# ------------------------------------------------------------------ reading secrets


@needs("Landlock")
@pytest.mark.parametrize(
    "read",
    [
        "raise ValueError('LEAKED ' + open(DIARY).read())",
        "raise ValueError('LEAKED ' + ' '.join(os.listdir(HOME)))",
    ],
)
def test_the_home_folder_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret-name.txt").write_text("private words")
    monkeypatch.setenv("HOME", str(home))
    report = escape(read, DIARY=str(home / "secret-name.txt"), HOME=str(home))
    assert "LEAKED" not in report.summary
    assert not report.passed


@needs("PID namespace", "Landlock")
@pytest.mark.parametrize("whose", ["PARENT", "os.getppid()", "OTHER"])
def test_another_process_environment_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch, whose: str
) -> None:
    monkeypatch.setenv("WRITER_TEST_SECRET", "s3cret-token")
    with subprocess.Popen(["sleep", "30"], env={"WRITER_TEST_SECRET": "s3cret-token"}) as other:
        try:
            body = f"""
                data = open(f'/proc/{{{whose}}}/environ', 'rb').read()
                if b's3cret-token' in data:
                    raise ValueError('LEAKED s3cret-token')
            """
            report = escape(body, PARENT=os.getpid(), OTHER=other.pid)
        finally:
            other.kill()
    assert "s3cret" not in report.summary
    assert not report.passed


# ------------------------------------------------------------------ the verdict


FORGERIES = {
    # The old report's pass line, on every descriptor, then leave before any example runs.
    "old result line": '{"type": "result", "status": "ran", "attempted": 1, "failed": 0}',
    # The end-of-run line without the examples.
    "end line only": '{"type": "done"}',
    # A transcript that does not follow the examples.
    "wrong example": '{"type": "got", "index": 5, "out": "\'ok\'\\n"}\n{"type": "done"}',
    "garbage": "\x00\xff not json",
}


@pytest.mark.parametrize("forged", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_report_is_not_a_pass(forged: str) -> None:
    source = f"""
import os
LINE = {forged!r}.encode() + b"\\n"
for fd in range(64):
    try:
        os.write(fd, LINE)
    except OSError:
        pass
os._exit(0)

def f():
    '''
    >>> f()
    'ok'
    '''
    return 'wrong'
"""
    report = run_doctests(source, "f")
    assert not report.passed
    assert report.summary.startswith(
        ("the check failed: its report was garbled", "stopped before reporting (exit code 0)")
    )


def test_a_forged_transcript_after_the_real_one_is_not_a_pass() -> None:
    # The real example fails; the candidate then adds a passing line and a second end line.
    source = """
import os
import atexit

def f():
    '''
    >>> f()
    'ok'
    '''
    line = b'{"type": "got", "index": 0, "out": "\\'ok\\'\\\\n"}\\n{"type": "done"}\\n'
    for fd in range(3, 64):
        try:
            os.write(fd, line)
        except OSError:
            pass
    return 'wrong'
"""
    report = run_doctests(source, "f")
    assert not report.passed
    assert "garbled" in report.summary or "expected 'ok', got 'wrong'" in report.summary


def test_exiting_early_is_not_a_pass() -> None:
    report = escape("os._exit(0)")
    assert not report.passed
    assert report.summary.startswith("stopped before reporting (exit code 0)")
