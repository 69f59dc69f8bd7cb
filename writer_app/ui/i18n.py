"""The interface language: Qt translators for Writer's own text and for Qt's.

The language is the Editor → Language setting, else the system's (`QLocale.system()`).
Writer's translations are `writer_<lang>.qm` files among the shipped resources
(`resources/translations/`, read with importlib.resources, so the bundle works too); Qt's own
(`qtbase_<lang>.qm`: standard buttons, file dialogs, context menus) come from Qt's
translations folder. English is built in: an English or C locale loads nothing, and so does a
language Writer has no translation for (rather than half a translation from Qt alone).
"""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from writer_app import resources
from writer_app.translatable import Message, Term, message_of

TRANSLATIONS = "translations"  # the folder among the shipped resources
PREFIX = "writer_"
TRANSLATOR_NAME = "writer-translator"  # the objectName of the translators installed here
# How the language choice names each language: in its own language, never translated.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


def available() -> list[str]:
    """The languages Writer has a translation for, e.g. ["zh_CN"] (English is built in)."""
    folder = resources.root() / TRANSLATIONS
    if not folder.is_dir():
        return []
    names = (f.name for f in folder.iterdir() if f.is_file())
    return sorted(n[len(PREFIX) : -3] for n in names if n.startswith(PREFIX) and n.endswith(".qm"))


def choose(language: str = "", system: QLocale | None = None) -> str | None:
    """The translation to load: `language` if set, else the first of the system's preferred
    languages that is English (None: nothing to load) or one Writer is translated into,
    matched by language and script: zh_SG gets zh_CN, and so does zh_TW, whose list ends in
    plain "zh" (Simplified rather than English). None for anything else."""
    have = available()
    if language:
        return language if language in have else None
    locale = system if system is not None else QLocale.system()
    for ui in locale.uiLanguages():
        wanted = QLocale(ui)
        if wanted.language() in (QLocale.Language.English, QLocale.Language.C):
            return None
        for name in have:
            candidate = QLocale(name)
            if (candidate.language(), candidate.script()) == (wanted.language(), wanted.script()):
                return name
    return None


def _ours(name: str) -> QTranslator | None:
    translator = QTranslator()
    qm = resources.root() / TRANSLATIONS / f"{PREFIX}{name}.qm"
    # A real file in a checkout, a wheel and the bundle alike (as_file copies it otherwise).
    with importlib_resources.as_file(qm) as path:
        return translator if translator.load(str(path)) else None


def _qts(name: str) -> QTranslator | None:
    translator = QTranslator()
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)]
    # Where the PySide6 wheel keeps them, should Qt's idea of its folder differ in a bundle.
    qt = importlib_resources.files("PySide6") / "Qt" / "translations"
    if isinstance(qt, Path):
        folders.append(str(qt))
    for folder in folders:
        if translator.load(f"qtbase_{name}", folder):
            return translator
    return None


def install(app: QCoreApplication, language: str = "") -> str | None:
    """Install the translators for `language` ("" = follow the system), replacing any
    installed before; returns the language now shown (None: English). The translators are
    children of `app`, so they live as long as it does."""
    remove(app)
    name = choose(language)
    if name is None:
        return None
    ours = _ours(name)
    if ours is None:
        return None
    for translator in (ours, _qts(name)):
        if translator is not None:
            translator.setParent(app)
            translator.setObjectName(TRANSLATOR_NAME)
            app.installTranslator(translator)
    return name


def remove(app: QCoreApplication) -> None:
    """Remove the translators `install` put in (back to English)."""
    for translator in app.findChildren(QTranslator, TRANSLATOR_NAME):
        app.removeTranslator(translator)
        translator.setObjectName("")  # found no more, even before it is deleted
        translator.deleteLater()


def shown(text: str) -> str:
    """Text from the engine or a pipeline as the interface shows it: a `Message` in the
    interface's language (the Messages among its values too), anything else as it is."""
    if isinstance(text, Message):
        values = {k: shown(v) for k, v in text.values.items()}
        return QCoreApplication.translate("Messages", text.template).format(**values)
    if isinstance(text, Term):
        return QCoreApplication.translate(text.context, text)
    return text


def shown_error(exc: BaseException) -> str:
    """An exception's message as the interface shows it (see `shown`)."""
    return shown(message_of(exc))
