"""The target's parameters, and which of them a body never reads.

A body that passes its doctests without reading a parameter has usually learnt the examples
rather than the task: ``return "The Old Man And The Sea"`` passes ``title_case``'s one example;
``max(0, min(value, high))`` passes ``clamp``'s, whose ``low`` is always 0. A method's ``self``
or ``cls`` is not required: methods may well not need their instance.
"""

from __future__ import annotations

import ast
import textwrap

from writer_app.tasks.code.target import Target


def parameters(target: Target) -> list[str]:
    """The names of the target's parameters, in order ([] if its header does not parse)."""
    try:
        tree = ast.parse(target.signature.strip() + "\n    pass\n")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    return argument_names(function.args)


def argument_names(arguments: ast.arguments) -> list[str]:
    """Every name a def's or lambda's arguments bind, in order (``*args``, ``**kw`` last)."""
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [a.arg for a in every]


def required(target: Target) -> list[str]:
    """The parameters a body is expected to read: all but a method's ``self`` or ``cls``."""
    names = parameters(target)
    if names and "." in target.name and names[0] in ("self", "cls"):
        return names[1:]
    return names


def ignored(body: str, names: list[str]) -> list[str]:
    """The `names` that `body` never reads, in their order ([] if it does not parse)."""
    try:
        tree = ast.parse(textwrap.dedent(body))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if read & {"locals", "vars"}:
        return []  # reads its parameters by name
    return [name for name in names if name not in read]
