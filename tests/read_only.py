"""A folder that refuses new files, as a read-only folder does for anyone but root (the
tests run as root, for whom chmod does not stop a write)."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from writer_app import atomic


def folder_refuses_new_files(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No temp file can be made in `folder` (the atomic save's first step)."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp(
        suffix: str | None = None, prefix: str | None = None, dir: str | None = None
    ) -> tuple[int, str]:
        if dir is not None and Path(dir) == folder:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
        return real_mkstemp(suffix=suffix, prefix=prefix, dir=dir)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
