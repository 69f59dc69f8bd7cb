"""The app's icon, and Help → About: the version, the model in use and the licenses."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QMessageBox, QWidget

from writer_app import APP_NAME, __version__, resources

APP_LICENSE = "Apache-2.0"
BUILTIN_LICENSE = "Apache-2.0"
BUILTIN_AUTHOR = "Hugging Face"
LICENSE_URL = "https://www.apache.org/licenses/LICENSE-2.0"
BUILTIN_URL = "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"
_LICENSE_LINE = re.compile(r"^license:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", re.MULTILINE)


def app_icon() -> QIcon:
    """The app icon in every shipped size (the desktop shell uses the installed theme icon)."""
    icon = QIcon()
    for size in resources.ICON_SIZES:
        pixmap = QPixmap()
        if pixmap.loadFromData(resources.icon_png(size).read_bytes(), "PNG"):
            icon.addPixmap(pixmap)
    return icon


def model_license(folder: Path) -> str:
    """The license a model folder's card declares (its README's front matter), or ""."""
    try:
        card = (folder / "README.md").read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return ""
    if not card.startswith("---"):
        return ""
    front = card.split("---", 2)[1] if card.count("---") >= 2 else ""
    m = _LICENSE_LINE.search(front)
    return m.group(1).strip() if m else ""


def describe_model(spec: str, loaded_name: str | None) -> str:
    """A paragraph (HTML) on the model: which one, and under what license."""
    from writer_app.engine.models import BUILTIN_NAME, BUILTIN_SPEC, ModelNotFoundError

    builtin = (
        f"the built-in model, <b>{BUILTIN_NAME}</b> by {BUILTIN_AUTHOR}, "
        f'license <a href="{LICENSE_URL}">{BUILTIN_LICENSE}</a> '
        f'(<a href="{BUILTIN_URL}">model card</a>)'
    )
    if spec == BUILTIN_SPEC or loaded_name == BUILTIN_NAME:
        state = "in use" if loaded_name else "not loaded yet"
        return f"Model: {builtin}; {state}."
    name = html.escape(loaded_name or spec)
    license_ = ""
    try:
        from writer_app.engine.models import resolve_model

        folder = Path(spec).expanduser()
        if not folder.is_dir():  # a repo id in the Hugging Face cache, or a GGUF file
            folder = resolve_model(spec).path
        if folder.is_dir():
            license_ = model_license(folder)
    except (ModelNotFoundError, OSError, ValueError):
        pass
    terms = (
        f"license {html.escape(license_)} (from its model card)"
        if license_
        else "see its model card for its license"
    )
    return f"Model: <b>{name}</b>, {terms}. Writer also ships {builtin}."


def about_html(spec: str, loaded_name: str | None) -> str:
    """The About box's text."""
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>A local-first writing assistant. The language model runs on this computer; "
        "your text never leaves it.</p>"
        f"<p>{describe_model(spec, loaded_name)}</p>"
        f'<p>{APP_NAME} is free software under the <a href="{LICENSE_URL}">Apache License '
        f"2.0</a> ({APP_LICENSE}).</p>"
        f"<p><small>Python {sys.version.split()[0]} · Qt {qVersion()} · PySide6 "
        f"{pyside_version} (LGPL-3.0) · spelling: pyspellchecker (MIT)</small></p>"
    )


def show_about(parent: QWidget, spec: str, status: Any) -> QMessageBox:
    """Help → About, without blocking the event loop; returns the box."""
    name = getattr(status, "name", None) if status is not None else None
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html(spec, name))
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
