"""Doctests of generated code run in a contained child: results, limits and refused actions."""

from __future__ import annotations

import ast
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from processes import alive, processes_mentioning

from writer_app.sandbox import (
    DoctestReport,
    Limits,
    child,
    confine,
    run_doctests,
    runner,
    screen_doctests,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="resource limits need POSIX")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")

REVERSE = '''
def reverse(text: str) -> str:
    """Return the text backwards.

    >>> reverse("abc")
    'cba'
    >>> reverse("")
    ''
    """
    return {body}
'''


def check(body: str, *, imports: str = "import os", limits: Limits | None = None) -> DoctestReport:
    """Run a function ``f`` whose one example, ``f()``, expects ``'ok'``."""
    source = f"{imports}\n\ndef f():\n    '''\n    >>> f()\n    'ok'\n    '''\n"
    source += textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n    return 'ok'\n"
    return run_doctests(source, "f", limits or Limits())


def reduced(summary: str, report: DoctestReport) -> str:
    """A pass's summary on this machine: with the note when some layer is missing here."""
    if not report.missing:
        return summary
    return f"{summary}; verified with reduced isolation ({runner._gaps(report.missing)})"


# ------------------------------------------------------------------ results


def test_a_correct_function_passes() -> None:
    report = run_doctests(REVERSE.format(body="text[::-1]"), "reverse")
    assert report == DoctestReport(True, 2, 0, reduced("2 examples passed", report))


def test_a_wrong_function_fails_naming_the_example() -> None:
    report = run_doctests(REVERSE.format(body="text"), "reverse")
    assert not report.passed
    assert (report.attempted, report.failed) == (2, 1)
    assert report.summary == "1 of 2 examples failed: reverse(\"abc\") expected 'cba', got 'abc'"


def test_an_exception_is_reported_with_its_example() -> None:
    report = run_doctests(REVERSE.format(body="text[::-1] + 1"), "reverse")
    assert not report.passed and report.failed == 2
    assert report.summary.startswith('2 of 2 examples failed: reverse("abc") raised TypeError')
    assert report.summary.endswith("(and 1 more)")


def test_no_examples_is_not_a_pass() -> None:
    report = run_doctests('def f():\n    """Nothing to run."""\n    return 1\n', "f")
    assert report == DoctestReport(False, 0, 0, "no doctest examples")


def test_a_syntax_error_is_reported_with_its_line() -> None:
    report = run_doctests("import os\n\ndef f(:\n    return 1\n", "f")
    assert not report.passed
    assert report.summary.startswith("syntax error on line 3:")


@pytest.mark.parametrize(
    ("source", "name", "summary"),
    [
        ("def g():\n    pass\n", "f", "no function named 'f' in the code"),
        ("f = 3\n", "f", "'f' is not a function or class"),
        ("import no_such_module_here\n", "f", "the code failed while loading: ModuleNotFoundError"),
    ],
)
def test_code_that_cannot_be_tested_is_explained(source: str, name: str, summary: str) -> None:
    report = run_doctests(source, name)
    assert not report.passed
    assert report.summary.startswith(summary)


def test_a_method_is_found_by_its_dotted_name() -> None:
    source = textwrap.dedent('''
        class Stack:
            def __init__(self):
                self.items = []

            def push(self, item):
                """Add an item.

                >>> s = Stack(); s.push(1); s.push(2); s.items
                [1, 2]
                """
                self.items.append(item)
    ''')
    assert run_doctests(source, "Stack.push").passed


def test_stdout_noise_does_not_confuse_the_report() -> None:
    fake = '{"type": "result", "status": "ran", "attempted": 9, "failed": 0}'
    source = textwrap.dedent(f'''
        import sys
        print('{fake}')
        print("noise", file=sys.stderr)
        sys.stdout.write("no newline at the end")

        def f():
            """
            >>> f()
            hello
            """
            print("hello")
            print('{fake}', file=sys.stderr)
    ''')
    report = run_doctests(source, "f")
    assert report == DoctestReport(True, 1, 0, reduced("1 example passed", report))


def doc(examples: str, body: str, imports: str = "") -> DoctestReport:
    """Run the examples (a docstring's text) of ``f(x=None)`` with `body`."""
    source = f"{imports}\n\ndef f(x=None):\n    '''\n"
    source += textwrap.indent(textwrap.dedent(examples).strip(), "    ") + "\n    '''\n"
    source += textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n"
    return run_doctests(source, "f")


