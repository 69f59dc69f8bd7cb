"""The Chinese interface: every string translated, the compiled .qm current, and the real
widgets in Chinese under zh_CN (Writer's own text and Qt's), English otherwise.

When a test here fails after a string changed: `make translations` updates the .ts, then
translate the strings it marks unfinished (Qt Linguist, or by hand) and run it again.
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLabel

from writer_app.config import Settings
from writer_app.ui import i18n
from writer_app.ui.main_window import MainWindow
from writer_app.ui.settings_dialog import SettingsDialog

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
TS = TRANSLATIONS / "writer_zh_CN.ts"
QM = TRANSLATIONS / "writer_zh_CN.qm"
BIN = Path(sys.executable).parent  # the venv's scripts: pyside6-lupdate, pyside6-lrelease
# As `make translations` runs it.
LUPDATE_ARGS = ["-extensions", "py", "writer_app", "-no-obsolete", "-locations", "none"]
LUPDATE_ARGS += ["-source-language", "en", "-target-language", "zh_CN"]
PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}|%L?n")
CJK = re.compile(r"[\u4e00-\u9fff]")

Message = tuple[str, str, str]  # context, source, disambiguation


def _tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} (PySide6-Essentials) is not in {BIN}"
    return str(path)


def _messages(ts: Path) -> dict[Message, ET.Element]:
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            key = (name, message.findtext("source") or "", message.findtext("comment") or "")
            translation = message.find("translation")
            assert translation is not None
            found[key] = translation
    return found


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> dict[Message, ET.Element]:
    """The .ts as lupdate makes it from the code now (a copy; the file is left alone)."""
    copy = tmp_path_factory.mktemp("ts") / TS.name
    shutil.copy(TS, copy)
    run = [_tool("pyside6-lupdate"), *LUPDATE_ARGS, "-ts", str(copy)]
    subprocess.run(run, cwd=ROOT, check=True, capture_output=True)
    return _messages(copy)


def _named(messages: list[Message]) -> str:
    return "\n".join(f"  [{c}] {s!r}" + (f" ({d})" if d else "") for c, s, d in messages)


def test_every_string_is_in_the_ts_file_and_translated(
    updated: dict[Message, ET.Element],
) -> None:
    committed = _messages(TS)
    new = sorted(set(updated) - set(committed))
    assert not new, f"strings not in {TS.name} yet (run `make translations`):\n{_named(new)}"
    gone = sorted(set(committed) - set(updated))
    assert not gone, f"{TS.name} has strings the code no longer has:\n{_named(gone)}"
    unfinished = sorted(k for k, t in updated.items() if t.get("type") == "unfinished")
    assert not unfinished, f"{len(unfinished)} strings lack a translation:\n{_named(unfinished)}"


def test_translations_keep_their_placeholders(updated: dict[Message, ET.Element]) -> None:
    wrong = []
    for (context, source, disambiguation), translation in updated.items():
        forms = [f.text or "" for f in translation.iter("numerusform")]
        for text in forms or [translation.text or ""]:
            if text and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append((context, source, disambiguation))
    assert not wrong, f"translations that lose or add a {{placeholder}} or %n:\n{_named(wrong)}"


def _text(node: ast.expr) -> str | None:
    """The string a literal is, or None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _literal_calls(path: Path) -> Iterator[tuple[int, str]]:
    """tr("…"), translate("Context", "…", …) and QT_TRANSLATE_NOOP("Context", "…") calls
    with literal text."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name == "tr" and (text := _text(node.args[0])) is not None:
            yield node.lineno, text
        elif name not in ("translate", "QT_TRANSLATE_NOOP") or len(node.args) < 2:
            continue
        elif _text(node.args[0]) is not None and (text := _text(node.args[1])) is not None:
            yield node.lineno, text


def test_lupdate_sees_every_marked_string(updated: dict[Message, ET.Element]) -> None:
    """lupdate's Python parser skips some calls (e.g. translate(…, None, len(x))): every
    string the code marks must reach the .ts."""
    seen = {source for _context, source, _d in updated}
    missed = [
        f"  {path.relative_to(ROOT)}:{line}: {text!r}"
        for path in sorted((ROOT / "writer_app").rglob("*.py"))
        for line, text in _literal_calls(path)
        if text not in seen
    ]
    assert not missed, "lupdate does not see these (pass a count as a plain name):\n" + "\n".join(
        missed
    )


def test_the_qm_file_is_compiled_from_the_ts_file(tmp_path: Path) -> None:
    fresh = tmp_path / QM.name
    run = [_tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(fresh)]
    subprocess.run(run, check=True, capture_output=True)
    assert fresh.read_bytes() == QM.read_bytes(), f"{QM.name} is stale: run `make translations`"


def test_the_setting_texts_module_is_current() -> None:
    tool = runpy.run_path(str(ROOT / "tools" / "setting_texts.py"))
    assert tool["render"]() == tool["OUTPUT"].read_text(encoding="utf-8"), (
        "writer_app/ui/setting_texts.py is stale: run `.venv/bin/python tools/setting_texts.py`"
    )


# ------------------------------------------------------------------- choosing the language


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ("zh_CN", "zh_CN"),
        ("zh_SG", "zh_CN"),  # Simplified Chinese, another region
        ("zh_TW", "zh_CN"),  # Traditional: Simplified rather than English
        ("en_US", None),
        ("en_GB", None),
        ("C", None),
        ("de_DE", None),  # no German translation: all English, Qt's text included
    ],
)
def test_the_language_follows_the_system(system: str, expected: str | None) -> None:
    assert i18n.available() == ["zh_CN"]
    assert i18n.choose("", QLocale(system)) == expected


def test_the_setting_overrides_the_system() -> None:
    assert i18n.choose("en", QLocale("zh_CN")) is None
    assert i18n.choose("zh_CN", QLocale("en_US")) == "zh_CN"
    assert i18n.choose("fr", QLocale("zh_CN")) is None  # (not a choice the settings allow)


SHOWN = """
import sys
from PySide6.QtCore import QCoreApplication
from writer_app.ui import i18n
app = QCoreApplication([])
print(i18n.install(app, sys.argv[1]))
print(QCoreApplication.translate("Menu", "&File"))
print(QCoreApplication.translate("QPlatformTheme", "Cancel"))
"""


def _shown_under(lang: str, language: str = "") -> list[str]:
    """What a fresh process with LANG=`lang` installs and shows: [the language installed,
    Writer's File menu, Qt's Cancel]."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANGUAGE"))}
    env["LANG"] = lang
    run = [sys.executable, "-c", SHOWN, language]
    done = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_a_chinese_system_gets_chinese_from_writer_and_from_qt() -> None:
    assert _shown_under("zh_CN.UTF-8") == ["zh_CN", "文件(&F)", "取消"]


