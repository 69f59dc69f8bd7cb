"""Docstring → code: finding the function at the cursor, prompts, cleaning model output,
placing the body and checking it (no model here; real outputs are quoted)."""

from __future__ import annotations

import ast
import re

import pytest

from writer_app.sandbox import DoctestReport
from writer_app.sandbox.doctests import verify
from writer_app.tasks.code import (
    Candidate,
    Target,
    build_prompt,
    clean_candidate,
    extract_body,
    find_function,
    function_source,
    rank,
    rejection_message,
    replace_body,
    should_stop,
    unverifiable,
)

MODULE = '''\
"""Helpers for text."""

import math
from collections import Counter

VOWELS = "aeiou"


def mean(values: list[float]) -> float:
    """Return the arithmetic mean of the values."""
    return sum(values) / len(values)


class Stack:
    """A last-in, first-out stack."""

    def __init__(self) -> None:
        self.items: list[int] = []

    @property
    def size(self) -> int:
        """How many items there are."""
        return len(self.items)

    def push(self, item: int) -> None:
        """Put an item on top.

        >>> s = Stack()
        >>> s.push(3)
        >>> s.items
        [3]
        """
{auto_indent}

def outer(values):
    """Sum of squares."""
    total = 0

    def square(x):
        """Return x squared."""
        pass

    return sum(square(v) for v in values)


@decorate
@other(1,
       2)
async def fetch(url: str) -> str:
    """Fetch the page."""
    ...


def count_vowels(text: str) -> int:
    """Return how many vowels the text contains.

    >>> count_vowels("hello")
    2
    >>> count_vowels("sky")
    0
    """


print(count_vowels("x"))
'''.format(auto_indent=" " * 8)  # the editor keeps the indentation on a new line


def at(source: str, needle: str, offset: int = 0) -> int:
    """The offset of `needle` in `source` (it must occur once), plus `offset`."""
    assert source.count(needle) == 1, needle
    return source.index(needle) + offset


def target_at(source: str, needle: str, offset: int = 0) -> Target:
    found = find_function(source, at(source, needle, offset))
    assert found is not None
    return found


def body_text(source: str, target: Target) -> str:
    return source[target.body_span[0] : target.body_span[1]]


# --- finding the function -------------------------------------------------------------------------


def test_a_top_level_function_from_its_docstring() -> None:
    target = target_at(MODULE, "how many vowels")
    assert target.name == "count_vowels"
    assert target.signature == "def count_vowels(text: str) -> int:"
    assert target.decorators == ()
    assert target.indent == ""
    assert target.body_indent == "    "
    assert target.docstring.startswith("Return how many vowels the text contains.\n\n>>> count")
    assert target.docstring_raw.startswith('"""Return how many') and target.docstring_raw.endswith(
        '0\n    """'
    )
    assert target.is_empty and target.has_doctests and not target.in_function
    assert target.body_span[0] == target.body_span[1] == at(MODULE, "\n\n\nprint(") + 1
    assert MODULE[target.span[0] :].startswith("def count_vowels")
    assert target.problem() is None


@pytest.mark.parametrize(
    "needle",
    [
        "def count_vowels",
        "count_vowels(text",
        'str) -> int:\n    """Return how',
        '"""Return how many',
        "    0\n",
        '    """\n\n\nprint',
    ],
)
def test_the_cursor_anywhere_in_the_definition(needle: str) -> None:
    assert target_at(MODULE, needle).name == "count_vowels"


def test_a_method_with_the_cursor_on_the_indented_line_under_its_docstring() -> None:
    # The editor keeps the indentation on the new line under the docstring.
    target = target_at(MODULE, '        """\n        \n', len('        """\n        '))
    assert target.name == "Stack.push"
    assert target.indent == "    " and target.body_indent == "8 spaces".replace("8 spaces", " " * 8)
    assert target.is_empty and target.has_doctests
    # The whitespace-only line is part of the body that gets replaced.
    assert body_text(MODULE, target) == " " * 8 + "\n"


