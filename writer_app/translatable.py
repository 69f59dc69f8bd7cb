"""Marks interface text in modules that do not import Qt.

`QT_TRANSLATE_NOOP("Context", "text")` returns the text unchanged; Qt's `lupdate` finds the
call by its name and puts the text in the translation files, and the interface shows it with
`QCoreApplication.translate("Context", text)`.
"""


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate knows
    """`text`, marked for translation in `context`."""
    return text
