"""Docstring → code: find the function at the cursor, prompt the model for its body, then clean,
check, place and rank the bodies it writes.

The flow: `find_function` → `Target.problem` → `build_prompt` → the model (stopping a stream
with `should_stop`) → `clean_candidate` per output → `replace_body` → optionally `verify`
(doctests in the sandbox, only when the user allowed running generated code) → `rank`, or
`rejection_message` when no candidate is usable.

Plain text in and out; no Qt and no torch. Offsets are character offsets into the source (``str``
indices) whatever its characters and line endings (LF, CRLF or CR); ``ast`` columns, which count
UTF-8 bytes, are converted. Text held in a `Target` and bodies use LF; `replace_body` writes the
source's own line endings.

A source that does not parse (the user is mid-edit) still works when the damage can be set aside:
the smallest block around each syntax error (a ``def``/``class`` block, or one statement; for an
unclosed bracket, the statement that opened it) is stubbed out and the rest parsed again, up to
``MAX_REPAIRS`` times, keeping every other line as it is. When the damage is in the body of the
function at the cursor, after its docstring, that body is the part to replace. A function whose
header, decorators or docstring do not parse is not found; neither is one whose docstring or
body shares the line of its ``def`` (``def f(): return 1``).
"""

from __future__ import annotations

import ast
import bisect
import doctest
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from writer_app.sandbox import DEFAULT_LIMITS, DoctestReport, Limits, run_doctests

PromptKind = Literal["chat", "completion"]

MAX_REPAIRS = 20  # syntax errors set aside before giving up on a source
SHORT_BODY_LINES = 4  # other functions' bodies this short are shown to the model as written
MAX_CONTEXT_CHARS = 4000  # about 1,200 tokens of surrounding code; the farthest is dropped first
INSTRUCTION = (
    "Write the body of the Python function `{name}` so that it does what its docstring says. "
    "Use the imports and functions shown. Reply with the complete function in one ```python "
    "code block."
)

_NEWLINE = re.compile(r"\r\n|\r|\n")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)
_FENCE = "```"
_DETECTED_AT = re.compile(r" \(detected at line \d+\)")


# --- the source as lines -------------------------------------------------------------------------


class _Text:
    """A source split into lines (LF, CRLF or CR), with offsets and a LF-only copy for parsing."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []  # without their endings
        self.ends: list[str] = []
        self.starts: list[int] = []
        position = 0
        for match in _NEWLINE.finditer(source):
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


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t\f"))]


def _width(indent: str) -> int:
    return len(indent.replace("\f", "").expandtabs(8))


def _tokens(lines: Sequence[str]) -> Iterator[tokenize.TokenInfo]:
    """Tokens of LF-joined `lines`, as far as the tokenizer gets."""
    feed = iter(line + "\n" for line in lines)
    try:
        yield from tokenize.generate_tokens(lambda: next(feed, ""))
    except (tokenize.TokenError, SyntaxError):
        return


def _string_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of lines that begin inside a multi-line string (their indentation means nothing)."""
    inside: set[int] = set()
    for tok in _tokens(lines):
        if tok.type not in (tokenize.NEWLINE, tokenize.NL) and tok.end[0] > tok.start[0]:
            inside.update(range(tok.start[0], tok.end[0]))  # 1-based rows after the first
    return inside


# --- parsing what can be parsed -------------------------------------------------------------------


@dataclass
class _Parsed:
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


def _parse(text: _Text, protect: int | None = None) -> _Parsed | None:
    """Parse the source, stubbing out the smallest block around each syntax error.

    Line `protect` (the cursor's) is never stubbed out, except in the body of its own function
    after the docstring. Line numbers and all untouched lines stay as in the source.
    """
    lines = list(text.lines)
    broken: dict[int, int] = {}
    for _ in range(MAX_REPAIRS + 1):
        try:
            return _Parsed(ast.parse(text.normal(lines)), lines, broken)
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
                lines[repair.first] = _indent_of(text.lines[repair.first]) + "pass"
    return None