@pytest.mark.parametrize(
    ("examples", "body", "passed"),
    [
        # printed output, and a value after it
        (">>> f()\nhello\n3", "print('hello')\nreturn 3", True),
        (">>> f()\nhello\n3", "print('hullo')\nreturn 3", False),
        # state carried from one example to the next
        (">>> y = f(2)\n>>> y + 1\n5", "return x * 2", True),
        # an expected exception, with or without its details
        (
            ">>> f()\nTraceback (most recent call last):\n  ...\nValueError: bad x",
            "raise ValueError('bad x')",
            True,
        ),
        (
            ">>> f()\nTraceback (most recent call last):\n  ...\nValueError: bad x",
            "raise ValueError('other')",
            False,
        ),
        (
            ">>> f()  # doctest: +IGNORE_EXCEPTION_DETAIL\n"
            "Traceback (most recent call last):\n  ...\nValueError: bad x",
            "raise ValueError('other')",
            True,
        ),
        (
            ">>> f()\nTraceback (most recent call last):\n  ...\nValueError: bad x",
            "raise TypeError('bad x')",
            False,
        ),
        # option flags
        (">>> f()  # doctest: +ELLIPSIS\n[0, 1, ..., 99]", "return list(range(100))", True),
        (">>> f()\n[0, 1, ..., 99]", "return list(range(100))", False),
        (">>> f()  # doctest: +NORMALIZE_WHITESPACE\n[1,   2]", "return [1, 2]", True),
        (">>> f()\na\n<BLANKLINE>\nb", "print('a\\n\\nb')", True),
        (">>> f()  # doctest: +SKIP\n'never'\n>>> 1 + 1\n2", "return 'x'", True),
    ],
)
def test_outputs_are_compared_as_doctest_would(examples: str, body: str, passed: bool) -> None:
    report = doc(examples, body)
    assert report.passed is passed, report.summary


def test_the_codes_future_imports_apply_to_its_examples() -> None:
    report = doc(
        ">>> def g(y: undefined_name): pass\n>>> g.__annotations__\n{'y': 'undefined_name'}",
        "return 1",
        imports="from __future__ import annotations",
    )
    assert report.passed, report.summary


def test_all_examples_skipped_is_not_a_pass() -> None:
    report = doc(">>> f()  # doctest: +SKIP\n1", "return 1")
    assert report == DoctestReport(False, 0, 0, "no doctest examples were run (all skipped)")


def test_the_examples_come_from_the_source_not_from_the_running_code() -> None:
    # The code swaps its docstring (and doctest's checker) for ones it passes: no matter.
    source = textwrap.dedent('''
        import doctest

        def f():
            """
            >>> f()
            'right'
            """
            return "wrong"

        f.__doc__ = ">>> 1\\n1\\n"
        doctest.OutputChecker.check_output = lambda *args: True
    ''')
    report = run_doctests(source, "f")
    assert not report.passed
    assert report.summary == "1 of 1 example failed: f() expected 'right', got 'wrong'"


def test_a_function_defined_under_an_if_is_found() -> None:
    source = "import sys\nif sys:\n    def f():\n        '''\n        >>> f()\n        1\n"
    source += "        '''\n        return 1\n"
    assert run_doctests(source, "f").passed


def test_a_very_long_output_fails_without_flooding_the_report() -> None:
    report = doc(">>> f()  # doctest: +ELLIPSIS\n...", "print('x' * 10**6)")
    assert not report.passed
    assert len(report.summary) < 400


