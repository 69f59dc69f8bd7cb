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

The parts:

- `runner`: the parent side — `Limits`, `run_doctests`, starting, waiting for and killing the
  child, and turning what it reported into a `DoctestReport`;
- `child`: the program the child runs, by path; standard library only;
- `doctests`: `verify`, which runs the code task's target's doctests on a candidate.
"""

from __future__ import annotations

from writer_app.sandbox.runner import (
    DEFAULT_LIMITS,
    FILE_SIZE_LIMIT_MB,
    NEW_FILES_LIMIT,
    OPEN_FILES_LIMIT,
    DoctestReport,
    Limits,
    run_doctests,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FILE_SIZE_LIMIT_MB",
    "NEW_FILES_LIMIT",
    "OPEN_FILES_LIMIT",
    "DoctestReport",
    "Limits",
    "run_doctests",
]
