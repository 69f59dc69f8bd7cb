"""The order code candidates are written in: each prompt form as the settings say, then the
forms in turn at rising temperatures."""

from __future__ import annotations

from writer_app.tasks.code.schedule import CEILING, KINDS, Attempt, attempts, temperatures


def test_temperatures_rise_evenly_from_the_settings_to_the_ceiling() -> None:
    assert temperatures(4, 0.4, 1.0) == [0.4, 0.6, 0.8, 1.0]
    assert temperatures(1, 0.4, 1.0) == [0.4]
    assert temperatures(0, 0.4) == []
    # A user who asked for more randomness than the ceiling keeps it.
    assert temperatures(3, 1.5, 1.0) == [1.5, 1.5, 1.5]


def test_each_form_once_as_the_settings_say_then_in_turn_sampled() -> None:
    plan = attempts(12, 0.4)
    assert [a.number for a in plan] == list(range(1, 13))
    assert KINDS[0] == "completion"  # the plain completion first: best on easy functions
    assert [a.kind for a in plan] == list(KINDS) * 4
    assert [a.temperature for a in plan[:3]] == [None, None, None]
    sampled = [a.temperature or 0.0 for a in plan[3:]]
    assert sampled[0] == 0.4 and sampled[-1] == CEILING
    assert sampled == sorted(sampled) and len(set(sampled)) == 9


def test_few_candidates() -> None:
    assert attempts(0, 0.4) == []
    assert attempts(1, 0.4) == [Attempt(1, "completion", None)]
    assert attempts(2, 0.4) == [Attempt(1, "completion", None), Attempt(2, "chat", None)]
    assert attempts(4, 0.4)[-1] == Attempt(4, "completion", 0.4)


def test_forms_and_ceiling_can_be_chosen() -> None:
    plan = attempts(4, 0.5, kinds=("completion",), ceiling=0.8)
    assert plan == [
        Attempt(1, "completion", None),
        Attempt(2, "completion", 0.5),
        Attempt(3, "completion", 0.65),
        Attempt(4, "completion", 0.8),
    ]