def test_the_cursor_on_an_empty_line_under_a_docstring_only_function() -> None:
    source = 'def f(x):\n    """Double x."""\n\ndef g():\n    """G."""\n    return 1\n'
    target = find_function(source, at(source, '"""\n\ndef g', 4))
    assert target is not None and target.name == "f"
    assert target.body_span == (at(source, "\ndef g"), at(source, "\ndef g"))


def test_the_empty_line_at_the_end_of_the_file() -> None:
    source = 'def f(x):\n    """Double x."""\n'
    target = find_function(source, len(source))
    assert target is not None and target.name == "f"
    assert target.body_span == (len(source), len(source))


def test_a_method_and_a_property() -> None:
    assert target_at(MODULE, "How many items").name == "Stack.size"
    size = target_at(MODULE, "@property")
    assert size.name == "Stack.size" and size.decorators == ("@property",)
    assert not size.is_empty
    assert body_text(MODULE, size) == "        return len(self.items)\n"
    init = target_at(MODULE, "self.items: list")
    assert init.name == "Stack.__init__" and init.docstring == "" and init.docstring_raw == ""
    assert init.problem() is not None and "no docstring" in (init.problem() or "")


def test_a_nested_function_is_the_innermost() -> None:
    inner = target_at(MODULE, "Return x squared")
    assert inner.name == "outer.square" and inner.in_function
    assert inner.indent == "    " and inner.body_indent == " " * 8
    assert inner.is_empty  # only `pass`
    assert body_text(MODULE, inner) == "        pass\n"
    outer = target_at(MODULE, "total = 0")
    assert outer.name == "outer" and not outer.in_function and not outer.is_empty


def test_decorated_async_function_from_a_decorator_line() -> None:
    target = target_at(MODULE, "       2)")
    assert target.name == "fetch"
    assert target.decorators == ("@decorate", "@other(1,\n       2)")
    assert target.signature == "async def fetch(url: str) -> str:"
    assert target.docstring == "Fetch the page." and target.docstring_raw == '"""Fetch the page."""'
    assert target.is_empty and not target.has_doctests
    assert body_text(MODULE, target) == "    ...\n"


@pytest.mark.parametrize(
    "needle", ["import math", '"""Helpers', "VOWELS", "print(count", "A last-in"]
)
def test_outside_any_function(needle: str) -> None:
    assert find_function(MODULE, at(MODULE, needle)) is None


@pytest.mark.parametrize(
    ("body", "empty"),
    [
        ("", True),
        ("    pass\n", True),
        ("    ...\n", True),
        ("    raise NotImplementedError\n", True),
        ('    raise NotImplementedError("later")\n', True),
        ("    return 1\n", False),
        ("    pass\n    return 1\n", False),
        ("    raise ValueError\n", False),
    ],
)
def test_what_counts_as_an_empty_body(body: str, empty: bool) -> None:
    source = f'def f():\n    """Doc."""\n{body}'
    target = find_function(source, 0)
    assert target is not None and target.is_empty is empty
    assert body_text(source, target) == body


def test_multi_line_signature_and_no_docstring_one_liners() -> None:
    source = 'def f(\n    a: int,\n    b: int = 2,\n) -> int:  # note\n    """Add."""\n'
    target = find_function(source, at(source, "b: int"))
    assert target is not None
    assert target.signature == "def f(\n    a: int,\n    b: int = 2,\n) -> int:  # note"
    # A body or docstring on the def line itself is not supported.
    assert find_function("def f(): return 1\n", 3) is None
    assert find_function('def f(): """Doc."""\n', 3) is None


def test_non_ascii_offsets_are_characters() -> None:
    source = (
        's = "日本語 café 🎉"\n\n'
        "def grüße(name: str) -> str:\n"
        '    """Sag «hallo» zu 名前 🎉."""\n'
        "    pass\n"
        "\n"
        "x = 'ü'\n"
    )
    target = target_at(source, "hallo")
    assert target.name == "grüße"
    assert target.docstring_raw == '"""Sag «hallo» zu 名前 🎉."""'
    assert target.docstring == "Sag «hallo» zu 名前 🎉."
    assert body_text(source, target) == "    pass\n"
    assert source[target.span[0] : target.span[1]].startswith("def grüße")