def _is_code(lines: Sequence[str], strings: set[int], i: int) -> bool:
    stripped = lines[i].strip()
    return bool(stripped) and not stripped.startswith("#") and i not in strings


def _is_header(line: str) -> bool:
    """Whether the line starts a def, async def or class statement."""
    words = line.replace("(", " ").replace(":", " ").split()[:2]
    return words[:1] in (["def"], ["class"]) or words == ["async", "def"]


def _block_end(lines: Sequence[str], strings: set[int], first: int) -> int:
    """The last line of the statement or block that starts on line `first`."""
    width = _width(_indent_of(lines[first]))
    last = first
    for i in range(first + 1, len(lines)):
        if not _is_code(lines, strings, i):
            continue
        if _width(_indent_of(lines[i])) <= width and lines[i].lstrip()[:1] not in (")", "]", "}"):
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
    strings = _string_lines(lines)
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
        repair = _Repair(error, _block_end(lines, strings, error))
    else:
        repair = _Repair(
            _decorated_start(lines, strings, header), _block_end(lines, strings, header)
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
    for tok in _tokens(lines[:line]):
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
            and _block_end(lines, strings, i) >= error
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
        and i <= protect <= _block_end(lines, strings, i)
        for i in range(header + 1, last + 1)
    )
    if cursor_deeper or lines[header].split()[0] == "class":
        # The error is in a statement of an enclosing block: set aside only that statement.
        return _Repair(error, _block_end(lines, strings, error))
    docstring_end = _docstring_end(lines, header)
    if docstring_end is None or error <= docstring_end or docstring_end >= last:
        return None  # the header or docstring is broken
    return _Repair(docstring_end + 1, last, body_of=header)


def _docstring_end(lines: Sequence[str], header: int) -> int | None:
    """The last line of the docstring of the def on line `header`, if it has one."""
    depth = 0
    colon = False
    for tok in _tokens(lines[header:]):
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


# --- the function at the cursor -------------------------------------------------------------------


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
    text = _Text(source)
    line = text.line_of(cursor)
    parsed = _parse(text, protect=line)
    if parsed is None:
        return None
    found: tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]] | None = None
    for node, parents in _functions(parsed.tree):
        first, last = _lines_of(text, node, parsed)
        if first <= line <= last or (line == last + 1 and not text.lines[line].strip()):
            found = (node, parents)  # walked outside-in: the last one is the innermost
    if found is None:
        return None
    return _target(text, found[0], found[1], parsed)


def _functions(
    tree: ast.AST, parents: list[ast.AST] | None = None
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]]:
    """Every function in the tree with its enclosing classes and functions, outside-in."""
    parents = parents or []
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child, parents
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from _functions(child, [*parents, child])
        elif isinstance(child, ast.stmt):  # functions defined under if/try/with/for
            yield from _functions(child, parents)


def _lines_of(
    text: _Text, node: ast.FunctionDef | ast.AsyncFunctionDef, parsed: _Parsed
) -> tuple[int, int]:
    """First and last line index of the definition, trailing indented blank lines included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    last = max((node.end_lineno or node.lineno) - 1, parsed.broken_bodies.get(node.lineno - 1, -1))
    return first, _indented_blanks_after(text, last, _indent_of(text.lines[node.lineno - 1]))


def _indented_blanks_after(text: _Text, last: int, indent: str) -> int:
    """Extend `last` over following whitespace-only lines indented deeper than `indent`."""
    width = _width(indent)
    while (
        last + 1 < len(text.lines)
        and not text.lines[last + 1].strip()
        and _width(_indent_of(text.lines[last + 1])) > width
    ):
        last += 1
    return last


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_placeholder(node: ast.stmt) -> bool:
    """pass, ..., raise NotImplementedError or raise NotImplementedError(...)."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _header_end(lines: Sequence[str], def_line: int) -> tuple[int, int] | None:
    """(line index, column just after) of the colon that ends the header on line `def_line`."""
    depth = 0
    for tok in _tokens(lines[def_line:]):
        if tok.type != tokenize.OP:
            continue
        if tok.string in "([{":
            depth += 1
        elif tok.string in ")]}":
            depth -= 1
        elif tok.string == ":" and depth == 0:
            return def_line + tok.end[0] - 1, tok.end[1]
    return None


