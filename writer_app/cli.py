"""`writer-cli`: Writer's features without the window.

Errors are one line on stderr and a non-zero exit status: 1 when the work failed (no model,
unreadable file), 2 for wrong usage, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from writer_app import __version__, paths
from writer_app.config import Decoding, load_settings
from writer_app.tasks.continuation import STOP_CHOICES, ContinuationRequest


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("must be in (0, 1]")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


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
    cont.add_argument("--max-new-tokens", type=_positive_int, default=64, metavar="N")
    cont.add_argument("--seed", type=_non_negative_int, metavar="S", help="seed for sampling")
    cont.add_argument(
        "--temperature",
        type=_non_negative_float,
        metavar="X",
        help="sampling temperature (0 or unset = greedy)",
    )
    cont.add_argument("--top-k", type=_non_negative_int, metavar="K", help="sample from top K")
    cont.add_argument("--top-p", type=_probability, metavar="P", help="nucleus sampling mass")
    cont.add_argument(
        "--until",
        choices=STOP_CHOICES,
        default="length",
        help="stop at the end of a sentence or paragraph, or only at the length limit",
    )
    _model_options(cont)

    models = commands.add_parser("models", help="list the models Writer can use")
    models.set_defaults(command="models")
    return parser


def _model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="M",
        help="builtin, a Hugging Face repo id in the local cache, a folder or a .gguf file",
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"))


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


def _load(args: argparse.Namespace) -> object:
    settings = load_settings(paths.settings_file()).settings
    from writer_app.engine.loader import ModelLoadError, load_model

    spec = args.model or settings.model.model
    device = args.device or settings.model.device
    try:
        return load_model(spec, device, progress=lambda m: print(m, file=sys.stderr))
    except ModelLoadError as exc:
        raise CliError(str(exc)) from exc


def cmd_continue(args: argparse.Namespace) -> int:
    text = _read_source(args)
    if not text.strip():
        raise CliError("There is no text to continue")
    settings = load_settings(paths.settings_file()).settings.continuation
    sample = bool(args.temperature) or args.top_k is not None or args.top_p is not None
    defaults = Decoding()
    settings.alternatives = 1
    settings.decoding = Decoding(
        do_sample=sample,
        temperature=args.temperature or defaults.temperature,
        top_k=defaults.top_k if args.top_k is None else args.top_k,
        top_p=args.top_p or defaults.top_p,
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
    )
    lm = _load(args)
    from writer_app.assistant import suggest

    (result, *_rest) = suggest(lm, ContinuationRequest(text, args.until), settings) or [""]  # type: ignore[arg-type]
    print(result)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"continue": cmd_continue, "models": cmd_models}
    try:
        return commands[args.command](args)
    except CliError as exc:
        print(f"writer-cli: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("writer-cli: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
