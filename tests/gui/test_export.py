"""File → Export as HTML / PDF: Markdown rendered, plain text kept, failures said."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox

from writer_app.config import Settings
from writer_app.ui import export
from writer_app.ui.main_window import MainWindow

MARKDOWN = "# Keeping bees\n\nBees give **honey** and wax.\n\n- Honey\n- Wax\n"


@pytest.fixture
def window(make_window) -> MainWindow:
    settings = Settings()
    settings.editor.suggestions = False
    return make_window(settings)


def _open(window: MainWindow, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    assert window.open_path(path)


def _boxes(window: MainWindow) -> list[QMessageBox]:
    return [b for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_the_file_menu_offers_both_exports(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert isinstance(file_menu, QMenu)
    texts = [a.text() for a in file_menu.actions()]
    assert "Export as &HTML…" in texts and "Export as P&DF…" in texts
    _open(window, tmp_path / "bees.md", MARKDOWN)
    asked: list[str] = []

    def ask(_parent, title, start, _filter, suffix) -> Path:
        asked.append(start)
        return tmp_path / f"chosen{suffix}"

    monkeypatch.setattr(export, "ask_save_path", ask)
    window.actions_by_name["export_html"].trigger()
    window.actions_by_name["export_pdf"].trigger()
    assert asked == [str(tmp_path / "bees.html"), str(tmp_path / "bees.pdf")]
    assert (tmp_path / "chosen.html").is_file() and (tmp_path / "chosen.pdf").is_file()
    assert "Exported" in window.statusBar().currentMessage()


def test_markdown_is_rendered_in_html(window: MainWindow, tmp_path: Path) -> None:
    _open(window, tmp_path / "bees.md", MARKDOWN)
    target = tmp_path / "out" / "bees.html"
    target.parent.mkdir()
    assert window.exporting.export_html(target)
    page = target.read_text(encoding="utf-8")
    assert "<title>Keeping bees</title>" in page
    assert re.search(r"<h1[^>]*>.*Keeping bees.*</h1>", page)
    assert re.search(r"font-weight:700;\">honey</span>", page)
    assert page.count("<li") == 2 and "**" not in page and "# " not in page


def test_plain_text_is_exported_as_it_is(window: MainWindow, tmp_path: Path) -> None:
    _open(window, tmp_path / "notes.txt", "# not a heading\n**not bold**\n")
    target = tmp_path / "notes.html"
    assert window.exporting.export_html(target)
    page = target.read_text(encoding="utf-8")
    assert "# not a heading" in page and "**not bold**" in page and "<h1" not in page


def test_a_draft_without_a_file_is_exported_as_markdown(window: MainWindow, tmp_path: Path) -> None:
    window.editor.setPlainText(MARKDOWN)
    window.tab._set_highlighter()  # what a pause after typing does for an untitled document
    assert export.is_markdown(window.tab)
    assert export.suggested_name(window.tab, ".pdf") == "Keeping bees.pdf"
    target = tmp_path / "draft.html"
    assert window.exporting.export_html(target)
    assert "<h1" in target.read_text(encoding="utf-8")


def test_pdf_export(window: MainWindow, tmp_path: Path) -> None:
    _open(window, tmp_path / "bees.md", MARKDOWN + "\n" + "More about bees. " * 800)
    target = tmp_path / "bees.pdf"
    assert window.exporting.export_pdf(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2  # long text: several pages
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_export_says_why_and_leaves_nothing(window: MainWindow, tmp_path: Path) -> None:
    _open(window, tmp_path / "bees.md", MARKDOWN)
    for write, name in (
        (window.exporting.export_html, "a.html"),
        (window.exporting.export_pdf, "a.pdf"),
    ):
        assert not write(tmp_path / "missing" / name)
        boxes = _boxes(window)
        assert len(boxes) == 1 and "Could not export" in boxes[0].windowTitle() + boxes[0].text()
        assert "missing" in boxes[0].text()
        boxes[0].close()
    assert not (tmp_path / "missing").exists()
    assert window.editor.text() == MARKDOWN