def _has_examples(docstring: str) -> bool:
    try:
        return bool(doctest.DocTestParser().get_examples(docstring))
    except ValueError:  # badly indented examples still count: running them reports why
        return ">>>" in docstring


def _target(
    text: _Text,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    parents: list[ast.AST],
    parsed: _Parsed,
) -> Target | None:
    def_line = node.lineno - 1
    indent = _indent_of(text.lines[def_line])
    header = _header_end(text.lines, def_line)
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
    if body and _is_docstring(body[0]):
        doc = body.pop(0)
        start = text.offset(doc.lineno, doc.col_offset)
        end = text.offset(doc.end_lineno or doc.lineno, doc.end_col_offset or 0)
        docstring_raw = _NEWLINE.sub("\n", text.source[start:end])
        docstring = ast.get_docstring(node) or ""
        last_header_line = (doc.end_lineno or doc.lineno) - 1
    first_body_line = node.body[0].lineno - 1
    if first_body_line == header_line or (body and body[0].lineno - 1 == last_header_line):
        return None  # a statement shares the line of the header or of the docstring
    body_indent = _indent_of(text.lines[first_body_line])
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
        span=(text.starts[first] + len(_indent_of(text.lines[first])), body_end),
        is_empty=def_line not in parsed.broken_bodies
        and (not body or (len(body) == 1 and _is_placeholder(body[0]))),
        has_doctests=_has_examples(docstring),
        in_function=any(isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef) for p in parents),
        eol=text.eol,
    )


# --- what the model reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """What the model is given.

    ``completion``: `text` is raw code that ends with the target's docstring (or header, without
    a line break); the model continues it with the body. ``chat``: `messages` go through the
    model's chat template (with the generation prompt); the answer is a fenced code block.
    """

    kind: PromptKind
    text: str = ""
    messages: tuple[dict[str, str], ...] = ()


def build_prompt(source: str, target: Target, kind: PromptKind = "completion") -> Prompt:
    """The prompt for `target`: the module's imports, constants and other definitions (bodies
    elided unless short), then the target's enclosing classes or functions, the target last."""
    code = _context(source, target)
    if kind == "completion":
        return Prompt("completion", text=code)
    ask = INSTRUCTION.format(name=target.short_name)
    return Prompt(
        "chat", messages=({"role": "user", "content": f"{ask}\n\n```python\n{code}\n```"},)
    )


def _context(source: str, target: Target) -> str:
    text = _Text(source)
    parsed = _parse(text, protect=text.line_of(target.span[0]))
    if parsed is None:
        return _target_lines(text, target)
    path = _path_to(parsed.tree, text, target)
    if not path:
        return _target_lines(text, target)
    view = _View(text, parsed.lines)
    items = [(stmt, view.summary(stmt)) for stmt in parsed.tree.body if stmt is not path[0]]
    kept = _within_budget(
        items, path[0], MAX_CONTEXT_CHARS - len(last := view.on_path(path, target))
    )
    return _joined([*kept, (path[0], last)])


def _joined(items: list[tuple[ast.AST, str]]) -> str:
    """Rendered statements, spaced as PEP 8 does: imports together, two lines around defs."""
    out = ""
    previous: ast.AST | None = None
    for stmt, shown in items:
        if previous is not None:
            if isinstance(stmt, _DEFS) or isinstance(previous, _DEFS):
                out += "\n\n\n"
            elif type(stmt) is type(previous) or (
                isinstance(stmt, _IMPORTS) and isinstance(previous, _IMPORTS)
            ):
                out += "\n"
            else:
                out += "\n\n"
        out += shown
        previous = stmt
    return out


