"""The function at the cursor: `find_function` and the `Target` it describes.

A function whose header, decorators or docstring do not parse is not found; neither is one whose
docstring or body shares the line of its ``def`` (``def f(): return 1``). Text held in a `Target`
uses LF; its spans are character offsets into the source.
"""

from __future__ import annotations

import ast
import doctest
from collections.abc import Iterator
from dataclasses import dataclass

from writer_app.tasks.code.source import (
    NEWLINE,
    Parsed,
    Text,
    header_end,
    indent_of,
    indent_width,
    is_docstring,
    is_placeholder,
    parse,
)


@dataclass(frozen=True)
class Target:
    """The function whose body is to be written, as it stands in the source."""

    name: str  # qualified: "area", "Stack.push", "outer.inner"
    decorators: tuple[str, ...]  # each as written, without the line's indentation
    signature: str  # the def line(s) as written, from "def"/"async def" to the end of the header
    indent: str  # the indentation of the def line
    body_indent: str  # the indentation of the body's lines
    docstring_raw: str  # the docstring literal as written, '"""Sum."""'; "" if none
    docstring: str  # its text, cleaned like inspect.cleandoc; "" if none
    body_span: tuple[int, int]  # what a new body replaces: after the docstring to the end
    span: tuple[int, int]  # the whole definition, from its first decorator
    is_empty: bool  # no body, or only pass / ... / raise NotImplementedError
    has_doctests: bool  # the docstring has >>> examples
    in_function: bool  # defined inside another function (its doctests cannot be run alone)
    eol: str  # the source's line ending

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def unit(self) -> str:
        """One level of indentation, as this function uses it."""
        if self.body_indent.startswith(self.indent) and len(self.body_indent) > len(self.indent):
            return self.body_indent[len(self.indent) :]
        return "\t" if "\t" in self.body_indent else "    "

    def problem(self) -> str | None:
        """Why a body cannot be written for this function, for the user; None if it can."""
        if not self.docstring.strip():
            return f"{self.name}() has no docstring: write one that says what it should do."
        return None


def find_function(source: str, cursor: int) -> Target | None:
    """The innermost function or method whose definition holds `cursor`, or None.

    A definition runs from its first decorator to the end of its body, including indented
    whitespace-only lines after it, and the blank line just below it: so the (empty or
    auto-indented) line under a docstring-only function belongs to that function.
    """
    text = Text(source)
    line = text.line_of(cursor)
    parsed = parse(text, protect=line)
    if parsed is None:
        return None
    found: tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]] | None = None
    for node, parents in walk_functions(parsed.tree):
        first, last = _lines_of(text, node, parsed)
        if first <= line <= last or (line == last + 1 and not text.lines[line].strip()):
            found = (node, parents)  # walked outside-in: the last one is the innermost
    if found is None:
        return None
    return _target(text, found[0], found[1], parsed)


def walk_functions(
    tree: ast.AST, parents: list[ast.AST] | None = None
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]]:
    """Every function in the tree with its enclosing classes and functions, outside-in."""
    parents = parents or []
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child, parents
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from walk_functions(child, [*parents, child])
        elif isinstance(child, ast.stmt):  # functions defined under if/try/with/for
            yield from walk_functions(child, parents)


def _lines_of(
    text: Text, node: ast.FunctionDef | ast.AsyncFunctionDef, parsed: Parsed
) -> tuple[int, int]:
    """First and last line index of the definition, trailing indented blank lines included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    last = max((node.end_lineno or node.lineno) - 1, parsed.broken_bodies.get(node.lineno - 1, -1))
    return first, _indented_blanks_after(text, last, indent_of(text.lines[node.lineno - 1]))


def _indented_blanks_after(text: Text, last: int, indent: str) -> int:
    """Extend `last` over following whitespace-only lines indented deeper than `indent`."""
    width = indent_width(indent)
    while (
        last + 1 < len(text.lines)
        and not text.lines[last + 1].strip()
        and indent_width(indent_of(text.lines[last + 1])) > width
    ):
        last += 1
    return last


def _has_examples(docstring: str) -> bool:
    try:
        return bool(doctest.DocTestParser().get_examples(docstring))
    except ValueError:  # badly indented examples still count: running them reports why
        return ">>>" in docstring


def _target(
    text: Text,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    parents: list[ast.AST],
    parsed: Parsed,
) -> Target | None:
    def_line = node.lineno - 1
    indent = indent_of(text.lines[def_line])
    header = header_end(text.lines, def_line)
    if header is None:
        return None
    header_line, colon = header
    after_colon = text.lines[header_line][colon:].strip()
    if after_colon and not after_colon.startswith("#"):
        return None  # `def f(): ...` on one line
    signature = "\n".join(text.lines[def_line : header_line + 1])[len(indent) :]
    decorators = tuple(
        "\n".join(text.lines[d.lineno - 1 : (d.end_lineno or d.lineno)]).lstrip()
        for d in node.decorator_list
    )
    body = list(node.body)
    docstring_raw = docstring = ""
    last_header_line = header_line
    if body and is_docstring(body[0]):
        doc = body.pop(0)
        start = text.offset(doc.lineno, doc.col_offset)
        end = text.offset(doc.end_lineno or doc.lineno, doc.end_col_offset or 0)
        docstring_raw = NEWLINE.sub("\n", text.source[start:end])
        docstring = ast.get_docstring(node) or ""
        last_header_line = (doc.end_lineno or doc.lineno) - 1
    first_body_line = node.body[0].lineno - 1
    if first_body_line == header_line or (body and body[0].lineno - 1 == last_header_line):
        return None  # a statement shares the line of the header or of the docstring
    body_indent = indent_of(text.lines[first_body_line])
    first, last = _lines_of(text, node, parsed)
    start_line = last_header_line + 1
    body_start = text.start(start_line)
    body_end = text.after(last) if last >= start_line else body_start
    names = [
        p.name
        for p in parents
        if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    return Target(
        name=".".join([*names, node.name]),
        decorators=decorators,
        signature=signature,
        indent=indent,
        body_indent=body_indent,
        docstring_raw=docstring_raw,
        docstring=docstring,
        body_span=(body_start, body_end),
        span=(text.starts[first] + len(indent_of(text.lines[first])), body_end),
        is_empty=def_line not in parsed.broken_bodies
        and (not body or (len(body) == 1 and is_placeholder(body[0]))),
        has_doctests=_has_examples(docstring),
        in_function=any(isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef) for p in parents),
        eol=text.eol,
    )
