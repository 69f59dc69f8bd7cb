"""Chinese in the editor: word-by-word accept, input methods, the word count, GB18030 files
and the notice about the built-in model."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTextBoundaryFinder
from PySide6.QtGui import QInputMethodEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from writer_app.config import Model, Settings
from writer_app.ui.continuation import SuggestionController
from writer_app.ui.editor import GhostTextEditor, Session, qt_word_end
from writer_app.ui.word_count import describe_words, line_and_column, word_count_label

START = "我们今天"
GHOST = "去公园散步。然后回家"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def editor(shown_editor: GhostTextEditor) -> GhostTextEditor:
    shown_editor.setPlainText(START)
    shown_editor.moveCursor(QTextCursor.MoveOperation.End)
    return shown_editor


def _offer(editor: GhostTextEditor, *candidates: str) -> Session:
    session = editor.start_session(explicit=True, context_tokens=512)
    assert session is not None
    editor.offer(session, list(candidates))
    return session


def _compose(editor: GhostTextEditor, preedit: str = "", commit: str = "") -> None:
    """What an input method sends: the text being composed, or the text it commits."""
    event = QInputMethodEvent(preedit, [])
    if commit:
        event.setCommitString(commit)
    QApplication.sendEvent(editor, event)


def _qt_words(text: str) -> list[str]:
    """The pieces of `text` between Qt's word boundaries."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, text)
    cuts = [0]
    while (at := finder.toNextBoundary()) > 0:
        cuts.append(at)
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


# --- words --------------------------------------------------------------------------------


def test_qt_word_boundaries_in_chinese() -> None:
    """Qt's Unicode word rules (no dictionary in Qt's own implementation) give each Chinese
    character as a word, and the whole of a run of Latin letters."""
    assert _qt_words("我们今天去公园散步。") == [*"我们今天去公园散步。"]
    assert _qt_words("用 Writer 写作") == ["用", " ", "Writer", " ", "写", "作"]
    assert qt_word_end("我们今天去公园散步。", 2) == 3
    # Python indices, not Qt's UTF-16 ones (the emoji is two of those)
    assert qt_word_end("I 😀 like 我们", 4) == 8
    assert qt_word_end("I 😀 like 我们", 9) == 10
    assert qt_word_end("hello", 0) == 5


def test_ctrl_right_accepts_a_chinese_suggestion_word_by_word(
    editor: GhostTextEditor, qtbot
) -> None:
    session = _offer(editor, GHOST)
    taken = []
    while editor.ghost_text():
        before = editor.text()
        qtbot.keyClick(editor, Qt.Key.Key_Right, CTRL)
        taken.append(editor.text()[len(before) :])
    assert "".join(taken) == GHOST and editor.text() == START + GHOST
    # each step is one of Qt's words, punctuation directly after it coming along
    assert taken[:4] == ["去", "公", "园", "散"] and taken[4] == "步。"
    assert len(taken) == len(GHOST) - 1
    assert editor.session is None and session.consumed == GHOST
    editor.undo()  # an accepted word is one undo step
    assert editor.text() == START + GHOST[:-1]


def test_english_is_still_accepted_a_word_at_a_time(editor: GhostTextEditor, qtbot) -> None:
    editor.setPlainText("The river")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    _offer(editor, " ran well-known ways, 3.5 miles.")
    pieces = []
    while editor.ghost_text():
        before = editor.text()
        qtbot.keyClick(editor, Qt.Key.Key_Right, CTRL)
        pieces.append(editor.text()[len(before) :])
    assert pieces == [" ran", " well-known", " ways,", " 3.5", " miles."]


# --- input methods ------------------------------------------------------------------------


def test_no_suggestion_shows_while_an_input_method_composes(editor: GhostTextEditor) -> None:
    _offer(editor, GHOST)
    ended: list[bool] = []
    editor.sessionEnded.connect(lambda: ended.append(True))
    revision = editor.revision
    _compose(editor, "qu")
    assert editor.ghost_text() == "" and editor.session is None
    assert editor.textCursor().block().layout().preeditAreaText() == "qu"
    assert editor.start_session(explicit=True, context_tokens=512) is None
    assert editor.revision == revision and not ended  # composing is not an edit
    _compose(editor, "")  # given up: the suggestion comes back
    assert editor.ghost_text() == GHOST and not ended


def test_committed_text_that_the_suggestion_predicts_keeps_the_rest(
    editor: GhostTextEditor,
) -> None:
    session = _offer(editor, GHOST)
    edits: list[bool] = []
    editor.edited.connect(lambda: edits.append(True))
    _compose(editor, "qu")
    editor.offer(session, [GHOST + "吃饭。"])  # streaming on while composing: kept, not shown
    assert editor.ghost_text() == ""
    _compose(editor, commit="去")
    assert editor.session is session and editor.ghost_text() == GHOST[1:] + "吃饭。"
    _compose(editor, "gongyuan")
    _compose(editor, commit="公园")
    assert editor.text() == START + "去公园"
    assert editor.session is session and editor.ghost_text() == GHOST[3:] + "吃饭。"
    # a commit and the start of the next composition in one event
    event = QInputMethodEvent("sanbu", [])
    event.setCommitString("散")
    QApplication.sendEvent(editor, event)
    assert editor.ghost_text() == "" and editor.session is None
    _compose(editor, commit="步")
    assert editor.ghost_text() == "。然后回家吃饭。" and not edits
    assert editor.accept_suggestion()
    assert editor.text() == START + GHOST + "吃饭。"


