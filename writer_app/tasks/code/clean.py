"""What the model wrote: one output turned into a body for the target, or rejected with a reason.

Also `should_stop`, which tells a stream when the output has clearly left the function body.
Bodies are indented for the target, use LF and end with a line break.
"""

from __future__ import annotations

import ast
import re
import tokenize
from dataclasses import dataclass

from writer_app.tasks.code.prompt import PromptKind
from writer_app.tasks.code.source import (
    DEFS,
    NEWLINE,
    block_end,
    header_end,
    indent_of,
    indent_width,
    is_docstring,
    is_placeholder,
    string_lines,
    tokens,
)
from writer_app.tasks.code.target import Target

_FENCE = "```"
_DETECTED_AT = re.compile(r" \(detected at line \d+\)")


@dataclass(frozen=True)
class Candidate:
    """One model output: the body to place (lines indented for the target, LF endings, a final
    line break), or the reason it was rejected, for the user."""

    raw: str
    body: str | None
    reason: str | None = None
    combined: bool = False  # made of parts of other candidates (`recombine`), not written whole

    @property
    def ok(self) -> bool:
        return self.body is not None


def clean_candidate(raw: str, target: Target, kind: PromptKind = "completion") -> Candidate:
    """Turn one model output into a body for `target`, or reject it with a reason.

    Strips markdown fences and prose around code; takes the body of a repeated ``def``; drops a
    repeated docstring; cuts where the code leaves the function; re-indents for the target; and
    checks that the whole function parses and that the body is more than a placeholder.
    """
    text = NEWLINE.sub("\n", raw).replace("\x00", "")
    lines = _chat_lines(text, target) if kind == "chat" else _completion_lines(text)
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
    for tok in tokens([line.strip()]):
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
    header = header_end(lines, start)
    if header is None:
        return [], "The model did not finish writing the function."
    line, column = header
    strings = string_lines(lines)
    body = lines[line + 1 : block_end(lines, strings, start) + 1]
    after = lines[line][column:].strip()
    if after and not after.startswith("#"):  # def f(x): return x
        body = [indent_of(lines[start]) + "    " + after, *body]
    return body, None


def _until_dedent(lines: list[str], target: Target, *, chat: bool) -> list[str]:
    """Lines up to where the code leaves the function body.

    Completion: the first line indented no deeper than the def. Chat (a bare body): the first
    line indented less than the body's first line.
    """
    strings = string_lines(lines)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return []
    limit = indent_width(indent_of(lines[first])) - 1 if chat else indent_width(target.indent)
    for i in range(first, len(lines)):
        if i not in strings and lines[i].strip() and indent_width(indent_of(lines[i])) <= limit:
            return lines[first:i]
    return lines[first:]


def _reindent(lines: list[str], target: Target) -> list[str]:
    """The lines with the target's body indentation and indentation unit (tabs or spaces)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    strings = string_lines([line.strip() if i == 0 else line for i, line in enumerate(lines)])
    code = [i for i, line in enumerate(lines) if line.strip() and i not in strings]
    if not code:
        return []

    def columns(indent: str) -> int:
        return len(indent.replace("\f", "").replace("\t", "    "))

    base = columns(indent_of(lines[code[0]]))
    extra = {i: max(0, columns(indent_of(lines[i])) - base) for i in code}
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
        if not (statements and is_docstring(statements[0])):
            break
        first, last = statements[0].lineno - before - 1, (statements[0].end_lineno or 0) - before
        body = body[:first] + body[last:]
        repeated = True
    if not statements:  # comments only
        return Candidate(raw, None, "The model wrote no code.")
    if all(isinstance(s, DEFS) for s in statements):
        return Candidate(raw, None, "It wrote other functions, not this one's body.")
    if all(is_placeholder(s) for s in statements):
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

    Completion (and a begun answer): a line (after the docstring's) indented no deeper than the
    def, or a fence. Chat: a code block has opened and closed.
    """
    lines = NEWLINE.sub("\n", partial).split("\n")
    if kind == "chat":
        return sum(1 for line in lines[:-1] if line.lstrip().startswith(_FENCE)) >= 2
    width = indent_width(target.indent)
    for line in lines[1:]:
        if line.lstrip().startswith(_FENCE):
            return True
        if line.strip() and indent_width(indent_of(line)) <= width:
            return True
    return False
