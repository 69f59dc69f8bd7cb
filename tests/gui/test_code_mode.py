"""Code mode for Python files, and Generate code from docstring in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontInfo, QTextCursor

from writer_app.config import Settings
from writer_app.documents import TextFormat
from writer_app.features.code import CodeResult
from writer_app.tasks.code import clean_candidate, find_function, rank, replace_body
from writer_app.ui.code import STALE, code_generation_for
from writer_app.ui.code_editor import PythonHighlighter, code_mode_of, next_indent
from writer_app.ui.document_tab import DocumentTab
from writer_app.ui.main_window import MainWindow
from writer_app.ui.markdown import MarkdownHighlighter

PALINDROME = '''\
"""Small string helpers."""


def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards.

    >>> is_palindrome("racecar")
    True
    >>> is_palindrome("hello")
    False
    """


print(is_palindrome("noon"))
'''

SAMPLE = '''\
@cache
def area(r: float) -> float:
    """The area of a circle.

    Radius r, in metres.
    """
    return 3.14 * r ** 2  # approximately
x = 'it''s' + f"{r}" + r"\\d" + b"\\x00"
'''


@pytest.fixture
def window(make_window, tiny_model_dir: Path) -> MainWindow:
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.suggestions = False
    settings.code.max_new_tokens = 12
    settings.code.alternatives = 2
    settings.code.seed = 0
    return make_window(settings)


def _open(window: MainWindow, tmp_path: Path, text: str, name: str = "helpers.py") -> DocumentTab:
    tab = window.tab
    tab.set_content(text, tmp_path / name, TextFormat())
    return tab


def _colour_at(tab: DocumentTab, line: int, column: int) -> QColor | None:
    block = tab.editor.document().findBlockByNumber(line)
    for r in block.layout().formats():
        if r.start <= column < r.start + r.length:
            return r.format.foreground().color()
    return None


def _place_cursor(tab: DocumentTab, needle: str, after: bool = True) -> None:
    text = tab.editor.text()
    index = text.index(needle) + (len(needle) if after else 0)
    cursor = tab.editor.textCursor()
    cursor.setPosition(index)
    tab.editor.setTextCursor(cursor)


# ------------------------------------------------------------------------ code mode


def test_python_files_get_highlighting_line_numbers_and_a_monospace_font(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, SAMPLE)
    editor = tab.editor
    assert isinstance(editor.highlighter, PythonHighlighter)
    assert tab.controller.code_mode
    formats = editor.highlighter.formats
    colour = {name: f.foreground().color() for name, f in formats.items()}
    assert _colour_at(tab, 0, 1) == colour["decorator"]  # @cache
    assert _colour_at(tab, 1, 0) == colour["keyword"]  # def
    assert _colour_at(tab, 1, 4) == colour["definition"]  # area
    assert _colour_at(tab, 1, 12) == colour["builtin"]  # float
    assert _colour_at(tab, 2, 4) == colour["string"]  # the docstring opens
    assert _colour_at(tab, 4, 6) == colour["string"]  # …spans lines
    assert _colour_at(tab, 6, 11) == colour["number"]  # 3.14
    assert _colour_at(tab, 6, 27) == colour["comment"]
    assert _colour_at(tab, 6, 4) == colour["keyword"]  # return, after the docstring closed
    line = SAMPLE.splitlines()[7]
    assert _colour_at(tab, 7, line.index("it")) == colour["string"]
    assert _colour_at(tab, 7, line.index("{r}")) == colour["string"]  # an f-string
    assert _colour_at(tab, 7, line.index("\\d")) == colour["string"]  # a raw string
    assert _colour_at(tab, 7, 0) is None  # a plain name
    assert QFontInfo(editor.font()).fixedPitch()
    mode = code_mode_of(editor)
    assert mode is not None and mode.gutter.isVisible()
    assert mode.gutter.width() >= mode.gutter.width_needed() > 0
    assert editor.viewportMargins().left() > mode.gutter.width()
    assert mode.gutter.first_number() == 1
    assert not mode.gutter.grab().isNull()  # paints
    # A font change from the settings keeps code monospace, at the new size.
    editor.setFont(window.base_font)
    assert QFontInfo(editor.font()).fixedPitch()


def test_line_numbers_follow_scrolling_and_grow_with_the_file(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, "\n".join(f"x{i} = {i}" for i in range(2000)))
    mode = code_mode_of(tab.editor)
    assert mode is not None
    wide = mode.gutter.width_needed()
    tab.editor.verticalScrollBar().setValue(500)
    qtbot.waitUntil(lambda: mode.gutter.first_number() > 100)
    tab.editor.setPlainText("x = 1")
    assert mode.gutter.width_needed() < wide


def test_renaming_to_markdown_turns_code_mode_off(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, "# Title\n")
    assert code_mode_of(tab.editor) is not None
    tab.save(tmp_path / "notes.md")
    assert code_mode_of(tab.editor) is None
    assert isinstance(tab.editor.highlighter, MarkdownHighlighter)
    assert not tab.controller.code_mode
    assert tab.editor.lineWrapMode() == tab.editor.LineWrapMode.WidgetWidth
    tab.save(tmp_path / "back.py")
    assert isinstance(tab.editor.highlighter, PythonHighlighter)


def test_enter_keeps_indentation_and_indents_after_a_colon(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, "")
    editor = tab.editor
    editor.setFocus()
    qtbot.keyClicks(editor, "def f(x):")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "y = x")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "return y")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.text() == "def f(x):\n    y = x\n    return y\n"
    editor.undo()  # one Enter is one undo step
    assert editor.text() == "def f(x):\n    y = x\n    return y"
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # Tab indents with spaces
    assert editor.text().endswith("return y    ")
    qtbot.keyClick(editor, Qt.Key.Key_Backtab)
    assert editor.text() == "def f(x):\n    y = x\nreturn y    "


@pytest.mark.parametrize(
    ("line", "indent"),
    [
        ("    x = 1", "    "),
        ("    if x:", "        "),
        ("    if x:  # when", "        "),
        ("    call(", "        "),
        ("        return x", "    "),
        ("    pass", ""),
        ("\tif x:", "\t\t"),
        ("", ""),
    ],
)
def test_next_indent(line: str, indent: str) -> None:
    assert next_indent(line) == indent


# ------------------------------------------------------------ generate code: preview


def _result(source: str, raw: str, needle: str = "False\n    ") -> CodeResult:
    target = find_function(source, source.index(needle))
    assert target is not None
    candidate = clean_candidate(raw, target)
    ranked = tuple(rank([candidate]))
    edit = replace_body(source, target, ranked[0].body) if ranked else None
    return CodeResult(source, target, (candidate,), ranked, edit, False, "verification is off", 0.0)


def test_a_proposal_is_previewed_and_tab_inserts_it_as_one_undo_step(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, PALINDROME)
    editor = tab.editor
    generation = code_generation_for(window, tab, editor)
    result = _result(PALINDROME, '    """\n    return s == s[::-1]\n')
    generation.show_result(result)
    panel = generation.panel
    assert panel.isVisible() and "not verified" in panel.status.text()
    assert panel.code.toPlainText() == "    return s == s[::-1]"
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.text() == result.edit.source  # type: ignore[union-attr]
    assert '    """\n    return s == s[::-1]\n\n\nprint(' in editor.text()
    assert not panel.isVisible()
    assert editor.textCursor().block().text() == "    return s == s[::-1]"
    editor.undo()
    assert editor.text() == PALINDROME


def test_escape_rejects_the_proposal(window: MainWindow, tmp_path: Path, qtbot) -> None:
    tab = _open(window, tmp_path, PALINDROME)
    generation = code_generation_for(window, tab, tab.editor)
    generation.show_result(_result(PALINDROME, '    """\n    return s == s[::-1]\n'))
    tab.editor.setFocus()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Escape)
    assert not generation.panel.isVisible()
    assert tab.editor.text() == PALINDROME
    qtbot.keyClick(tab.editor, Qt.Key.Key_Tab)  # back to indenting
    assert tab.editor.text() != PALINDROME


def test_a_proposal_is_never_put_into_a_changed_document(
    window: MainWindow, tmp_path: Path, qtbot
) -> None:
    tab = _open(window, tmp_path, PALINDROME)
    generation = code_generation_for(window, tab, tab.editor)
    generation.show_result(_result(PALINDROME, '    """\n    return s == s[::-1]\n'))
    cursor = tab.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    tab.editor.setTextCursor(cursor)
    qtbot.keyClicks(tab.editor, "# more")
    changed = tab.editor.text()
    assert generation.panel.status.text() == STALE
    assert not generation.panel.accept_button.isEnabled()
    assert not generation.accept()
    assert tab.editor.text() == changed
    assert "changed" in window.statusBar().currentMessage()


def test_no_usable_body_says_why(window: MainWindow, tmp_path: Path, qtbot) -> None:
    tab = _open(window, tmp_path, PALINDROME)
    generation = code_generation_for(window, tab, tab.editor)
    generation.show_result(_result(PALINDROME, '    """\n    pass\n'))
    panel = generation.panel
    assert panel.isVisible() and not panel.code.isVisible()
    assert "placeholder" in panel.status.text()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Escape)
    assert not panel.isVisible()


# ------------------------------------------------------------ generate code: the job


def test_generate_with_the_cursor_outside_a_function_says_so(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    run_async(window.assistant.load(window.settings.model).result())
    tab = _open(window, tmp_path, PALINDROME)
    _place_cursor(tab, "print(", after=False)
    assert not window.generate_code()
    assert "inside a function" in window.statusBar().currentMessage()
    panel = code_generation_for(window, tab, tab.editor).panel
    assert panel.isVisible() and "inside a function" in panel.status.text()


def test_generate_before_the_model_is_ready_says_so(window: MainWindow, tmp_path: Path) -> None:
    tab = _open(window, tmp_path, PALINDROME)
    _place_cursor(tab, "False\n")
    assert not window.generate_code()
    assert "still loading" in window.statusBar().currentMessage()


def test_ctrl_shift_g_runs_the_job_and_reports_junk_from_the_tiny_model(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    run_async(window.assistant.load(window.settings.model).result())
    tab = _open(window, tmp_path, PALINDROME)
    _place_cursor(tab, "False\n    ")
    tab.editor.setFocus()
    qtbot.keyClick(
        tab.editor,
        Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    generation = code_generation_for(window, tab, tab.editor)
    assert generation.busy and generation.busy_bar.isVisible()
    qtbot.waitUntil(lambda: not generation.busy, timeout=60_000)
    assert not generation.busy_bar.isVisible()
    panel = generation.panel
    assert panel.isVisible()
    assert panel.status.text().startswith("No usable body: all 2 suggestions rejected.")
    assert tab.editor.text() == PALINDROME


def _long_generation(window: MainWindow, tmp_path: Path, run_async):
    """A code generation on the tiny model that runs until it is stopped."""
    run_async(window.assistant.load(window.settings.model).result())
    window.settings.code.max_new_tokens = 4000
    window.settings.code.max_time = 0.0
    tab = _open(window, tmp_path, PALINDROME)
    _place_cursor(tab, "False\n    ")
    tab.editor.setFocus()
    assert window.generate_code()
    return tab, code_generation_for(window, tab, tab.editor)


def test_escape_cancels_a_running_generation(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    tab, generation = _long_generation(window, tmp_path, run_async)
    qtbot.keyClick(tab.editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not generation.busy, timeout=10_000)
    assert "cancelled" in window.statusBar().currentMessage()
    assert not generation.panel.isVisible() and not generation.busy_bar.isVisible()
    assert tab.editor.text() == PALINDROME


def test_the_panel_says_which_candidate_is_being_written_and_cancel_stops_it(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    tab, generation = _long_generation(window, tmp_path, run_async)
    panel = generation.panel
    assert panel.isVisible() and panel.title.text().endswith("is_palindrome()")
    assert panel.reject_button.text() == "Cancel (Esc)"
    assert panel.accept_button.isHidden() and panel.code.isHidden()
    qtbot.waitUntil(lambda: "candidate 1 of 2" in panel.status.text(), timeout=10_000)
    assert "candidate 1 of 2" in window.statusBar().currentMessage()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Tab)  # nothing to accept yet: Tab is not taken
    assert generation.busy
    panel.reject_button.click()
    qtbot.waitUntil(lambda: not generation.busy, timeout=10_000)
    assert not panel.isVisible() and not generation.busy_bar.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()


def test_starting_again_while_generating_keeps_the_new_run_on_show(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    _, generation = _long_generation(window, tmp_path, run_async)
    first = generation._jobs.task
    qtbot.wait(300)  # the first run is under way
    assert first is not None and not first.done()
    assert window.generate_code()  # again, before the first run has finished
    qtbot.waitUntil(first.done, timeout=10_000)
    # The superseded run ends quietly: the new one is still busy and says so.
    assert generation.busy and generation.busy_bar.isVisible()
    assert "cancelled" not in window.statusBar().currentMessage()
    generation.cancel()


def test_closing_the_tab_while_generating_cancels_quietly(
    window: MainWindow, tmp_path: Path, qtbot, run_async
) -> None:
    window.new_tab()
    tab, generation = _long_generation(window, tmp_path, run_async)
    task = generation._jobs.task
    assert task is not None
    assert window.close_tab(tab)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.cancelled() or task.exception() is None
    assert len(window.documents()) == 1


# ------------------------------------------------------------------ the real model


@pytest.mark.real_model
def test_built_in_model_writes_is_palindrome_that_passes_its_doctests(
    make_window, tmp_path: Path, qtbot
) -> None:
    settings = Settings()
    settings.editor.suggestions = False
    settings.code.run_generated_code = True
    w = make_window(settings)
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=180_000)
    tab = _open(w, tmp_path, PALINDROME)
    _place_cursor(tab, "False\n    ")
    tab.editor.setFocus()
    qtbot.keyClick(
        tab.editor,
        Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    generation = code_generation_for(w, tab, tab.editor)
    qtbot.waitUntil(lambda: not generation.busy, timeout=240_000)
    assert generation.pending, generation.panel.status.text()
    assert "doctests pass" in generation.panel.status.text()
    body = generation.panel.code.toPlainText()
    qtbot.keyClick(tab.editor, Qt.Key.Key_Tab)
    assert body in tab.editor.text() and tab.editor.text() != PALINDROME
    compile(tab.editor.text(), "helpers.py", "exec")
    tab.editor.undo()
    assert tab.editor.text() == PALINDROME


@pytest.mark.real_model
def test_built_in_model_ghost_text_in_code_continues_the_block(
    make_window, tmp_path: Path, qtbot
) -> None:
    settings = Settings()
    settings.editor.suggestions = False
    w = make_window(settings)
    w.start_model_load()
    qtbot.waitUntil(lambda: w.assistant.ready, timeout=180_000)
    tab = _open(w, tmp_path, "import math\n\n\ndef circle_area(radius):")
    cursor = tab.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    tab.editor.setTextCursor(cursor)
    tab.editor.setFocus()
    assert tab.controller.request(explicit=True)
    qtbot.waitUntil(lambda: not tab.controller.busy, timeout=60_000)
    ghost = tab.editor.ghost_text()
    assert ghost.startswith("\n") and ghost.strip()
    lines = [line for line in ghost.split("\n")[1:] if line.strip()]
    assert lines and all(line.startswith((" ", "\t")) for line in lines)  # inside the block
