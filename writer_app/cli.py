"""`writer-cli`: Writer's features without the window.

Each feature's subcommand is declared with the feature (`writer_app.features`); this module
builds the parser from those declarations (with the decoding and model flags, derived from
the settings declarations: flags override the saved settings and `--preset`, which override
the defaults) and dispatches. Errors are one line on stderr and a non-zero exit status: 1
when the work failed (no model, unreadable file), 2 for wrong usage (including settings that
cannot work together), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from writer_app import __version__, paths
from writer_app.cli_context import (
    CliContext,
    CliError,
    UsageError,
    add_setting_flags,
    decoding_from_args,
    model_settings,
)
from writer_app.config import (
    FEATURES,
    TASK_TITLES,
    TASKS,
    Decoding,
    Model,
    load_settings,
    matching_preset,
    preset_names,
)
from writer_app.engine.backend import BackendError

__all__ = ["CliError", "UsageError", "decoding_from_args", "main"]


def _decoding_options(parser: argparse.ArgumentParser, task: str) -> None:
    group = parser.add_argument_group(f"decoding (override the saved {TASK_TITLES[task]} settings)")
    group.add_argument(
        "--preset", metavar="NAME", help="start from this preset (see `writer-cli presets`)"
    )
    add_setting_flags(group, Decoding)
    group.set_defaults(task=task)


def _model_options(parser: argparse.ArgumentParser) -> None:
    # The API key stays off the command line (other users can see it there): the settings
    # file or the WRITER_API_KEY environment variable.
    group = parser.add_argument_group("model (--server URL runs on a server)")
    add_setting_flags(group, Model, skip=("extra_paths", "server_key"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="writer-cli", description="Writer's assistant features from the command line."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for feature in FEATURES.values():
        command = feature.command
        if command is None:
            continue
        sub = commands.add_parser(command.name, help=command.help)
        command.add_arguments(sub)
        _decoding_options(sub, feature.name)
        _model_options(sub)
        sub.set_defaults(parser=sub, feature=feature.name)

    commands.add_parser("styles", help="list the rewrite styles, one per line")

    presets = commands.add_parser("presets", help="list the decoding presets of each task")
    presets.add_argument("--task", choices=TASKS, help="only this task")

    models = commands.add_parser(
        "models", help="list the models Writer can use (with --server, the server's)"
    )
    models.add_argument("--server", metavar="URL", help="list this server's models instead")
    models.add_argument(
        "--server-timeout", type=float, default=None, metavar="SECONDS", help="wait this long"
    )

    bench = commands.add_parser(
        "bench",
        help="measure speed against plain transformers and llama.cpp (with --server, the "
        "server against the local backend); prints a table",
    )
    bench.add_argument("--quick", action="store_true", help="few iterations (for CI)")
    bench.add_argument(
        "--no-gui", dest="gui", action="store_false", help="skip the GUI-thread timer check"
    )
    _model_options(bench)
    return parser


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


def cmd_models(args: argparse.Namespace) -> int:
    from writer_app.engine.models import discover_models

    settings = load_settings(paths.settings_file()).settings
    if args.server:
        from writer_app.engine.http_api import Endpoint, ServerError
        from writer_app.engine.remote import api_key, probe

        timeout = args.server_timeout or settings.model.server_timeout
        try:
            endpoint = Endpoint.parse(args.server, api_key(settings.model.server_key), timeout)
            server = probe(endpoint)
        except ServerError as exc:
            raise CliError(str(exc)) from exc
        print("\n".join(server.models))
        print(server.report(), file=sys.stderr)
        return 0 if server.models else 1
    found, problems = discover_models(settings.model.extra_paths)
    for info in found:
        print(info.describe())
    for problem in problems:
        print(f"writer-cli: note: {problem}", file=sys.stderr)
    return 0 if found else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from writer_app import bench

    settings = load_settings(paths.settings_file()).settings
    model = model_settings(settings, args)
    say = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        if model.backend == "server":
            report = bench.server_run(model, quick=args.quick, progress=say)
        else:
            report = bench.run(model, quick=args.quick, gui=args.gui, progress=say)
    except LookupError as exc:
        raise CliError(str(exc)) from exc
    print(report.table())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {
        "styles": cmd_styles,
        "presets": cmd_presets,
        "models": cmd_models,
        "bench": cmd_bench,
    }
    try:
        feature = getattr(args, "feature", None)
        if feature is not None:
            command = FEATURES[feature].command
            assert command is not None
            return command.run(CliContext(args, feature))
        return commands[args.command](args)
    except UsageError as exc:
        getattr(args, "parser", parser).print_usage(sys.stderr)
        print(f"writer-cli: error: {exc}", file=sys.stderr)
        return 2
    except (CliError, BackendError) as exc:
        print(f"writer-cli: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("writer-cli: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