@pytest.mark.parametrize(
    ("source", "name", "limits"),
    [
        ("x = 1", "not a name", Limits()),
        ("x = 1", "", Limits()),
        ("x = 1", "f.", Limits()),
        ("x = 1", "class", Limits()),
        (b"x = 1", "f", Limits()),
        ("x = 1", "f", "fast"),
    ],
)
def test_bad_arguments_raise_value_error(source: object, name: str, limits: object) -> None:
    with pytest.raises(ValueError):
        run_doctests(source, name, limits)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout_s": 0}, {"timeout_s": float("nan")}, {"memory_mb": -1}, {"cpu_s": 1.5}],
)
def test_bad_limits_raise_value_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Limits(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the child program


def test_the_child_program_is_the_child_module_run_by_path() -> None:
    with runner._child_program() as program:
        assert program.is_file() and program.is_absolute()
        assert program.samefile(child.__file__)


@pytest.mark.parametrize("module", [child, confine])
def test_the_child_program_imports_only_the_standard_library(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports: it runs as a script"
            assert node.module is not None
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


def test_the_child_program_runs_standalone(tmp_path: Path) -> None:
    box = tmp_path / "box"
    box.mkdir()
    payload = tmp_path / "payload.json"
    job: dict[str, object] = {
        "source": REVERSE.format(body="text[::-1] if text else 'oops'"),
        "function": "reverse",
        "examples": ['reverse("abc")\n', 'reverse("")\n'],
        "box": str(box),
        "confine": confine.__file__,
    }
    job |= {"home": "", "memory_mb": 512, "cpu_s": 5, "file_mb": 4, "open_files": 64}
    payload.write_text(json.dumps(job | {"new_files": 16}), encoding="utf-8")
    with runner._child_program() as program:
        command = [sys.executable, "-I", "-B", str(program), str(payload)]
        done = subprocess.run(command, cwd=box, env={}, timeout=60, check=True, capture_output=True)
    events = [json.loads(line) for line in done.stdout.decode("ascii").splitlines()]
    assert [e["type"] for e in events] == ["setup", "example", "got", "example", "got", "done"]
    assert set(events[0]["layers"]) | set(events[0]["missing"]) >= set(runner.ISOLATION_LAYERS)
    assert events[2] == {"type": "got", "index": 0, "out": "'cba'\n", "clipped": False}
    assert events[4] == {"type": "got", "index": 1, "out": "'oops'\n", "clipped": False}


def test_the_child_does_not_load_the_app() -> None:
    report = check(
        "assert not [m for m in sys.modules if m.split('.')[0] == 'writer_app'], sys.modules",
        imports="import sys",
    )
    assert report.passed, report.summary


@posix_only  # Windows finds the home folder through USERPROFILE
def test_the_child_reads_its_own_lines_when_installed_in_the_home_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A traceback through the child's frames reads the child program's lines.
    monkeypatch.setenv("HOME", str(Path(child.__file__).parent))
    report = check("traceback.print_stack()", imports="import traceback")
    assert report.passed, report.summary


# ------------------------------------------------------------------ limits


@linux_only
def test_an_endless_loop_times_out_and_leaves_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    start = time.monotonic()
    report = check("while True:\n    pass", limits=Limits(timeout_s=1.5))
    elapsed = time.monotonic() - start
    assert not report.passed
    assert report.summary == "timed out after 1.5 s in f()"
    assert 1.4 < elapsed < 3.0
    assert processes_mentioning(str(tmp_path)) == []


def test_a_screening_keeps_the_variants_whose_examples_all_pass() -> None:
    bodies = ["text[::-1]", "text", "text[::-1] + ''", "1 / 0", "''.join(reversed(text))", "("]
    sources = [REVERSE.format(body=b) for b in bodies]
    assert screen_doctests(sources, "reverse") == [0, 2, 4]
    assert screen_doctests([], "reverse") == []


def test_a_screening_compares_expected_exceptions_and_flags_as_doctest_does() -> None:
    source = """
def f(x):
    \'\'\'
    >>> f(-1)
    Traceback (most recent call last):
    ValueError: negative
    >>> f(3)  # doctest: +ELLIPSIS
    [0, 1, ...]
    \'\'\'
    {body}
"""
    bodies = [
        "if x < 0: raise ValueError('negative')\n    return list(range(x))",
        "if x < 0: raise ValueError('other')\n    return list(range(x))",
        "return list(range(abs(x)))",
    ]
    assert screen_doctests([source.format(body=b) for b in bodies], "f") == [0]


@pytest.mark.parametrize("stop_after", [None, 0.5], ids=["limits", "asked"])
def test_a_screening_keeps_what_passed_before_a_variant_that_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_after: float | None
) -> None:
    # The child is killed at its time limit, or as soon as the caller asks (cancel, Max time).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bodies = ["text[::-1]", "[0 for _ in iter(int, 1)]", "text[::-1]"]
    sources = [REVERSE.format(body=b) for b in bodies]
    start = time.monotonic()
    if stop_after is None:
        limits, asked = Limits(timeout_s=1.5, cpu_s=1), None
    else:
        limits = Limits(timeout_s=30, cpu_s=30)
        asked = lambda: time.monotonic() - start > stop_after  # noqa: E731
    assert screen_doctests(sources, "reverse", limits, asked) == [0]
    assert time.monotonic() - start < 5
    assert processes_mentioning(str(tmp_path)) == []


@posix_only
def test_cpu_time_is_limited() -> None:
    report = check("while True:\n    pass", limits=Limits(timeout_s=10, cpu_s=1))
    assert not report.passed
    assert report.summary == "used more than 1 s of CPU time in f()"


@posix_only
@pytest.mark.parametrize(
    "bomb",
    [
        "data = bytearray(8 * 1024**3)",
        "data = []\nwhile True:\n    data.append(bytearray(10**6))",
    ],
)
def test_a_memory_bomb_is_contained(bomb: str) -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    report = check(bomb, limits=Limits(memory_mb=256))
    assert not report.passed
    assert "memory" in report.summary
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # the limit was the child's own
    assert len(bytearray(300 * 1024**2)) == 300 * 1024**2  # and this process still allocates


@posix_only
def test_a_huge_file_is_cut_off() -> None:
    report = check("open('big', 'wb').write(b'x' * (64 << 20))")
    assert not report.passed
    assert "File too large" in report.summary


def test_the_temporary_folder_is_its_working_folder_and_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    body = f"""
        import sqlite3
        assert os.getcwd().startswith({str(tmp_path)!r}), os.getcwd()
        os.makedirs("a/b")
        with open("a/b/notes.txt", "w") as file:
            file.write("kept inside")
        with tempfile.TemporaryFile() as file:
            file.write(b"scratch")
        sqlite3.connect("data.db").execute("create table t (x)")
    """
    report = check(body, imports="import os, tempfile")
    assert report.passed, report.summary
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ refused actions


@pytest.mark.parametrize(
    "write",
    [
        "open(TARGET, 'w').write('escaped')",
        "pathlib.Path(TARGET).write_text('escaped')",
        "os.close(os.open(TARGET, os.O_CREAT | os.O_WRONLY))",
        # Catching the error does not hide the attempt.
        "try:\n    open(TARGET, 'w')\nexcept OSError:\n    pass",
    ],
)
def test_writing_outside_its_folder_is_refused(tmp_path: Path, write: str) -> None:
    target = tmp_path / "escaped.txt"
    report = check(write.replace("TARGET", repr(str(target))), imports="import os, pathlib")
    assert not target.exists()
    assert not report.passed
    assert report.summary == f"tried to write outside its folder: {target}"


def test_deleting_outside_its_folder_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "keep.txt"
    victim.write_text("mine")
    report = check(f"os.remove({str(victim)!r})")
    assert victim.read_text() == "mine"
    assert report.summary.startswith("tried to write outside its folder")


def test_the_parent_environment_is_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WRITER_TEST_SECRET", "s3cret")
    report = check("assert os.environ.get('WRITER_TEST_SECRET') is None, dict(os.environ)")
    assert report.passed, report.summary
    assert "s3cret" not in report.summary


@linux_only
def test_the_parent_environment_cannot_be_read_from_proc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WRITER_TEST_SECRET", "s3cret")
    report = check("print(open(f'/proc/{os.getppid()}/environ', 'rb').read())")
    assert not report.passed
    assert "s3cret" not in report.summary
    assert report.summary.startswith("tried to read files outside its folder: /proc/")


@posix_only  # Windows finds the home folder through USERPROFILE
def test_the_home_folder_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "diary.txt").write_text("private")
    monkeypatch.setenv("HOME", str(home))
    report = check(f"print(open({str(home / 'diary.txt')!r}).read())")
    assert not report.passed
    assert "private" not in report.summary
    assert report.summary.startswith("tried to read files outside its folder")