def test_crlf_and_cr_line_endings() -> None:
    lf = 'import os\n\nclass A:\n    def m(self):\n        """Dö it."""\n        pass\n\nx = 1\n'
    for eol in ("\r\n", "\r"):
        source = lf.replace("\n", eol)
        target = target_at(source, "Dö it")
        assert target.name == "A.m" and target.eol == eol
        assert body_text(source, target) == f"        pass{eol}"
        assert target.docstring_raw == '"""Dö it."""'


def test_a_syntax_error_elsewhere_in_the_file() -> None:
    source = MODULE.replace("    return sum(values) / len(values)", "    return sum(values / (")
    with pytest.raises(SyntaxError):
        ast.parse(source)
    assert target_at(source, "how many vowels").name == "count_vowels"
    assert target_at(source, "Put an item").name == "Stack.push"
    # In the broken function itself, what follows the docstring is the body to replace.
    mean = target_at(source, "sum(values /")
    assert mean.name == "mean" and not mean.is_empty
    assert body_text(source, mean) == "    return sum(values / (\n"


def test_a_syntax_error_in_another_method_of_the_same_class() -> None:
    source = MODULE.replace("        return len(self.items)", "        return len(self.items")
    target = target_at(source, "Put an item")
    assert target.name == "Stack.push" and target.is_empty


def test_a_syntax_error_at_the_end_while_typing_a_new_function() -> None:
    source = MODULE + "\ndef half(x:\n"
    assert target_at(source, "how many vowels").name == "count_vowels"


def test_a_broken_body_under_the_docstring_is_the_part_to_replace() -> None:
    source = 'def f(xs):\n    """Sum xs."""\n    for x in\n\ndef g():\n    """G."""\n'
    target = target_at(source, "Sum xs")
    assert target.name == "f" and not target.is_empty
    assert body_text(source, target) == "    for x in\n"


def test_a_broken_statement_around_the_cursors_function_is_set_aside() -> None:
    source = (
        'class A:\n    limit = (\n\n    def m(self):\n        """Do it."""\n\n'
        'def outer():\n    """Outer."""\n    x = [\n    def inner():\n'
        '        """Inner."""\n        pass\n    async with x:\n        pass\n'
    )
    assert target_at(source, "Do it").name == "A.m"
    inner = target_at(source, "Inner.")
    assert inner.name == "outer.inner" and inner.is_empty
    assert body_text(source, inner) == "        pass\n"


def test_a_broken_decorator_loses_only_its_function() -> None:
    source = '@cache(\ndef f():\n    """F."""\n\ndef g():\n    """G."""\n'
    assert target_at(source, "G.").name == "g"
    assert find_function(source, at(source, "F.")) is None


def test_an_unterminated_docstring_finds_nothing() -> None:
    source = 'def f(xs):\n    """Sum xs.\n\ndef g():\n    pass\n'
    assert find_function(source, at(source, "Sum xs")) is None


def test_tab_indented_source() -> None:
    source = 'class A:\n\tdef m(self):\n\t\t"""Do it."""\n\t\tpass\n'
    target = target_at(source, "Do it")
    assert target.indent == "\t" and target.body_indent == "\t\t" and target.unit == "\t"


# --- the prompt ----------------------------------------------------------------------------------


