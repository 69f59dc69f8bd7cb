"""Measure model load times and the time from a typing pause to the first ghost text.

Run with the project's venv: `.venv/bin/python tools/measure_foundation.py`. It starts fresh
processes for the cold (empty cache: GGUF conversion) and warm (cached copy) loads, then opens
the real editor offscreen with the built-in model and types into it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time

LOAD = """
import time, sys
t0 = time.perf_counter()
from writer_app.engine.loader import load_model
from transformers import LlamaForCausalLM  # transformers imports model code lazily
t1 = time.perf_counter()
lm = load_model("builtin", "cpu")
t2 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f}")
"""

STORY = (
    "Every evening the old keeper climbed the narrow stairs to the lamp room. He wiped the "
    "salt from the glass, trimmed the wick and checked the oil, as his father had done before "
    "him. The sea below was grey and restless, and the wind carried the smell of rain. "
)


def load_times(cache: str) -> tuple[float, float]:
    env = {**os.environ, "XDG_CACHE_HOME": cache, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", LOAD], env=env, capture_output=True, text=True)
    imports, load = out.stdout.split()
    return float(imports), float(load)


class Heartbeat:
    """A 5 ms timer on the GUI thread; how late each tick fires shows if the GUI ever waits."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late.append(max(0.0, now - self.last - 0.005))
        self.last = now

    def start(self) -> None:
        self.late.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> str:
        self.timer.stop()
        late = sorted(self.late)
        p99 = late[int(0.99 * (len(late) - 1))] * 1000
        return f"p99 {p99:.1f} ms, max {late[-1] * 1000:.1f} ms over {len(late)} ticks"


async def ghost_latencies(doc: str, trials: int) -> list[float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from writer_app.assistant import Assistant
    from writer_app.config import Settings
    from writer_app.ui.main_window import MainWindow

    assistant = Assistant()
    assistant.start()
    window = MainWindow(assistant, Settings())
    window.show()
    heartbeat = Heartbeat()
    heartbeat.start()
    window.start_model_load()  # in a fresh process: imports torch on the worker thread too
    while not assistant.ready:
        await asyncio.sleep(0.05)
    print(f"GUI timer lateness while the model loads: {heartbeat.stop()}")
    editor = window.editor
    editor.setPlainText(doc)
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    editor.setFocus()
    words = ["Then", "the", "light", "turned", "slowly", "over", "the", "water", "and"]
    out = []
    heartbeat.start()
    for i in range(trials):
        QTest.keyClicks(editor, f" {words[i % len(words)]}")
        paused = time.perf_counter()
        while not editor.ghost_text():
            await asyncio.sleep(0.002)
        out.append(time.perf_counter() - paused)
        while window.controller.busy:
            await asyncio.sleep(0.01)
        QTest.keyClick(editor, Qt.Key.Key_Escape)
    print(f"GUI timer lateness while suggesting: {heartbeat.stop()}")
    window.editor.document().setModified(False)
    window.close()
    assistant.shutdown()
    QApplication.instance().processEvents()  # type: ignore[union-attr]
    return out


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as cache:
        _, cold = load_times(cache)
        warm_imports, warm = load_times(cache)
    print(f"imports (torch, transformers, model code): {warm_imports:.2f} s")
    print(f"cold load (GGUF conversion + load): {cold:.2f} s")
    print(f"warm load (cached safetensors): {warm:.2f} s after imports")

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    for label, doc in (("short document", STORY[:120]), ("~500-token document", STORY * 8)):
        times = loop.run_until_complete(ghost_latencies(doc, 12))
        times.sort()
        p50 = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"pause → first ghost text, {label}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"(includes the 300 ms pause delay; n={len(times)})"
        )


if __name__ == "__main__":
    main()
