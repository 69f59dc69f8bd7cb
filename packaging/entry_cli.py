"""The PyInstaller entry point of the `writer-cli` executable (the command line)."""

import multiprocessing

from writer_app.cli import main

# A spawned child (adapter training) starts this executable again: let it run its job.
multiprocessing.freeze_support()

raise SystemExit(main())