def test_the_completion_prompt_shows_imports_and_definitions_then_the_target() -> None:
    target = target_at(MODULE, "how many vowels")
    prompt = build_prompt(MODULE, target)
    assert prompt.kind == "completion" and not prompt.messages
    text = prompt.text
    assert text.startswith("import math\nfrom collections import Counter\n\nVOWELS = ")
    assert "def mean(values: list[float]) -> float:" in text
    assert "    return sum(values) / len(values)" in text  # a short body, kept
    assert "class Stack:" in text and "    def push(self, item: int) -> None:" in text
    assert "async def fetch" in text and "@other(1,\n       2)" in text
    # The target comes last and ends with its docstring, so the model writes the body next.
    assert text.endswith(
        'def count_vowels(text: str) -> int:\n    """Return how many vowels'
        ' the text contains.\n\n    >>> count_vowels("hello")\n    2\n'
        '    >>> count_vowels("sky")\n    0\n    """'
    )
    assert text.count("def count_vowels") == 1
    assert 'print(count_vowels("x"))' not in text  # not a definition
    assert '"""Helpers for text."""' not in text


def test_a_method_comes_last_inside_its_class() -> None:
    target = target_at(MODULE, "Put an item")
    text = build_prompt(MODULE, target).text
    assert text.index("def count_vowels") < text.index("class Stack:")
    assert text.index("self.items: list[int] = []") < text.index("def push")
    assert text.endswith('        [3]\n        """')
    # A helper that is not written yet is shown by its header alone, so that its docstring
    # followed by a placeholder does not teach the model to write a placeholder.
    assert "def count_vowels(text: str) -> int: ...\n" in text
    assert "Return how many vowels" not in text
    assert "@decorate\n@other(1,\n       2)\nasync def fetch(url: str) -> str: ..." in text
    assert '"""Fetch the page."""' not in text


def test_a_nested_function_comes_with_the_code_before_it() -> None:
    target = target_at(MODULE, "Return x squared")
    text = build_prompt(MODULE, target).text
    assert text.endswith(
        'def outer(values):\n    """Sum of squares."""\n    total = 0\n'
        '    def square(x):\n        """Return x squared."""'
    )


def test_long_bodies_are_elided_and_far_definitions_dropped_over_budget() -> None:
    long_body = "".join(f"    x{i} = {i}\n" for i in range(10))
    filler = "".join(
        f'def helper{i}(x):\n    """Helper {i} {"padding " * 40}."""\n{long_body}\n\n'
        for i in range(12)
    )
    source = f'import os\n\n\n{filler}def target(x):\n    """Do it."""\n'
    text = build_prompt(source, find_function(source, len(source) - 3) or pytest.fail()).text
    assert "x9 = 9" not in text and '."""\n    ...' in text
    assert text.startswith("import os") and "def helper11" in text and "def helper0(" not in text
    assert len(text) < 4500


def test_the_chat_prompt() -> None:
    target = target_at(MODULE, "how many vowels")
    prompt = build_prompt(MODULE, target, "chat")
    assert prompt.kind == "chat" and prompt.text == ""
    system, message = prompt.messages
    assert system["role"] == "system" and "Python programmer" in system["content"]
    assert message["role"] == "user"
    assert "`count_vowels`" in message["content"]
    assert "```python\nimport math" in message["content"]
    assert message["content"].endswith('    0\n    """\n```')


def test_the_begun_chat_prompt_continues_the_code_in_its_answer() -> None:
    target = target_at(MODULE, "how many vowels")
    prompt = build_prompt(MODULE, target, "begun")
    *question, answer = prompt.messages
    assert prompt.kind == "begun" and prompt.text == ""
    assert tuple(question) == build_prompt(MODULE, target, "chat").messages
    assert answer["role"] == "assistant"
    assert answer["content"] == "```python\n" + build_prompt(MODULE, target).text
    # What the model writes next is cleaned and stopped like a completion.
    raw = "\n    return sum(c in 'aeiou' for c in text.lower())\n```\nThis counts"
    assert should_stop(raw, target, "begun")
    assert extract_body(raw, target, "begun") == (
        "    return sum(c in 'aeiou' for c in text.lower())\n"
    )


# --- cleaning what the model wrote ----------------------------------------------------------------

REVERSE = '''\
def reverse_string(text: str) -> str:
    """Return the text reversed.

    >>> reverse_string("abc")
    'cba'
    """
'''


