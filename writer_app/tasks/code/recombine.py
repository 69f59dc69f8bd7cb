"""New candidate bodies made of the parts of the ones the model wrote.

A small model often writes every part of a right answer without putting them together: for
``clamp(value, low, high)`` one candidate returns ``max(value, low) - min(value, high) + 1``,
and the answer ``min(max(value, low), high)`` is two of its parts nested; for
``first_word`` one returns ``sentence.split()[0]`` (which fails on "") and another guards
``… if sentence else ""``. `recombine` makes the single-expression bodies one edit away from a
return expression the model wrote, or from one of its terms (``a`` or ``b`` of ``a + b``),
smallest first. An edit replaces one sub-expression ``x`` with:

- a name in scope there (a parameter, or a comprehension's or lambda's variable);
- an expression the model wrote elsewhere (whose names are in scope there);
- such an expression with one of its parameters standing for ``x`` (``x`` → ``max(x, low)``;
  or, for ``name[0]`` and a loop variable ``word`` there: ``word`` → ``word[0]``).

Only bodies that use every parameter are made: a body that ignores one has usually learnt the
examples (``max(0, min(value, high))`` passes ``clamp``'s doctests, whose ``low`` is always 0;
a candidate that returns the docstring's expected output passes it too).

These are guesses, never proposals by themselves: the caller screens them against the
docstring's examples in the sandbox and confirms the one it proposes with a full check. Plain
`ast`; nothing here runs code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from writer_app.tasks.code.params import argument_names

MAX_VARIANTS = 20000  # the most expressions made for one function
_BUILTINS = frozenset(dir(builtins))
_HOLE = "__writer_hole__"
Path: TypeAlias = tuple[tuple[str, int | None], ...]  # fields (and list indices) to a node


def recombine(
    bodies: Sequence[str],
    params: Sequence[str],
    limit: int = MAX_VARIANTS,
    *,
    required: Sequence[str] | None = None,
) -> list[str]:
    """Up to `limit` new return expressions, each one edit away from a return expression of
    `bodies` or one of its terms, smallest first (distinct as written, though two may differ
    only in parentheses). `params`: the function's parameter names; each expression uses every
    one of `required` (default: all). The expressions are as made, with parentheses around the
    replaced part; `as_body` writes one as a body, as a person would."""
    trees = [tree for tree in map(_parse, bodies) if tree is not None]
    if not trees or not params:
        return []
    allowed = frozenset(params) | _BUILTINS
    returns: dict[str, ast.expr] = {}
    pool: dict[str, ast.expr] = {}
    for tree in trees:
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Return) else None
            if value is not None and _free_names(value) <= allowed:
                returns.setdefault(ast.unparse(value), value)
            if (
                isinstance(node, ast.expr)
                and not isinstance(node, ast.Name | ast.Starred)
                and _free_names(node) <= allowed
            ):
                pool.setdefault(ast.unparse(node), node)
    spots: list[_Spot] = []
    bases = dict(returns)
    for expr in returns.values():
        for term in _terms(expr):
            if _free_names(term) <= allowed:
                bases.setdefault(ast.unparse(term), term)
    edits = sorted(_edits(list(bases.values()), list(pool.values()), params, spots))
    need = frozenset(params if required is None else required)
    seen: set[str] = set()
    made: list[str] = []
    for _size, spot_index, new, new_free in edits:
        if len(made) >= limit:
            break
        spot = spots[spot_index]
        if not need <= spot.free | (new_free - spot.bound):
            continue  # a parameter left out
        filled = new.replace(_HOLE, _grouped(spot.part))
        if filled == spot.part:
            continue
        text = spot.hollow.replace(_HOLE, _grouped(filled))
        if text not in seen:
            seen.add(text)
            made.append(text)
    return made


def _terms(expr: ast.expr) -> Iterator[ast.expr]:
    """The parts an expression joins at its top: the operands of ``a + b``, ``a and b``, the
    branches of ``a if c else b`` (and theirs), any of which may be the answer alone."""
    if isinstance(expr, ast.BinOp):
        parts = [expr.left, expr.right]
    elif isinstance(expr, ast.BoolOp):
        parts = list(expr.values)
    elif isinstance(expr, ast.IfExp):
        parts = [expr.body, expr.orelse]
    else:
        return
    for part in parts:
        yield part
        yield from _terms(part)


def _grouped(text: str) -> str:
    """`text` in parentheses unless it is a name: safe in any place."""
    return text if text.isidentifier() else f"({text})"


def as_body(expression: str, like: str) -> str:
    """``return <expression>`` as a body indented as the body `like`, without the parentheses
    `recombine` put in that it does not need."""
    first = next((line for line in like.splitlines() if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    with contextlib.suppress(SyntaxError, ValueError, MemoryError, RecursionError):
        expression = ast.unparse(ast.parse(expression, mode="eval").body)
    return f"{indent}return {expression}\n"


@dataclass(frozen=True)
class _Spot:
    """A sub-expression of a return expression that an edit replaces."""

    hollow: str  # the return expression's text with `_HOLE` for the sub-expression
    part: str  # the sub-expression's text
    free: frozenset[str]  # the names the rest of the return expression reads
    bound: frozenset[str]  # the names bound at the spot (a comprehension's variables)


def _edits(
    returns: list[ast.expr], pool: list[ast.expr], params: Sequence[str], spots: list[_Spot]
) -> Iterator[tuple[int, int, str, frozenset[str]]]:
    """Every edit, unordered, as (size of the expression it makes, index of its spot in
    `spots`, the replacement's text, the names the replacement reads); `spots` gets the
    places they replace."""
    names = frozenset(params)
    hole = ast.Name(_HOLE, ast.Load())
    parts = []  # each pool expression: text, free names, size, and a template per parameter
    for other in pool:
        free = _free_names(other)
        templates = [
            (ast.unparse(_Substitute(p, hole).visit(copy.deepcopy(other))), _count(other, p), p)
            for p in sorted(free & names)
        ]
        parts.append((ast.unparse(other), free, _size(other), templates))
    for expr in returns:
        whole = _size(expr)
        for path, node, scope in _nodes(expr, names):
            hollow = _replace(expr, path, hole)
            spots.append(
                _Spot(
                    ast.unparse(hollow),
                    ast.unparse(node),
                    _free_names(hollow) - {_HOLE},
                    scope - names,
                )
            )
            spot = len(spots) - 1
            size = _size(node)
            rest = whole - size
            node_free = _free_names(node)
            for name in sorted(scope):
                yield rest + 1, spot, name, frozenset({name})
            for text, free, other_size, templates in parts:
                if free - _BUILTINS <= scope:
                    yield rest + other_size, spot, text, free
                for template, uses, param in templates:
                    new_size = rest + other_size + uses * (size - 1)
                    yield new_size, spot, template, (free - {param}) | node_free


def _replace(expr: ast.expr, path: Path, new: ast.expr) -> ast.expr:
    if not path:
        return new
    root = copy.deepcopy(expr)
    parent: ast.AST = root
    for field, index in path[:-1]:
        parent = getattr(parent, field) if index is None else getattr(parent, field)[index]
    field, index = path[-1]
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new
    return root


class _Substitute(ast.NodeTransformer):
    """Every read of `name` replaced by a copy of `value`."""

    def __init__(self, name: str, value: ast.expr) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.value)
        return node


def _nodes(
    expr: ast.expr, scope: frozenset[str]
) -> Iterator[tuple[Path, ast.expr, frozenset[str]]]:
    """Each sub-expression that may be replaced, with its path and the names in scope there."""
    stack: list[tuple[ast.AST, frozenset[str], Path]] = [(expr, scope, ())]
    while stack:
        node, names, path = stack.pop()
        stored = isinstance(getattr(node, "ctx", None), ast.Store | ast.Del)
        if isinstance(node, ast.expr) and not stored and not isinstance(node, ast.Starred):
            yield path, node, names
        inner = names | _bound(node)
        for field, value in reversed(list(ast.iter_fields(node))):
            if isinstance(value, list):
                for i in reversed(range(len(value))):
                    if isinstance(value[i], ast.AST):
                        stack.append((value[i], inner, (*path, (field, i))))
            elif isinstance(value, ast.AST):
                stack.append((value, inner, (*path, (field, None))))


def _bound(node: ast.AST) -> frozenset[str]:
    """The names a comprehension or lambda binds for its parts."""
    names: set[str] = set()
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        for generator in node.generators:
            names.update(n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name))
    elif isinstance(node, ast.Lambda):
        names.update(argument_names(node.args))
    return frozenset(names)


def _free_names(expr: ast.AST) -> frozenset[str]:
    """The names `expr` reads that it does not bind itself."""
    free: set[str] = set()
    stack: list[tuple[ast.AST, frozenset[str]]] = [(expr, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            free.add(node.id)
        if isinstance(node, ast.NamedExpr):
            free.add(node.target.id)  # binds outside the expression: never a part to move
        inner = bound | _bound(node)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return frozenset(free)


def _size(node: ast.AST) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.expr))


def _count(expr: ast.AST, name: str) -> int:
    return sum(
        1 for n in ast.walk(expr) if isinstance(n, ast.Name) and n.id == name
        and isinstance(n.ctx, ast.Load)
    )  # fmt: skip


def _parse(body: str) -> ast.Module | None:
    try:
        return ast.parse(textwrap.dedent(body))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
