"""The PyInstaller entry point of the `writer-app` executable (the editor)."""

from writer_app.app import main

raise SystemExit(main())
