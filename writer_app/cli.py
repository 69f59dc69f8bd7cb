"""`writer-cli`: Writer's features without the window.

The decoding and model flags are derived from the settings declarations in `config.py`:
flags override the saved settings (and `--preset`), which override the defaults. Errors are
one line on stderr and a non-zero exit status: 1 when the work failed (no model, unreadable
file), 2 for wrong usage (including settings that cannot work together), 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from writer_app import __version__, paths
from writer_app.config import (
    TASK_TITLES,
    TASKS,
    Decoding,
    Model,
    SettingError,
    Settings,
    coerce,
    find_preset,
    load_settings,
    matching_preset,
    preset_names,
    spec_of,
)
from writer_app.tasks.continuation import STOP_CHOICES, ContinuationRequest

SAMPLING_FLAGS = ("temperature", "top_k", "top_p", "min_p", "typical_p")


class CliError(Exception):
    """A failure to report as one line on stderr."""


class UsageError(CliError):
    """Wrong usage: reported like argparse's own errors (exit status 2)."""


def _value_type(name: str, hint: Any, spec: Any) -> Any:
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


def _add_setting_flags(group: Any, cls: type, skip: tuple[str, ...] = ()) -> None:
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
                flag, type=_value_type(f.name, hint, spec), metavar=metavar, help=spec.help
            )


def _decoding_options(parser: argparse.ArgumentParser, task: str) -> None:
    group = parser.add_argument_group(f"decoding (override the saved {TASK_TITLES[task]} settings)")
    group.add_argument(
        "--preset", metavar="NAME", help="start from this preset (see `writer-cli presets`)"
    )
    _add_setting_flags(group, Decoding)
    group.set_defaults(task=task)


def _model_options(parser: argparse.ArgumentParser) -> None:
    _add_setting_flags(parser.add_argument_group("model"), Model, skip=("extra_paths",))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="writer-cli", description="Writer's assistant features from the command line."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cont = commands.add_parser("continue", help="print a continuation of some text")
    source = cont.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the text to continue")
    source.add_argument("--file", type=Path, help="continue the text of this file ('-' = stdin)")
    cont.add_argument(
        "--until",
        choices=STOP_CHOICES,
        default="length",
        help="stop at the end of a sentence or paragraph, or only at the length limit",
    )
    _decoding_options(cont, "continuation")
    _model_options(cont)
    cont.set_defaults(parser=cont)

    rewrite = commands.add_parser("rewrite", help="print text rewritten in a style")
    rewrite.add_argument(
        "--style", required=True, help="a style name (see `writer-cli styles`; any case)"
    )
    source = rewrite.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the text to rewrite")
    source.add_argument("--file", type=Path, help="rewrite the text of this file ('-' = stdin)")
    _decoding_options(rewrite, "rewrite")
    _model_options(rewrite)
    rewrite.set_defaults(parser=rewrite)

    commands.add_parser("styles", help="list the rewrite styles, one per line")

    presets = commands.add_parser("presets", help="list the decoding presets of each task")
    presets.add_argument("--task", choices=TASKS, help="only this task")

    commands.add_parser("models", help="list the models Writer can use")

    bench = commands.add_parser(
        "bench", help="measure speed against plain transformers and llama.cpp; prints a table"
    )
    bench.add_argument("--quick", action="store_true", help="few iterations (for CI)")
    bench.add_argument(
        "--no-gui", dest="gui", action="store_false", help="skip the GUI-thread timer check"
    )
    _model_options(bench)
    return parser


def decoding_from_args(settings: Settings, args: argparse.Namespace) -> Decoding:
    """Saved settings, then `--preset`, then each flag given; checked before any model loads."""
    task = args.task
    try:
        decoding = find_preset(settings, task, args.preset) if args.preset else None
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc
    decoding = decoding or copy.deepcopy(settings.decoding(task))
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
    decoding = dataclasses.replace(decoding, **given)
    from writer_app.decoding import problems

    found = problems(decoding)
    if found:
        raise UsageError("these settings cannot work together: " + "; ".join(found))
    return decoding


