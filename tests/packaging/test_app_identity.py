"""The editor's identity on the desktop: its window icon comes from the shipped resources."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from writer_app import resources
from writer_app.app import app_icon


def test_app_icon_has_every_shipped_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = sorted(size.width() for size in icon.availableSizes())
    assert sizes == sorted(resources.ICON_SIZES)
