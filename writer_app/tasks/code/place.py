"""Placing a body in the source, and the module its doctests would run in.

`replace_body` writes the source's own line endings. Running the doctests is not done here (this
package is plain-text rules): `writer_app.sandbox.doctests.verify` runs `function_source` in the
sandbox, when `unverifiable` finds no reason not to.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from writer_app.tasks.code.source import NEWLINE, Text, parse
from writer_app.tasks.code.target import Target


@dataclass(frozen=True)
class Edit:
    """A body placed in the source: `text` replaces ``old[start:end]``, giving `source`."""

    source: str
    start: int
    end: int
    text: str

    @property
    def new_span(self) -> tuple[int, int]:
        """Where the new body is in `source`."""
        return self.start, self.start + len(self.text)


def replace_body(source: str, target: Target, body: str) -> Edit:
    """Put `body` (a cleaned candidate) in place of the target's body.

    Keeps the docstring, the source's line endings, and whether it ends with a line break.
    """
    start, end = target.body_span
    if not 0 <= start <= end <= len(source):
        raise ValueError("the function is not where it was; find it again")
    lines = NEWLINE.sub("\n", body).rstrip("\n").split("\n")
    text = "".join(line + target.eol for line in lines)
    if end == len(source) and not source.endswith(("\n", "\r")):
        text = text[: -len(target.eol)]  # the source had no final line break: keep it so
        if start == end:
            text = target.eol + text  # the docstring was the last line
    return Edit(source[:start] + text + source[end:], start, end, text)


_DEFINING = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
    ast.Try,
    ast.If,
)


def function_source(new_source: str, target: Target) -> str:
    """The module to run the target's doctests in: the imports, definitions and assignments of
    `new_source` (the source after `replace_body`), without its other top-level code."""
    text = Text(new_source)
    parsed = parse(text, protect=text.line_of(target.span[0]))
    if parsed is None:
        return text.normal()
    kept = []
    for stmt in parsed.tree.body:
        if isinstance(stmt, _DEFINING) and not _is_main_guard(stmt):
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
            kept.append("\n".join(parsed.lines[first - 1 : stmt.end_lineno or stmt.lineno]))
    return "\n\n".join(kept) + "\n"


def _is_main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":``"""
    return (
        isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
    )


def unverifiable(target: Target) -> str | None:
    """Why the target's doctests cannot be run, for the user; None if they can."""
    if target.in_function:
        return "defined inside another function"
    if not target.has_doctests:
        return "no doctest examples in the docstring"
    return None