@posix_only
@pytest.mark.parametrize(
    "start",
    [
        "subprocess.run(['touch', MARKER])",
        "subprocess.Popen(['touch', MARKER]).wait()",
        "os.system('touch ' + MARKER)",
        "os.posix_spawn('/usr/bin/touch', ['touch', MARKER], {})",
        "pid = os.fork()\nif pid == 0:\n    open(MARKER, 'w')\n    os._exit(0)",
    ],
)
def test_starting_a_process_is_refused(tmp_path: Path, start: str) -> None:
    marker = tmp_path / "ran.txt"
    body = f"MARKER = {str(marker)!r}\n{start}"
    report = check(body, imports="import os, subprocess")
    assert not marker.exists()
    assert not report.passed
    assert report.summary.startswith("tried to start a process")


def test_a_network_connection_is_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = server.getsockname()[1]
        report = check(
            f"socket.create_connection(('127.0.0.1', {port}), timeout=1)", imports="import socket"
        )
        with pytest.raises(BlockingIOError):
            server.accept()
    assert not report.passed
    assert report.summary.startswith("tried to use the network")


def test_name_lookups_are_refused() -> None:
    report = check("socket.getaddrinfo('localhost', 80)", imports="import socket")
    assert report.summary == "tried to use the network: socket.getaddrinfo"


