"""The PyInstaller entry point of the `writer-app` executable (the editor)."""

import multiprocessing

from writer_app.app import main

# A spawned child (adapter training) starts this executable again: let it run its job.
multiprocessing.freeze_support()

raise SystemExit(main())