def _path_to(tree: ast.Module, text: _Text, target: Target) -> list[ast.AST]:
    """The target's enclosing classes and functions, outside-in, then the target's node."""
    first = text.line_of(target.span[0])
    for node, parents in _functions(tree):
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
        if start == first and node.name == target.short_name:
            return [*parents, node]
    return []


def _within_budget(
    items: list[tuple[ast.stmt, str | None]], anchor: ast.AST, budget: int
) -> list[tuple[ast.AST, str]]:
    """Rendered items in source order; the farthest from `anchor` dropped first to fit the budget.
    Imports are always kept."""
    shown: list[tuple[ast.AST, str]] = [(stmt, body) for stmt, body in items if body]
    line = anchor.lineno  # type: ignore[attr-defined]

    def size() -> int:
        return sum(len(body) + 3 for _, body in shown)

    droppable = sorted(
        (s for s in shown if not isinstance(s[0], _IMPORTS)),
        key=lambda s: -abs(s[0].lineno - line),  # type: ignore[attr-defined]
    )
    for item in droppable:
        if size() <= budget:
            break
        shown.remove(item)
    return shown


class _View:
    """Renders parts of the module as the model sees them: signatures and docstrings."""

    def __init__(self, text: _Text, lines: list[str]) -> None:
        self.text = text
        self.lines = lines

    def segment(self, first: int, last: int) -> str:
        """Lines `first`..`last` (1-based, inclusive) as written."""
        return "\n".join(self.lines[first - 1 : last]).rstrip()

    def summary(self, stmt: ast.stmt) -> str | None:
        if isinstance(stmt, _IMPORTS):
            return self.segment(stmt.lineno, stmt.end_lineno or stmt.lineno)
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            shown = self.segment(stmt.lineno, stmt.end_lineno or stmt.lineno)
            return shown if len(shown) <= 200 and shown.count("\n") < 3 else None
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            return self.function(stmt)
        if isinstance(stmt, ast.ClassDef):
            return self.klass(stmt, None, "")
        return None

    def head(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> tuple[str, list[ast.stmt]]:
        """Decorators, header and docstring as written, and the statements after them."""
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        body = list(node.body)
        if body and _is_docstring(body[0]):
            last = body.pop(0).end_lineno or node.lineno
        else:
            end = _header_end(self.lines, node.lineno - 1)
            last = end[0] + 1 if end else node.lineno
        return self.segment(first, last), body

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        head, body = self.head(node)
        if not body or all(_is_placeholder(stmt) for stmt in body):  # not written yet
            return self.stub(node)
        first, last = body[0].lineno, body[-1].end_lineno or body[-1].lineno
        if last - first < SHORT_BODY_LINES:
            return f"{head}\n{self.segment(first, last)}"
        return f"{head}\n{_indent_of(self.lines[first - 1])}..."

    def stub(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        """A function not written yet, as one header line: ``def f(x): ...``. Its docstring
        followed by a placeholder would teach a small model to write placeholders too."""
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = _header_end(self.lines, node.lineno - 1)
        if end is None:
            return self.segment(first, node.lineno)
        line, column = end
        header = self.segment(first, line + 1).split("\n")
        header[-1] = self.lines[line][:column] + " ..."  # without a comment after the colon
        return "\n".join(header)

    def klass(self, node: ast.ClassDef, skip: ast.AST | None, last: str) -> str:
        head, body = self.head(node)
        members = [self.summary(stmt) for stmt in body if stmt is not skip]
        parts = [m for m in members if m]
        if last:
            parts.append(last)
        if not parts:
            return head
        return head + "\n\n" + "\n\n".join(parts)

    def on_path(self, path: list[ast.AST], target: Target) -> str:
        """The target's enclosing definitions around the target itself, which comes last."""
        shown = _target_lines(self.text, target)
        for outer, inner in zip(reversed(path[:-1]), reversed(path[1:]), strict=True):
            if isinstance(outer, ast.ClassDef):
                shown = self.klass(outer, inner, shown)
            else:
                assert isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef)
                head, body = self.head(outer)
                before = [s for s in body if s.lineno < inner.lineno]  # type: ignore[attr-defined]
                parts = [head]
                if before:
                    parts.append(self.segment(before[0].lineno, before[-1].end_lineno or 0))
                shown = "\n".join([*parts, shown])
        return shown


def _target_lines(text: _Text, target: Target) -> str:
    """The target from its first decorator to the end of its docstring, as written."""
    first = text.line_of(target.span[0])
    last = text.line_of(target.body_span[0] - 1) if target.body_span[0] > target.span[0] else first
    return "\n".join(text.lines[first : last + 1]).rstrip()


# --- what the model wrote -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One model output: the body to place (lines indented for the target, LF endings, a final
    line break), or the reason it was rejected, for the user."""

    raw: str
    body: str | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.body is not None


def clean_candidate(raw: str, target: Target, kind: PromptKind = "completion") -> Candidate:
    """Turn one model output into a body for `target`, or reject it with a reason.

    Strips markdown fences and prose around code; takes the body of a repeated ``def``; drops a
    repeated docstring; cuts where the code leaves the function; re-indents for the target; and
    checks that the whole function parses and that the body is more than a placeholder.
    """
    text = _NEWLINE.sub("\n", raw).replace("\x00", "")
    lines = _completion_lines(text) if kind == "completion" else _chat_lines(text, target)
    body, why = _body_lines(lines, target, chat=kind == "chat")
    if why:
        return Candidate(raw, None, why)
    return _checked(raw, _reindent(body, target), target)


def extract_body(raw: str, target: Target, kind: PromptKind = "completion") -> str | None:
    """The cleaned body of one model output, or None if it was rejected."""
    return clean_candidate(raw, target, kind).body


def _completion_lines(text: str) -> list[str]:
    """The lines after the docstring's (anything left on its line is dropped), up to a fence."""
    return _before_fence(text.split("\n")[1:])


