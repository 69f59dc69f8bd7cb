"""`writer-cli`: Writer's features without the window.

The decoding and model flags are derived from the settings declarations in `config.py`:
flags override the saved settings (and `--preset`), which override the defaults. Errors are
one line on stderr and a non-zero exit status: 1 when the work failed (no model, unreadable
file), 2 for wrong usage (including settings that cannot work together), 130 when
interrupted.
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
from collections.abc import Iterator, Sequence
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

    code = commands.add_parser(
        "code", help="write the body of a Python function from its docstring; prints the file"
    )
    code.add_argument("file", type=Path, metavar="FILE", help="the Python file")
    code.add_argument(
        "--function",
        metavar="NAME",
        help="the function to write (f or Class.method); default: the first one with a "
        "docstring and no body",
    )
    code.add_argument(
        "--in-place", action="store_true", help="write the result back to FILE instead of printing"
    )
    code.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        help="run the docstring's examples (doctests) against each candidate in a sandboxed "
        "child process and propose the first that passes; this runs generated code "
        "(default: the Run generated code setting, off unless you turned it on)",
    )
    alternatives = next(f for f in dataclasses.fields(Decoding) if f.name == "alternatives")
    code.add_argument(
        "--candidates",
        dest="alternatives",
        metavar="N",
        type=_value_type("alternatives", int, spec_of(alternatives)),
        help="how many bodies the model may write (the same as --alternatives)",
    )
    _decoding_options(code, "code")
    _model_options(code)
    code.set_defaults(parser=code)

    draft = commands.add_parser(
        "draft", help="write an article from a Markdown outline, section by section"
    )
    draft.add_argument(
        "outline", type=Path, metavar="OUTLINE", help="the outline (Markdown; '-' = stdin)"
    )
    draft.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the article here (default: stdout)"
    )
    draft.add_argument(
        "--length",
        default="medium",
        metavar="LENGTH",
        help="short, medium, long, or a number of words per section (default: medium)",
    )
    draft.add_argument("--tone", metavar="STYLE", help="a rewrite style (see `writer-cli styles`)")
    draft.add_argument("--audience", metavar="TEXT", help="who the article is for")
    _decoding_options(draft, "draft")
    _model_options(draft)
    draft.set_defaults(parser=draft)

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


def cmd_code(args: argparse.Namespace) -> int:
    from writer_app.coding import CodeTaskError, empty_functions, find_target, generate_body
    from writer_app.documents import DocumentError, read_document, write_document

    settings = load_settings(paths.settings_file()).settings
    decoding = decoding_from_args(settings, args)
    try:
        text, fmt = read_document(args.file)
    except DocumentError as exc:
        raise CliError(str(exc)) from exc
    try:  # before the model loads: is there anything to write?
        if args.function is not None:
            where = find_target(text, args.function).name
        else:
            todo = empty_functions(text)
            if not todo:
                raise CliError(
                    f"{args.file}: no function has a docstring and an empty body; "
                    "write one, or name a function with --function"
                )
            where = todo[0].name
            if len(todo) > 1:
                others = ", ".join(t.name for t in todo[1:])
                print(
                    f"writer-cli: note: writing {where}(); also without a body: {others} "
                    "(choose with --function)",
                    file=sys.stderr,
                )
    except CodeTaskError as exc:
        raise CliError(f"{args.file}: {exc}") from exc
    verify = settings.editor.run_generated_code if args.verify is None else args.verify
    lm = _load(settings, args)
    result = generate_body(
        lm,
        text,
        where,
        decoding,
        candidates=decoding.alternatives,
        verify_doctests=verify,
        on_update=lambda m: print(m, file=sys.stderr),
    )
    if result.edit is None:
        raise CliError(result.message)
    print(f"writer-cli: {result.message}", file=sys.stderr)
    if args.in_place:
        try:
            write_document(args.file, result.edit.source, fmt)
        except DocumentError as exc:
            raise CliError(str(exc)) from exc
        print(f"writer-cli: wrote {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(result.edit.source)
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from writer_app.documents import DocumentError, TextFormat, read_document, write_document
    from writer_app.drafting import DraftOptions, DraftUpdate, cjk_warning, draft_article
    from writer_app.tasks.outline import OutlineError, parse_outline
    from writer_app.tasks.rewrite import find_style, user_styles

    settings = load_settings(paths.settings_file()).settings
    try:
        tone = find_style(args.tone, user_styles(settings.styles)) if args.tone else None
        options = DraftOptions(args.length, tone, args.audience or "")
        options.words  # noqa: B018 -- checks the length
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    decoding = decoding_from_args(settings, args)
    try:
        text = sys.stdin.read() if str(args.outline) == "-" else read_document(args.outline)[0]
        outline = parse_outline(text)
    except (DocumentError, OutlineError) as exc:
        raise CliError(str(exc)) from exc
    lm = _load(settings, args)
    if warning := cjk_warning(outline, lm.info.name):
        print(f"writer-cli: note: {warning}", file=sys.stderr)

    def save(update: DraftUpdate) -> None:
        if args.output is not None:
            try:
                write_document(args.output, update.text, TextFormat())
            except DocumentError as exc:
                raise CliError(str(exc)) from exc

    finished: list[int] = [0]

    def progress(update: DraftUpdate) -> None:
        bar.set_description_str(update.label, refresh=False)
        if update.section > finished[0]:  # sections before it are done: keep them on disk
            bar.update(update.section - finished[0])
            finished[0] = update.section
            save(DraftUpdate(outline, update.proses[: update.section], update.section, True))

    from tqdm import tqdm

    total = len(outline.sections)
    with tqdm(total=total, unit="section", file=sys.stderr, dynamic_ncols=True) as bar:
        with _interrupt_sets_event() as cancel:
            result = draft_article(
                lm, outline, options, decoding, cancel=cancel, on_update=progress
            )
        if not result.cancelled:
            bar.update(total - finished[0])
    save(result)
    if args.output is None:
        sys.stdout.write(result.text)
    if result.cancelled:
        kept = f"kept {result.section} of {total} sections"
        if result.proses[result.section :] and result.proses[result.section].strip():
            kept += " and the start of the next"
        where = f" in {args.output}" if args.output is not None else ""
        print(f"writer-cli: interrupted: {kept}{where}", file=sys.stderr)
        return 130
    if args.output is not None:
        print(f"writer-cli: wrote {args.output}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _interrupt_sets_event() -> Iterator[threading.Event]:
    """An event that Ctrl+C sets, so a long job stops cleanly and keeps its work; a second
    Ctrl+C interrupts at once (KeyboardInterrupt)."""
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
        "code": cmd_code,
        "draft": cmd_draft,
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
