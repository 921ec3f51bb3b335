"""``depot list`` (alias ``ls``): ``builds``/``b`` and ``projects``/``p``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "list", aliases=["ls"], help="Display depot project and build information",
        description="Display depot project and build information",
    )
    parser.set_defaults(func=lambda ns: parser.print_help() or 0)
    sub = parser.add_subparsers(dest="list_command")
    b = sub.add_parser("builds", aliases=["b"], help="List builds for a project", description="List builds for a project")
    b.add_argument("--output", default="", help="Non-interactive output format (json, csv)")
    b.add_argument("--project", default="", help="Depot project ID")
    b.add_argument("--token", default="", help="Depot token")
    b.set_defaults(func=_builds)
    from depotci.core.cli.projects import add_list_projects

    add_list_projects(sub, "projects", ["p"])


def _builds(ns: argparse.Namespace) -> int:
    from depotci.core.commands.list_builds import list_builds

    return list_builds(ns.project, ns.token, ns.output, dict(os.environ), os.getcwd(), sys.stdout, sys.stderr)
