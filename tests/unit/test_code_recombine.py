"""Recombining candidates (`tasks.code.recombine`): bodies one edit away from the ones the model
wrote, made of their parts, smallest first, each using every parameter. Plain `ast`: nothing
here runs code."""

from __future__ import annotations

import ast

from writer_app.tasks.code.recombine import as_body, recombine


def _tidy(expressions: list[str]) -> list[str]:
    return [ast.unparse(ast.parse(e, mode="eval").body) for e in expressions]


def test_a_part_of_one_candidate_nests_in_another() -> None:
    bodies = ["    return min(value, high)\n", "    return max(value, low) - 1\n"]
    made = _tidy(recombine(bodies, ["value", "low", "high"]))
    assert "min(max(value, low), high)" in made  # `value` → `max(value, low)`
    assert "max(min(value, high), low) - 1" in made


def test_every_variant_uses_every_parameter() -> None:
    # `max(0, min(value, high))` passes clamp's doctests (whose low is 0) but ignores `low`.
    bodies = ["    return max(low, min(high, 0))\n", "    return min(value, high)\n"]
    made = _tidy(recombine(bodies, ["value", "low", "high"]))
    assert "max(low, min(value, high))" in made
    assert "max(0, min(value, high))" not in made
    for text in made:
        names = {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)}
        assert {"value", "low", "high"} <= names, text


def test_required_parameters_can_be_fewer() -> None:
    bodies = ["    return self.items[0]\n", "    return len(self.items) + n\n"]
    all_of_them = recombine(bodies, ["self", "n"])
    some = recombine(bodies, ["self", "n"], required=["self"])
    assert len(some) > len(all_of_them)


def test_a_template_takes_a_loop_variable_in_its_parameters_place() -> None:
    bodies = [
        "    return ''.join([word.upper() for word in name.split(' ')])\n",
        "    return name[0].upper()\n",
    ]
    made = _tidy(recombine(bodies, ["name"]))
    assert "''.join([word[0].upper() for word in name.split(' ')])" in made


def test_a_guard_from_one_candidate_protects_another() -> None:
    bodies = [
        "    return sentence.split()[0]\n",
        "    return sentence[sentence.index(0) + 1] if sentence else ''\n",
    ]
    made = _tidy(recombine(bodies, ["sentence"]))
    assert "sentence.split()[0] if sentence else ''" in made


def test_smallest_first_within_the_limit() -> None:
    bodies = ["    return max(value, low) - min(value, high) + 1\n", "    return value + low\n"]
    made = recombine(bodies, ["value", "low", "high"])
    assert len(made) > 100
    sizes = [sum(isinstance(n, ast.expr) for n in ast.walk(ast.parse(e))) for e in made]
    assert sizes == sorted(sizes)
    assert len(set(made)) == len(made)
    assert len(recombine(bodies, ["value", "low", "high"], limit=5)) == 5


def test_only_the_function_s_own_names_and_builtins_are_used() -> None:
    bodies = [
        "    total = 0\n    for v in values:\n        total += v\n    return total\n",
        "    return sum(values) + helper(values)\n",
        "    return len(values)\n",
    ]
    made = _tidy(recombine(bodies, ["values"]))
    assert "sum(values)" in made
    assert all("total" not in e and "helper" not in e for e in made)


def test_nothing_to_work_with() -> None:
    assert recombine([], ["x"]) == []
    assert recombine(["    return x +\n"], ["x"]) == []  # does not parse
    assert recombine(["    return 1\n"], []) == []


def test_as_body_indents_like_the_candidates_and_drops_needless_parentheses() -> None:
    assert as_body("min((max(value, low)), high)", "        x = 1\n") == (
        "        return min(max(value, low), high)\n"
    )
    assert as_body("(a + b) * c", "    pass\n") == "    return (a + b) * c\n"


def test_a_term_of_a_candidate_s_answer_is_a_starting_point_too() -> None:
    bodies = [
        "    return ''.upper(name) + ''.join([str(i) for i in name.split()])\n",
        "    return name[0].upper()\n",
    ]
    made = _tidy(recombine(bodies, ["name"]))
    assert "''.join([str(i)[0].upper() for i in name.split()])" in made  # str(i) → x[0].upper()
    assert "''.join([str(i[0].upper()) for i in name.split()])" in made  # i → x[0].upper()
