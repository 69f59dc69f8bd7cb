"""The PyInstaller entry point of the `writer-cli` executable (the command line)."""

from writer_app.cli import main

raise SystemExit(main())
