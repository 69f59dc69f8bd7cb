"""Which adapter each document uses, where it is not the one the settings name: a small JSON
file in the state folder, by the document's absolute path ("" = no adapter for it). No Qt
here. A damaged or unreadable file is simply no choices (every document as the settings say).
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

    def _read(self) -> dict[str, str]:
        try:  # never blocks on a FIFO planted in its place, never reads a huge file whole
            data = json.loads(read_regular_file(self.file, MAX_BYTES)[0].decode("utf-8"))
        except (OSError, ValueError, TypeError, RecursionError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def get(self, document: Path) -> str | None:
        return self._read().get(str(document.absolute()))

    def set(self, document: Path, adapter: str | None) -> None:
        """Choose `adapter` for `document` (None: back to what the settings say)."""
        key = str(document.absolute())
        chosen = {k: v for k, v in self._read().items() if k != key}
        if adapter is not None:
            chosen = {key: adapter, **chosen}
        try:
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            kept = dict(list(chosen.items())[:LIMIT])
            data = json.dumps(kept, indent=1, ensure_ascii=False)
            atomic_write(self.file, data.encode("utf-8"), mode=MODE)
        except OSError as exc:  # a convenience: never worth an error box
            log.warning("Could not update %s: %s", self.file.name, exc)