def _before_fence(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.lstrip().startswith(_FENCE):
            return lines[:i]
    return lines


def _chat_lines(text: str, target: Target) -> list[str]:
    """The code in a chat answer: the fenced block that defines the function, else the first
    that defines one, else the first; all of it if there is no fence."""
    lines = text.split("\n")
    blocks: list[list[str]] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(_FENCE):
            block = _before_fence(lines[i + 1 :])
            blocks.append(block)
            i += len(block) + 2
        else:
            i += 1
    if not blocks:
        return lines
    for name in (target.short_name, None):
        for block in blocks:
            if any(_defines(line, name) for line in block):
                return block
    return blocks[0]


def _defines(line: str, name: str | None = None) -> bool:
    """Whether the line starts a ``def`` (of `name`, if given)."""
    words: list[str] = []
    for tok in _tokens([line.strip()]):
        if tok.type != tokenize.NAME or len(words) == 3:
            break
        words.append(tok.string)
    if words[:1] == ["async"]:
        words = words[1:]
    return len(words) >= 2 and words[0] == "def" and (name is None or words[1] == name)


def _body_lines(lines: list[str], target: Target, *, chat: bool) -> tuple[list[str], str | None]:
    """The lines of the body the model wrote, still indented as it wrote them."""
    start = next((i for i, line in enumerate(lines) if _defines(line, target.short_name)), None)
    if start is not None:
        before = [line for line in lines[:start] if _is_statement(line)]
        if chat or not before:  # the function written out again: take its body
            return _def_body(lines, start)
        lines = lines[:start]  # a body, then the function again: stop before it
    return _until_dedent(lines, target, chat=chat), None


def _is_statement(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "@"))


