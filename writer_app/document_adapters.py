"""Which adapter each document uses, where it is not the one the settings name: a small JSON
file in the state folder, by the document's absolute path ("" = no adapter for it), read once
and kept in memory (it is asked at every job). No Qt here. A damaged or unreadable file is
simply no choices (every document as the settings say).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from writer_app.atomic import atomic_write, read_regular_file
from writer_app.recent import MODE

log = logging.getLogger(__name__)
LIMIT = 500  # documents remembered, the most recently chosen first
MAX_BYTES = 1024 * 1024


class DocumentAdapters:
    """The adapter chosen for a document: a name, "" for none, or None (as the settings say)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._chosen: dict[str, str] | None = None  # read at the first question

    def _read(self) -> dict[str, str]:
        if self._chosen is None:
            self._chosen = {}
            try:  # never blocks on a FIFO planted in its place, never reads a huge file whole
                data = json.loads(read_regular_file(self.file, MAX_BYTES)[0].decode("utf-8"))
            except (OSError, ValueError, TypeError, RecursionError):
                data = {}
            if isinstance(data, dict):
                self._chosen = {k: v for k, v in data.items() if isinstance(v, str)}
        return self._chosen

    def get(self, document: Path) -> str | None:
        return self._read().get(str(document.absolute()))

    def set(self, document: Path, adapter: str | None) -> None:
        """Choose `adapter` for `document` (None: back to what the settings say)."""
        key = str(document.absolute())
        chosen = {k: v for k, v in self._read().items() if k != key}
        if adapter is not None:
            chosen = {key: adapter, **chosen}
        self._chosen = dict(list(chosen.items())[:LIMIT])
        try:
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            data = json.dumps(self._chosen, indent=1, ensure_ascii=False)
            atomic_write(self.file, data.encode("utf-8"), mode=MODE)
        except OSError as exc:  # kept for this session; a convenience, never an error box
            log.warning("Could not update %s: %s", self.file.name, exc)
