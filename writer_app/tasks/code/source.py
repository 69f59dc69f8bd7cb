"""The source as lines, and parsing what can be parsed of it.

Offsets are character offsets into the source (``str`` indices) whatever its characters and line
endings (LF, CRLF or CR); `Text` converts ``ast`` columns, which count UTF-8 bytes, and gives a
LF-only copy whose line and column numbers are the source's.

A source that does not parse (the user is mid-edit) still works when the damage can be set aside:
`parse` stubs out the smallest block around each syntax error (a ``def``/``class`` block, or one
statement; for an unclosed bracket, the statement that opened it) and parses the rest again, up to
``MAX_REPAIRS`` times, keeping every other line as it is. When the damage is in the body of the
function at the cursor, after its docstring, that body is set aside and recorded as broken.
"""

from __future__ import annotations

import ast
import bisect
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

NEWLINE = re.compile(r"\r\n|\r|\n")
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

MAX_REPAIRS = 20  # syntax errors set aside before giving up on a source

# --- the source as lines -------------------------------------------------------------------------


class Text:
    """A source split into lines (LF, CRLF or CR), with offsets and a LF-only copy for parsing."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []  # without their endings
        self.ends: list[str] = []
        self.starts: list[int] = []
        position = 0
        for match in NEWLINE.finditer(source):
            self.starts.append(position)
            self.lines.append(source[position : match.start()])
            self.ends.append(match.group())
            position = match.end()
        self.starts.append(position)  # the last line (empty after a final newline)
        self.lines.append(source[position:])
        self.ends.append("")

    @property
    def eol(self) -> str:
        """The line ending the source uses (its first one), LF for a single line."""
        return next((end for end in self.ends if end), "\n")

    def normal(self, lines: Sequence[str] | None = None) -> str:
        """The text with LF endings: line and column numbers are the same as in the source."""
        return "\n".join(self.lines if lines is None else lines)

    def line_of(self, offset: int) -> int:
        """The index of the line holding `offset` (clamped to the source)."""
        return bisect.bisect_right(self.starts, max(0, offset)) - 1

    def offset(self, lineno: int, byte_col: int) -> int:
        """The character offset of an ``ast`` position (1-based line, UTF-8 byte column)."""
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:byte_col].decode("utf-8"))

    def start(self, index: int) -> int:
        """Offset of the start of line `index` (the end of the source past the last line)."""
        return self.starts[index] if index < len(self.lines) else len(self.source)

    def after(self, index: int) -> int:
        """Offset just past line `index` and its line ending."""
        return self.starts[index] + len(self.lines[index]) + len(self.ends[index])


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def indent_width(indent: str) -> int:
    return len(indent.replace("\f", "").expandtabs(8))


def tokens(lines: Sequence[str]) -> Iterator[tokenize.TokenInfo]:
    """Tokens of LF-joined `lines`, as far as the tokenizer gets."""
    feed = iter(line + "\n" for line in lines)
    try:
        yield from tokenize.generate_tokens(lambda: next(feed, ""))
    except (tokenize.TokenError, SyntaxError):
        return


def string_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of lines that begin inside a multi-line string (their indentation means nothing)."""
    inside: set[int] = set()
    for tok in tokens(lines):
        if tok.type not in (tokenize.NEWLINE, tokenize.NL) and tok.end[0] > tok.start[0]:
            inside.update(range(tok.start[0], tok.end[0]))  # 1-based rows after the first
    return inside


# --- parsing what can be parsed -------------------------------------------------------------------


@dataclass
class Parsed:
    tree: ast.Module
    lines: list[str]  # the source's lines, with the stubs that made it parse
    broken_bodies: dict[int, int]  # def line index → last line of its body that did not parse


@dataclass(frozen=True)
class _Repair:
    """Lines `first`..`last` to set aside; `body_of` is the def line when they are the broken
    rest of that function's body (blanked, not stubbed: its docstring stays its body)."""

    first: int
    last: int
    body_of: int | None = None


def parse(text: Text, protect: int | None = None) -> Parsed | None:
    """Parse the source, stubbing out the smallest block around each syntax error.

    Line `protect` (the cursor's) is never stubbed out, except in the body of its own function
    after the docstring. Line numbers and all untouched lines stay as in the source.
    """
    lines = list(text.lines)
    broken: dict[int, int] = {}
    for _ in range(MAX_REPAIRS + 1):
        try:
            return Parsed(ast.parse(text.normal(lines)), lines, broken)
        except (SyntaxError, ValueError) as exc:  # ValueError: null bytes, lone surrogates
            lineno = getattr(exc, "lineno", None)
            repair = _repair(lines, lineno - 1, protect) if lineno else None
            if repair is None:
                return None
            for i in range(repair.first, repair.last + 1):
                lines[i] = ""
            if repair.body_of is not None:
                broken[repair.body_of] = repair.last
            else:  # keeps the enclosing block non-empty
                lines[repair.first] = indent_of(text.lines[repair.first]) + "pass"
    return None