def test_loading_native_code_is_refused() -> None:
    report = check("ctypes.CDLL(None).getpid()", imports="import ctypes")
    assert not report.passed
    assert report.summary.startswith("tried to load native code")


@linux_only
@pytest.mark.parametrize("leave_running", [False, True])
def test_the_whole_process_group_is_killed(tmp_path: Path, leave_running: bool) -> None:
    pid_file = tmp_path / "pid"
    script = f"sleep 30 & echo $! > {pid_file}" + ("; sleep 30" if leave_running else "")
    proc = subprocess.Popen(["sh", "-c", script], start_new_session=True)
    exited = runner._wait_then_kill(proc, timeout=1.0)
    assert exited is not leave_running
    assert proc.returncode is not None  # reaped: no zombie left
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 2
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(grandchild)


# ------------------------------------------------------------------ the seccomp program


def _run_bpf(program: bytes, arch: int, nr: int, arg0: int = 0) -> int:
    """Evaluate a classic-BPF seccomp program (the instructions it uses) on one syscall."""
    code = [struct.unpack_from("=HBBI", program, i) for i in range(0, len(program), 8)]
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    pc = accumulator = 0
    for _ in range(len(code)):
        op, jt, jf, k = code[pc]
        if op == 0x20:  # load a word of seccomp_data
            accumulator, pc = struct.unpack_from("<I", data, k)[0], pc + 1
        elif op in (0x15, 0x35, 0x45):  # jeq, jge, jset
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: accumulator & k}[op]
            pc += 1 + (jt if taken else jf)
        elif op == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected instruction {op:#x}")
    raise AssertionError("no return")


ALLOW, EPERM, ENOSYS, KILL = 0x7FFF0000, 0x50001, 0x50026, 0x80000000
THREAD_FLAGS = 0x3D0F00  # what the C library passes to clone for a thread (CLONE_THREAD…)


@pytest.mark.parametrize(
    ("arch", "numbers"),
    [
        (
            "x86_64",
            {"read": 0, "openat": 257, "execve": 59, "fork": 57, "clone": 56, "clone3": 435,
             "kill": 62, "tgkill": 234, "socket": 41, "socketpair": 53, "ptrace": 101,
             "mknodat": 259, "pidfd_send_signal": 424, "mount": 165, "fchmodat": 268},
        ),
        (
            "aarch64",
            {"read": 63, "openat": 56, "execve": 221, "clone": 220, "clone3": 435, "kill": 129,
             "tgkill": 131, "socket": 198, "socketpair": 199, "ptrace": 117, "mknodat": 33,
             "pidfd_send_signal": 424, "mount": 40, "fchmodat": 53},
        ),
    ],
)  # fmt: skip
def test_the_seccomp_program_refuses_what_it_should(arch: str, numbers: dict[str, int]) -> None:
    audit_arch = confine._ARCHES[arch][0]
    program = confine.seccomp_program(arch, own_pid=2, metadata=False)
    assert len(program) % 8 == 0 and len(program) // 8 < 4096

    def verdict(name: str, arg0: int = 0, *, metadata: bool = False) -> int:
        code = confine.seccomp_program(arch, 2, metadata) if metadata else program
        return _run_bpf(code, audit_arch, numbers[name], arg0)

    assert verdict("read") == verdict("openat") == ALLOW
    for name in ("execve", "ptrace", "mknodat", "pidfd_send_signal", "mount", "socket"):
        assert verdict(name) == EPERM, name
    if "fork" in numbers:
        assert verdict("fork") == EPERM
    assert verdict("clone", THREAD_FLAGS) == ALLOW
    assert verdict("clone", 17) == EPERM  # SIGCHLD alone: fork
    assert verdict("clone", THREAD_FLAGS | confine.CLONE_NEWNET) == EPERM
    assert verdict("clone3") == ENOSYS  # the C library then uses clone
    assert verdict("kill", 2) == verdict("tgkill", 2) == ALLOW
    assert verdict("kill", 1) == verdict("kill", 0) == verdict("kill", 2**32 - 1) == EPERM
    assert verdict("socketpair", 1) == ALLOW  # AF_UNIX
    assert verdict("socketpair", 2) == EPERM
    assert verdict("fchmodat") == ALLOW
    assert verdict("fchmodat", metadata=True) == EPERM
    assert _run_bpf(program, 0x40000003, numbers["read"]) == KILL  # another ABI (i386)
    if arch == "x86_64":
        assert _run_bpf(program, audit_arch, 0x40000000 | 0) == KILL  # x32
