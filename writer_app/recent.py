"""Short most-recent-first lists (opened files, custom instructions) in the state folder."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from writer_app.atomic import atomic_write, read_regular_file

log = logging.getLogger(__name__)
LIMIT = 12
MAX_BYTES = 1024 * 1024  # a dozen paths or instructions; more is a damaged file
MODE = 0o600  # file paths and instructions are the user's business alone


class RecentList:
    """Text items in a small JSON file, newest first; a damaged file just starts a new list."""

    def __init__(self, file: Path, limit: int = LIMIT) -> None:
        self.file = file
        self.limit = limit

    def items(self) -> list[str]:
        try:  # never blocks on a FIFO planted in its place, never reads a huge file whole
            data = json.loads(read_regular_file(self.file, MAX_BYTES)[0].decode("utf-8"))
            return [p for p in data if isinstance(p, str)][: self.limit]
        except (OSError, ValueError, TypeError, RecursionError):
            return []

    def add(self, item: str) -> None:
        self._write([item, *(p for p in self.items() if p != item)])

    def clear(self) -> None:
        self._write([])

    def _write(self, items: list[str]) -> None:
        try:
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = json.dumps(items[: self.limit], indent=1, ensure_ascii=False)
            if self.file.is_file() and not self.file.is_symlink():
                os.chmod(self.file, MODE)  # an older list was readable by others
            atomic_write(self.file, data.encode("utf-8"), mode=MODE)
        except OSError as exc:  # the list is a convenience: never worth an error box
            log.warning("Could not update %s: %s", self.file.name, exc)


class RecentFiles(RecentList):
    """Recently opened files."""

    def paths(self) -> list[Path]:
        return [Path(p) for p in self.items()]

    def add(self, item: str | Path) -> None:
        super().add(str(Path(item).absolute()))
