"""What the model reads: the module around the target, bodies elided, the target last.

``completion`` prompts are raw code that the model continues with the body; ``chat`` prompts ask
for the complete function in a fenced code block, through the model's chat template; ``begun``
prompts ask the same and begin the answer with that code, so the model continues it with the
body as in a completion (an instruct model reads it as its own answer to a request).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from writer_app.tasks.code.source import (
    DEFS,
    Text,
    header_end,
    indent_of,
    is_docstring,
    is_placeholder,
    parse,
)
from writer_app.tasks.code.target import Target, walk_functions

PromptKind = Literal["chat", "completion", "begun"]

SHORT_BODY_LINES = 4  # other functions' bodies this short are shown to the model as written
MAX_CONTEXT_CHARS = 4000  # about 1,200 tokens of surrounding code; the farthest is dropped first
SYSTEM = (  # the built-in model's greedy chat answers pass more doctests with it than without
    "You are an expert Python programmer. You write short, correct code that passes the "
    "examples in the docstring."
)
INSTRUCTION = (
    "Write the body of the Python function `{name}` so that it does what its docstring says. "
    "Use the imports and functions shown. Reply with the complete function in one ```python "
    "code block."
)


_IMPORTS = (ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Prompt:
    """What the model is given.

    ``completion``: `text` is raw code that ends with the target's docstring (or header, without
    a line break); the model continues it with the body. ``chat``: `messages` (a system
    message, then the request) go through the model's chat template (with the generation
    prompt); the answer is a fenced code block.
    ``begun``: `messages` end with the assistant's answer begun (a fence, then the code of a
    ``completion``), which the model continues with the body.
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
    asked = (
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{ask}\n\n```python\n{code}\n```"},
    )
    if kind == "chat":
        return Prompt("chat", messages=asked)
    return Prompt(
        "begun", messages=(*asked, {"role": "assistant", "content": f"```python\n{code}"})
    )


def _context(source: str, target: Target) -> str:
    text = Text(source)
    parsed = parse(text, protect=text.line_of(target.span[0]))
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
            if isinstance(stmt, DEFS) or isinstance(previous, DEFS):
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


def _path_to(tree: ast.Module, text: Text, target: Target) -> list[ast.AST]:
    """The target's enclosing classes and functions, outside-in, then the target's node."""
    first = text.line_of(target.span[0])
    for node, parents in walk_functions(tree):
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

    def __init__(self, text: Text, lines: list[str]) -> None:
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
        if body and is_docstring(body[0]):
            last = body.pop(0).end_lineno or node.lineno
        else:
            end = header_end(self.lines, node.lineno - 1)
            last = end[0] + 1 if end else node.lineno
        return self.segment(first, last), body

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        head, body = self.head(node)
        if not body or all(is_placeholder(stmt) for stmt in body):  # not written yet
            return self.stub(node)
        first, last = body[0].lineno, body[-1].end_lineno or body[-1].lineno
        if last - first < SHORT_BODY_LINES:
            return f"{head}\n{self.segment(first, last)}"
        return f"{head}\n{indent_of(self.lines[first - 1])}..."

    def stub(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        """A function not written yet, as one header line: ``def f(x): ...``. Its docstring
        followed by a placeholder would teach a small model to write placeholders too."""
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        end = header_end(self.lines, node.lineno - 1)
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


def _target_lines(text: Text, target: Target) -> str:
    """The target from its first decorator to the end of its docstring, as written."""
    first = text.line_of(target.span[0])
    last = text.line_of(target.body_span[0] - 1) if target.body_span[0] > target.span[0] else first
    return "\n".join(text.lines[first : last + 1]).rstrip()
