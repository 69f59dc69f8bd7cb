"""The generating features, each declared once in its own module.

Each module holds a feature's pipeline (a plain function of a loaded model, used by the
assistant on the worker thread and by `writer-cli`) and its `FEATURE` declaration. The
settings sections, the settings pages, the CLI subcommands and the assistant's jobs are
derived from `FEATURES`; adding a feature is a module here, its rules in `tasks/`, its
window side in `ui/`, and one line in each registry.
"""

from __future__ import annotations

from writer_app.features import adapt, code, continuation, draft, rewrite, summarize
from writer_app.features.base import Command, Feature, Notice, Progress

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        continuation.FEATURE,
        rewrite.FEATURE,
        draft.FEATURE,
        code.FEATURE,
        summarize.FEATURE,
    )
}

# Commands that generate nothing themselves (no decoding settings, no settings section):
# `writer-cli adapt` and `writer-cli adapters`.
TOOLS: tuple[Command, ...] = adapt.COMMANDS

__all__ = ["FEATURES", "TOOLS", "Command", "Feature", "Notice", "Progress"]
