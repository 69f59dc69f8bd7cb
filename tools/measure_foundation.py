"""Measure model load times and the time from a typing pause to the first ghost text.

Run with the project's venv: `.venv/bin/python tools/measure_foundation.py`. It starts fresh
processes for the cold (empty cache: GGUF conversion) and warm (cached copy) loads, then opens
the real editor offscreen with the built-in model and types into it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from writer_app.bench import Heartbeat, load_times, percentile

STORY = (
    "Every evening the old keeper climbed the narrow stairs to the lamp room. He wiped the "
    "salt from the glass, trimmed the wick and checked the oil, as his father had done before "
    "him. The sea below was grey and restless, and the wind carried the smell of rain. "
)


def _lateness(heartbeat: Heartbeat) -> str:
    p99, worst = heartbeat.stop()
    return f"p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms over {len(heartbeat.late)} ticks"


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
    print(f"GUI timer lateness while the model loads: {_lateness(heartbeat)}")
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
    print(f"GUI timer lateness while suggesting: {_lateness(heartbeat)}")
    window.editor.document().setModified(False)
    window.close()
    assistant.shutdown()
    QApplication.instance().processEvents()  # type: ignore[union-attr]
    return out


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    cold = load_times("builtin", "auto", cold=True)
    warm = load_times("builtin", "auto", cold=False)
    print(f"imports (torch, transformers, model code): {warm['imports']:.2f} s")
    print(f"cold load (GGUF conversion + load): {cold['load']:.2f} s")
    print(f"warm load (cached safetensors): {warm['load']:.2f} s after imports")

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    for label, doc in (("short document", STORY[:120]), ("~500-token document", STORY * 8)):
        times = loop.run_until_complete(ghost_latencies(doc, 12))
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(
            f"pause → first ghost text, {label}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"(includes the 300 ms pause delay; n={len(times)})"
        )


if __name__ == "__main__":
    main()
