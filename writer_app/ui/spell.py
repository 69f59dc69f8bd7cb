"""Spell checking in the editor: red wavy underlines under unknown words, and suggestions,
Add to Dictionary and Ignore at the top of the editor's context menu.

The word list is pyspellchecker's English one (a frequency list shipped inside the package,
read with `pkgutil`, so the packaged app needs nothing from the system). It is read once per
process on a thread, a line at a time, so the window never waits for it. Words the user adds
go into a plain text file in the config folder, one per line.

The underlines are painted by a transparent widget laid over the editor's viewport, not by a
QSyntaxHighlighter: a block's formats belong to one highlighter (Markdown or Python), and the
ghost text rewrites them too, so a second highlighter would fight both. The overlay reads
the layout Qt already made (`cursorRect`) and paints only the lines on screen.

Not checked: code mode (Python files), the word being typed at the cursor, URLs, e-mail
addresses, paths and dotted names, inline code and fenced code blocks in Markdown, words in
ALL CAPS, with digits or with capitals inside (iPhone, camelCase), and other scripts than
Latin (the dictionary is English).
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import pkgutil
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPainterPath, QPaintEvent, QPen, QTextCursor
from PySide6.QtWidgets import QMenu, QWidget
from shiboken6 import isValid

from writer_app import paths
from writer_app.atomic import atomic_write, read_regular_file
from writer_app.translatable import QT_TRANSLATE_NOOP
from writer_app.ui.actions import Action
from writer_app.ui.code_editor import code_mode_of
from writer_app.ui.editor import GhostTextEditor, replace_range, utf16_len
from writer_app.ui.markdown import MarkdownHighlighter

if TYPE_CHECKING:
    from PySide6.QtGui import QTextBlock
    from PySide6.QtWidgets import QTabWidget

log = logging.getLogger(__name__)

LANGUAGE = "en"  # pyspellchecker's list: American English
LANGUAGE_NAME = QT_TRANSLATE_NOOP("SpellChecking", "English (US)")
MAX_SUGGESTIONS = 6
UNDERLINE = QColor(224, 44, 44)
_CACHE_BLOCKS = 4096  # lines whose unknown words are remembered
MAX_LINE_CHARS = 20_000  # longer lines (data, minified text) are not checked

# Things that are never words to check; blanked out before words are looked for.
_NOT_PROSE = re.compile(
    r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)\S*"  # URLs
    r"|\S*@\S+"  # e-mail addresses, handles
    r"|\S*[/\\]\S*"  # paths, and/or, URLs without a scheme
    r"|\b\w+(?:\.\w+)+\b"  # example.com, os.path, e.g
    r"|`[^`]*`?"  # inline code (to the end of the line if it is not closed)
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_FENCE = ("```", "~~~")


def _latin(word: str) -> bool:
    return word.isascii() or all("LATIN" in unicodedata.name(c, "") for c in word if c.isalpha())


def words_to_check(line: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of each word in `line` (Python indices) that a dictionary should
    know: not a URL, path, address or code, no digits, not ALL CAPS, no capitals inside, at
    least two letters, Latin script."""
    masked = _NOT_PROSE.sub(lambda m: " " * len(m.group()), line)
    found = []
    for m in _WORD.finditer(masked):
        word = m.group()
        if (
            len(word) < 2
            or any(c.isdigit() for c in word)
            or word.isupper()
            or any(c.isupper() for c in word[1:])
            or not _latin(word)
        ):
            continue
        found.append((m.start(), m.end(), word))
    return found


def _read_word_list(language: str) -> dict[str, int]:
    """pyspellchecker's frequency list for `language`, read without holding the interpreter
    for long (json.loads would hold it for the whole file): one entry at a time."""
    import gzip

    data = pkgutil.get_data("spellchecker", f"resources/{language}.json.gz")
    if not data:
        raise ValueError(f"no word list for {language!r}")
    text = gzip.decompress(data).decode("utf-8")
    words: dict[str, int] = {}
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:\s*(\d+)', text):
        word = m.group(1)
        if "\\" in word:
            word = json.loads(f'"{word}"')
        words[word] = int(m.group(2))
    return words


def _load_checker(language: str) -> Any:
    from spellchecker import SpellChecker

    checker = SpellChecker(language=None)
    checker.word_frequency.load_json(_read_word_list(language))
    return checker


def _rank(checker: Any, words: set[str], exclude: set[str]) -> list[str]:
    return sorted(words - exclude, key=lambda w: (-checker[w], w))


