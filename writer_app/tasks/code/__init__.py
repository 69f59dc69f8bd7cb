"""Docstring → code: find the function at the cursor, prompt the model for its body, then clean,
place and rank the bodies it writes.

The flow: `find_function` → `Target.problem` → per candidate of `schedule.attempts`, until one
is good enough: `build_prompt` in its form → the model (stopping a stream with `should_stop`) →
`clean_candidate` → `replace_body` → optionally the doctests (run by
`writer_app.sandbox.doctests.verify`, only when the user allowed running generated code;
`unverifiable` says when they cannot be); then `rank`, or `rejection_message` when no candidate
is usable.

Plain text in and out; no Qt, no torch, and nothing runs here. Offsets are character offsets into
the source (``str`` indices) whatever its characters and line endings (LF, CRLF or CR). Text held
in a `Target` and bodies use LF; `replace_body` writes the source's own line endings.

The parts, in the order of the flow:

- `source`: the source as lines; parsing it, setting aside what does not parse (mid-edit);
- `target`: the function at the cursor (`find_function`, `Target`);
- `prompt`: what the model reads (`build_prompt`, `Prompt`);
- `clean`: what the model wrote, turned into a body or rejected (`clean_candidate`, `Candidate`,
  `should_stop`);
- `place`: the body placed in the source (`replace_body`, `Edit`) and the module its doctests
  would run in (`function_source`, `unverifiable`);
- `rank`: choosing among the candidates (`rank`, `Ranked`, `rejection_message`);
- `schedule`: the order candidates are written in, one at a time until one is good enough
  (`attempts`: the prompt's forms in turn, greedy first, then at rising temperatures);
- `params`: the target's parameters, and those a body never reads (a body that passes without
  reading one is held back: it may only repeat the examples' answers);
- `recombine`: when every candidate fails, new bodies made of their parts, to be screened.
"""

from __future__ import annotations

from writer_app.tasks.code.clean import Candidate, clean_candidate, extract_body, should_stop
from writer_app.tasks.code.place import Edit, function_source, replace_body, unverifiable
from writer_app.tasks.code.prompt import (
    INSTRUCTION,
    MAX_CONTEXT_CHARS,
    SHORT_BODY_LINES,
    Prompt,
    PromptKind,
    build_prompt,
)
from writer_app.tasks.code.rank import Ranked, Verdict, rank, rejection_message
from writer_app.tasks.code.source import MAX_REPAIRS
from writer_app.tasks.code.target import Target, find_function

__all__ = [
    "INSTRUCTION",
    "MAX_CONTEXT_CHARS",
    "MAX_REPAIRS",
    "SHORT_BODY_LINES",
    "Candidate",
    "Edit",
    "Prompt",
    "PromptKind",
    "Ranked",
    "Target",
    "Verdict",
    "build_prompt",
    "clean_candidate",
    "extract_body",
    "find_function",
    "function_source",
    "rank",
    "rejection_message",
    "replace_body",
    "should_stop",
    "unverifiable",
]