def test_an_english_system_gets_english() -> None:
    assert _shown_under("en_US.UTF-8") == ["None", "&File", "Cancel"]


def test_the_language_setting_wins_over_the_system() -> None:
    assert _shown_under("zh_CN.UTF-8", "en") == ["None", "&File", "Cancel"]
    assert _shown_under("en_US.UTF-8", "zh_CN") == ["zh_CN", "文件(&F)", "取消"]


# ------------------------------------------------------------------- the real widgets


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    """Writer in Simplified Chinese for one test, as the Editor → Language setting asks."""
    assert i18n.install(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.remove(qapp)


def _menu_titles(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def test_the_main_window_speaks_chinese(chinese: None, make_window) -> None:
    window = make_window(Settings())
    assert _menu_titles(window) == [
        "文件(&F)",
        "编辑(&E)",
        "视图(&V)",
        "建议(&S)",
        "草稿(&D)",
        "帮助(&H)",
    ]
    assert window.actions_by_name["save_as"].text() == "另存为(&A)…"
    assert window.actions_by_name["rewrite"].toolTip() == "按某种风格改写选中的文字"
    assert window.actions_by_name["rewrite"].iconText() == "改写选中内容"  # on the toolbar
    assert window.model_label.text() == "未加载模型"
    assert window.tabs.tabText(0) == "未命名"
    assert window.find_bar.replace_all_button.text() == "全部替换"
    # Every command in every menu is in Chinese (keys and names such as PDF aside).
    english = [
        action.text()
        for menu_action in window.menuBar().actions()
        for action in menu_action.menu().actions()
        if not action.isSeparator() and not CJK.search(action.text())
    ]
    assert not english, f"menu entries not translated: {english}"
    keys = dict(window.key_bindings())
    assert keys["Tab"] == "接受整条建议"


def test_the_settings_dialog_speaks_chinese(chinese: None, qtbot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "设置"
    pages = [dialog.pages_list.item(i).text() for i in range(dialog.pages_list.count())]
    assert pages == ["编辑器", "模型与设备", "续写", "改写", "草稿", "代码", "摘要", "改写风格"]
    dialog.show_page("Model & Device")  # pages are found by their English title
    assert dialog.stack.currentWidget() is dialog.model_page
    labels = {label.buddy(): label.text() for label in dialog.findChildren(QLabel)}
    theme = dialog.editor_fields["theme"].widget
    assert labels[theme] == "主题"
    assert theme.toolTip() == "浅色或深色，或跟随系统。"
    assert isinstance(theme, QComboBox)
    assert [theme.itemText(i) for i in range(theme.count())] == ["跟随系统", "浅色", "深色"]
    language = dialog.editor_fields["language"].widget
    assert isinstance(language, QComboBox) and labels[language] == "语言"
    # Each language is named in its own language; the choice is kept by its id.
    assert [language.itemText(i) for i in range(language.count())] == [
        "跟随系统",
        "English",
        "简体中文",
    ]
    language.setCurrentIndex(2)
    dialog.editor_fields["language"].store()
    assert dialog.settings.editor.language == "zh_CN"
    note = dialog.findChild(QLabel, "language_note")
    assert note is not None and note.text() == "重启 Writer 后生效。"
    page = dialog.decoding_pages["rewrite"]
    assert page.preset.currentText() == "均衡" and page.preset.currentData() == "Balanced"
    assert labels[page.fields["temperature"].widget] == "温度"
    summary_form = dialog.decoding_pages["summarize"].fields["form"].widget
    assert isinstance(summary_form, QComboBox) and summary_form.currentText() == "一段话"
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None and cancel.text() == "取消"  # Qt's own translation


def test_english_stays_english(make_window, qapp: QApplication) -> None:
    assert i18n.install(qapp, "en") is None
    window = make_window(Settings())
    assert _menu_titles(window) == ["&File", "&Edit", "&View", "&Suggestions", "&Draft", "&Help"]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None and cancel.text() == "Cancel"
    assert QCoreApplication.translate("Settings", "Theme") == "Theme"


def test_engine_messages_are_shown_in_the_interface_language(chinese: None) -> None:
    from writer_app.translatable import QT_TRANSLATE_NOOP
    from writer_app.translatable import Message as Text

    loading = Text(QT_TRANSLATE_NOOP("Messages", "Loading {name}…"), name="SmolLM2")
    assert loading == "Loading SmolLM2…"  # the command line's text
    assert i18n.shown(loading) == "正在加载 SmolLM2…"
    assert i18n.shown("plain text from elsewhere") == "plain text from elsewhere"


def test_model_errors_are_shown_in_the_interface_language(chinese: None) -> None:
    from writer_app.engine.loader import ModelLoadError, load_model

    with pytest.raises(ModelLoadError) as caught:
        load_model("/no/such/model", "cpu")
    assert str(caught.value) == "No model at /no/such/model"  # what the command line prints
    assert i18n.shown_error(caught.value) == "/no/such/model 处没有模型"
    assert i18n.shown_error(ValueError("plain")) == "plain"


def test_why_a_rewrite_was_held_back_is_shown_in_the_interface_language(chinese: None) -> None:
    from writer_app.features.rewrite import RewriteUpdate, judge
    from writer_app.tasks import rewrite

    source = "Ana flew to Lima on Monday.\n\nBo met Kai in Oslo."
    pieces = tuple(rewrite.split_passages(source))
    verdict = judge(pieces[0].text, "She flew to Lima on 3 May.", rewrite.find_style("Formal"))
    update = RewriteUpdate(pieces, {0: "She flew to Lima on 3 May."}, 2, 2, {0: verdict.reasons})
    why = update.why_held()
    # the command line's text, and the interface's
    assert why == "its best version drops the day Monday; drops the name Ana (passage 1)"
    assert i18n.shown(why) == "最好的版本漏掉了日子 Monday；漏掉了名称 Ana（第 1 段）"
    too_long = judge(
        "Ana flew home.", "Ana " + "flew far away home " * 9, rewrite.find_style("Concise")
    )
    assert i18n.shown(too_long.reasons[-1]).startswith("对“简洁”来说太长")  # the style too