def _is_code(lines: Sequence[str], strings: set[int], i: int) -> bool:
    stripped = lines[i].strip()
    return bool(stripped) and not stripped.startswith("#") and i not in strings


def _is_header(line: str) -> bool:
    """Whether the line starts a def, async def or class statement."""
    words = line.replace("(", " ").replace(":", " ").split()[:2]
    return words[:1] in (["def"], ["class"]) or words == ["async", "def"]


def block_end(lines: Sequence[str], strings: set[int], first: int) -> int:
    """The last line of the statement or block that starts on line `first`."""
    width = indent_width(indent_of(lines[first]))
    last = first
    for i in range(first + 1, len(lines)):
        if not _is_code(lines, strings, i):
            continue
        if indent_width(indent_of(lines[i])) <= width and lines[i].lstrip()[:1] not in (
            ")",
            "]",
            "}",
        ):
            break
        last = i
    return last


def _decorated_start(lines: Sequence[str], strings: set[int], header: int) -> int:
    start = header
    while (
        start > 0 and _is_code(lines, strings, start - 1) and lines[start - 1].lstrip()[:1] == "@"
    ):
        start -= 1
    return start


def _repair(lines: list[str], error: int, protect: int | None) -> _Repair | None:
    """What to set aside for a syntax error reported on line `error`; None if nothing can be."""
    strings = string_lines(lines)
    error = min(error, len(lines) - 1)
    opened = _open_bracket_line(lines, error)
    if opened is not None:  # the statement that left a bracket open is the broken one
        error = opened
    while error > 0 and not _is_code(lines, strings, error):  # errors at the end of the input
        error -= 1
    while error + 1 < len(lines) and lines[error].lstrip()[:1] == "@":
        error += 1  # a broken decorator: the definition below it goes
    header = _enclosing_header(lines, strings, error)
    repair: _Repair | None
    if header is None:  # a statement outside any definition
        repair = _Repair(error, block_end(lines, strings, error))
    else:
        repair = _Repair(
            _decorated_start(lines, strings, header), block_end(lines, strings, header)
        )
        if protect is not None and repair.first <= protect <= repair.last:
            repair = _protected_repair(lines, strings, header, error, repair.last, protect)
    if repair is None or (
        protect is not None and repair.body_of is None and repair.first <= protect <= repair.last
    ):
        return None
    return repair


def _open_bracket_line(lines: Sequence[str], line: int) -> int | None:
    """The line of the outermost bracket still open where line `line` starts, if any."""
    opened: list[int] = []
    for tok in tokens(lines[:line]):
        if tok.type == tokenize.OP and tok.string in "([{":
            opened.append(tok.start[0] - 1)
        elif tok.type == tokenize.OP and tok.string in ")]}" and opened:
            opened.pop()
    return opened[0] if opened else None


def _enclosing_header(lines: Sequence[str], strings: set[int], error: int) -> int | None:
    """The innermost def/class line whose block holds line `error`."""
    for i in range(error, -1, -1):
        if (
            _is_code(lines, strings, i)
            and _is_header(lines[i])
            and block_end(lines, strings, i) >= error
        ):
            return i
    return None


def _protected_repair(
    lines: list[str], strings: set[int], header: int, error: int, last: int, protect: int
) -> _Repair | None:
    """For an error in the block of the definition around the cursor."""
    cursor_deeper = any(
        _is_code(lines, strings, i)
        and _is_header(lines[i])
        and i <= protect <= block_end(lines, strings, i)
        for i in range(header + 1, last + 1)
    )
    if cursor_deeper or lines[header].split()[0] == "class":
        # The error is in a statement of an enclosing block: set aside only that statement.
        return _Repair(error, block_end(lines, strings, error))
    docstring_end = _docstring_end(lines, header)
    if docstring_end is None or error <= docstring_end or docstring_end >= last:
        return None  # the header or docstring is broken
    return _Repair(docstring_end + 1, last, body_of=header)


def _docstring_end(lines: Sequence[str], header: int) -> int | None:
    """The last line of the docstring of the def on line `header`, if it has one."""
    depth = 0
    colon = False
    for tok in tokens(lines[header:]):
        if not colon:
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            elif tok.type == tokenize.OP and tok.string == ":" and depth == 0:
                colon = True
            continue
        if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.COMMENT):
            continue
        if tok.type == tokenize.STRING:
            return header + tok.end[0] - 1
        return None
    return None


# --- small syntax helpers -------------------------------------------------------------------------


def is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def is_placeholder(node: ast.stmt) -> bool:
    """pass, ..., raise NotImplementedError or raise NotImplementedError(...)."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def header_end(lines: Sequence[str], def_line: int) -> tuple[int, int] | None:
    """(line index, column just after) of the colon that ends the header on line `def_line`."""
    depth = 0
    for tok in tokens(lines[def_line:]):
        if tok.type != tokenize.OP:
            continue
        if tok.string in "([{":
            depth += 1
        elif tok.string in ")]}":
            depth -= 1
        elif tok.string == ":" and depth == 0:
            return def_line + tok.end[0] - 1, tok.end[1]
    return None
