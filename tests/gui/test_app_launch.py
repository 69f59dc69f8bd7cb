"""`writer-app` as a person starts it: a fresh process shows its window, loads the built-in
model on its worker thread (torch's library loaded without the GIL) and quits when asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.real_model
@pytest.mark.timeout(300)
def test_the_app_shows_its_window_then_loads_the_builtin_model(app_dirs: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-m", "writer_app", "--quit-after", "240"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    said = [line for line in out.stdout.splitlines() if line.startswith("writer-app: ")]
    assert said[0] == "writer-app: window shown", said
    assert said[1].startswith("writer-app: model ready: SmolLM2-135M-Instruct · CPU"), said
    assert "GUI timer lateness while loading: p99 " in said[1]
    if sys.platform.startswith("linux"):
        assert said[1].endswith("loaded without the GIL: libtorch_cpu.so)"), said
    assert "Traceback" not in out.stderr
