"""torch's native libraries, loaded without holding the GIL. No Qt, no torch.

`import torch` loads libtorch_cpu (hundreds of MB, thousands of relocations and static
initializers) through Python's importer, which holds the GIL for the whole dlopen: 0.2-0.3 s
on a small CPU, and the GUI thread, which needs the GIL for every Python slot, freezes for as
long. Calling the C library's dlopen through ctypes releases the GIL for the call, so
`preload_torch` does that first, on the worker thread; the importer then finds the library
loaded (by its soname) and only takes a new reference. The library is loaded as the importer
would (RTLD_NOW, local symbols), so nothing about torch changes once it is imported.

Windows needs none of this: torch's own `__init__` loads its DLLs through ctypes' kernel32
calls, which release the GIL already.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# The big ones; each pulls in its own dependencies (libc10, libgomp) through its RPATH.
_LIBRARIES = ("libtorch_cpu", "libtorch_cuda")
_loaded: list[tuple[Path, int]] = []  # and their handles, kept as the importer keeps its


def torch_library_folder() -> Path | None:
    """Where the installed torch keeps its native libraries (None: no torch installed, or
    already imported)."""
    if "torch" in sys.modules:
        return None
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def preload_torch() -> list[Path]:
    """Load torch's large native libraries with the GIL released; what was loaded. Never
    raises: whatever cannot be preloaded is left to `import torch`, as before."""
    folder = torch_library_folder()
    if sys.platform == "win32" or folder is None or _loaded:
        return []
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    done: list[Path] = []
    try:
        dlopen = ctypes.CDLL(None).dlopen  # a foreign call: ctypes drops the GIL around it
    except (OSError, AttributeError) as exc:
        log.debug("no dlopen to preload torch with: %s", exc)
        return []
    dlopen.restype = ctypes.c_void_p
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    for name in _LIBRARIES:
        path = folder / f"{name}{suffix}"
        if not path.is_file():
            continue
        handle = dlopen(os.fsencode(path), os.RTLD_NOW | os.RTLD_LOCAL)
        if not handle:
            log.debug("could not preload %s; import torch will load it", path)
            break  # (the importer reports whatever is wrong with it, as it would have)
        _loaded.append((path, handle))
        done.append(path)
    return done


def preloaded() -> list[Path]:
    """The libraries `preload_torch` loaded in this process."""
    return [path for path, _handle in _loaded]
