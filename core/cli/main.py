"""The `depot` console script: parse the command line, run one command, render errors once.

Each command lives in its own module under ``depotci.core.cli`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (called with the parsed namespace, returns an exit code).
Modules are imported here, so they must stay cheap to import: heavy imports (grpc, protobuf) happen
inside the command functions.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from depotci.core.errors import DepotError, internal_error

__all__ = ["entry", "main"]

# module names under depotci.core.cli, in help order
COMMANDS = ("build", "bake", "init", "list", "projects", "cache", "login", "logout", "pull", "pull-token")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise DepotError(f"{self.prog}: {message}")


ALIASES = {"b": "build", "f": "bake"}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; when ``argv`` names a command, only that command's module is imported (start-up)."""
    parser = _Parser(prog="depot", description="depotci: fast container builds for CI")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    first = next((a for a in argv if not a.startswith("-")), None)
    wanted = ALIASES.get(first or "", first)
    names = (wanted,) if wanted in COMMANDS else COMMANDS
    for name in names:
        module_name = f"depotci.core.cli.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def run(argv: Sequence[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(list(argv))
    if args.version:
        from importlib.metadata import version

        print(f"depot version {version('depotci')} (depotci)")
        return 0
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 1
    code: int = func(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exceptions become one line on stderr and exit code 1."""
    import os

    # grpc's C core would print its own log lines on stderr; errors reach the user as one line instead
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except DepotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug still ends as one line
        print(f"error: {internal_error(exc, os.environ)}", file=sys.stderr)
        return 1


def entry() -> None:
    """Console-script entry: run main(), flush, and leave without interpreter teardown (about 40 ms of
    module and GC finalisation once grpc and protobuf are loaded). Commands clean up their temp dirs in
    their own finally blocks, so nothing relies on atexit."""
    import os

    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
