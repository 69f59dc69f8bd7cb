"""The built-in model on Chinese text: it writes Chinese characters (poorly: the window says
so, see tests/gui/test_cjk_editing.py), and suggestions end at Chinese sentence ends."""

from __future__ import annotations

import pytest

from writer_app.config import task_defaults
from writer_app.features.base import Notice
from writer_app.features.continuation import CJK_NOTICE, cjk_warning, suggest
from writer_app.tasks.continuation import ContinuationRequest, boundary
from writer_app.tasks.language import unspaced_chars

pytestmark = pytest.mark.real_model

TEXT = "春天来了，花园里的花都开了。小明和妈妈"


def test_a_chinese_continuation_is_chinese(real_backend) -> None:
    decoding = task_defaults("continuation")
    decoding.max_time = 0.0  # the text must not depend on how busy the machine is
    decoding.alternatives = 1
    notices: list[str] = []
    candidates = suggest(
        real_backend,
        ContinuationRequest(TEXT, "sentence"),
        decoding,
        on_update=lambda u: notices.append(u.message) if isinstance(u, Notice) else None,
    )
    assert candidates and candidates[0].strip()
    best = candidates[0]
    # Mostly Chinese characters; its meaning is not checked (the 135M model writes Chinese
    # poorly), which is why the built-in model comes with a notice.
    assert len(unspaced_chars(best)) >= len(best.strip()) / 2, best
    assert cjk_warning(TEXT, real_backend.name) and notices == [CJK_NOTICE]
    # It stops at its first Chinese sentence end (or at the length limit).
    assert boundary(best + "下", "sentence") in (None, len(best)), best