def _def_body(lines: list[str], start: int) -> tuple[list[str], str | None]:
    header = _header_end(lines, start)
    if header is None:
        return [], "The model did not finish writing the function."
    line, column = header
    strings = _string_lines(lines)
    body = lines[line + 1 : _block_end(lines, strings, start) + 1]
    after = lines[line][column:].strip()
    if after and not after.startswith("#"):  # def f(x): return x
        body = [_indent_of(lines[start]) + "    " + after, *body]
    return body, None


def _until_dedent(lines: list[str], target: Target, *, chat: bool) -> list[str]:
    """Lines up to where the code leaves the function body.

    Completion: the first line indented no deeper than the def. Chat (a bare body): the first
    line indented less than the body's first line.
    """
    strings = _string_lines(lines)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return []
    limit = _width(_indent_of(lines[first])) - 1 if chat else _width(target.indent)
    for i in range(first, len(lines)):
        if i not in strings and lines[i].strip() and _width(_indent_of(lines[i])) <= limit:
            return lines[first:i]
    return lines[first:]


def _reindent(lines: list[str], target: Target) -> list[str]:
    """The lines with the target's body indentation and indentation unit (tabs or spaces)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    strings = _string_lines([line.strip() if i == 0 else line for i, line in enumerate(lines)])
    code = [i for i, line in enumerate(lines) if line.strip() and i not in strings]
    if not code:
        return []

    def columns(indent: str) -> int:
        return len(indent.replace("\f", "").replace("\t", "    "))

    base = columns(_indent_of(lines[code[0]]))
    extra = {i: max(0, columns(_indent_of(lines[i])) - base) for i in code}
    step = min((e for e in extra.values() if e > 0), default=4)
    out = []
    for i, line in enumerate(lines):
        if i in extra:
            levels, spaces = divmod(extra[i], step)
            out.append(target.body_indent + target.unit * levels + " " * spaces + line.lstrip())
        else:
            out.append(line if line.strip() else "")
    return out


def _assemble(target: Target, body: list[str]) -> tuple[str, int]:
    """The target function with `body`, parseable alone, and the number of lines before the body."""
    head = [target.indent + target.signature]
    if target.docstring_raw:
        head.append(target.body_indent + target.docstring_raw)
    if target.indent:
        head.insert(0, "if True:")
    lines = "\n".join(head).split("\n")
    return "\n".join([*lines, *body]) + "\n", len(lines)


def _checked(raw: str, body: list[str], target: Target) -> Candidate:
    """Reject bodies that do not parse in place or do nothing; drop a repeated docstring."""
    repeated = False
    while True:
        if not any(line.strip() for line in body):
            why = "it only repeated the docstring" if repeated else "the model wrote no code"
            return Candidate(raw, None, why[0].upper() + why[1:] + ".")
        source, before = _assemble(target, body)
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            line = exc.lineno or 0
            where = f" (line {line - before} of the body)" if line > before else ""
            message = _DETECTED_AT.sub("", exc.msg)  # its line numbers are not the user's
            return Candidate(raw, None, f"Not valid Python: {message}{where}.")
        except ValueError as exc:  # a character Python cannot read
            return Candidate(raw, None, f"Not valid Python: {exc}.")
        function = next(
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        statements = function.body[1:] if target.docstring_raw else function.body
        if not (statements and _is_docstring(statements[0])):
            break
        first, last = statements[0].lineno - before - 1, (statements[0].end_lineno or 0) - before
        body = body[:first] + body[last:]
        repeated = True
    if not statements:  # comments only
        return Candidate(raw, None, "The model wrote no code.")
    if all(isinstance(s, _DEFS) for s in statements):
        return Candidate(raw, None, "It wrote other functions, not this one's body.")
    if all(_is_placeholder(s) for s in statements):
        return Candidate(raw, None, "Only a placeholder (pass, ... or raise NotImplementedError).")
    if any(
        isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == target.short_name
        for s in statements
    ):
        return Candidate(raw, None, f"It defines {target.short_name}() again instead of its body.")
    while body and not body[0].strip():
        body = body[1:]
    return Candidate(raw, "\n".join(body) + "\n")


def should_stop(partial: str, target: Target, kind: PromptKind = "completion") -> bool:
    """For streaming: whether the output has clearly left the function body.

    Completion: a line (after the docstring's) indented no deeper than the def, or a fence.
    Chat: a code block has opened and closed.
    """
    lines = _NEWLINE.sub("\n", partial).split("\n")
    if kind == "chat":
        return sum(1 for line in lines[:-1] if line.lstrip().startswith(_FENCE)) >= 2
    width = _width(target.indent)
    for line in lines[1:]:
        if line.lstrip().startswith(_FENCE):
            return True
        if line.strip() and _width(_indent_of(line)) <= width:
            return True
    return False


# --- placing and checking a body ------------------------------------------------------------------


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
    lines = _NEWLINE.sub("\n", body).rstrip("\n").split("\n")
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
    text = _Text(new_source)
    parsed = _parse(text, protect=text.line_of(target.span[0]))
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


def verify(
    new_source: str, target: Target, limits: Limits = DEFAULT_LIMITS
) -> DoctestReport | None:
    """Run the target's doctests on `new_source` in the sandbox; None when they cannot be run.

    Runs generated code (in a contained child process): only when the user allowed it. Blocks
    for up to the time limit, so call it off the GUI thread.
    """
    if unverifiable(target):
        return None
    return run_doctests(function_source(new_source, target), target.name, limits)


# --- choosing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A usable candidate with what is known about it."""

    candidate: Candidate
    status: str  # "doctests pass", "doctests failed: …" or "not verified"
    report: DoctestReport | None = None

    @property
    def body(self) -> str:
        assert self.candidate.body is not None
        return self.candidate.body


def rank(
    candidates: Sequence[Candidate], reports: Sequence[DoctestReport | None] | None = None
) -> list[Ranked]:
    """The usable candidates, each body once, best first: those whose doctests pass, then the
    unverified, then those whose doctests failed; in the model's order within each.

    `reports[i]` is the doctest report of `candidates[i]` (None: not run).
    """
    reports = list(reports) if reports is not None else [None] * len(candidates)
    if len(reports) != len(candidates):
        raise ValueError("one report (or None) per candidate")
    seen: set[str] = set()
    ranked = []
    for candidate, report in zip(candidates, reports, strict=True):
        if candidate.body is None or candidate.body in seen:
            continue
        seen.add(candidate.body)
        if report is None:
            ranked.append(Ranked(candidate, "not verified"))
        elif report.passed:
            ranked.append(Ranked(candidate, "doctests pass", report))
        else:
            ranked.append(Ranked(candidate, f"doctests failed: {report.summary}", report))
    order = {"doctests pass": 0, "not verified": 1}
    return sorted(ranked, key=lambda r: order.get(r.status, 2))


def rejection_message(candidates: Sequence[Candidate]) -> str:
    """Why no candidate could be used, for the user."""
    if not candidates:
        return "The model wrote nothing."
    reasons: dict[str, int] = {}
    for candidate in candidates:
        if candidate.reason:
            reasons[candidate.reason] = reasons.get(candidate.reason, 0) + 1
    parts = [f"{why.rstrip('.')}" + (f" (×{n})" if n > 1 else "") for why, n in reasons.items()]
    noun = "suggestion" if len(candidates) == 1 else f"all {len(candidates)} suggestions"
    return f"No usable body: {noun} rejected. " + "; ".join(parts) + "."
