"""Docstring → code end to end: the pipeline around the model (a tiny random one, whose
output is junk, and the built-in one, on real functions)."""

from __future__ import annotations

import ast
import threading

import pytest

from writer_app.config import Decoding, task_defaults
from writer_app.engine.generation import GenerationCancelled
from writer_app.features.code import (
    CodeTaskError,
    empty_functions,
    find_target,
    functions,
    generate_body,
)
from writer_app.sandbox import run_doctests

MODULE = '''\
"""Text helpers."""

import string

VOWELS = "aeiou"


def count_vowels(text: str) -> int:
    """Count the vowels (a, e, i, o, u) in text, ignoring case.

    >>> count_vowels("Hello World")
    3
    >>> count_vowels("xyz")
    0
    """


def shout(text):
    """Upper-case the text and add an exclamation mark."""
    return text.upper() + "!"


def no_docstring(x):
    pass


class Stack:
    """A stack."""

    def push(self, item):
        """Put an item on top."""
        ...

    def count_vowels(self):
        """Vowels in the stack's items."""
        raise NotImplementedError


def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards.

    >>> is_palindrome("racecar")
    True
    >>> is_palindrome("hello")
    False
    """
'''

TINY = Decoding(max_new_tokens=16, alternatives=3, seed=0)


# ------------------------------------------------------------ finding what to write


def test_functions_and_the_empty_ones() -> None:
    assert [t.name for t in functions(MODULE)] == [
        "count_vowels",
        "shout",
        "no_docstring",
        "Stack.push",
        "Stack.count_vowels",
        "is_palindrome",
    ]
    assert [t.name for t in empty_functions(MODULE)] == [
        "count_vowels",
        "Stack.push",
        "Stack.count_vowels",
        "is_palindrome",
    ]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("nowhere", "No function named 'nowhere'"),
        ("shout", "shout() already has a body"),
        ("no_docstring", "no_docstring() has no docstring"),
    ],
)
def test_what_cannot_be_written_says_why(where: str, message: str) -> None:
    with pytest.raises(CodeTaskError, match=message.replace("(", r"\(").replace(")", r"\)")):
        find_target(MODULE, where)


def test_names_find_methods_and_qualified_names_settle_ambiguity() -> None:
    assert find_target(MODULE, "push").name == "Stack.push"
    assert find_target(MODULE, "Stack.count_vowels").name == "Stack.count_vowels"
    assert find_target(MODULE, "is_palindrome()").name == "is_palindrome"
    # "count_vowels" is a function and a method: the exact name wins.
    assert find_target(MODULE, "count_vowels").name == "count_vowels"
    twice = (
        "class A:\n    def f(self):\n        '''A.'''\n\n"
        "class B:\n    def f(self):\n        '''B.'''\n"
    )
    with pytest.raises(CodeTaskError, match=r"More than one .* \(A\.f, B\.f\)"):
        find_target(twice, "f")
    assert find_target(twice, "B.f").docstring == "B."


def test_a_cursor_outside_any_function_is_refused() -> None:
    with pytest.raises(CodeTaskError, match="inside a function"):
        find_target(MODULE, MODULE.index("VOWELS ="))
    assert find_target(MODULE, MODULE.index("3\n")).name == "count_vowels"


# --------------------------------------------------------------- the tiny model


def test_the_pipeline_with_a_tiny_model_rejects_junk_and_says_why(tiny_backend) -> None:
    messages: list[str] = []
    result = generate_body(
        tiny_backend, MODULE, "is_palindrome", TINY, verify_doctests=True,
        on_update=lambda event: messages.append(event.message),
    )  # fmt: skip
    assert result.target.name == "is_palindrome"
    assert len(result.candidates) == 3  # the greedy one, then two sampled, all rejected
    assert all(not c.ok and c.reason for c in result.candidates)
    assert result.edit is None and not result.ok and result.ranked == ()
    assert result.status == "" and not result.verified
    assert result.message.startswith("No usable body: all 3 suggestions rejected. ")
    assert messages == [f"Writing is_palindrome(): candidate {k} of 3…" for k in (1, 2, 3)]


def test_one_candidate_means_one_model_call(tiny_backend) -> None:
    result = generate_body(tiny_backend, MODULE, "Stack.push", TINY, candidates=1)
    assert len(result.candidates) == 1
    assert result.note == "verification is off"


def test_verification_of_a_function_without_examples_is_noted(tiny_backend) -> None:
    result = generate_body(
        tiny_backend, MODULE, "Stack.push", TINY, candidates=1, verify_doctests=True
    )
    assert result.note == "no doctest examples in the docstring"


def test_problems_are_found_before_the_model_runs(tiny_backend) -> None:
    with pytest.raises(CodeTaskError, match="already has a body"):
        generate_body(tiny_backend, MODULE, MODULE.index("return text"), TINY)


def test_cancelling_stops_after_the_token_in_progress(tiny_backend) -> None:
    cancel = threading.Event()
    cancel.set()
    try:
        result = generate_body(tiny_backend, MODULE, "is_palindrome", TINY, cancel=cancel)
    except GenerationCancelled:
        return  # nothing was written at all
    assert len(result.candidates) == 1  # no second round
    assert len(result.candidates[0].raw) <= 16  # one token of this tokenizer, at most


# --------------------------------------------------------------- the real model


@pytest.mark.real_model
def test_built_in_model_writes_is_palindrome_that_passes_its_doctests(real_backend) -> None:
    source = MODULE[MODULE.index("def is_palindrome") :]
    result = generate_body(
        real_backend, source, "is_palindrome", task_defaults("code"), verify_doctests=True
    )
    assert result.ok and result.passed, result.message
    assert result.message == "is_palindrome(): doctests pass (2 examples passed)"
    assert result.edit is not None
    new = result.edit.source
    assert new.startswith(source.rstrip("\n"))  # the docstring is kept, the body follows it
    ast.parse(new)
    assert run_doctests(new, "is_palindrome").passed  # checked again, independently


@pytest.mark.real_model
def test_built_in_model_without_verification_proposes_a_body_that_parses(real_backend) -> None:
    result = generate_body(real_backend, MODULE, "count_vowels", task_defaults("code"))
    assert result.ok, result.message
    assert result.status == "not verified" and not result.verified
    assert result.message == "count_vowels(): not verified (verification is off)"
    assert result.edit is not None
    tree = ast.parse(result.edit.source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    assert function.name == "count_vowels" and len(function.body) >= 2  # docstring + code
    # Nothing else in the module moved.
    assert result.edit.source.replace(result.edit.text, "", 1) == MODULE