def test_committed_text_that_differs_ends_the_suggestion(editor: GhostTextEditor) -> None:
    _offer(editor, GHOST)
    edits: list[bool] = []
    editor.edited.connect(lambda: edits.append(True))
    _compose(editor, "mai")
    _compose(editor, commit="买")
    assert editor.text() == START + "买"
    assert editor.session is None and editor.ghost_text() == "" and edits
    assert editor.start_session(explicit=True, context_tokens=512) is not None


@pytest.fixture
def settings(suggestion_settings: Settings) -> Settings:
    return suggestion_settings


@pytest.fixture
def suggesting(qtbot, assistant, tiny_model_dir: Path, settings: Settings, run_async):
    run_async(assistant.load(Model(model=str(tiny_model_dir), device="cpu")).result())

    def make() -> tuple[GhostTextEditor, SuggestionController]:
        editor = GhostTextEditor()
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitExposed(editor)
        editor.setFocus()
        return editor, SuggestionController(editor, assistant, lambda: settings)

    return make


def test_input_method_typing_gets_suggestions_after_the_pause(suggesting, qtbot) -> None:
    editor, controller = suggesting()
    _compose(editor, "women")
    qtbot.wait(150)
    assert editor.session is None and not controller.busy  # nothing asked while composing
    _compose(editor, commit="我们")
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    first = editor.session
    _compose(editor, "qu")
    assert editor.ghost_text() == "" and not controller.busy
    qtbot.wait(150)
    assert editor.session is None and not controller.busy
    _compose(editor, commit="去")  # not what the suggestion said: a fresh one after the pause
    qtbot.waitUntil(lambda: bool(editor.ghost_text()) and not controller.busy, timeout=10_000)
    assert editor.session is not first and editor.session is not None
    assert editor.session.prefix == "我们去"


def test_chinese_on_the_built_in_model_gets_a_notice_once_per_document(
    suggesting, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from writer_app.features import continuation
    from writer_app.tasks.draft import is_cjk

    # The tiny model stands in for the built-in one.
    monkeypatch.setattr(continuation, "cjk_warning", lambda text, _name: is_cjk(text[-400:]))
    notices: list[str] = []
    editor, controller = suggesting()
    controller.notice.connect(notices.append)
    editor.setPlainText("我们今天去公园散步，天气很好")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    for _ in range(2):
        assert controller.request(explicit=True)
        qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)
    assert len(notices) == 1
    assert "Chinese" in notices[0] and "Get Models…" in notices[0]
    assert "model server" in notices[0]
    other, other_controller = suggesting()  # another document is told again
    other_controller.notice.connect(notices.append)
    other.setPlainText("The river ran")
    other.moveCursor(QTextCursor.MoveOperation.End)
    assert other_controller.request(explicit=True)
    qtbot.waitUntil(lambda: not other_controller.busy, timeout=10_000)
    assert len(notices) == 1  # not for English
    other.setPlainText("春眠不觉晓，处处闻啼鸟。")
    other.moveCursor(QTextCursor.MoveOperation.End)
    assert other_controller.request(explicit=True)
    qtbot.waitUntil(lambda: not other_controller.busy, timeout=10_000)
    assert len(notices) == 2


# --- the word count -----------------------------------------------------------------------


def test_the_word_count_says_when_characters_count_as_words() -> None:
    assert word_count_label("One two, three-four don't", "") == "4 words"
    assert word_count_label("one", "") == "1 word"
    assert word_count_label("春眠不觉晓，处处闻啼鸟。", "") == "10 words and characters"
    assert word_count_label("Writer 支持中文 and English", "支持中文") == (
        "4 of 7 words and characters"
    )
    assert describe_words(1234567) == "1,234,567 words"
    assert describe_words(5, 2) == "2 of 5 words"


def test_line_and_column(editor: GhostTextEditor) -> None:
    editor.setPlainText("一\n二\n三四")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    assert line_and_column(editor.textCursor()) == "Ln 3, Col 3"


# --- GB18030 documents --------------------------------------------------------------------


def test_a_gb18030_document_keeps_its_bytes_around_an_accepted_suggestion(
    make_window, tmp_path: Path, qtbot
) -> None:
    window = make_window(Settings())
    before, after = "第一段：我们今天", "\r\n第二段：天气很好。\r\n"
    path = tmp_path / "日记.txt"
    path.write_bytes((before + after).encode("gb18030"))
    assert window.open_path(path)
    tab = window.tab
    assert tab.fmt.encoding == "gb18030" and tab.fmt.newline == "\r\n"
    editor = window.editor
    cursor = editor.textCursor()
    cursor.setPosition(len(before))
    editor.setTextCursor(cursor)
    _offer(editor, "去公园散步。")
    qtbot.keyClick(editor, Qt.Key.Key_Right, CTRL)
    qtbot.keyClick(editor, Qt.Key.Key_Right, CTRL)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert window._save_tab(tab)
    assert path.read_bytes() == (before + "去公园散步。" + after).encode("gb18030")
