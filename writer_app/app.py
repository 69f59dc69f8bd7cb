"""`writer-app [FILE]`: the QApplication, its asyncio loop (qasync) and the main window."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from writer_app import APP_NAME, __version__, paths
from writer_app.assistant import Assistant
from writer_app.config import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="writer-app", description="Open the Writer editor.")
    parser.add_argument("file", nargs="?", type=Path, help="a text or Markdown file to open")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("writer")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from writer_app.ui.main_window import MainWindow

    loaded = load_settings(paths.settings_file())
    assistant = Assistant()
    assistant.start()
    window = MainWindow(assistant, loaded.settings, paths.settings_file())
    window.show()
    if args.file is not None:
        if args.file.exists():
            window.open_path(args.file)
        else:  # like other editors: a new document that will be saved there
            window.new_document_at(args.file)
    if loaded.notices:
        window.show_notice("Settings: " + "; ".join(loaded.notices))
    loop.call_soon(window.start_model_load)
    loop.call_soon(window.offer_recovery)
    # Generation stops within a token; a model conversion in progress is simply abandoned
    # (it writes to a temporary folder, so nothing half-done is left in its place).
    app.aboutToQuit.connect(lambda: assistant.shutdown(timeout=2.0))
    with loop:
        loop.run_forever()
    return 0
