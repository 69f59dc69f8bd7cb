"""Guards against a broken Qt binding build (some releases corrupt reference counts)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_keep_reference_counts() -> None:
    o = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        o.setObjectName("x")
    assert abs(sys.getrefcount(None) - before) < 100
