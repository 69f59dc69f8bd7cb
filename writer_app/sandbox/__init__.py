"""Run the doctests of generated code in a contained child process.

Docstring → code checks a candidate function against the examples in its docstring, but only
when the user allowed running generated code. The candidate then runs in a fresh Python
process that:

- starts isolated (``python -I -B``) with an almost empty environment (none of the user's
  variables, so no tokens or passwords), in a temporary folder that is deleted afterwards;
- on Linux, is held by the kernel: new user, mount, network and PID namespaces (no network, no
  other process visible, every mount read-only but its folder, a /proc of its own), Landlock
  (reads only Python's and the system's files, writes only its folder, no TCP, no signals out),
  a seccomp filter (no exec, no new processes, no signals to others, no pidfds, no mknod, no
  sockets, no mounts), no capabilities; everything it starts dies with its PID namespace;
- gets resource limits: address space (memory), CPU seconds, file size, open files, no core
  dumps and, for users other than root, no new processes (``RLIMIT_NPROC``);
- runs behind an audit hook that names refused actions (a convenience, not a boundary);
- is killed with its whole process group when the wall-clock timeout runs out.

A layer the system cannot give is reported (`DoctestReport.missing`; a pass then says
"verified with reduced isolation (no …)"). The verdict is the parent's: it parses the examples
from the source itself and compares what the child reports each printed with what was
expected, so a child that forges lines or exits early does not pass.

The parts:

- `runner`: the parent side — `Limits`, `run_doctests`, parsing the examples, starting,
  waiting for and killing the child, and the verdict (`DoctestReport`); `screen_doctests`,
  a quick sieve that runs many variants of one function in one child (never a verdict);
- `child`: the program the child runs, by path; standard library only;
- `confine`: the kernel's layers (ctypes syscalls), loaded by the child by path;
- `doctests`: `verify`, which runs the code task's target's doctests on a candidate, and
  `screen`, which sieves many variants of its body.
"""

from __future__ import annotations

from writer_app.sandbox.runner import (
    DEFAULT_LIMITS,
    FILE_SIZE_LIMIT_MB,
    NEW_FILES_LIMIT,
    OPEN_FILES_LIMIT,
    SCREEN_LIMITS,
    DoctestReport,
    Limits,
    run_doctests,
    screen_doctests,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FILE_SIZE_LIMIT_MB",
    "NEW_FILES_LIMIT",
    "OPEN_FILES_LIMIT",
    "SCREEN_LIMITS",
    "DoctestReport",
    "Limits",
    "run_doctests",
    "screen_doctests",
]
