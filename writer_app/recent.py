"""Short most-recent-first lists (opened files, custom instructions) in the state folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from writer_app.atomic import atomic_write

log = logging.getLogger(__name__)
LIMIT = 12


class RecentList:
    """Text items in a small JSON file, newest first; a damaged file just starts a new list."""

    def __init__(self, file: Path, limit: int = LIMIT) -> None:
        self.file = file
        self.limit = limit

    def items(self) -> list[str]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return [p for p in data if isinstance(p, str)][: self.limit]
        except (OSError, ValueError, TypeError):
            return []

    def add(self, item: str) -> None:
        self._write([item, *(p for p in self.items() if p != item)])

    def clear(self) -> None:
        self._write([])

    def _write(self, items: list[str]) -> None:
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps(items[: self.limit], indent=1, ensure_ascii=False)
            atomic_write(self.file, data.encode("utf-8"))
        except OSError as exc:  # the list is a convenience: never worth an error box
            log.warning("Could not update %s: %s", self.file.name, exc)


class RecentFiles(RecentList):
    """Recently opened files."""

    def paths(self) -> list[Path]:
        return [Path(p) for p in self.items()]

    def add(self, item: str | Path) -> None:
        super().add(str(Path(item).absolute()))
