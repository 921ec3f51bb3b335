"""``depot bake``: read bake files, plan, and print the plan (``--print``) or build it.

Only this module touches the disk, stdin and the process environment; planning is
``depotci.core.bake.plan_bake``. Errors are printed the way the real CLI prints them (the bare message, no
``error:`` prefix) and exit 1 with nothing on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from depotci.core.errors import DepotError

__all__ = ["DEFAULT_FILES", "read_bake_files", "register", "run_bake"]

# the order the real CLI reads them in when no -f is given (every one that exists is used)
DEFAULT_FILES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-bake.json",
    "docker-bake.override.json",
    "docker-bake.hcl",
    "docker-bake.override.hcl",
)


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


def read_bake_files(names: list[str], cwd: str = ".") -> list[tuple[str, bytes]]:
    """Read ``-f`` files in order (``-`` is stdin, ``cwd://`` stripped) or every default file present."""
    out: list[tuple[str, bytes]] = []
    if not names:
        for n in DEFAULT_FILES:
            try:
                with open(os.path.join(cwd, n), "rb") as fh:
                    out.append((n, fh.read()))
            except FileNotFoundError:
                continue
        return out
    for n in names:
        n = n.removeprefix("cwd://")
        if n == "-":
            out.append((n, sys.stdin.buffer.read()))
            continue
        try:
            with open(os.path.join(cwd, n), "rb") as fh:
                out.append((n, fh.read()))
        except OSError as e:
            raise DepotError(f"open {n}: {(e.strerror or str(e)).lower()}") from None
    return out


def _dotenv(cwd: str = ".") -> dict[str, str]:
    try:
        with open(os.path.join(cwd, ".env"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return {}
    from depotci.core.bake.compose import parse_dotenv

    return parse_dotenv(text)


def run_bake(ns: argparse.Namespace) -> int:
    """Plan the bake; with ``--print`` write the plan JSON to stdout."""
    from depotci.core.bake.plan import PlanOptions, plan_bake

    try:
        files = read_bake_files(ns.files)
        env = dict(os.environ)
        opts = PlanOptions(
            pull=ns.pull,
            no_cache=ns.no_cache,
            push=ns.push,
            sbom=ns.sbom,
            provenance=ns.provenance,
            dotenv=_dotenv() if any(not n.endswith((".hcl", ".json")) for n, _ in files) else {},
        )
        plan = plan_bake(files, ns.targets, ns.overrides, env, opts)
    except DepotError as e:
        sys.stderr.write(f"{e}\n")
        return 1
    if not ns.print_only:
        return _build(ns, plan, files, env)
    from depotci.core.bake.printer import render_plan

    sys.stdout.write(render_plan(plan))
    sys.stdout.flush()
    return 0


def _build(ns: argparse.Namespace, plan: Any, files: list[tuple[str, bytes]], env: dict[str, str]) -> int:
    """Build the plan through the Depot API when a token and a project resolve, else on the BuildKit
    endpoint (errors go to the CLI runner: ``error: ...``, exit 1)."""
    from depotci.core.bake.to_build import plan_builds
    from depotci.core.commands.bake import refuse_api, run_bake_build
    from depotci.core.commands.bake_api import bake_api_target, run_bake_api

    cwd = os.getcwd()
    dirs = sorted({os.path.dirname(os.path.abspath(n)) for n, _ in files if n != "-"}) or [cwd]
    project_ids = [t.project_id for t in plan.targets.values()]
    target = bake_api_target(vars(ns), env, project_ids, dirs)
    if target is None:
        refuse_api(vars(ns), env, project_ids, dirs)
    builds = plan_builds(plan, cwd=cwd, env=env, load=ns.load, build_platform=ns.build_platform)
    metadata_file = os.path.abspath(ns.metadata_file) if ns.metadata_file else ""
    if target is not None:
        run_bake_api(builds, env, target, progress=ns.progress, metadata_file=metadata_file, push=ns.push, load=ns.load)
    else:
        run_bake_build(builds, env, progress=ns.progress, metadata_file=metadata_file)
    return 0
