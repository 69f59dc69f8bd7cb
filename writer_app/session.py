"""What the window looked like when Writer was last quit: the files open in it, the cursor
in each, which one was in front, the window's place and size, and the view (preview,
spelling). Kept as a small JSON file in the state folder; no Qt here.

Only saved files are listed: unsaved text is kept by crash recovery, not here. A damaged or
unreadable file is simply no session (the window starts as new).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import atomic_write, read_regular_file

log = logging.getLogger(__name__)
VERSION = 1
MAX_FILES = 100


@dataclass(frozen=True)
class OpenFile:
    """A document that was open, and where its cursor was (Qt positions)."""

    path: str
    cursor: int = 0
    anchor: int | None = None  # the other end of a selection


@dataclass(frozen=True)
class Session:
    files: tuple[OpenFile, ...] = ()
    current: int = 0  # index into files of the one in front
    geometry: str = ""  # QWidget.saveGeometry(), base64
    view: dict[str, bool] = field(default_factory=dict)  # e.g. {"preview": True}


def default_file() -> Path:
    return paths.state_dir() / "session.json"


def _int(value: Any, default: int = 0) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else default


def load_session(file: Path) -> Session | None:
    """The session kept in `file`; None if there is none or it cannot be read."""
    try:
        data = json.loads(read_regular_file(file, limit=1 << 20)[0].decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("The last session could not be read (%s): starting afresh", exc)
        return None
    if not isinstance(data, dict):
        return None
    files = []
    for item in data.get("files", []) if isinstance(data.get("files"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("path"), str) and item["path"]:
            anchor = item.get("anchor")
            files.append(
                OpenFile(
                    item["path"],
                    _int(item.get("cursor")),
                    _int(anchor) if isinstance(anchor, int) else None,
                )
            )
    view = data.get("view")
    if not isinstance(view, dict):
        view = {}
    geometry = data.get("geometry")
    return Session(
        tuple(files[:MAX_FILES]),
        _int(data.get("current")),
        geometry if isinstance(geometry, str) else "",
        {k: v for k, v in view.items() if isinstance(k, str) and isinstance(v, bool)},
    )


def save_session(file: Path, session: Session) -> None:
    """Keep `session` in `file` (0600: it names the user's files). Failing is only logged:
    a session is a convenience, never worth an error at quit."""
    data = {"version": VERSION, **asdict(session)}
    data["files"] = [asdict(f) for f in session.files[:MAX_FILES]]
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(file, json.dumps(data, indent=1, ensure_ascii=False).encode(), mode=0o600)
    except OSError as exc:
        log.warning("Could not keep the session in %s: %s", file, exc)