def reverse() -> Target:
    return target_at(REVERSE, "Return the text")


# Real greedy output of the built-in model for the completion prompt.
COMPLETION_RAW = "\n    return text[::-1]\n\n\ndef"
# Real chat answer: the helper it was shown, then the function again.
CHAT_RAW = (
    "```python\n"
    "def mean(values: list[float]) -> float:\n"
    '    """Return the arithmetic mean of the values."""\n'
    "    return sum(values) / len(values)\n"
    "\n"
    "def reverse_string(text: str) -> str:\n"
    '    """Return the text reversed."""\n'
    "    return text[::-1]\n"
    "```"
)


def test_a_completion_up_to_the_next_definition() -> None:
    assert extract_body(COMPLETION_RAW, reverse()) == "    return text[::-1]\n"


def test_a_chat_answer_takes_the_functions_body_without_its_docstring() -> None:
    assert extract_body(CHAT_RAW, reverse(), "chat") == "    return text[::-1]\n"


def test_prose_around_the_code_block() -> None:
    raw = (
        "Sure! Here is the function:\n\n```py\ndef reverse_string(text):\n"
        "    result = ''\n    for ch in text:\n        result = ch + result\n    return result\n"
        "```\n\nThis loops over the characters. ```Hope it helps```"
    )
    assert extract_body(raw, reverse(), "chat") == (
        "    result = ''\n    for ch in text:\n        result = ch + result\n    return result\n"
    )


def test_a_repeated_signature_in_a_completion() -> None:
    raw = "\n    def reverse_string(text: str) -> str:\n        return text[::-1]\n\n\nprint(1)"
    assert extract_body(raw, reverse()) == "    return text[::-1]\n"


def test_a_repeated_docstring_is_dropped() -> None:
    raw = '\n    """Return the text reversed."""\n    return text[::-1]\n'
    assert extract_body(raw, reverse()) == "    return text[::-1]\n"
    only = clean_candidate('\n    """Return the text reversed."""\n\n\ndef other():', reverse())
    assert only.body is None and only.reason == "It only repeated the docstring."


def test_over_long_output_is_cut_where_the_function_ends() -> None:
    raw = (
        "\n    reversed_text = text[::-1]\n    return reversed_text\n\n\n"
        "def is_valid_input(input_str: str) -> bool:\n    return True\n\n# example usage\n"
    )
    assert (
        extract_body(raw, reverse()) == "    reversed_text = text[::-1]\n    return reversed_text\n"
    )


def test_a_body_then_the_function_again_stops_before_it() -> None:
    raw = "\n    return text[::-1]\n    def reverse_string(text):\n        return text"
    assert extract_body(raw, reverse()) == "    return text[::-1]\n"


def test_a_fence_ends_a_completion() -> None:
    raw = "\n    return text[::-1]\n```\n\nThis function reverses the text."
    assert extract_body(raw, reverse()) == "    return text[::-1]\n"


def test_tabs_and_two_space_indents_become_the_files_indentation() -> None:
    raw = (
        "```python\ndef reverse_string(text):\n"
        "\tout = []\n\tfor ch in text:\n\t\tout.insert(0, ch)\n\treturn ''.join(out)\n```"
    )
    assert extract_body(raw, reverse(), "chat") == (
        "    out = []\n    for ch in text:\n        out.insert(0, ch)\n    return ''.join(out)\n"
    )
    raw = (
        "```python\ndef reverse_string(text):\n  if not text:\n    return text\n"
        "  return text[::-1]\n```"
    )
    assert extract_body(raw, reverse(), "chat") == (
        "    if not text:\n        return text\n    return text[::-1]\n"
    )
    tabbed = 'class A:\n\tdef m(self, xs):\n\t\t"""Sum xs."""\n'
    target = target_at(tabbed, "Sum xs")
    raw = (
        "```python\ndef m(self, xs):\n"
        "    total = 0\n    for x in xs:\n        total += x\n    return total\n```"
    )
    assert extract_body(raw, target, "chat") == (
        "\t\ttotal = 0\n\t\tfor x in xs:\n\t\t\ttotal += x\n\t\treturn total\n"
    )
    assert extract_body("\n\t\treturn sum(xs)\n\tdef n(self):", target) == "\t\treturn sum(xs)\n"


