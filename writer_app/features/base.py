"""What a feature declares about itself, and the events its pipeline reports.

A feature is declared once, as a `Feature`: its name (the settings section, the worker
group, the CLI's task), title, decoding defaults and settings type, worker priority, and
its `writer-cli` command. The settings, the settings pages, the CLI subcommands and the
assistant's jobs are derived from these declarations (`writer_app.features.FEATURES`).

A pipeline is a plain function of a loaded model, `fn(lm, ..., cancel=, on_update=)`; it
reports through `on_update` its own partial results and, for any feature alike, `Progress`
(a step of a long job) and `Notice` (something the user should know).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from writer_app.options import Decoding
from writer_app.worker import Priority

if TYPE_CHECKING:
    from writer_app.cli_context import CliContext


@dataclass(frozen=True)
class Progress:
    """A step of a long job, for the status bar."""

    message: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not an error (e.g. a fallback to the CPU)."""

    message: str


@dataclass(frozen=True)
class Command:
    """A feature's `writer-cli` subcommand."""

    name: str  # e.g. "rewrite"
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[CliContext], int]


@dataclass(frozen=True)
class Feature:
    """One generating feature, declared once."""

    name: str  # settings section, worker group and decoding task, e.g. "rewrite"
    title: str  # as the user sees it, e.g. "Rewrite"
    help: str  # one line: what it does
    defaults: Mapping[str, Any] = field(default_factory=dict)  # decoding, on top of Decoding()
    settings: type[Decoding] = Decoding  # the settings section: decoding + own options
    priority: Priority = Priority.INTERACTIVE
    command: Command | None = None

    def default_settings(self) -> Decoding:
        """The feature's settings as they start (its Balanced preset)."""
        return self.settings(**self.defaults)
