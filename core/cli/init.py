"""``depot init [dir] [--project ID] [--force] [--token]``: create a ``depot.json`` project config."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "init", help="Create a `depot.json` project config", description="Create a `depot.json` project config",
        usage="depot init [flags] [<dir>]",
    )
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--force", action="store_true", help="Overwrite any existing project configuration")
    p.add_argument("--project", default="", help="The ID of the project to initialize")
    p.add_argument("--token", default="", help="Depot token")
    p.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    from depotci.core.commands.init import init_project

    return init_project(ns.dir, ns.project, ns.force, ns.token, dict(os.environ), sys.stdin, sys.stdout, sys.stderr)
