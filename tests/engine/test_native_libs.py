"""torch's native libraries, loaded with the GIL released before `import torch`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from writer_app.engine import native_libs

REPO = Path(__file__).resolve().parents[2]

# In a fresh process (this one imported torch long ago): a thread ticks while the main thread
# preloads; the longest gap between its ticks tells whether the dlopen held the GIL.
_FRESH = """
import json, threading, time
from writer_app.engine import native_libs

ticks, stop = [], threading.Event()
def tick():
    while not stop.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
ticker = threading.Thread(target=tick)
ticker.start()
time.sleep(0.05)
started = time.perf_counter()
loaded = native_libs.preload_torch()
ended = time.perf_counter()
stop.set()
ticker.join()
inside = [b - a for a, b in zip(ticks, ticks[1:]) if b > started and a < ended]
with open("/proc/self/maps") as maps:
    before = {line.split()[-1] for line in maps if "libtorch_cpu" in line}
import torch
with open("/proc/self/maps") as maps:
    after = {line.split()[-1] for line in maps if "libtorch_cpu" in line}
print(json.dumps({
    "loaded": [str(p) for p in loaded],
    "seconds": ended - started,
    "longest_gap": max(inside, default=ended - started),
    "before": sorted(before),
    "after": sorted(after),
    "works": float(torch.ones(3).sum()),
    "again": native_libs.preload_torch() == [],
}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_torch_libraries_load_without_the_gil_and_torch_uses_them() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRESH], cwd=REPO, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    folder = Path(torch.__file__).parent / "lib"
    assert result["loaded"] == [str(folder / "libtorch_cpu.so")]
    assert result["before"] == [str(folder / "libtorch_cpu.so")]  # loaded by the preload
    assert result["after"] == result["before"]  # and not a second copy by the import
    assert result["works"] == 3.0 and result["again"]
    # The other thread ran throughout (with the GIL held, one gap would span the dlopen).
    assert result["longest_gap"] < result["seconds"] / 2, result


def test_nothing_to_preload_once_torch_is_imported() -> None:
    assert "torch" in sys.modules
    assert native_libs.torch_library_folder() is None
    assert native_libs.preload_torch() == []


def test_a_library_that_will_not_load_is_left_to_the_importer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "libtorch_cpu.so").write_bytes(b"not a shared library")
    monkeypatch.setattr(native_libs, "torch_library_folder", lambda: tmp_path)
    monkeypatch.setattr(native_libs, "_loaded", [])
    caplog.set_level("DEBUG", logger=native_libs.__name__)
    assert native_libs.preload_torch() == []
    assert "could not preload" in caplog.text
