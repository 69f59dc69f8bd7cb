"""`writer-app [FILE]`: the QApplication, its asyncio loop (qasync) and the main window."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

import qasync
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from writer_app import APP_NAME, __version__, paths, resources, session
from writer_app.assistant import Assistant
from writer_app.bench import Heartbeat
from writer_app.config import load_settings
from writer_app.engine import native_libs
from writer_app.ui.about import app_icon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="writer-app", description="Open the Writer editor.")
    # Several files: the desktop entry's Exec=writer-app %F passes all that were opened.
    parser.add_argument("files", nargs="*", type=Path, help="text, Markdown or Python files")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # For smoke tests of the packaged app: see _quit_when_ready.
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    loaded = load_settings(paths.settings_file())
    Assistant.prefetch(loaded.settings.model)  # meanwhile: Qt starts, the window is built

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(resources.APP_ID)  # the .desktop file; the Wayland app id
    app.setWindowIcon(app_icon())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from writer_app.ui import i18n
    from writer_app.ui.main_window import MainWindow
    from writer_app.ui.restore import keep_session, restore_session

    paths.remove_stale_leftovers()  # old temporary files of ours that a killed run left
    i18n.install(app, loaded.settings.editor.language)  # before any window is built
    assistant = Assistant()
    assistant.start()
    window = MainWindow(assistant, loaded.settings, paths.settings_file())
    # The files, cursors and window of the last session; before show, so it opens in place.
    session_file = session.default_file()
    restore_session(window, session_file)
    window.show()
    for path in args.files:
        if path.exists():
            window.open_path(path)
        else:  # like other editors: a new document that will be saved there
            window.new_document_at(path)
    if loaded.notices:
        notices = "; ".join(loaded.notices)
        window.show_notice(
            QCoreApplication.translate("App", "Settings: {notices}").format(notices=notices)
        )
    loop.call_soon(window.start_model_load)
    loop.call_soon(window.offer_recovery)
    # Generation stops within a token; a model conversion in progress is simply abandoned
    # (it writes to a temporary folder, so nothing half-done is left in its place).
    app.aboutToQuit.connect(lambda: assistant.shutdown(timeout=2.0))
    app.aboutToQuit.connect(lambda: keep_session(window, session_file))
    exit_code = [0]
    if args.quit_after is not None:
        _quit_when_ready(app, window, assistant, args.quit_after, exit_code)
    with loop:
        loop.run_forever()
    return exit_code[0]


def _quit_when_ready(
    app: QApplication, window: object, assistant: Assistant, limit: float, exit_code: list[int]
) -> None:
    """`--quit-after SECONDS`: say on stdout when the window is up and when the model is
    ready, then quit; exit status 1 if the model fails or is not ready within SECONDS."""
    started = time.monotonic()

    def say(message: str) -> None:
        if sys.stdout is not None:  # None in a windowed app on Windows
            print(f"writer-app: {message}", flush=True)

    beat = Heartbeat()  # how late the GUI thread's timers run while the model loads

    def shown() -> None:
        say("window shown")
        beat.start()

    def check() -> None:
        error = getattr(window, "model_error", None)
        if assistant.ready or error or time.monotonic() - started > limit:
            timer.stop()
            p99, worst = beat.stop()
            status = assistant.status
            preloaded = ", ".join(path.name for path in native_libs.preloaded()) or "none"
            say(
                f"model ready: {status.summary} (GUI timer lateness while loading: p99 "
                f"{p99 * 1000:.0f} ms, max {worst * 1000:.0f} ms; loaded without the GIL: "
                f"{preloaded})"
                if status
                else f"model not ready: {error}"
            )
            exit_code[0] = 0 if status else 1
            app.quit()

    QTimer.singleShot(0, shown)  # once the event loop runs
    timer = QTimer(app)
    timer.timeout.connect(check)
    timer.start(100)
