"""The files that ship with Writer (icons, desktop entry, metainfo), read with importlib.resources.

They live in the top-level ``resources/`` folder of a checkout, which pyproject.toml installs as
the package ``writer_app._resources``: the same calls work in a checkout (editable install),
from an installed wheel and inside the PyInstaller bundle. No Qt here.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

# One lowercase reverse-DNS id: the desktop entry's file name, its Icon=, the metainfo's <id>
# and <launchable>, and QGuiApplication.setDesktopFileName (the Wayland app id).
APP_ID = "io.github.writerapp.writer"
PACKAGE = "writer_app._resources"
ICON_SIZES = (48, 64, 128, 256, 512)  # the hicolor PNGs


def root() -> Traversable:
    """The folder of shipped resources."""
    return resources.files(PACKAGE)


def desktop_entry() -> Traversable:
    """The freedesktop.org desktop entry (``<APP_ID>.desktop``)."""
    return root() / f"{APP_ID}.desktop"


def metainfo() -> Traversable:
    """The AppStream metainfo (``<APP_ID>.metainfo.xml``)."""
    return root() / f"{APP_ID}.metainfo.xml"


def icon_png(size: int) -> Traversable:
    """The app icon as a ``size`` x ``size`` PNG; ``size`` is one of ICON_SIZES."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return root() / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def icon_svg() -> Traversable:
    """The app icon as an SVG (the source of the PNGs)."""
    return root() / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
