"""Marks interface text in modules that do not import Qt.

`QT_TRANSLATE_NOOP("Context", "text")` returns the text unchanged; Qt's `lupdate` finds the
call by its name and puts the text in the translation files, and the interface shows it with
`QCoreApplication.translate("Context", text)`.

`Message` is text made from such a template and its values: it is the English text for every
use that wants a string (the command line prints it), and keeps the template and values so
that the interface can show it translated (`ui.i18n.shown`); a `Term` among its values is
translated in its own context.
"""

from __future__ import annotations

from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate knows
    """`text`, marked for translation in `context`."""
    return text


class Message(str):
    """`template.format(**values)`, which remembers its template and values."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        text = super().__new__(cls, template.format(**values))
        text.template, text.values = template, values
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # copies and pickles
        return (self.template,), self.values


class Term(str):
    """A name the interface translates in its own context, e.g. a built-in style's name
    ("Style") inside a Message; names it has no translation for are shown as they are."""

    context: str

    def __new__(cls, context: str, text: str) -> Term:
        term = super().__new__(cls, text)
        term.context = context
        return term

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles
        return Term, (self.context, str(self))


def message_of(exc: BaseException) -> str:
    """An exception's message, a `Message` kept as one (`str(exc)` would make it plain)."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, str) else str(exc)
