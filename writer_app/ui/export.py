"""File → Export as HTML… and Export as PDF…: the document as Qt renders it.

Markdown documents (a Markdown file, or one with Markdown highlighting, such as a draft) are
rendered with `QTextDocument.setMarkdown`; plain text stays as it is, line by line; Python
files in a monospace font. HTML comes from `QTextDocument.toHtml`, the PDF from printing the
same document on a `QPdfWriter` (A4, or Letter where the locale measures in inches). Both are
written all at once (a temporary file beside the target, then renamed into place), so a
failed export never leaves half a file; errors are said in a message box.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QCoreApplication, QIODevice, QLocale, QMarginsF, QObject, QUrl
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

from writer_app import APP_NAME
from writer_app.atomic import atomic_write
from writer_app.ui.actions import Action
from writer_app.ui.code_editor import code_mode_of, monospace_font
from writer_app.ui.markdown import MARKDOWN_SUFFIXES, MarkdownHighlighter

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab
    from writer_app.ui.window_api import WindowApi

PAGE_MARGIN_MM = 20.0
EXPORT_POINT_SIZE = 11.0
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def is_markdown(tab: DocumentTab) -> bool:
    """Rendered as Markdown: a Markdown file, or a document with Markdown highlighting."""
    suffix = tab.path.suffix.lower() if tab.path is not None else ""
    return suffix in MARKDOWN_SUFFIXES or isinstance(tab.editor.highlighter, MarkdownHighlighter)


def document_title(tab: DocumentTab) -> str:
    """The first Markdown heading, else the file name without its suffix, else the tab's."""
    if is_markdown(tab) and (m := _HEADING.search(tab.text())):
        return m.group(1).strip()
    if tab.path is not None:
        return tab.path.stem
    return tab.title()


def render(tab: DocumentTab) -> QTextDocument:
    """The document as it is exported: Markdown rendered, plain text and code as they are."""
    document = QTextDocument()
    text = tab.text()
    font = QFont(tab.editor.font())  # the editor's family, at a size for paper
    font.setPointSizeF(EXPORT_POINT_SIZE)
    document.setDefaultFont(font)
    if code_mode_of(tab.editor) is not None:
        document.setDefaultFont(monospace_font(EXPORT_POINT_SIZE - 1))
        document.setPlainText(text)
    elif is_markdown(tab):
        if tab.path is not None:  # relative links and images
            document.setBaseUrl(QUrl.fromLocalFile(str(tab.path.parent) + os.sep))
        document.setMarkdown(text)
    else:
        document.setPlainText(text)
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, document_title(tab))
    return document


def write_html(tab: DocumentTab, path: Path) -> None:
    """Write the document as an HTML page (raises OSError)."""
    atomic_write(path, render(tab).toHtml().encode("utf-8"))


def page_size() -> QPageSize:
    imperial = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return QPageSize(QPageSize.PageSizeId.Letter if imperial else QPageSize.PageSizeId.A4)


def write_pdf(tab: DocumentTab, path: Path) -> None:
    """Write the document as a PDF (raises OSError)."""
    document = render(tab)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(document_title(tab))
    writer.setCreator(APP_NAME)
    writer.setPageSize(page_size())
    margin = PAGE_MARGIN_MM
    writer.setPageMargins(QMarginsF(margin, margin, margin, margin), QPageLayout.Unit.Millimeter)
    document.print_(writer)  # the PDF is complete once printing has ended
    buffer.close()
    atomic_write(path, bytes(buffer.data().data()))


def suggested_name(tab: DocumentTab, suffix: str) -> str:
    """A file name for the export: the document's, or its title's, with `suffix`."""
    if tab.path is not None:
        return tab.path.with_suffix(suffix).name
    name = _UNSAFE_NAME.sub(" ", document_title(tab)).strip(" .")[:80]
    name = name or QCoreApplication.translate("Exporting", "Untitled")
    return name + suffix


def ask_save_path(
    parent: QWidget, title: str, start: str, filter_: str, suffix: str
) -> Path | None:
    """A save dialog that adds `suffix` to a name typed without one (before asking to
    replace an existing file); None if cancelled."""
    dialog = QFileDialog(parent, title, start, filter_)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix(suffix.lstrip("."))
    if not dialog.exec() or not dialog.selectedFiles():
        return None
    return Path(dialog.selectedFiles()[0])


class Exporting(QObject):
    """The window's File → Export actions."""

    def __init__(self, window: WindowApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.folder: Path | None = None  # where the last export went

    def actions(self) -> list[Action]:
        file = "&File"
        return [
            Action("export_html", self.tr("Export as &HTML…"), file, self.export_html,
                   tip=self.tr("Save a copy as a web page (Markdown rendered)"), separator=True),
            Action("export_pdf", self.tr("Export as P&DF…"), file, self.export_pdf,
                   tip=self.tr("Save a copy as a PDF (Markdown rendered)")),
        ]  # fmt: skip

    def _ask(self, title: str, suffix: str, filter_: str) -> Path | None:
        tab = self.window.current_tab()
        folder = tab.path.parent if tab.path is not None else self.folder or Path.home()
        start = str(folder / suggested_name(tab, suffix))
        return ask_save_path(tab.window(), title, start, filter_, suffix)

    def export_html(self, path: Path | None = None) -> bool:
        """Export the document in front as HTML (to `path`, or where the user chooses)."""
        filter_ = self.tr("Web pages (*.html *.htm)")
        path = path or self._ask(self.tr("Export as HTML"), ".html", filter_)
        return path is not None and self._export(write_html, path)

    def export_pdf(self, path: Path | None = None) -> bool:
        """Export the document in front as PDF (to `path`, or where the user chooses)."""
        path = path or self._ask(self.tr("Export as PDF"), ".pdf", self.tr("PDF documents (*.pdf)"))
        return path is not None and self._export(write_pdf, path)

    def _export(self, write: Callable[[DocumentTab, Path], None], path: Path) -> bool:
        try:
            write(self.window.current_tab(), path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.window.error(
                self.tr("Could not export"),
                self.tr("{path}: {reason}\n\nThe document is unchanged.").format(
                    path=path, reason=reason
                ),
            )
            return False
        self.folder = path.parent
        self.window.notify(self.tr("Exported {path}").format(path=path), 6000)
        return True