def test_a_method_written_at_the_left_margin_is_indented_for_its_class() -> None:
    target = target_at(MODULE, "Put an item")
    raw = (
        "Here you go:\n```python\nclass Stack:\n    def push(self, item: int) -> None:\n"
        "        self.items.append(item)\n```"
    )
    assert extract_body(raw, target, "chat") == "        self.items.append(item)\n"
    # A completion continues at the method's indentation and stops at the next method.
    raw = "\n        self.items.append(item)\n\n    def pop(self):\n        return self.items.pop()"
    assert extract_body(raw, target) == "        self.items.append(item)\n"


def test_a_nested_function_body() -> None:
    target = target_at(MODULE, "Return x squared")
    raw = "\n        return x * x\n\n    return sum(square(v) for v in values)\n"
    assert extract_body(raw, target) == "        return x * x\n"


def test_a_one_line_def_in_the_answer() -> None:
    raw = "```python\ndef reverse_string(text): return text[::-1]\n```"
    assert extract_body(raw, reverse(), "chat") == "    return text[::-1]\n"


def test_a_bare_body_in_a_chat_answer() -> None:
    assert extract_body("```python\nreturn text[::-1]\n```", reverse(), "chat") == (
        "    return text[::-1]\n"
    )


@pytest.mark.parametrize(
    ("raw", "kind", "reason"),
    [
        ("", "completion", "The model wrote no code."),
        ("\n\ndef other():\n    pass", "completion", "The model wrote no code."),
        ("\n    return text[::-1\n", "completion", "Not valid Python"),
        (
            '\n    s = """abc\n    return s',
            "completion",
            "Not valid Python: unterminated triple-quoted string literal (line 1 of the body).",
        ),
        ("\n    pass\n", "completion", "Only a placeholder"),
        ("\n    raise NotImplementedError()\n", "completion", "Only a placeholder"),
        ("I cannot write that function.", "chat", "Not valid Python"),
        ("```python\ndef reverse_string(text: str,\n```", "chat", "The model did not finish"),
        (
            "```python\ndef reverse_string(text):\n    '''Reverse.'''\n```",
            "chat",
            "It only repeated the docstring.",
        ),
    ],
)
def test_rejected_candidates_say_why(raw: str, kind: str, reason: str) -> None:
    candidate = clean_candidate(raw, reverse(), kind)  # type: ignore[arg-type]
    assert candidate.body is None and not candidate.ok
    assert candidate.reason is not None and candidate.reason.startswith(reason)


def test_an_answer_with_other_functions_only_is_rejected() -> None:
    # Real sampled chat answer: the model renamed the function.
    raw = (
        "```python\ndef mean_num_str(values: list[float]) -> float:\n"
        '    """Return the arithmetic mean of the values."""\n'
        "    return sum(values) / len(values)\n\n"
        "def reverse_num_str(text: str) -> str:\n"
        '    """Return the text reversed."""\n    return text[::-1]\n```'
    )
    candidate = clean_candidate(raw, reverse(), "chat")
    assert candidate.reason == "It wrote other functions, not this one's body."
    assert (
        clean_candidate("\n    # just a comment\n", reverse()).reason == "The model wrote no code."
    )


def test_a_body_that_redefines_the_function_is_rejected() -> None:
    raw = "\n    x = 1\n    async def reverse_string(t):\n        return t\n"
    # Written after other code: cut there; the code before it is the body.
    assert extract_body(raw, reverse()) == "    x = 1\n"


def test_every_accepted_body_parses_in_place() -> None:
    target = target_at(MODULE, "Put an item")
    for raw in [
        "\n        self.items.append(item)",
        "\n        if item:\n            self.items.append(item)\n",
    ]:
        body = extract_body(raw, target)
        assert body is not None
        ast.parse(replace_body(MODULE, target, body).source)


