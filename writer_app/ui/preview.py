"""View → Markdown Preview: the document in front, rendered, beside the text.

A dock on the right of the window shows the document as `QTextDocument.setMarkdown` renders
it (the same rendering as File → Export). It follows the tab in front, renders again a moment
after typing stops, keeps its place when it does, and scrolls along with the editor. Links
to web pages open in the browser; nothing is fetched for the preview itself.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabWidget, QTextBrowser
from shiboken6 import isValid

from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.actions import Action
from writer_app.ui.code_editor import code_mode_of
from writer_app.ui.editor import GhostTextEditor

if TYPE_CHECKING:
    from writer_app.ui.document_tab import DocumentTab

PREVIEW_DELAY_MS = 300  # after the last keystroke
PREVIEW_MAX_CHARS = 1_000_000  # larger documents are not rendered on every pause
NO_PREVIEW_CODE = QT_TRANSLATE_NOOP("MarkdownPreview", "There is no preview for code.")
TOO_LONG = QT_TRANSLATE_NOOP(
    "MarkdownPreview",
    "This document is too long for a live preview; File → Export as HTML renders it.",
)


class MarkdownPreview(QObject):
    """The preview dock of one window."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget) -> None:
        super().__init__(window)
        self.window = window
        self.tabs = tabs
        self._sized = False
        self.dock = QDockWidget(self.tr("Preview"), window)
        self.dock.setObjectName("markdown-preview")
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.view = QTextBrowser(self.dock)
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._open_link)
        self.dock.setWidget(self.view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.action: QAction | None = None
        self.renders = 0  # how many times the preview was made (for tests)
        self._editor: GhostTextEditor | None = None
        self.timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self.render)
        self.dock.visibilityChanged.connect(self._on_visibility)
        tabs.currentChanged.connect(lambda _i: self._follow())

    def actions(self) -> list[Action]:
        return [
            Action(
                "preview", self.tr("Markdown &Preview"), "", self.toggle, "Ctrl+Shift+P",
                self.tr("Show the rendered Markdown beside the text"), checkable=True,
            )
        ]  # fmt: skip

    def bind(self, action: QAction) -> None:
        """The window's Markdown Preview action (checked while the preview shows)."""
        self.action = action
        action.setChecked(self.shown)

    @property
    def shown(self) -> bool:
        return not self.dock.isHidden()

    def toggle(self) -> None:
        self.set_shown(not self.shown)

    def set_shown(self, on: bool) -> None:
        self.dock.setVisible(on)
        if on and not self._sized:  # the first time: two fifths of the window, not a strip
            self._sized = True
            width = max(280, self.window.width() * 2 // 5)
            self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        if self.action is not None:
            self.action.setChecked(on)
        if on:
            self._follow()

    def _on_visibility(self, _visible: bool) -> None:
        if self.action is not None:
            self.action.setChecked(self.shown)  # its close button hides it too
        if self.shown:
            self._follow()

    # ---------------------------------------------------------------- follow

    def _tab(self) -> DocumentTab | None:
        from writer_app.ui.document_tab import DocumentTab

        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, DocumentTab) else None

    def _follow(self) -> None:
        """Watch the editor in front, and show its document."""
        tab = self._tab()
        editor = tab.editor if tab is not None else None
        old = self._editor
        if old is not editor:
            if old is not None and isValid(old):
                old.document().contentsChanged.disconnect(self.timer.start)
                old.verticalScrollBar().valueChanged.disconnect(self._scroll_along)
            self._editor = editor
            if editor is not None:
                editor.document().contentsChanged.connect(self.timer.start)
                editor.verticalScrollBar().valueChanged.connect(self._scroll_along)
        if self.shown:
            self.render()

    def render(self) -> None:
        """Show the document in front as rendered Markdown, keeping the place in it."""
        self.timer.stop()
        tab = self._tab()
        if tab is None or not self.shown:
            return
        bar = self.view.verticalScrollBar()
        place = bar.value() / bar.maximum() if bar.maximum() else 0.0
        document = self.view.document()
        if code_mode_of(tab.editor) is not None:
            self.view.setPlainText(QCoreApplication.translate("MarkdownPreview", NO_PREVIEW_CODE))
        elif tab.editor.document().characterCount() > PREVIEW_MAX_CHARS:
            self.view.setPlainText(QCoreApplication.translate("MarkdownPreview", TOO_LONG))
        else:
            base = QUrl.fromLocalFile(str(tab.path.parent) + os.sep) if tab.path else QUrl()
            document.setBaseUrl(base)
            document.setMarkdown(tab.text())
        self.renders += 1
        bar.setValue(round(place * bar.maximum()))

    def _scroll_along(self, _value: int) -> None:
        editor = self._editor
        if editor is None or not self.shown:
            return
        source = editor.verticalScrollBar()
        place = source.value() / source.maximum() if source.maximum() else 0.0
        bar = self.view.verticalScrollBar()
        bar.setValue(round(place * bar.maximum()))

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif url.hasFragment() and not url.path():
            self.view.scrollToAnchor(url.fragment())
