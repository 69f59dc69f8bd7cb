"""The window's actions, declared as data: text, menu, shortcut, tooltip, toolbar.

Each feature's ui module declares its own actions (`actions(window)`); the main window makes
the menus, the toolbar and Help → Keyboard Shortcuts from the declarations, so a shortcut
is written down once.

Texts are translated where they are declared (`self.tr(...)` in `actions(window)`, which runs
when the window is built, after the translator is installed); menu titles are English ids
here (MENUS) and translated when the menus are made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QToolBar, QWidget

from writer_app.translatable import QT_TRANSLATE_NOOP

# The menus' ids (Action.menu), shown translated in context "Menu".
MENUS = (
    QT_TRANSLATE_NOOP("Menu", "&File"),
    QT_TRANSLATE_NOOP("Menu", "&Edit"),
    QT_TRANSLATE_NOOP("Menu", "&Suggestions"),
    QT_TRANSLATE_NOOP("Menu", "&Draft"),
    QT_TRANSLATE_NOOP("Menu", "&Help"),
)

Shortcut = str | QKeySequence.StandardKey | None
# A mnemonic as Chinese (and Japanese) menus write it, after the text: "文件(&F)".
_TRAILING_MNEMONIC = re.compile(r"\(&[^)]\)")


@dataclass(frozen=True)
class Action:
    """One command of the window."""

    name: str  # its key in the window's `actions`
    text: str  # as the menu shows it (translated), with an & before the mnemonic
    menu: str  # one of MENUS ("" = no menu: a shortcut only)
    trigger: Callable[[], object]
    shortcut: Shortcut = None
    tip: str = ""  # tooltip, and the line in Keyboard Shortcuts (translated)
    toolbar: bool = False
    separator: bool = False  # a separator before it in its menu
    checkable: bool = False


@dataclass(frozen=True)
class Key:
    """A key that works in the editor without an action of its own (e.g. Tab on ghost text):
    listed in Keyboard Shortcuts, and shown beside its entry in a menu."""

    keys: str
    help: str


def key_text(shortcut: Shortcut) -> str:
    """A shortcut as the user reads it ("Ctrl+Shift+R")."""
    if shortcut is None:
        return ""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def plain_text(text: str) -> str:
    """A menu text without its mnemonic ("&Save" → "Save", "保存(&S)" → "保存") and without
    the shortcut shown after a tab, for toolbars and lists."""
    return re.sub("&(.)", r"\1", _TRAILING_MNEMONIC.sub("", text.split("\t")[0]))


def build(
    parent: QWidget, menubar: QMenuBar, toolbar: QToolBar | None, actions: Sequence[Action]
) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """QActions for the declarations, in their menus (in order) and on the toolbar; returns
    them by name, and the menus by their English id (MENUS)."""
    menus: dict[str, QMenu] = {
        title: menubar.addMenu(QCoreApplication.translate("Menu", title)) for title in MENUS
    }
    made: dict[str, QAction] = {}
    for spec in actions:
        action = QAction(spec.text, parent)
        action.setObjectName(spec.name)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        action.triggered.connect(lambda _checked=False, t=spec.trigger: t())
        if spec.menu:
            menu = menus[spec.menu]
            if spec.separator:
                menu.addSeparator()
            menu.addAction(action)
        else:
            parent.addAction(action)  # a shortcut that works anywhere in the window
        if spec.toolbar and toolbar is not None:
            # As Qt's own, which would keep the "(R)" of "改写(&R)…", shows it: no "…" either.
            action.setIconText(plain_text(spec.text).replace("…", ""))
            toolbar.addAction(action)
        made[spec.name] = action
    return made, menus


def key_bindings(actions: Sequence[Action], keys: Sequence[Key]) -> list[tuple[str, str]]:
    """(keys, what they do) for Help → Keyboard Shortcuts: the editor's keys, then every
    action with a shortcut."""
    rows = [(k.keys, k.help) for k in keys]
    for spec in actions:
        if spec.shortcut is not None:
            rows.append((key_text(spec.shortcut), spec.tip or plain_text(spec.text)))
    return rows
