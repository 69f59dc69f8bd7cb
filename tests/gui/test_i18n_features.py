"""The feature panels and dialogs in Simplified Chinese: a translator made from a few of the
project's translations (same contexts and sources as the code) shows Chinese text, while ids
(style names, table columns, menu ids) stay English."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt, QTranslator
from PySide6.QtWidgets import QLabel

from writer_app.config import Settings
from writer_app.features.draft import DraftUpdate
from writer_app.tasks.outline import parse_outline
from writer_app.tasks.rewrite import BUILTIN_STYLES, find_style
from writer_app.ui.adapt import AdaptDialog
from writer_app.ui.code import CodePreview
from writer_app.ui.compare_dialog import CompareDialog
from writer_app.ui.draft import DraftBar, DraftDialog
from writer_app.ui.main_window import MainWindow
from writer_app.ui.model_library import COLUMNS, DownloadManager, ModelLibraryDialog
from writer_app.ui.rewrite import style_menu

# Copied from the Chinese translation: what the tests below look for.
ZH = {
    "RewritePanel": {
        "&Accept": "接受(&A)",
        "&Reject": "放弃(&R)",
        "&Try Again": "重试(&T)",
        "Custom instruction…": "自定义指令…",
        "Rewrite · {style}": "改写 · {style}",
        "Passage {current} of {total}": "第 {current}/{total} 段",
        "Writing": "正在改写",
        "Starting…": "正在开始…",
    },
    "Style": {
        "Formal": "正式",
        "Casual": "随意",
        "Rewrite the text in a formal tone.": "用正式的语气改写文字。",
    },
    "DraftDialog": {
        "Draft Article from Outline": "根据大纲起草文章",
        "The model's own": "模型默认",
        "Draft": "起草",
        "%n sections": "%n 个小节",
        "{title}: {sections}, written one after another into a new document.": (
            "{title}：共 {sections}，将依次写入一个新文档。"
        ),
        "“{title}”": "《{title}》",
    },
    "DraftBar": {
        "Drafting: {section}": "正在起草：{section}",
        "Section {current} of {total}": "第 {current}/{total} 节",
    },
    "DraftFeature": {"&Draft Article from Outline…": "根据大纲起草文章(&D)…"},
    "SummarizeFeature": {"Su&mmarize": "生成摘要(&M)"},
    "MarkdownPreview": {"Markdown &Preview": "Markdown 预览(&P)", "Preview": "预览"},
    "SpellChecking": {"Check &Spelling": "拼写检查(&S)"},
    "ModelLibraryDialog": {
        "Get Models": "获取模型",
        "Download": "下载",
        "Use This Model": "使用此模型",
        "Remove": "移除",
        "Yes": "是",
        "Tight": "勉强",
        "No": "否",
    },
    "ModelLibraryColumns": {"Model": "模型", "Status": "状态", "Fits here": "本机适用"},
    "CodePreview": {"Accept (Tab)": "接受（Tab）", "Reject (Esc)": "放弃（Esc）"},
    "CompareDialog": {"Compare: {old} ↔ {new}": "比较：{old} ↔ {new}"},
    "AdaptDialog": {"Adapt to My Writing": "学习我的文风", "Start": "开始"},
}

OUTLINE = "# Keeping bees\n\n## Why keep bees\n- Honey\n\n## The hive\n- Frames\n"


def _lrelease() -> str | None:
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    return str(beside) if beside.exists() else shutil.which("pyside6-lrelease")


def _compile(messages: dict[str, dict[str, str]], folder: Path) -> Path:
    """A .qm from {context: {source: translation}} (a source with %n is numerus)."""
    ts = ET.Element("TS", version="2.1", language="zh_CN")
    for name, pairs in messages.items():
        context = ET.SubElement(ts, "context")
        ET.SubElement(context, "name").text = name
        for source, translation in pairs.items():
            message = ET.SubElement(context, "message")
            ET.SubElement(message, "source").text = source
            if "%n" in source:
                message.set("numerus", "yes")
                form = ET.SubElement(ET.SubElement(message, "translation"), "numerusform")
                form.text = translation
            else:
                ET.SubElement(message, "translation").text = translation
    source_file, qm = folder / "writer_zh_CN.ts", folder / "writer_zh_CN.qm"
    ET.ElementTree(ts).write(source_file, encoding="utf-8", xml_declaration=True)
    lrelease = _lrelease()
    if lrelease is None:
        pytest.skip("pyside6-lrelease is not installed")
    subprocess.run([lrelease, str(source_file), "-qm", str(qm)], check=True, capture_output=True)
    return qm


@pytest.fixture
def chinese(qapp, tmp_path: Path) -> Iterator[QTranslator]:
    """The Chinese translation installed for one test (and removed after it)."""
    translator = QTranslator()
    assert translator.load(str(_compile(ZH, tmp_path)))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def window(chinese, make_window, tiny_model_dir: Path) -> MainWindow:
    """A window made under the translator (its model is not loaded)."""
    settings = Settings()
    settings.model.model = str(tiny_model_dir)
    settings.editor.suggestions = False
    settings.rewrite.max_new_tokens = 4
    settings.styles = {"Pirate": "Rewrite the text as a pirate would say it."}
    return make_window(settings)


def test_the_rewrite_panel_and_the_style_picker_are_chinese(window: MainWindow) -> None:
    panel = window.tab.rewrite_panel
    assert panel.accept_button.text() == "接受(&A)"
    assert panel.reject_button.text() == "放弃(&R)"
    assert panel.retry_button.text() == "重试(&T)"
    menu = style_menu(panel, window.settings, lambda _s: None, lambda: None, lambda: None)
    styles = [a for a in menu.actions() if a.data()]
    assert [a.text() for a in styles[:2]] == ["正式", "随意"]
    assert styles[0].toolTip() == "用正式的语气改写文字。"
    # The ids stay English: the built-in names, then the user's own (shown as written).
    assert [a.data() for a in styles] == [s.name for s in BUILTIN_STYLES] + ["Pirate"]
    assert styles[-1].text() == "Pirate"
    assert "自定义指令…" in [a.text() for a in menu.actions()]


def test_a_rewrite_shows_the_translated_style_name(window: MainWindow, qtbot) -> None:
    window.start_model_load()
    qtbot.waitUntil(lambda: window.assistant.ready, timeout=20_000)
    window.editor.setPlainText("The fox was quick.")
    window.editor.selectAll()
    panel = window.tab.rewrite_panel
    assert panel.start(find_style("Formal"))
    assert panel.title.text() == "改写 · 正式"
    assert panel.progress.text() == "正在开始…"
    qtbot.waitUntil(lambda: not panel.running, timeout=20_000)


def test_the_window_actions_of_the_features_are_chinese(window: MainWindow) -> None:
    texts = {name: action.text() for name, action in window.actions_by_name.items()}
    assert texts["draft"] == "根据大纲起草文章(&D)…"
    assert texts["summarize"] == "生成摘要(&M)"
    assert texts["preview"] == "Markdown 预览(&P)"
    assert texts["spelling"] == "拼写检查(&S)"
    assert window.previewing.dock.windowTitle() == "预览"


def test_the_draft_dialog_is_chinese_and_keeps_style_ids(chinese, qtbot) -> None:
    settings = Settings()
    settings.styles = {"Pirate": "Talk like a pirate."}
    dialog = DraftDialog(parse_outline(OUTLINE), settings)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "根据大纲起草文章"
    assert dialog.draft_button.text() == "起草"
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "《Keeping bees》：共 2 个小节，将依次写入一个新文档。" in labels
    tones = [dialog.tone.itemText(i) for i in range(dialog.tone.count())]
    assert tones[:2] == ["模型默认", "正式"] and "Pirate" in tones
    dialog.tone.setCurrentIndex(1)
    options = dialog.options()
    assert dialog.tone.currentData() == "Formal"
    assert options.tone is not None and options.tone.name == "Formal"
    dialog.tone.setCurrentIndex(0)
    assert dialog.options().tone is None


def test_the_draft_bar_uses_its_own_context(chinese, qtbot) -> None:
    """DraftBar is a JobBar: its texts are looked up under "DraftBar" explicitly."""
    bar = DraftBar()
    qtbot.addWidget(bar)
    outline = parse_outline(OUTLINE)
    bar.show_update(DraftUpdate(outline, ("Text.",), 1, False))
    assert bar.label.text() == "正在起草：The hive"
    assert bar.progress.format() == "第 2/2 节"


def test_the_model_library_is_chinese(chinese, qtbot) -> None:
    manager = DownloadManager()
    dialog = ModelLibraryDialog(manager=manager)  # offline: conftest sets HF_HUB_OFFLINE
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "获取模型"
    assert dialog.download_button.text() == "下载"
    assert dialog.use_button.text() == "使用此模型"
    assert dialog.remove_button.text() == "移除"
    header = dialog.table.model().headerData
    assert header(0, Qt.Orientation.Horizontal) == "模型"
    assert header(COLUMNS.index("Status"), Qt.Orientation.Horizontal) == "状态"
    assert COLUMNS[0] == "Model"  # the ids stay English
    fits = dialog.table.item(0, COLUMNS.index("Fits here"))
    assert fits is not None and fits.text() in ("是", "勉强", "否")


def test_small_panels_and_dialogs_are_chinese(chinese, qtbot) -> None:
    preview = CodePreview()
    qtbot.addWidget(preview)
    assert preview.accept_button.text() == "接受（Tab）"
    assert preview.reject_button.text() == "放弃（Esc）"
    compare = CompareDialog("a\n", "b\n", "disk", "editor")
    qtbot.addWidget(compare)
    assert compare.windowTitle() == "比较：disk ↔ editor"
    adapt = AdaptDialog(Settings())
    qtbot.addWidget(adapt)
    assert adapt.windowTitle() == "学习我的文风" and adapt.start_button.text() == "开始"


def test_self_tr_in_an_inherited_method_uses_the_subclass_context(chinese) -> None:
    """Why base classes use explicit contexts: PySide6 looks self.tr up under the runtime
    class's name, so a subclass does not find the base class's translations."""

    class Base(QObject):
        def accept_text(self) -> str:
            return self.tr("Accept (Tab)")

    subclass = type("CodePreview", (Base,), {})  # named like a context with translations
    assert Base().accept_text() == "Accept (Tab)"
    assert subclass().accept_text() == "接受（Tab）"