# --- stopping a stream ---------------------------------------------------------------------------


def test_should_stop_in_completion_mode() -> None:
    target = reverse()
    assert not should_stop("", target)
    assert not should_stop("\n    return text", target)
    assert not should_stop("\n    if text:\n        return text\n\n", target)
    assert should_stop("\n    return text[::-1]\n\n\nd", target)
    assert should_stop("\n    return text[::-1]\n# example", target)
    assert should_stop("\n    return text[::-1]\n    ```", target)
    method = target_at(MODULE, "Put an item")
    assert not should_stop("\n        self.items.append(item)\n", method)
    assert should_stop("\n        self.items.append(item)\n\n    def", method)


def test_should_stop_in_chat_mode() -> None:
    target = reverse()
    assert not should_stop("Here:\n```python\ndef reverse_string(text):\n", target, "chat")
    assert not should_stop("```python\ndef f():\n    return 1\n```", target, "chat")
    assert should_stop("```python\ndef f():\n    return 1\n```\n", target, "chat")


# --- placing the body ----------------------------------------------------------------------------


def test_replace_body_round_trip() -> None:
    target = target_at(MODULE, "Put an item")
    edit = replace_body(MODULE, target, "        self.items.append(item)\n")
    assert edit.source == MODULE[: edit.start] + edit.text + MODULE[edit.end :]
    assert (edit.start, edit.end) == target.body_span
    assert edit.text == "        self.items.append(item)\n"
    assert MODULE[: edit.start].endswith('        [3]\n        """\n')
    assert edit.source[edit.start + len(edit.text) :] == MODULE[target.body_span[1] :]
    tree = ast.parse(edit.source)
    stack = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    push = stack.body[-1]
    assert isinstance(push, ast.FunctionDef) and isinstance(push.body[1], ast.Expr)
    again = find_function(edit.source, at(edit.source, "Put an item"))
    assert again is not None and not again.is_empty


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "needle", ["Put an item", "How many items", "Return x squared", "Fetch the page", "how many"]
)
def test_every_function_round_trips(needle: str, eol: str) -> None:
    source = MODULE.replace("\n", eol)
    target = target_at(source, needle)
    body = extract_body("\n" + target.body_indent + "return None\n", target)
    assert body == target.body_indent + "return None\n"
    edit = replace_body(source, target, body)
    assert edit.source[: edit.start] == source[: target.body_span[0]]
    assert edit.source[edit.new_span[1] :] == source[target.body_span[1] :]
    assert edit.text == target.body_indent + "return None" + eol
    assert set(re.findall(r"\r\n|\r|\n", edit.source)) == {eol}
    ast.parse(edit.source)
    again = find_function(edit.source, at(edit.source, needle))
    assert again is not None and again.name == target.name and not again.is_empty


def test_replace_body_replaces_a_placeholder() -> None:
    target = target_at(MODULE, "Fetch the page")
    edit = replace_body(MODULE, target, "    return url\n")
    assert '"""Fetch the page."""\n    return url\n\n\ndef count_vowels' in edit.source
    assert "..." not in edit.source[edit.start - 30 : edit.start + 30]


def test_replace_body_keeps_crlf_and_a_missing_final_newline() -> None:
    source = 'x = "é"\r\n\r\ndef f(a):\r\n    """Double a."""\r\n    pass'
    target = target_at(source, "Double")
    edit = replace_body(source, target, "    b = a * 2\n    return b\n")
    assert (
        edit.source
        == 'x = "é"\r\n\r\ndef f(a):\r\n    """Double a."""\r\n    b = a * 2\r\n    return b'
    )
    source = 'def f(a):\r\n    """Double a."""'  # docstring on the last line
    edit = replace_body(source, target_at(source, "Double"), "    return a * 2\n")
    assert edit.source == 'def f(a):\r\n    """Double a."""\r\n    return a * 2'
    assert edit.start == edit.end == len(source)