def _read_source(args: argparse.Namespace) -> str:
    if args.text is not None:
        return str(args.text)
    if str(args.file) == "-":
        return sys.stdin.read()
    from writer_app.documents import DocumentError, read_document

    try:
        text, _fmt = read_document(args.file)
    except DocumentError as exc:
        raise CliError(str(exc)) from exc
    return text


def _model_settings(settings: Settings, args: argparse.Namespace) -> Model:
    """The saved model settings with the flags given on top."""
    return dataclasses.replace(
        settings.model,
        **{
            f.name: getattr(args, f.name)
            for f in dataclasses.fields(Model)
            if getattr(args, f.name, None) is not None
        },
    )


def _load(settings: Settings, args: argparse.Namespace) -> Any:
    model = _model_settings(settings, args)
    from writer_app.engine.loader import ModelLoadError, load_model

    try:
        return load_model(
            model.model,
            model.device,
            progress=lambda m: print(m, file=sys.stderr),
            precision=model.precision,
            threads=model.threads,
        )
    except ModelLoadError as exc:
        raise CliError(str(exc)) from exc


def cmd_continue(args: argparse.Namespace) -> int:
    settings = load_settings(paths.settings_file()).settings
    if args.alternatives is None:
        args.alternatives = 1  # one continuation, unless more are asked for
    decoding = decoding_from_args(settings, args)
    text = _read_source(args)
    if not text.strip():
        raise CliError("There is no text to continue")
    lm = _load(settings, args)
    from writer_app.assistant import suggest

    request = ContinuationRequest(text, args.until)
    results = suggest(lm, request, decoding, context_tokens=settings.editor.context_tokens)
    print("\n---\n".join(results or [""]))
    return 0


def cmd_rewrite(args: argparse.Namespace) -> int:
    from writer_app.tasks.rewrite import find_style, user_styles

    settings = load_settings(paths.settings_file()).settings
    try:
        style = find_style(args.style, user_styles(settings.styles))
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc
    decoding = decoding_from_args(settings, args)
    text = _read_source(args)
    if not text.strip():
        raise CliError("There is no text to rewrite")
    lm = _load(settings, args)
    from writer_app.assistant import rewrite_text

    result = rewrite_text(lm, text, style, decoding)
    if result.failed:
        print(
            f"writer-cli: note: {result.failed} of {result.total} passages came back empty "
            "and were kept as they were",
            file=sys.stderr,
        )
    sys.stdout.write(result.text if result.text.endswith("\n") else result.text + "\n")
    return 0


def cmd_styles(_args: argparse.Namespace) -> int:
    from writer_app.tasks.rewrite import style_names, user_styles

    settings = load_settings(paths.settings_file()).settings
    print("\n".join(style_names(user_styles(settings.styles))))
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    settings = load_settings(paths.settings_file()).settings
    for task in [args.task] if args.task else TASKS:
        current = matching_preset(settings, task)
        own = settings.presets.get(task, {})
        print(f"{TASK_TITLES[task]}:")
        for name in preset_names(settings, task):
            marks = ["yours" if name in own else "built-in"]
            if name == current:
                marks.append("current")
            print(f"  {name} ({', '.join(marks)})")
    return 0


def cmd_models(_args: argparse.Namespace) -> int:
    from writer_app.engine.models import discover_models

    settings = load_settings(paths.settings_file()).settings
    found, problems = discover_models(settings.model.extra_paths)
    for info in found:
        print(info.describe())
    for problem in problems:
        print(f"writer-cli: note: {problem}", file=sys.stderr)
    return 0 if found else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from writer_app import bench

    settings = load_settings(paths.settings_file()).settings
    model = _model_settings(settings, args)
    try:
        report = bench.run(
            model, quick=args.quick, gui=args.gui, progress=lambda m: print(m, file=sys.stderr)
        )
    except LookupError as exc:
        raise CliError(str(exc)) from exc
    print(report.table())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {
        "continue": cmd_continue,
        "rewrite": cmd_rewrite,
        "styles": cmd_styles,
        "presets": cmd_presets,
        "models": cmd_models,
        "bench": cmd_bench,
    }
    try:
        return commands[args.command](args)
    except UsageError as exc:
        getattr(args, "parser", parser).print_usage(sys.stderr)
        print(f"writer-cli: error: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"writer-cli: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("writer-cli: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
