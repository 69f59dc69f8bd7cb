"""Recently opened files, newest first, kept in the platformdirs state folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from writer_app.documents import atomic_write

log = logging.getLogger(__name__)
LIMIT = 12


class RecentFiles:
    """A short list of paths in a small JSON file; a damaged file just starts a new list."""

    def __init__(self, file: Path, limit: int = LIMIT) -> None:
        self.file = file
        self.limit = limit

    def paths(self) -> list[Path]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return [Path(p) for p in data if isinstance(p, str)][: self.limit]
        except (OSError, ValueError, TypeError):
            return []

    def add(self, path: Path) -> None:
        path = path.absolute()
        self._write([path, *(p for p in self.paths() if p != path)])

    def clear(self) -> None:
        self._write([])

    def _write(self, paths: list[Path]) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps([str(p) for p in paths[: self.limit]], indent=1)
            atomic_write(self.file, data.encode("utf-8"))
        except OSError as exc:  # the list is a convenience: never worth an error box
            log.warning("Could not update the recent files list: %s", exc)