class _Dictionary(QObject):
    """The word list, shared by every window of the process: loaded once, on a thread."""

    loaded = Signal()
    suggested = Signal(str, list)  # a word, and its suggestions (the slower, distance 2 ones)

    def __init__(self) -> None:
        super().__init__()
        self.checker: Any = None
        self.error = ""
        self._started = False
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.suggestions: dict[str, list[str]] = {}  # by lowercased word, once complete

    @property
    def ready(self) -> bool:
        return self.checker is not None

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="spelling-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self.checker = _load_checker(LANGUAGE)
        except Exception as exc:  # a missing or damaged package: say so, keep writing
            log.warning("Spell checking is unavailable: %s", exc)
            self.error = self.tr("Spell checking is unavailable: {reason}").format(reason=exc)
        self.loaded.emit()

    def knows(self, word: str) -> bool:
        checker = self.checker
        if checker is None:
            return True
        word = word.replace("’", "'").lower()
        if word in checker:
            return True
        return word.endswith("'s") and word[:-2] in checker  # possessives of known words

    def near(self, word: str) -> list[str]:
        """Known words one edit away, likeliest first (fast: a millisecond)."""
        checker = self.checker
        if checker is None:
            return []
        key = word.replace("’", "'").lower()
        return _rank(checker, checker.known(checker.edit_distance_1(key)), {key})

    def look_further(self, word: str) -> None:
        """Find words two edits away on a thread (up to a second); `suggested` tells."""
        key = word.replace("’", "'").lower()
        if key in self.suggestions:
            self.suggested.emit(word, self.suggestions[key])
            return
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, "spelling")
        checker = self.checker

        def find() -> None:
            near = checker.known(checker.edit_distance_1(key))
            far = checker.known(checker.edit_distance_2(key)) if len(key) <= 14 else set()
            found = _rank(checker, near, {key}) + _rank(checker, far, near | {key})
            self.suggestions[key] = found[:MAX_SUGGESTIONS]
            self.suggested.emit(word, self.suggestions[key])

        self._executor.submit(find)


_shared: _Dictionary | None = None


def shared_dictionary() -> _Dictionary:
    """The process's dictionary (made in the GUI thread on first use)."""
    global _shared
    if _shared is None:
        _shared = _Dictionary()
    return _shared


