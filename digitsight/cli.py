"""Command line: ``python -m digitsight {read,serve,evaluate,say} ...``.

Each subcommand is a thin shell over the package's public API. Heavy imports
(TensorFlow, OpenCV) happen inside the handlers so that ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

# Set (to anything) to keep what native libraries write to stderr: TensorFlow's and absl's
# logs, CUDA probing, libtiff's and libjpeg's warnings. For debugging a crash inside them.
VERBOSE_ENV = "DIGITSIGHT_VERBOSE"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m digitsight",
        description="DigitSight: read handwritten numbers from photos, scans and drawings.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    read = commands.add_parser("read", help="read the handwritten number in each IMAGE")
    read.add_argument(
        "images",
        nargs="+",
        metavar="IMAGE",
        help="image files, folders, globs, .zip archives or fsspec URLs (s3://...)",
    )
    read.add_argument("--json", action="store_true", help="print one JSON object per image and line")
    read.add_argument("--annotate", metavar="OUT_DIR", help="write each image with boxes and values drawn on it")
    read.add_argument("--force", action="store_true", help="with --annotate: overwrite files already in OUT_DIR")
    read.add_argument("--speak", metavar="WAV", help="also write the number, spoken, to this WAV file")
    read.add_argument("--model", metavar="PATH", help="a .keras model other than the shipped one")
    read.add_argument("--backend", choices=("litert", "keras"), help="run the networks with (default litert)")
    read.add_argument("-r", "--recursive", action="store_true", help="also read the images in folders' subfolders")
    read.add_argument("--workers", type=int, metavar="N", help="worker processes (default: up to one per core)")
    read.add_argument("--format", choices=("text", "jsonl", "csv"), help="output format (default text, or jsonl)")
    read.add_argument("-o", "--output", metavar="FILE", help="append records to FILE, skipping images already in it")
    read.add_argument("--scheduler", metavar="ADDRESS", help="read on this Dask cluster (tcp://HOST:8786)")
    read.set_defaults(handler=_run_read)

    serve = commands.add_parser("serve", help="read over HTTP: POST /read, GET /health, docs at /docs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="server processes, each loading the networks")
    serve.add_argument("--backend", choices=("litert", "keras"), help="run the networks with (default litert)")
    serve.add_argument("--model", metavar="PATH", help="a .keras model other than the shipped one")
    serve.add_argument("--quiet", action="store_true", help="log warnings only, not every request")
    serve.set_defaults(handler=_run_serve)

    evaluate = commands.add_parser("evaluate", help="re-measure the model on the official MNIST test set")
    evaluate.add_argument("--model", metavar="PATH", help="a .keras model other than the shipped one")
    evaluate.add_argument("--mnist", metavar="PATH", help="MNIST source: an .npz or a folder with the four IDX files")
    evaluate.add_argument("--limit", type=int, metavar="N", help="only the first N test images")
    evaluate.set_defaults(handler=_run_evaluate)

    say = commands.add_parser("say", help="speak TEXT into a WAV file")
    say.add_argument("text", metavar="TEXT")
    say.add_argument("-o", "--output", required=True, metavar="WAV", help="where to write the WAV file")
    say.add_argument("--rate", type=int, help="words per minute")
    say.add_argument("--voice", help="voice id (see pyttsx3)")
    say.set_defaults(handler=_run_say)
    return parser


def _run_read(args: argparse.Namespace) -> int:
    from digitsight.read_cli import run_read

    return run_read(args)


def _run_serve(args: argparse.Namespace) -> int:
    from digitsight.serve import run_serve

    return run_serve(args)


def _run_evaluate(args: argparse.Namespace) -> int:
    from digitsight.evaluation import run_evaluate

    return run_evaluate(args)


def _run_say(args: argparse.Namespace) -> int:
    from digitsight.speech import run_say

    return run_say(args)


def quiet_library_logs() -> None:
    """Keep TensorFlow's and absl's log lines off stderr: a user sees only DigitSight's messages.

    Must run before TensorFlow is imported (it reads TF_CPP_MIN_LOG_LEVEL once, at import).
    Python-side absl and TensorFlow loggers are set to errors only. What TensorFlow's C++
    side logs while it loads (oneDNN and CUDA notices, through absl, before any setting is
    read) only ``quiet_native_stderr`` stops.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ logs: fatal only
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging  # installed with TensorFlow; not with LiteRT alone
    except ImportError:
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


def quiet_native_stderr() -> None:
    """Send what C and C++ libraries write to file descriptor 2 to /dev/null; Python's ``sys.stderr`` stays.

    TensorFlow 2.21 logs through absl as its libraries load (``I0000 ... port.cc] oneDNN custom
    operations are on``, ``cudart_stub.cc] Could not find cuda drivers``), before any setting
    is read, and libtiff and libjpeg print warnings about damaged files the same way. DigitSight's
    own messages, Python warnings and tracebacks go through ``sys.stderr``, which is moved to a
    copy of the original descriptor, so they still reach the terminal. For the command line
    only (``python -m digitsight``): in a test or an embedding program, descriptor 2 is theirs.
    Skipped when ``$DIGITSIGHT_VERBOSE`` is set.
    """
    if os.environ.get(VERBOSE_ENV):
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = open(terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")  # noqa: SIM115 - lives as long as the process


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    quiet_library_logs()
    from digitsight.errors import DigitSightError

    try:
        return args.handler(args)
    except DigitSightError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
