"""The app's icon, and Help → About: the version, the model in use and the licenses."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, Qt, qVersion
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

    builtin = QCoreApplication.translate(
        "About",
        'the built-in model, <b>{name}</b> by {author}, license <a href="{license_url}">'
        '{license}</a> (<a href="{card_url}">model card</a>)',
    ).format(
        name=BUILTIN_NAME,
        author=BUILTIN_AUTHOR,
        license_url=LICENSE_URL,
        license=BUILTIN_LICENSE,
        card_url=BUILTIN_URL,
    )
    if spec == BUILTIN_SPEC or loaded_name == BUILTIN_NAME:
        if loaded_name:
            said = QCoreApplication.translate("About", "Model: {builtin}; in use.")
        else:
            said = QCoreApplication.translate("About", "Model: {builtin}; not loaded yet.")
        return said.format(builtin=builtin)
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
    if license_:
        terms = QCoreApplication.translate("About", "license {license} (from its model card)")
        terms = terms.format(license=html.escape(license_))
    else:
        terms = QCoreApplication.translate("About", "see its model card for its license")
    return QCoreApplication.translate(
        "About", "Model: <b>{name}</b>, {terms}. {app} also ships {builtin}."
    ).format(name=name, terms=terms, app=APP_NAME, builtin=builtin)


def about_html(spec: str, loaded_name: str | None) -> str:
    """The About box's text."""
    intro = QCoreApplication.translate(
        "About",
        "A local-first writing assistant. The language model runs on this computer; "
        "your text never leaves it.",
    )
    free = QCoreApplication.translate(
        "About", '{app} is free software under the <a href="{url}">Apache License 2.0</a> ({id}).'
    ).format(app=APP_NAME, url=LICENSE_URL, id=APP_LICENSE)
    spelling = QCoreApplication.translate("About", "spelling: {name}").format(
        name="pyspellchecker (MIT)"
    )
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        f"<p>{intro}</p>"
        f"<p>{describe_model(spec, loaded_name)}</p>"
        f"<p>{free}</p>"
        f"<p><small>Python {sys.version.split()[0]} · Qt {qVersion()} · PySide6 "
        f"{pyside_version} (LGPL-3.0) · {spelling}</small></p>"
    )


def show_about(parent: QWidget, spec: str, status: Any) -> QMessageBox:
    """Help → About, without blocking the event loop; returns the box."""
    name = getattr(status, "name", None) if status is not None else None
    box = QMessageBox(parent)
    box.setWindowTitle(QCoreApplication.translate("About", "About {app}").format(app=APP_NAME))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html(spec, name))
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
