"""``depot bake``: read bake files, plan, and print the plan (``--print``) or build it.

This module reads the process environment and working directory; reading, planning and building are
``depotci.core.commands.bake_run`` (shared with the CI adapters). Errors are printed the way the real CLI
prints them (the bare message, no ``error:`` prefix) and exit 1 with nothing on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from depotci.core.commands.bake_run import DEFAULT_FILES, BakeRequest, LoadedBake, read_bake_files
from depotci.core.errors import DepotError

__all__ = ["DEFAULT_FILES", "read_bake_files", "register", "run_bake"]


def register(subparsers: Any) -> None:
    """Add the ``bake`` parser (flags as in the real CLI's ``depot bake --help``)."""
    p = subparsers.add_parser(
        "bake", aliases=["f"], help="Build from a file", description="Build from a file"
    )
    p.add_argument("targets", nargs="*", metavar="TARGET")
    p.add_argument(
        "--build-platform",
        default="dynamic",
        help='Run builds on this platform ("dynamic", "linux/amd64", "linux/arm64")',
    )
    p.add_argument("-f", "--file", action="append", default=[], dest="files", help="Build definition file")
    p.add_argument("--lint", action="store_true", help="Lint Dockerfiles")
    p.add_argument(
        "--lint-fail-on",
        default="error",
        help='controls lint severity that fails the build ("info", "warn", "error", "none")',
    )
    p.add_argument("--load", action="store_true", help='Shorthand for "--set=*.output=type=docker"')
    p.add_argument("--metadata-file", default="", help="Write build result metadata to the file")
    p.add_argument("--no-cache", action="store_true", help="Do not use cache when building the image")
    p.add_argument(
        "--print", action="store_true", dest="print_only", help="Print the options without building"
    )
    p.add_argument("--progress", default="auto", help='Set type of progress output ("auto", "plain", "tty")')
    p.add_argument("--project", default="", help="Depot project ID")
    p.add_argument("--provenance", default=None, help='Shorthand for "--set=*.attest=type=provenance"')
    p.add_argument("--pull", action="store_true", help="Always attempt to pull all referenced images")
    p.add_argument("--push", action="store_true", help='Shorthand for "--set=*.output=type=registry"')
    p.add_argument("--save", action="store_true", help="Saves the build to the depot registry")
    p.add_argument(
        "--save-tag",
        action="append",
        default=[],
        help="Additional custom tag for the saved image, use with --save",
    )
    p.add_argument("--sbom", default=None, help='Shorthand for "--set=*.attest=type=sbom"')
    p.add_argument("--sbom-dir", default="", help="directory to store SBOM attestations")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        help='Override target value (e.g., "targetpattern.key=value")',
    )
    p.add_argument("--token", default="", help="Depot token")
    p.set_defaults(func=run_bake)


def run_bake(ns: argparse.Namespace) -> int:
    """Plan the bake; with ``--print`` write the plan JSON to stdout, else build it
    (``depotci.core.commands.bake_run``)."""
    from depotci.core.commands.bake_run import load_bake

    request = BakeRequest.from_namespace(ns)
    env, cwd = dict(os.environ), os.getcwd()
    try:
        loaded = load_bake(request, env, cwd)
    except DepotError as e:
        sys.stderr.write(f"{e}\n")
        return 1
    if not ns.print_only:
        return _build(request, loaded, env)
    from depotci.core.bake.printer import render_plan

    sys.stdout.write(render_plan(loaded.plan))
    sys.stdout.flush()
    return 0


def _build(request: BakeRequest, loaded: LoadedBake, env: dict[str, str]) -> int:
    """Build the plan through the Depot API when a token and a project resolve, else on the BuildKit
    endpoint (errors go to the CLI runner: ``error: ...``, exit 1)."""
    from depotci.core.commands.bake_run import prepare_bake, run_prepared_bake

    prepared = prepare_bake(request, env, loaded.cwd, loaded=loaded)
    run_prepared_bake(prepared, env)
    return 0
