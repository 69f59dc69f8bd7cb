"""What a feature's `writer-cli` command gets: its arguments, the settings, and the ways to
load the model, read its input and report.

Errors are one line on stderr and a non-zero exit status (see `cli.py`): `ctx.fail()` for
work that failed (1), `ctx.usage()` for wrong usage (2). The decoding and model flags are
derived from the settings declarations: flags override the saved settings (and
`--preset`), which override the defaults. The settings are imported lazily, since the
settings themselves are derived from the features that use this module.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import signal
import sys
import threading
import typing
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from writer_app.options import Decoding, SettingError, coerce, spec_of

if TYPE_CHECKING:
    from writer_app.config import Model, Settings
    from writer_app.engine.backend import Backend

SAMPLING_FLAGS = ("temperature", "top_k", "top_p", "min_p", "typical_p")


class CliError(Exception):
    """A failure to report as one line on stderr."""


class UsageError(CliError):
    """Wrong usage: reported like argparse's own errors (exit status 2)."""


def value_type(name: str, hint: Any, spec: Any) -> Any:
    """An argparse type that checks a flag against its setting's declared type and range."""
    base = next((a for a in typing.get_args(hint) if a is not type(None)), hint)

    def parse(text: str) -> Any:
        try:
            value = base(text)
            if name == "temperature" and value == 0:
                return 0.0  # 0 means greedy, as in other tools
            return coerce(name, hint, spec, value)
        except (ValueError, SettingError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    parse.__name__ = base.__name__  # argparse names the type in its messages
    return parse


def add_setting_flags(group: Any, cls: type, skip: tuple[str, ...] = ()) -> None:
    """One flag per declared setting of `cls` (e.g. --temperature, --max-new-tokens)."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        spec, hint = spec_of(f), hints[f.name]
        flag = "--" + f.name.replace("_", "-")
        if hint is bool:
            group.add_argument(flag, action=argparse.BooleanOptionalAction, help=spec.help)
        elif typing.get_origin(hint) is list:
            group.add_argument(
                flag, action="append", metavar="TEXT", help=f"{spec.help} Repeat for more."
            )
        elif spec.choices:
            group.add_argument(flag, choices=spec.choices, help=spec.help)
        else:
            metavar = f.name.split("_")[-1].upper()
            group.add_argument(
                flag, type=value_type(f.name, hint, spec), metavar=metavar, help=spec.help
            )


def add_source_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """--text or --file (one of them): the text a command works on."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help=f"the text to {verb}")
    source.add_argument("--file", type=Path, help=f"{verb} the text of this file ('-' = stdin)")


class CliContext:
    """One run of a feature's command."""

    def __init__(self, args: argparse.Namespace, task: str) -> None:
        self.args = args
        self.task = task

    @cached_property
    def settings(self) -> Settings:
        return load_cli_settings()

    # ------------------------------------------------------------- reporting

    @staticmethod
    def fail(message: str) -> NoReturn:
        raise CliError(message)

    @staticmethod
    def usage(message: str) -> NoReturn:
        raise UsageError(message)

    @staticmethod
    def say(message: str) -> None:
        """A line for the person at the terminal (stderr), e.g. progress."""
        print(message, file=sys.stderr)

    @staticmethod
    def note(message: str) -> None:
        print(f"writer-cli: note: {message}", file=sys.stderr)

    # ---------------------------------------------------------------- inputs

    def decoding(self) -> Decoding:
        """Saved settings, then `--preset`, then each flag given; checked before any model
        loads."""
        return decoding_from_args(self.settings, self.args)

    def read_source(self, tail_bytes: int | None = None) -> str:
        """The text of --text, or of --file ('-' = stdin).

        With `tail_bytes`, only about that many bytes of the end of the text are read (for
        work that needs only the end, however large the file)."""
        args = self.args
        if args.text is not None:
            text = str(args.text)
            return text if tail_bytes is None else text[-tail_bytes:]
        if str(args.file) == "-":
            return read_stdin(tail_bytes)
        from writer_app.documents import DocumentError, read_document, read_document_tail

        try:
            if tail_bytes is not None:
                return read_document_tail(args.file, tail_bytes)
            text, _fmt = read_document(args.file)
        except DocumentError as exc:
            raise CliError(str(exc)) from exc
        return text

    def model_settings(self) -> Model:
        """The saved model settings with the flags given on top."""
        return model_settings(self.settings, self.args)

    def load(self) -> Backend:
        """The backend (the local model, or a server), opened as the settings and flags say
        (progress on stderr). Settings the backend cannot take are named, not dropped
        silently; a flag it cannot take is an error."""
        from writer_app.engine.backend import BackendError
        from writer_app.engine.backends import open_backend
        from writer_app.engine.loader import ModelLoadError

        model = self.model_settings()
        try:  # the adapter is applied below, where a flag given and a setting saved differ
            backend = open_backend(dataclasses.replace(model, adapter=""), self.say)
        except (ModelLoadError, BackendError) as exc:
            raise CliError(str(exc)) from exc
        if model.adapter:
            self._use_adapter(backend, model.adapter)
        for notice in backend.notices:
            self.note(notice)
        unusable = backend.unsupported(self.decoding())
        # Asked for by flag, or banned words (never dropped): an error; saved knobs: a note.
        refused = [
            line
            for knob, line in unusable.items()
            if getattr(self.args, knob, None) or knob == "banned_words"
        ]
        if refused:
            raise UsageError("; ".join(refused))
        for line in unusable.values():
            self.note(f"{line}; not used")
        return backend

    def _use_adapter(self, backend: Backend, name: str) -> None:
        """`--adapter NAME` (for every prompt of this command), or the saved setting (for
        what Settings → Adapter used for says, as in the app). One asked for on the command
        line that cannot be used is an error; a saved one is a note, and the model is used
        without it."""
        from writer_app.engine.adapters import AdapterError

        explicit = getattr(self.args, "adapter", None) is not None
        use = getattr(backend, "use_adapter", None)
        if use is None:
            if explicit:
                raise UsageError("--adapter works with the local model only, not on a server")
            self.note(f"the adapter {name!r} is used with the local model only; not used")
            return
        try:
            use(name, "all" if explicit else self.model_settings().adapter_scope)
        except AdapterError as exc:
            if explicit:
                raise CliError(str(exc)) from None
            self.note(f"{exc}; continuing without it")

    @contextlib.contextmanager
    def interrupt_event(self) -> Iterator[threading.Event]:
        """An event that Ctrl+C sets, so a long job stops cleanly and keeps its work; a
        second Ctrl+C interrupts at once (KeyboardInterrupt)."""
        cancel = threading.Event()
        if threading.current_thread() is not threading.main_thread():
            yield cancel  # signals reach only the main thread
            return

        def interrupted(_signum: int, _frame: Any) -> None:
            cancel.set()
            signal.signal(signal.SIGINT, previous)

        previous = signal.signal(signal.SIGINT, interrupted)
        try:
            yield cancel
        finally:
            signal.signal(signal.SIGINT, previous)


def load_cli_settings() -> Settings:
    """The saved settings; if the file was damaged or had bad entries (they fall back to
    their defaults), one line on stderr says so."""
    from writer_app import paths
    from writer_app.config import load_settings

    loaded = load_settings(paths.settings_file())
    if loaded.notices:
        notice = " ".join("; ".join(loaded.notices).splitlines())
        print(f"writer-cli: note: settings: {notice}", file=sys.stderr)
    return loaded.settings


def read_stdin(tail_bytes: int | None = None) -> str:
    """Standard input as text (UTF-8, else the terminal's encoding when all of it is read;
    line ends made \\n): all of it, or only about its last `tail_bytes` bytes (the rest is
    read and dropped as it comes). Bytes that decode neither way are a CliError naming the
    first one that is not UTF-8."""
    stream = sys.stdin
    raw = getattr(stream, "buffer", None)
    if raw is None:  # a text stream without bytes beneath (replaced, as in tests)
        text = stream.read()
        return text if tail_bytes is None else text[-tail_bytes:]
    total = 0
    kept = bytearray()
    while chunk := raw.read(1 << 20):
        total += len(chunk)
        kept += chunk
        if tail_bytes is not None and len(kept) > 2 * tail_bytes:
            del kept[: len(kept) - tail_bytes]
    data = bytes(kept)
    skipped = total - len(data)
    if tail_bytes is not None and len(data) > tail_bytes:
        skipped += len(data) - tail_bytes
        data = data[-tail_bytes:]
    cut = 0
    if skipped:  # started mid-text: skip the rest of a character cut in two
        while cut < min(3, len(data)) and 0x80 <= data[cut] <= 0xBF:
            cut += 1
    try:
        text = data[cut:].decode("utf-8")
    except UnicodeDecodeError as exc:
        # A terminal in another encoding (GB18030, say) pipes text in that encoding.
        terminal = getattr(stream, "encoding", None) or "utf-8"
        try:
            text = "" if skipped else data.decode(terminal)
        except (UnicodeDecodeError, LookupError):
            text = ""
        if not text:
            offset = skipped + cut + exc.start
            raise CliError(
                f"standard input is not UTF-8 text: byte 0x{data[cut + exc.start]:02X} at "
                f"offset {offset} cannot be decoded"
            ) from None
    if not skipped:
        text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def model_settings(settings: Settings, args: argparse.Namespace) -> Model:
    """The saved model settings with the flags given on top."""
    from writer_app.config import Model

    given = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(Model)
        if getattr(args, f.name, None) is not None
    }
    if given.get("server") and "backend" not in given:
        given["backend"] = "server"  # --server URL means: run there
    return dataclasses.replace(settings.model, **given)


def decoding_from_args(settings: Settings, args: argparse.Namespace) -> Decoding:
    """Saved settings, then `--preset`, then each flag given; checked before any model loads."""
    from writer_app.config import find_preset, with_knobs
    from writer_app.decoding import problems

    task = args.task
    current = copy.deepcopy(settings.decoding(task))
    try:
        if args.preset:
            current = with_knobs(current, find_preset(settings, task, args.preset))
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc
    given = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(Decoding)
        if getattr(args, f.name) is not None
    }
    if "max_new_tokens" in given and "max_time" not in given:
        given["max_time"] = 0.0  # asking for N tokens means N tokens, not a latency bound
    if given.get("temperature") == 0.0:
        given.pop("temperature")
        given.setdefault("do_sample", False)
    elif "do_sample" not in given and any(name in given for name in SAMPLING_FLAGS):
        given["do_sample"] = True  # asking for a temperature means asking to sample
    decoding = dataclasses.replace(current, **given)
    found = problems(decoding)
    if found:
        raise UsageError("these settings cannot work together: " + "; ".join(found))
    return decoding
