"""How often Generate code from docstring writes a body that parses, and one that passes its
doctests, with verification on and off, on a set of simple functions.

Run with the project's venv: `.venv/bin/python tools/code_pass_rate.py [--model builtin]
[--candidates 4] [--only NAME ...]`. Each function is written twice through the same pipeline
as the app and `writer-cli code` (`writer_app.features.code.generate_body`), with the Code task's
default decoding (without its time limit) and a fixed seed: once with verification off (the
first usable body is proposed; its doctests are then run here only to score it) and once with
verification on (candidates are checked against the doctests in the sandbox until one
passes). Prints one line per function and a summary table.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FUNCTIONS = {
    "reverse_string": '''
def reverse_string(s: str) -> str:
    """Return the string reversed.

    >>> reverse_string("hello")
    'olleh'
    >>> reverse_string("")
    ''
    """
''',
    "sum_list": '''
def sum_list(values: list[int]) -> int:
    """Return the sum of the numbers in the list.

    >>> sum_list([1, 2, 3])
    6
    >>> sum_list([])
    0
    """
''',
    "is_palindrome": '''
def is_palindrome(s: str) -> bool:
    """Return True if s reads the same forwards and backwards.

    >>> is_palindrome("racecar")
    True
    >>> is_palindrome("hello")
    False
    """
''',
    "fizzbuzz": '''
def fizzbuzz(n: int) -> str:
    """Return "Fizz" if n is divisible by 3, "Buzz" if by 5, "FizzBuzz" if by both,
    otherwise the number as a string.

    >>> fizzbuzz(9)
    'Fizz'
    >>> fizzbuzz(10)
    'Buzz'
    >>> fizzbuzz(15)
    'FizzBuzz'
    >>> fizzbuzz(7)
    '7'
    """
''',
    "count_vowels": '''
def count_vowels(text: str) -> int:
    """Count the vowels (a, e, i, o, u) in the text, ignoring case.

    >>> count_vowels("Hello World")
    3
    >>> count_vowels("xyz")
    0
    """
''',
    "factorial": '''
def factorial(n: int) -> int:
    """Return n factorial (n!), the product of the numbers from 1 to n.

    >>> factorial(5)
    120
    >>> factorial(0)
    1
    """
''',
    "largest": '''
def largest(values: list[int]) -> int:
    """Return the largest number in a non-empty list.

    >>> largest([3, 9, 2])
    9
    >>> largest([-5, -1])
    -1
    """
''',
    "is_even": '''
def is_even(n: int) -> bool:
    """Return True if n is even.

    >>> is_even(4)
    True
    >>> is_even(7)
    False
    """
''',
    "celsius_to_fahrenheit": '''
def celsius_to_fahrenheit(celsius: float) -> float:
    """Convert a temperature from degrees Celsius to degrees Fahrenheit.

    >>> celsius_to_fahrenheit(100)
    212.0
    >>> celsius_to_fahrenheit(0)
    32.0
    """
''',
    "word_count": '''
def word_count(text: str) -> int:
    """Return the number of words in the text (words are separated by whitespace).

    >>> word_count("the quick brown fox")
    4
    >>> word_count("")
    0
    """
''',
}


@dataclasses.dataclass
class Outcome:
    parses: bool
    passes: bool
    candidates: int
    seconds: float
    note: str


def measure(lm: object, name: str, source: str, candidates: int, verify: bool) -> Outcome:
    from writer_app.config import task_defaults
    from writer_app.features.code import generate_body
    from writer_app.sandbox import run_doctests

    # No time limit: on a busy machine a limit would cut bodies short and change the score.
    decoding = dataclasses.replace(task_defaults("code"), seed=0, max_time=0.0)
    result = generate_body(
        lm,  # type: ignore[arg-type]
        source,
        name,
        decoding,
        candidates=candidates,
        verify_doctests=verify,
    )
    if result.edit is None:
        return Outcome(False, False, len(result.candidates), result.seconds, result.message)
    if verify:
        passes, note = result.passed, result.status
    else:  # scored here, after the fact; the pipeline did not run anything
        report = run_doctests(result.edit.source, name)
        passes, note = report.passed, report.summary
    return Outcome(True, passes, len(result.candidates), result.seconds, note)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="builtin")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--only", nargs="*", choices=sorted(FUNCTIONS), help="these functions")
    args = parser.parse_args()

    from writer_app.engine.loader import load_model
    from writer_app.engine.local import LocalBackend

    lm = LocalBackend(load_model(args.model, args.device))
    names = args.only or list(FUNCTIONS)
    totals = {False: [0, 0, 0.0], True: [0, 0, 0.0]}
    started = time.perf_counter()
    for name in names:
        source = FUNCTIONS[name].lstrip("\n")
        for verify in (False, True):
            o = measure(lm, name, source, args.candidates, verify)
            total = totals[verify]
            total[0] += o.parses
            total[1] += o.passes
            total[2] += o.seconds
            mode = "on " if verify else "off"
            print(
                f"{name:24} verify {mode}  parses={'yes' if o.parses else 'no ':3}  "
                f"passes={'yes' if o.passes else 'no ':3}  candidates={o.candidates}  "
                f"{o.seconds:5.1f} s  {o.note[:70]}",
                flush=True,
            )
    n = len(names)
    print()
    print(f"{'verification':14}{'parses':>10}{'passes doctests':>18}{'seconds':>10}")
    for verify in (False, True):
        parses, passes, seconds = totals[verify]
        print(
            f"{'on' if verify else 'off':14}{f'{parses}/{n}':>10}{f'{passes}/{n}':>18}"
            f"{seconds:>10.1f}"
        )
    print(
        f"\n{n} functions, up to {args.candidates} candidates each; "
        f"{time.perf_counter() - started:.0f} s in all",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
