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
import codecs
import dataclasses
import sys
from collections.abc import Sequence

from writer_app import __version__, paths
from writer_app.cli_context import (
    CliContext,
    CliError,
    UsageError,
    add_setting_flags,
    decoding_from_args,
    load_cli_settings,
    model_settings,
    value_type,
)
from writer_app.config import (
    FEATURES,
    TASK_TITLES,
    TASKS,
    Decoding,
    Model,
    matching_preset,
    preset_names,
    spec_of,
)
from writer_app.engine.backend import BackendError
from writer_app.features import TOOLS

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

    for tool in TOOLS:  # commands without decoding settings: writer-cli adapt, adapters
        sub = commands.add_parser(tool.name, help=tool.help)
        tool.add_arguments(sub)
        sub.set_defaults(parser=sub, tool=tool)

    commands.add_parser("styles", help="list the rewrite styles, one per line")

    presets = commands.add_parser("presets", help="list the decoding presets of each task")
    presets.add_argument("--task", choices=TASKS, help="only this task")

    models = commands.add_parser(
        "models", help="list the models Writer can use (with --server, the server's)"
    )
    models.add_argument("--server", metavar="URL", help="list this server's models instead")
    timeout = next(f for f in dataclasses.fields(Model) if f.name == "server_timeout")
    models.add_argument(
        "--server-timeout",
        type=value_type("server_timeout", float, spec_of(timeout)),
        default=None,
        metavar="SECONDS",
        help="wait this long",
    )
    actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    pull = actions.add_parser(
        "pull", help="download a model from the Hugging Face Hub (resumable; Ctrl+C pauses)"
    )
    pull.add_argument("repo", metavar="REPO", help="a repo id, e.g. Qwen/Qwen2.5-1.5B-Instruct")
    pull.add_argument("--file", metavar="NAME", help="which .gguf file of a GGUF repo to get")
    pull.add_argument(
        "--revision", default="main", metavar="REV", help="a branch, tag or commit (main)"
    )
    remove = actions.add_parser("rm", help="delete a downloaded model from the cache")
    remove.add_argument("repo", metavar="REPO", help="its repo id")

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

    settings = load_cli_settings()
    print("\n".join(style_names(user_styles(settings.styles))))
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    settings = load_cli_settings()
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


def _models_pull(args: argparse.Namespace) -> int:
    """`models pull`: a progress bar on a terminal; stdout gets what --model takes."""
    from tqdm import tqdm

    from writer_app.engine import library

    interactive = sys.stderr.isatty()
    try:
        plan = library.plan(args.repo, args.revision, args.file)
    except library.LibraryError as exc:
        raise CliError(str(exc)) from exc
    if interactive:
        print(f"writer-cli: {plan.summary()}", file=sys.stderr)
        for note in plan.notes:
            print(f"writer-cli: note: {note}", file=sys.stderr)
    bars: list[tqdm] = []

    def show(p: library.Progress) -> None:
        if not interactive:
            return
        if not bars:
            bars.append(tqdm(total=p.total, initial=p.done, unit="B", unit_scale=True))
        bars[0].update(p.done - bars[0].n)
        bars[0].set_postfix_str(p.note or p.file, refresh=False)

    try:
        result = library.Downloader(plan, show).run()
    except KeyboardInterrupt:
        if bars:
            bars[0].close()
        print(
            f"writer-cli: paused {plan.repo_id}: what was downloaded is kept; run the same "
            "command again to resume",
            file=sys.stderr,
        )
        return 130
    except library.LibraryError as exc:
        if bars:
            bars[0].close()
        raise CliError(str(exc)) from exc
    if bars:
        bars[0].close()
    print(result.spec)
    if interactive:
        print(f"writer-cli: ready: use it with --model {result.spec}", file=sys.stderr)
    return 0


def _models_rm(args: argparse.Namespace) -> int:
    from writer_app.engine import library

    try:
        freed = library.remove(args.repo)
    except library.LibraryError as exc:
        raise CliError(str(exc)) from exc
    print(f"writer-cli: removed {args.repo} ({library.format_size(freed)} freed)", file=sys.stderr)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from writer_app.engine.models import discover_models

    action = getattr(args, "models_action", None)
    if action == "pull":
        return _models_pull(args)
    if action == "rm":
        return _models_rm(args)
    settings = load_cli_settings()
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
    from writer_app.engine.library import format_size, local_repos
    from writer_app.engine.models import ModelInfo

    listed = {str(info.path) for info in found}
    for repo in local_repos():  # downloaded GGUF files, and downloads not finished
        for gguf in repo.gguf_files:
            if str(gguf) not in listed:
                size = gguf.stat().st_size
                print(ModelInfo(str(gguf), gguf.stem, "hf-cache", gguf, size).describe())
        if repo.partial_bytes:
            problems.append(
                f"{repo.repo_id}: {format_size(repo.partial_bytes)} downloaded, not finished "
                f"(`writer-cli models pull {repo.repo_id}` resumes it)"
            )
    for problem in problems:
        print(f"writer-cli: note: {problem}", file=sys.stderr)
    return 0 if found else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from writer_app import bench

    settings = load_cli_settings()
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


# Encodings that can write every character (GB18030 encodes all of Unicode).
_WHOLE_UNICODE = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030"})


def _safe_output() -> None:
    """Text that the terminal's encoding cannot write (Chinese on a Latin-1 or ASCII
    terminal) comes out as \\uXXXX escapes instead of ending the command with an error;
    UTF-8 and GB18030 terminals get the characters themselves."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or getattr(stream, "errors", None) != "strict":
            continue
        try:
            whole = codecs.lookup(encoding).name in _WHOLE_UNICODE
        except LookupError:
            whole = False
        if not whole and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _one_line(message: object) -> str:
    return " ".join(str(message).splitlines())


def main(argv: Sequence[str] | None = None) -> int:
    _safe_output()
    parser = _parser()
    args = parser.parse_args(argv)
    paths.remove_stale_leftovers()  # what a killed run left (old temporary files of ours)
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
        tool = getattr(args, "tool", None)
        if tool is not None:
            return int(tool.run(CliContext(args, tool.name)))
        return commands[args.command](args)
    except UsageError as exc:
        getattr(args, "parser", parser).print_usage(sys.stderr)
        print(f"writer-cli: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (CliError, BackendError) as exc:
        print(f"writer-cli: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("writer-cli: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