def test_replace_body_refuses_a_stale_target() -> None:
    target = target_at(MODULE, "how many vowels")
    with pytest.raises(ValueError):
        replace_body(MODULE[:100], target, "    return 0\n")


# --- verifying and choosing ----------------------------------------------------------------------

PALINDROME = '''\
import string


def is_palindrome(text: str) -> bool:
    """Whether the text reads the same backwards, ignoring case.

    >>> is_palindrome("Level")
    True
    >>> is_palindrome("hello")
    False
    """


print("this top-level call is not part of the check")
'''


def test_function_source_keeps_definitions_only() -> None:
    target = target_at(PALINDROME, "reads the same")
    new = replace_body(PALINDROME, target, "    return True\n").source
    module = function_source(new, target)
    assert "import string" in module and "def is_palindrome" in module
    assert "print(" not in module
    ast.parse(module)


def test_a_correct_body_passes_its_doctests_and_a_wrong_one_fails() -> None:
    target = target_at(PALINDROME, "reads the same")
    assert unverifiable(target) is None
    good = extract_body("\n    text = text.lower()\n    return text == text[::-1]\n\n\n", target)
    bad = extract_body("\n    return text == text[::-1]\n", target)
    assert good is not None and bad is not None
    passed = verify(replace_body(PALINDROME, target, good).source, target)
    failed = verify(replace_body(PALINDROME, target, bad).source, target)
    assert passed is not None and passed.passed, passed
    assert failed is not None and not failed.passed
    assert "1 of 2 examples failed" in failed.summary and "Level" in failed.summary
    ranked = rank(
        [Candidate("bad", bad), Candidate("good", good)],
        [failed, passed],
    )
    assert [r.status for r in ranked] == ["doctests pass", f"doctests failed: {failed.summary}"]
    assert ranked[0].body == good


def test_what_cannot_be_verified() -> None:
    nested = target_at(MODULE, "Return x squared")
    assert unverifiable(nested) == "defined inside another function"
    assert verify(MODULE, nested) is None
    fetch = target_at(MODULE, "Fetch the page")
    assert unverifiable(fetch) == "no doctest examples in the docstring"


def test_rank_without_reports_prefers_the_models_order_and_drops_rejects_and_repeats() -> None:
    candidates = [
        Candidate("a", None, "Not valid Python: x."),
        Candidate("b", "    return 1\n"),
        Candidate("c", "    return 1\n"),
        Candidate("d", "    return 2\n"),
    ]
    ranked = rank(candidates)
    assert [r.candidate.raw for r in ranked] == ["b", "d"]
    assert {r.status for r in ranked} == {"not verified"}
    report = DoctestReport(False, 2, 1, "1 of 2 examples failed")
    ranked = rank(candidates, [None, report, None, None])
    assert [r.candidate.raw for r in ranked] == ["d", "b"]
    with pytest.raises(ValueError):
        rank(candidates, [None])


def test_rejection_message() -> None:
    candidates = [
        clean_candidate("\n    pass\n", reverse()),
        clean_candidate("\n    return (\n", reverse()),
        clean_candidate("\n    pass\n", reverse()),
    ]
    message = rejection_message(candidates)
    assert message.startswith("No usable body: all 3 suggestions rejected.")
    assert "Only a placeholder (pass, ... or raise NotImplementedError) (×2)" in message
    assert "Not valid Python" in message
    assert rejection_message([]) == "The model wrote nothing."


def test_a_stub_with_a_comment_after_its_header_is_shown_without_it() -> None:
    source = (
        "def helper(a,\n           b):  # later\n    '''Help.'''\n    pass\n\n\n"
        "def target(x):\n    '''Do it.'''\n"
    )
    text = build_prompt(source, find_function(source, len(source) - 3) or pytest.fail()).text
    assert text.startswith("def helper(a,\n           b): ...\n")
    assert "later" not in text and "Help." not in text
