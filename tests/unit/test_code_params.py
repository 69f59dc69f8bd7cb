"""The target's parameters and the ones a body never reads (`tasks.code.params`)."""

from __future__ import annotations

from writer_app.tasks.code import Target, find_function
from writer_app.tasks.code.params import ignored, parameters, required

SOURCE = '''\
class Box:
    def area(self, width, height=1, *more, scale: float, **options):
        """The area."""


def title(text):
    """Title case."""
'''


def _target(name: str) -> Target:
    target = find_function(SOURCE, SOURCE.index(f"def {name}") + 4)
    assert target is not None
    return target


def test_parameters_in_order_and_a_method_s_self_is_not_required() -> None:
    area = _target("area")
    assert parameters(area) == ["self", "width", "height", "scale", "more", "options"]
    assert required(area) == ["width", "height", "scale", "more", "options"]
    assert required(_target("title")) == parameters(_target("title")) == ["text"]


def test_the_parameters_a_body_never_reads() -> None:
    assert ignored('    return "The Old Man And The Sea"\n', ["text"]) == ["text"]
    assert ignored("    return max(0, min(value, high))\n", ["value", "low", "high"]) == ["low"]
    assert ignored("    low = max(low, 0)\n    return low\n", ["low"]) == []
    assert ignored("    return [w.title() for w in text.split()]\n", ["text"]) == []
    assert ignored("    return locals()['text'].title()\n", ["text"]) == []  # read by name
    assert ignored("    return text +\n", ["text"]) == []  # does not parse: nothing to say
