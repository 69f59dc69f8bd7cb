"""`python -m writer_app` opens the editor."""

from writer_app.app import main

raise SystemExit(main())