def _cased(suggestion: str, like: str) -> str:
    if like[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


class SpellChecking(QObject):
    """Spell checking for one window's editors (View → Check Spelling)."""

    changed = Signal()  # the underlines may differ: redraw them

    def __init__(
        self, tabs: QTabWidget, words_file: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self.words_file = words_file if words_file is not None else default_words_file()
        self.enabled = True
        self.action: QAction | None = None
        self.notice: Callable[[str], None] = lambda _m: None
        # The Check Spelling action: the window makes it a setting; on its own, this.
        self.on_toggle: Callable[[bool], None] = self.set_enabled
        self.own_words = self._read_own_words()
        self.ignored: set[str] = set()  # Ignore: for this session
        self._cache: OrderedDict[str, list[tuple[int, int, str]]] = OrderedDict()
        self._menu: tuple[QMenu, QAction, str, Callable[[str], None]] | None = None
        self.dictionary = shared_dictionary()
        self.dictionary.loaded.connect(self._on_loaded)
        self.dictionary.suggested.connect(self._on_suggested)
        self.dictionary.start()
        tabs.currentChanged.connect(lambda _i: self._attach_current())

    # ------------------------------------------------------------------ state

    @property
    def ready(self) -> bool:
        return self.dictionary.ready

    def actions(self) -> list[Action]:
        return [
            Action(
                "spelling", self.tr("Check &Spelling"), "",
                lambda: self.on_toggle(not self.enabled),
                tip=self.tr("Underline unknown words ({language})").format(
                    language=QCoreApplication.translate("SpellChecking", LANGUAGE_NAME)
                ),
                checkable=True,
            )
        ]  # fmt: skip

    def bind(self, action: QAction) -> None:
        """The window's Check Spelling action (its check mark follows `enabled`)."""
        self.action = action
        action.setChecked(self.enabled)
        action.setEnabled(not self.dictionary.error)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        if self.action is not None:
            self.action.setChecked(on)
        self.changed.emit()

    def active_for(self, editor: GhostTextEditor) -> bool:
        """Underlines are shown in this editor (off in code mode and until the list is read)."""
        return self.enabled and self.ready and code_mode_of(editor) is None

    def _on_loaded(self) -> None:
        if self.dictionary.error:
            self.notice(self.dictionary.error)
            if self.action is not None:
                self.action.setEnabled(False)
        self._cache.clear()
        self.changed.emit()

    def _attach_current(self) -> None:
        tab = self.tabs.currentWidget()
        editor = getattr(tab, "editor", None)
        if isinstance(editor, GhostTextEditor):
            self.attach(editor)

    def attach(self, editor: GhostTextEditor) -> SpellOverlay:
        """Check the spelling in `editor` (once; again returns the same overlay)."""
        overlay = editor.findChild(SpellOverlay)
        if overlay is None:
            overlay = SpellOverlay(editor, self)
            editor.customContextMenuRequested.connect(lambda at, e=editor: self._extend_menu(e, at))
        return overlay

    # ------------------------------------------------------------------ words

    def knows(self, word: str) -> bool:
        key = word.replace("’", "'").lower()
        return key in self.own_words or key in self.ignored or self.dictionary.knows(word)

    def unknown_words(self, line: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of the words of `line` the dictionary does not know; start and
        end count UTF-16 code units, as Qt does."""
        cached = self._cache.get(line)
        if cached is not None:
            self._cache.move_to_end(line)
            return cached
        found: list[tuple[int, int, str]] = []
        if len(line) > MAX_LINE_CHARS:
            return found
        for start, end, word in words_to_check(line):
            if not self.knows(word):
                if not line.isascii():
                    start, end = utf16_len(line[:start]), utf16_len(line[:end])
                found.append((start, end, word))
        if self.ready:
            self._cache[line] = found
            if len(self._cache) > _CACHE_BLOCKS:
                self._cache.popitem(last=False)
        return found

    def underlined(self, editor: GhostTextEditor, block: QTextBlock) -> list[tuple[int, int, str]]:
        """The unknown words of one block of `editor` that are underlined now."""
        if not self.active_for(editor) or _in_code_block(editor, block):
            return []
        words = self.unknown_words(block.text())
        cursor = editor.textCursor()
        if words and cursor.block() == block and not cursor.hasSelection():
            at = cursor.positionInBlock()  # the word being typed is not finished yet
            words = [w for w in words if not w[0] <= at <= w[1]]
        return words

    def _remember(self, word: str) -> None:
        self.own_words.add(word.replace("’", "'").lower())
        try:
            self.words_file.parent.mkdir(parents=True, exist_ok=True)
            text = "".join(f"{w}\n" for w in sorted(self.own_words))
            atomic_write(self.words_file, text.encode("utf-8"), mode=0o600)
        except OSError as exc:
            self.notice(
                self.tr(
                    "Could not save your dictionary ({reason}); the word is known until you quit"
                ).format(reason=exc)
            )
        self._cache.clear()
        self.changed.emit()

    def _ignore(self, word: str) -> None:
        self.ignored.add(word.replace("’", "'").lower())
        self._cache.clear()
        self.changed.emit()

    def _read_own_words(self) -> set[str]:
        try:
            text = read_regular_file(self.words_file, limit=16 << 20)[0].decode("utf-8")
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as exc:
            log.warning("Could not read %s: %s", self.words_file, exc)
            return set()
        return {line.strip().lower() for line in text.splitlines() if line.strip()}

    # ------------------------------------------------------------ context menu

    def word_at(self, editor: GhostTextEditor, at: QPoint) -> tuple[int, int, str] | None:
        """The underlined word at `at` (viewport coordinates): document positions and the word."""
        cursor = editor.cursorForPosition(at)
        block = cursor.block()
        position = cursor.positionInBlock()
        for start, end, word in self.underlined(editor, block):
            if start <= position <= end:
                return block.position() + start, block.position() + end, word
        return None

    def _extend_menu(self, editor: GhostTextEditor, at: QPoint) -> None:
        """Runs after the tab has opened its context menu: put the spelling on top of it."""
        if editor.isReadOnly():
            return
        menus = [m for m in editor.findChildren(QMenu) if m.parent() is editor and m.isVisible()]
        hit = self.word_at(editor, at)
        if menus and hit is not None:
            self.spelling_actions(menus[-1], editor, *hit)

    def spelling_actions(
        self, menu: QMenu, editor: GhostTextEditor, start: int, end: int, word: str
    ) -> list[QAction]:
        """Suggestions for `word` (at `start`..`end` of `editor`), Add to Dictionary and
        Ignore, put at the top of `menu`; returns the actions."""
        document = editor.document()

        def replace(new: str) -> None:
            cursor = QTextCursor(document)
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            if cursor.selectedText() == word:  # still the word the menu was made for
                replace_range(editor, start, end, new)

        first = menu.actions()[0] if menu.actions() else None
        made: list[QAction] = []

        def add(action: QAction) -> QAction:
            if first is None:
                menu.addAction(action)
            else:
                menu.insertAction(first, action)
            made.append(action)
            return action

        near = self.dictionary.near(word)[:MAX_SUGGESTIONS]
        for suggestion in near:
            add(_suggestion(menu, _cased(suggestion, word), replace))
        placeholder = QAction(
            self.tr("Looking for suggestions…") if not near else self.tr("Looking for more…"), menu
        )
        placeholder.setEnabled(False)
        if len(near) < 3:
            add(placeholder)
            self._menu = (menu, placeholder, word, replace)
            self.dictionary.look_further(word)
        add(
            QAction(self.tr("Add “{word}” to Dictionary").format(word=word), menu)
        ).triggered.connect(lambda: self._remember(word))
        add(QAction(self.tr("Ignore “{word}”").format(word=word), menu)).triggered.connect(
            lambda: self._ignore(word)
        )
        separator = QAction(menu)
        separator.setSeparator(True)
        add(separator)
        return made

    def _on_suggested(self, word: str, suggestions: list[str]) -> None:
        pending = self._menu
        if pending is None or pending[2] != word:
            return
        self._menu = None
        menu, placeholder, _asked, replace = pending
        if not isValid(menu) or not isValid(placeholder):
            return
        shown = {a.text().lower() for a in menu.actions()}
        for suggestion in suggestions:
            if suggestion.lower() not in shown:
                menu.insertAction(placeholder, _suggestion(menu, _cased(suggestion, word), replace))
        if any(a.font().bold() for a in menu.actions()):
            menu.removeAction(placeholder)
        else:
            placeholder.setText(self.tr("No suggestions"))


def _suggestion(menu: QMenu, text: str, replace: Callable[[str], None]) -> QAction:
    """A suggestion in the context menu (bold, as word processors show them)."""
    action = QAction(text, menu)
    font = menu.font()
    font.setBold(True)
    action.setFont(font)
    action.triggered.connect(lambda: replace(text))
    return action


def _in_code_block(editor: GhostTextEditor, block: QTextBlock) -> bool:
    """A fenced code block of a Markdown document (the highlighter marks the lines in it)."""
    if not isinstance(editor.highlighter, MarkdownHighlighter):
        return False
    if block.text().lstrip().startswith(_FENCE):
        return True
    previous = block.previous()
    return previous.isValid() and previous.userState() == MarkdownHighlighter.IN_FENCE


def default_words_file() -> Path:
    """The words the user added (one a line; the file may be edited by hand)."""
    return paths.config_dir() / "dictionary.txt"


class SpellOverlay(QWidget):
    """Paints the wavy underlines over an editor's text; lets every event through."""

    def __init__(self, editor: GhostTextEditor, spelling: SpellChecking) -> None:
        # A child of the editor over its viewport, not of the viewport: scrolling moves the
        # viewport's children with the pixels.
        super().__init__(editor)
        self.editor = editor
        self.spelling = spelling
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        editor.viewport().installEventFilter(self)
        editor.updateRequest.connect(self._on_update_request)
        editor.cursorPositionChanged.connect(self.update)
        spelling.changed.connect(self.update)
        self.setGeometry(editor.viewport().geometry())
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and isValid(self.editor):
            self.setGeometry(self.editor.viewport().geometry())
        return False

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        # The cursor blinking repaints a sliver; scrolling and layout changes all of it.
        if dy or rect.width() >= self.width():
            self.update()
        else:
            self.update(rect)

    def underlines(self) -> list[tuple[QPointF, QPointF, str]]:
        """(from, to, word) of each underline on screen, in viewport coordinates."""
        editor = self.editor
        if not self.spelling.active_for(editor):
            return []
        lines = []
        offset = editor.contentOffset()
        height = self.height()
        block = editor.firstVisibleBlock()
        cursor = QTextCursor(editor.document())
        while block.isValid():
            top = editor.blockBoundingGeometry(block).translated(offset).top()
            if top > height:
                break
            if block.isVisible():
                for start, end, word in self.spelling.underlined(editor, block):
                    cursor.setPosition(block.position() + start)
                    left = editor.cursorRect(cursor)
                    cursor.setPosition(block.position() + end)
                    right = editor.cursorRect(cursor)
                    if left.top() == right.top() and right.left() > left.left():
                        y = left.bottom() - 1.0
                        lines.append((QPointF(left.left(), y), QPointF(right.left(), y), word))
            block = block.next()
        return lines

    def paintEvent(self, event: QPaintEvent) -> None:
        lines = self.underlines()
        if not lines:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(UNDERLINE, 1.2))
        for start, end, _word in lines:
            path = QPainterPath(start)
            x, up = start.x(), True
            while x < end.x():
                x = min(x + 2.0, end.x())
                path.lineTo(x, start.y() - (2.0 if up else 0.0))
                up = not up
            painter.drawPath(path)
        painter.end()
