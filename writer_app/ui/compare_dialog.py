"""Two versions of a document side by side as a line diff (disk vs. editor, recovered vs. disk)."""

from __future__ import annotations

import difflib
import html

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget


def diff_html(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff, coloured: removed lines red, added lines green."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=3
        )
    )
    if not lines:
        same = QCoreApplication.translate("CompareDialog", "The two versions are the same.")
        return f"<p>{html.escape(same)}</p>"
    out = []
    for line in lines:
        text = html.escape(line) or "&nbsp;"
        if line.startswith(("+++", "---")):
            out.append(f"<b>{text}</b>")
        elif line.startswith("@@"):
            out.append(f"<span style='color:#7a5af5'>{text}</span>")
        elif line.startswith("+"):
            out.append(f"<span style='background:#d9f7d9;color:#0b5d1e'>{text}</span>")
        elif line.startswith("-"):
            out.append(f"<span style='background:#fbdada;color:#8a1010'>{text}</span>")
        else:
            out.append(text)
    return "<pre style='white-space:pre-wrap'>" + "<br>".join(out) + "</pre>"


class CompareDialog(QDialog):
    """Read-only view of the differences; the caller asks what to keep."""

    def __init__(
        self, old: str, new: str, old_name: str, new_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare: {old} ↔ {new}").format(old=old_name, new=new_name))
        view = QTextBrowser(self)
        view.setHtml(diff_html(old, new, old_name, new_name))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(
            QLabel(
                self.tr("Lines only in {old} are red; lines only in {new} are green.").format(
                    old=old_name, new=new_name
                )
            )
        )
        column.addWidget(view, 1)
        column.addWidget(buttons)
        self.view = view
        self.resize(820, 560)
