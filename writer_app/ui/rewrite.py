"""Rewrite the selection in a style: the style picker, and the panel that shows the rewrite.

The panel sits under the editor. It streams the rewrite in as a word diff against the
selected passage, with progress for long selections. A passage whose every version failed the
checks (a fact dropped or invented, talk about the text, …) keeps its text, and the panel
says why; Show Anyway reveals the attempt. Accept replaces the passage as one undo
step; Reject leaves the document alone; Try Again samples another version; Esc stops the
model at once (finished passages stay acceptable). The document stays editable meanwhile:
the passage is tracked with two cursors, and if its text changes, the rewrite is not applied
blindly: the panel says so and offers to run again on the new text.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from writer_app import paths
from writer_app.config import Settings
from writer_app.features.rewrite import RewriteUpdate
from writer_app.recent import RecentList
from writer_app.tasks import rewrite
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui import i18n
from writer_app.ui.editor import GhostTextEditor, replace_range
from writer_app.ui.job_slot import JobSlot

CUSTOM_ITEM = QT_TRANSLATE_NOOP("RewritePanel", "Custom instruction…")
EDIT_STYLES_ITEM = QT_TRANSLATE_NOOP("RewritePanel", "Edit your styles…")


def diff_html(ops: list[tuple[str, str]]) -> str:
    """A word diff as HTML: deletions struck through in red, insertions underlined in green."""
    parts = []
    for op, text in ops:
        escaped = html.escape(text).replace("\n", "<br>")
        if op == "delete":
            parts.append(
                f'<span style="color:#c0392b;text-decoration:line-through">{escaped}</span>'
            )
        elif op == "insert":
            parts.append(
                f'<span style="color:#1e8449;background:rgba(39,174,96,0.15);'
                f'text-decoration:underline">{escaped}</span>'
            )
        else:
            parts.append(escaped)
    return f'<div style="white-space:pre-wrap">{"".join(parts)}</div>'


def style_label(style: rewrite.Style) -> str:
    """The name a style is shown by: a built-in style's translated, the user's own as written
    (the English name stays its id, in the settings and on the command line)."""
    if style in rewrite.BUILTIN_STYLES:
        return QCoreApplication.translate("Style", style.name)
    return style.name


def style_tip(style: rewrite.Style) -> str:
    """What a style does, for its tooltip (the model still gets the English instruction)."""
    if style in rewrite.BUILTIN_STYLES:
        return QCoreApplication.translate("Style", style.instruction)
    return style.instruction


def style_menu(
    parent: QWidget,
    settings: Settings,
    pick: Callable[[rewrite.Style], object],
    custom: Callable[[], object],
    edit_styles: Callable[[], object],
) -> QMenu:
    """The compact style picker: built-in styles, the user's own, a custom instruction. Each
    style's action has the style's name (its id) as its data."""
    menu = QMenu(QCoreApplication.translate("RewritePanel", "Rewrite"), parent)
    menu.setToolTipsVisible(True)
    own = rewrite.user_styles(settings.styles)
    builtin_names = {s.name.casefold() for s in rewrite.BUILTIN_STYLES}
    for group in (
        rewrite.BUILTIN_STYLES,
        [s for s in own if s.name.casefold() not in builtin_names],
    ):
        if not group:
            continue
        if not menu.isEmpty():
            menu.addSeparator()
        for style in group:
            action = menu.addAction(style_label(style))
            action.setData(style.name)
            action.setToolTip(style_tip(style))
            action.triggered.connect(lambda _c=False, s=style: pick(s))
    menu.addSeparator()
    custom_item = menu.addAction(QCoreApplication.translate("RewritePanel", CUSTOM_ITEM))
    custom_item.triggered.connect(lambda _c=False: custom())
    edit_item = menu.addAction(QCoreApplication.translate("RewritePanel", EDIT_STYLES_ITEM))
    edit_item.triggered.connect(lambda _c=False: edit_styles())
    return menu


class RewritePanel(QFrame):
    """One rewrite at a time for one editor: run it, show it, apply it or not."""

    notice = Signal(str)  # for the status bar
    finished = Signal()  # the panel closed (accepted, rejected or abandoned)
    editStyles = Signal()  # the user wants to edit their own styles

    def __init__(
        self,
        editor: GhostTextEditor,
        assistant: Any,
        settings: Callable[[], Settings],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self.assistant = assistant
        self.settings = settings
        self.history = RecentList(paths.instruction_history_file())
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QLabel()
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setMinimumHeight(90)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b9770e")
        self.accept_button = QPushButton(self.tr("&Accept"))
        self.accept_button.setToolTip(self.tr("Replace the passage with the rewrite (Ctrl+Return)"))
        self.retry_button = QPushButton(self.tr("&Try Again"))
        self.retry_button.setToolTip(self.tr("Sample another version"))
        self.show_held_button = QPushButton(self.tr("Show An&yway"))
        self.show_held_button.setToolTip(
            self.tr(
                "Show the model's best attempt although it failed the checks; you may accept it"
            )
        )
        self.rerun_button = QPushButton(self.tr("Re&write Current Text"))
        self.rerun_button.setToolTip(self.tr("Rewrite the passage as it reads now"))
        self.stop_button = QPushButton(self.tr("&Stop"))
        self.stop_button.setToolTip(self.tr("Stop the model now (Esc)"))
        self.reject_button = QPushButton(self.tr("&Reject"))
        self.reject_button.setToolTip(self.tr("Leave the document as it is (Esc)"))
        self.accept_button.clicked.connect(self.accept)
        self.retry_button.clicked.connect(self.try_again)
        self.show_held_button.clicked.connect(self.show_held)
        self.rerun_button.clicked.connect(self.rerun)
        self.stop_button.clicked.connect(self.stop)
        self.reject_button.clicked.connect(self.reject)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.progress)
        buttons = QHBoxLayout()
        buttons.addWidget(self.warning, 1)
        for button in (
            self.accept_button,
            self.retry_button,
            self.show_held_button,
            self.rerun_button,
            self.stop_button,
            self.reject_button,
        ):
            buttons.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 6)
        column.addLayout(head)
        column.addWidget(self.view, 1)
        column.addLayout(buttons)
        # Esc and Ctrl+Return work while the focus stays in the editor (it stays editable).
        scope = parent if parent is not None else self
        self._escape = QShortcut(QKeySequence("Esc"), scope, self.escape)
        self._accept_key = QShortcut(QKeySequence("Ctrl+Return"), scope, self.accept)
        for shortcut in (self._escape, self._accept_key):
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setEnabled(False)

        self.rewrite_style: rewrite.Style | None = None
        self.style_name = ""  # the style as the panel shows it
        self.original = ""  # the passage as it was when the rewrite started
        self.latest: RewriteUpdate | None = None  # what the model has produced so far
        self.running = False
        self.stale = False  # the passage changed in the document since
        self.showing_held = False  # the user asked to see versions that failed the checks
        self._start: QTextCursor | None = None
        self._end: QTextCursor | None = None
        self._jobs = JobSlot()
        editor.document().contentsChange.connect(self._on_document_change)
        self.hide()

    # --------------------------------------------------------------- starting

    def pick_style(self, at: QPoint | None = None) -> QMenu | None:
        """Open the style picker at the selection (None if there is nothing to rewrite)."""
        if not self._can_start():
            return None
        menu = style_menu(self, self.settings(), self.start, self.ask_custom, self.editStyles.emit)
        if at is None:
            cursor_rect = self.editor.cursorRect(self.editor.textCursor())
            at = self.editor.viewport().mapToGlobal(cursor_rect.bottomLeft())
        menu.popup(at)
        return menu

    def ask_custom(self) -> QInputDialog | None:
        """Ask for a custom instruction (recent ones offered first)."""
        if not self._can_start():
            return None
        dialog = QInputDialog(self.window())
        dialog.setWindowTitle(self.tr("Custom Rewrite"))
        dialog.setLabelText(self.tr("How should the selected text be rewritten?"))
        recent = self.history.items()
        if recent:
            dialog.setComboBoxItems(recent)
            dialog.setComboBoxEditable(True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.start_custom)
        dialog.open()
        return dialog

    def start_custom(self, instruction: str) -> bool:
        try:
            style = rewrite.custom_style(instruction)
        except ValueError as exc:
            self.notice.emit(str(exc))
            return False
        self.history.add(" ".join(instruction.split()))
        return self.start(style, self.tr("Custom"))

    def _can_start(self) -> bool:
        if not self.editor.textCursor().hasSelection():
            self.notice.emit(self.tr("Select the text to rewrite first."))
            return False
        if not self.assistant.ready:
            self.notice.emit(self.tr("The model is not ready yet; try again when it has loaded."))
            return False
        return True

    def start(self, style: rewrite.Style, label: str = "") -> bool:
        """Rewrite the selected text in `style` (shown as `label`, or its name); False (with a
        notice) if it cannot start."""
        if not self._can_start():
            return False
        cursor = self.editor.textCursor()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        text = self.editor.text_between(start, end)
        if not text.strip():
            self.notice.emit(
                self.tr("The selection is only whitespace: there is nothing to rewrite.")
            )
            return False
        self.editor.end_session()
        self._start = QTextCursor(self.editor.document())
        self._start.setPosition(start)
        self._end = QTextCursor(self.editor.document())
        self._end.setPosition(end)
        self._end.setKeepPositionOnInsert(True)  # typing right after it is not part of it
        self.rewrite_style = style
        self.style_name = label or style_label(style)
        self.original = text
        self._run(self.settings().decoding("rewrite"))
        return True

    def try_again(self) -> None:
        """Another version of the same passage: sampled, with a fresh seed."""
        if self.rewrite_style is None or self.stale:
            return
        decoding = dataclasses.replace(
            self.settings().decoding("rewrite"), do_sample=True, seed=None
        )
        self._run(decoding)

    def rerun(self) -> None:
        """The passage changed: rewrite it as it reads now."""
        if self.rewrite_style is None or self._start is None or self._end is None:
            return
        text = self.editor.text_between(self._start.position(), self._end.position())
        if not text.strip():
            self.notice.emit(self.tr("The passage is gone: there is nothing to rewrite."))
            self.reject()
            return
        self.original = text
        self._run(self.settings().decoding("rewrite"))

    def _run(self, decoding: Any) -> None:
        self._jobs.cancel()
        assert self.rewrite_style is not None
        self.stale = False
        self.showing_held = False
        self.latest = None
        self.running = True
        self.title.setText(self.tr("Rewrite · {style}").format(style=self.style_name))
        self.setToolTip(style_tip(self.rewrite_style))
        self.warning.clear()
        self.show()
        self._render()
        self._set_buttons()
        job = self.assistant.rewrite(self.original, self.rewrite_style, decoding)
        self._jobs.run(
            job,
            on_event=self._on_update,
            on_result=self._on_update,
            on_error=self._on_error,
            on_done=self._on_done,
        )

    def _on_update(self, update: RewriteUpdate) -> None:
        self.latest = update
        if self.running:
            self._render()

    def _on_error(self, exc: Exception) -> None:
        self.warning.setText(self.tr("The rewrite failed: {reason}").format(reason=exc))

    def _on_done(self) -> None:
        self.running = False
        self._render()
        self._set_buttons()

    # ---------------------------------------------------------------- showing

    def result_text(self) -> str | None:
        """The passage as the finished rewrite has it (None if nothing usable came back)."""
        update = self.latest
        if update is None or self.running:
            return None
        done = update.accepted(self.showing_held)
        if not done:
            return None
        return rewrite.join_pieces(update.pieces, done)

    def show_held(self) -> None:
        """Show (and allow accepting) the versions that failed the checks."""
        if self.latest is None or self.running or self.stale or not self.latest.held:
            return
        self.showing_held = True
        self.warning.setText(
            self.tr("Shown anyway: check the names, numbers and dates before accepting.")
        )
        self._render()
        self._set_buttons()

    def _render(self) -> None:
        update = self.latest
        if update is None:
            self.view.setHtml(diff_html([("equal", self.original)]))
            self.progress.setText(self.tr("Starting…") if self.running else "")
            return
        shown = update.rewritten if self.running else update.accepted(self.showing_held)
        bar = self.view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self.view.setHtml(diff_html(rewrite.preview_diff(update.pieces, shown)))
        if at_end and self.running:
            bar.setValue(bar.maximum())
        total = update.total
        if self.running:
            current = min(update.done + 1, total)
            step = (
                self.tr("Passage {current} of {total}").format(current=current, total=total)
                if total > 1
                else self.tr("Writing")
            )
            if update.version > 1:  # the first versions failed the checks
                step = self.tr("{step} · checking version {version} of {versions}").format(
                    step=step, version=update.version, versions=update.versions
                )
            self.progress.setText(step + "…")
        elif update.done < total:
            self.progress.setText(
                self.tr("Stopped: {done} of {total} passages rewritten").format(
                    done=update.done, total=total
                )
            )
        elif (update.held and not self.showing_held) or update.failed:
            kept = update.failed + (0 if self.showing_held else len(update.held))
            self.progress.setText(
                self.tr("Kept as it was")
                if total == 1
                else self.tr("{kept} of {total} passages kept as they were").format(
                    kept=kept, total=total
                )
            )
        else:
            self.progress.setText(self.tr("Done"))
        if update.held and not self.running and not self.showing_held and not self.stale:
            self.warning.setText(self._held_message(update))

    def _held_message(self, update: RewriteUpdate) -> str:
        if update.total == 1:
            text = self.tr(
                "The model could not rewrite this faithfully: {why}. "
                "Try Again, pick another style, or choose a larger model in Settings."
            )
        else:
            text = self.tr(
                "The model could not rewrite {held} of {total} passages faithfully: {why}. "
                "Try Again, pick another style, or choose a larger model in Settings."
            )
        why = i18n.shown(update.why_held())
        return text.format(held=len(update.held), total=update.total, why=why)

    def _set_buttons(self) -> None:
        usable = self.result_text() is not None
        self.accept_button.setEnabled(usable and not self.stale)
        self.retry_button.setEnabled(not self.running and not self.stale)
        held = self.latest is not None and bool(self.latest.held)
        self.show_held_button.setVisible(
            held and not self.running and not self.showing_held and not self.stale
        )
        self.rerun_button.setVisible(self.stale)
        self.rerun_button.setEnabled(not self.running)
        self.stop_button.setVisible(self.running)
        self._escape.setEnabled(self.isVisible())
        self._accept_key.setEnabled(self.isVisible() and usable and not self.stale)
        nothing = not self.running and not usable and self.latest is not None
        if nothing and not self.stale and not self.warning.text():
            self.warning.setText(self.tr("Nothing usable came back; try again or another style."))

    # --------------------------------------------------------------- deciding

    def accept(self) -> bool:
        """Replace the passage with the rewrite: one undo step. False if that is not safe."""
        new = self.result_text()
        if new is None or self._start is None or self._end is None:
            return False
        if self.stale or self._passage_changed():
            self._mark_stale()
            return False
        replace_range(self.editor, self._start.position(), self._end.position(), new)
        self.notice.emit(self.tr("Rewritten ({style}).").format(style=self.style_name))
        self._close()
        return True

    def reject(self) -> None:
        """Leave the document as it is."""
        self._close()

    def stop(self) -> None:
        """Stop the model now; passages already finished can still be accepted."""
        if self.running:
            self._jobs.stop()

    def escape(self) -> None:
        """Esc: stop a running rewrite, or else reject it."""
        if self.running:
            self.stop()
        else:
            self.reject()

    def _close(self) -> None:
        self._jobs.cancel()
        self.running = False
        self._start = self._end = None
        self.rewrite_style, self.latest, self.original, self.stale = None, None, "", False
        self.style_name = ""
        self.showing_held = False
        self.hide()
        self._escape.setEnabled(False)
        self._accept_key.setEnabled(False)
        self.editor.setFocus()
        self.finished.emit()

    # ----------------------------------------------------- edits meanwhile

    def _passage_changed(self) -> bool:
        if self._start is None or self._end is None:
            return False
        current = self.editor.text_between(self._start.position(), self._end.position())
        return current != self.original

    def _on_document_change(self, position: int, removed: int, added: int) -> None:
        if self._start is None or self._end is None or self.stale:
            return
        # Only an edit touching the passage can change it; anything else is left alone.
        if position > self._end.position() or position + added < self._start.position():
            return
        if self._passage_changed():
            self._mark_stale()

    def _mark_stale(self) -> None:
        self.stale = True
        self.warning.setText(
            self.tr(
                "The passage changed since the rewrite started, so it will not be applied "
                "over your edits. Rewrite the current text, or reject."
            )
        )
        self._set_buttons()
