"""The rewrite pipeline (passage by passage, streaming, cancellable) on the tiny model."""

from __future__ import annotations

import threading
from typing import Any

from writer_app.config import Decoding
from writer_app.engine.generation import chat_ids, generate
from writer_app.features.rewrite import RewriteUpdate, rewrite_text
from writer_app.tasks.rewrite import find_style

TWO_PARAGRAPHS = "The fox was quick.\n\nThe dog was lazy."


def test_chat_ids_fall_back_to_a_transcript(tiny_lm) -> None:
    ids = chat_ids(tiny_lm, [{"role": "user", "content": "Hello"}])
    text = tiny_lm.tokenizer.decode(ids)
    assert text == "User: Hello\n\nAssistant:"


def test_each_paragraph_is_rewritten_and_progress_streams(tiny_backend) -> None:
    updates: list[RewriteUpdate] = []
    final = rewrite_text(
        tiny_backend, TWO_PARAGRAPHS, find_style("formal"), Decoding(max_new_tokens=8),
        on_update=updates.append,
    )  # fmt: skip
    assert final.total == 2 and final.done == 2
    assert [u.done for u in updates] == sorted(u.done for u in updates)
    assert updates[-1] == final
    # Paragraph structure survives; every passage got some text or kept its original.
    assert final.text.count("\n\n") == 1
    assert final.failed == sum(1 for i in (0, 2) if not final.rewritten.get(i))


def test_cancel_keeps_what_was_done(tiny_backend) -> None:
    cancel = threading.Event()

    def stop_after_first(update: RewriteUpdate) -> None:
        if update.done >= 1 or update.rewritten:
            cancel.set()

    final = rewrite_text(
        tiny_backend, TWO_PARAGRAPHS, find_style("formal"), Decoding(max_new_tokens=8),
        cancel=cancel, on_update=stop_after_first,
    )  # fmt: skip
    assert final.done < final.total
    assert final.text.endswith("The dog was lazy.")  # untouched passages keep their text


def test_prompt_lookup_reaches_the_model_and_gives_the_same_greedy_text(
    tiny_lm, monkeypatch
) -> None:
    prompt = "The quick brown fox jumps over the lazy dog. The quick brown fox"
    d = Decoding(max_new_tokens=12)
    plain = generate(tiny_lm, prompt, d, heal=False)
    seen: list[object] = []
    original = tiny_lm.model.generate

    def spy(*args, **kwargs):
        seen.append(kwargs.get("prompt_lookup_num_tokens"))
        return original(*args, **kwargs)

    monkeypatch.setattr(tiny_lm.model, "generate", spy)
    looked = generate(tiny_lm, prompt, d, heal=False, prompt_lookup=5)
    assert seen == [5]
    assert looked.texts == plain.texts
    assert looked.new_tokens == plain.new_tokens == 12  # tokens, not decoding steps


def test_prompt_lookup_only_where_it_pays(tiny_lm) -> None:
    import dataclasses

    from writer_app.engine.local import PROMPT_LOOKUP_TOKENS, LocalBackend

    on_cpu = LocalBackend(tiny_lm)
    assert on_cpu.prompt_lookup(copies_prompt=True) == 0  # measured slower on a CPU
    on_gpu = LocalBackend(dataclasses.replace(tiny_lm, device="cuda"))
    assert on_gpu.prompt_lookup(copies_prompt=True) == PROMPT_LOOKUP_TOKENS
    assert on_gpu.prompt_lookup(copies_prompt=False) == 0  # only for output that copies


FACTS = "Ana flew to Lima on Monday.\n\nBo met Kai in Oslo at 9 am."


def _rewrite_settings(**changes: object):
    from writer_app.features.rewrite import RewriteSettings

    return RewriteSettings(**{"max_new_tokens": 6, "max_time": 0.0, **changes})  # type: ignore[arg-type]


def test_versions_are_tried_until_the_checks_pass_and_failures_are_held(tiny_backend) -> None:
    # The tiny random model never keeps "Ana", "Lima", "Monday": every version fails.
    updates: list[RewriteUpdate] = []
    final = rewrite_text(
        tiny_backend, FACTS, find_style("formal"), _rewrite_settings(versions=5),
        on_update=updates.append,
    )  # fmt: skip
    assert final.done == final.total == 2 and final.versions == 5
    # the first version alone, then three together, then the one left
    assert sorted({u.version for u in updates if u.done == 0}) == [1, 2, 5]
    assert set(final.held) == {0, 2} and all(final.rewritten[i] for i in final.held)
    assert "drops the name Ana" in final.held[0] and final.text == FACTS  # nothing offered
    assert final.accepted() == {} and set(final.accepted(with_held=True)) == {0, 2}
    assert (
        final.why_held().startswith("its best version drops") and "(passage 1)" in final.why_held()
    )
    # A version being written after a failed one is not shown meanwhile.
    assert all(0 not in u.rewritten for u in updates if u.done == 0 and u.version > 1)
    again = rewrite_text(tiny_backend, FACTS, find_style("formal"), _rewrite_settings(versions=5))
    assert again.rewritten == final.rewritten  # greedy settings: the same versions each run


def test_one_version_is_all_a_setting_of_one_asks_for(tiny_backend) -> None:
    updates: list[RewriteUpdate] = []
    rewrite_text(
        tiny_backend, FACTS, find_style("formal"), _rewrite_settings(versions=1),
        on_update=updates.append,
    )  # fmt: skip
    assert {u.version for u in updates} == {1}


def test_the_passage_time_limit_bounds_the_extra_versions(tiny_backend) -> None:
    # Under a second left of the passage's time: no more versions after the first (which
    # fails: the tiny model drops the names), however many the setting allows.
    updates: list[RewriteUpdate] = []
    settings = _rewrite_settings(versions=24, max_time=0.5)
    final = rewrite_text(
        tiny_backend, "Ana flew to Lima.", find_style("formal"), settings, on_update=updates.append
    )
    assert final.held and {u.version for u in updates} == {1}


def test_later_versions_list_the_details_then_begin_with_the_passage(tiny_backend) -> None:
    from writer_app.features.rewrite import rounds

    asked: list[tuple[Any, int]] = []
    generate_ = tiny_backend.generate

    def spy(prompt, decoding, **kwargs):
        asked.append((prompt, kwargs.get("candidates", 1)))
        return generate_(prompt, decoding, **kwargs)

    tiny_backend.generate = spy
    try:
        final = rewrite_text(
            tiny_backend, "Ana flew to Lima on Monday.", find_style("formal"),
            _rewrite_settings(versions=10),
        )  # fmt: skip
    finally:
        del tiny_backend.generate
    assert final.held  # the tiny model never keeps the names: every round is asked for
    assert [rows for _p, rows in asked] == [rows for _how, rows in rounds(10)] == [1, 3, 1, 2, 3]
    plain, keep, begun = asked[0][0], asked[2][0], asked[4][0]
    assert asked[1][0] == plain and asked[3][0] == keep
    assert not plain.begun and "Keep these details" not in str(plain.messages)
    assert keep.messages[-1]["content"].endswith(
        "Keep these details exactly as they are: Ana; Lima; Monday."
    )
    assert begun.begun and begun.messages[-1] == {"role": "assistant", "content": "Ana flew to"}
    # What a begun version is judged as starts with the words it was begun with.
    assert final.rewritten[0].startswith("Ana flew to") or final.rewritten[0] == ""
