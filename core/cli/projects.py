"""``depot projects`` (alias ``p``): ``create``/``c``, ``get``, ``update``, ``delete``/``d``, ``list``/``ls``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["add_list_projects", "register"]


def add_list_projects(sub: Any, name: str, aliases: list[str]) -> None:
    """The ``list projects``/``projects list`` parser (shared with ``depot list``)."""
    p = sub.add_parser(name, aliases=aliases, help="List depot projects", description="List depot projects")
    p.add_argument("--output", default="", help="Non-interactive output format (json, csv)")
    p.add_argument("--token", default="", help="Depot token")
    p.set_defaults(func=_list)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "projects", aliases=["p"], help="Create or display depot project information",
        description="Create or display depot project information",
    )
    parser.set_defaults(func=lambda ns: _help(parser))
    sub = parser.add_subparsers(dest="projects_command")
    c = sub.add_parser("create", aliases=["c"], help="Create depot project", usage="depot projects create [flags] <project-name>")
    c.add_argument("name", nargs="?", default="")
    c.add_argument("--token", default="", help="Depot token")
    c.add_argument("-o", "--organization", default="", help="Depot organization ID")
    c.add_argument("--region", default="us-east-1", help="Build data will be stored in the chosen region")
    c.add_argument("--cache-storage-policy", type=int, default=50, help="Build cache to keep per architecture in GB")
    c.add_argument("--cache-policy-keep-days", type=int, default=14,
                   help="Build cache retention in days (0 means no limit)")
    c.set_defaults(func=_create)
    for name, helptext in (("get", "Get project details"), ("update", "Update project details")):
        g = sub.add_parser(name, help=helptext, description=helptext)
        g.add_argument("project", nargs="?", default="")
        g.add_argument("-p", "--project-id", default="", help="Depot project ID")
        g.add_argument("--token", default="", help="Depot API token")
        g.add_argument("-o", "--output", default="", help="Output format (json)")
        if name == "update":
            g.add_argument("--name", default=None, help="Project name")
            g.add_argument("--region", default=None, help="Build data storage region")
            g.add_argument("--cache-storage-policy", type=int, default=None, help="Build cache to keep per architecture in GB")
        g.set_defaults(func=_get if name == "get" else _update)
    d = sub.add_parser("delete", aliases=["d"], help="Delete a project", description="Delete a project")
    d.add_argument("-t", "--token", default="", help="Depot API token")
    d.add_argument("-p", "--project-id", default="", help="The ID of the project to delete")
    d.add_argument("-y", "--yes", action="store_true", help="Confirm deletion")
    d.set_defaults(func=_delete)
    add_list_projects(sub, "list", ["ls"])


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _list(ns: argparse.Namespace) -> int:
    from depotci.core.commands.projects import list_projects

    return list_projects(ns.token, ns.output, dict(os.environ), sys.stdout, sys.stderr)


def _create(ns: argparse.Namespace) -> int:
    from depotci.core.commands.projects import create_project

    return create_project(ns.name, ns.organization, ns.region, ns.cache_storage_policy, ns.cache_policy_keep_days,
                          ns.token, dict(os.environ), sys.stdout)


def _flags(ns: argparse.Namespace) -> Any:
    from depotci.core.commands.projects import ProjectFlags

    return ProjectFlags(ns.project, ns.project_id, ns.token, ns.output)


def _get(ns: argparse.Namespace) -> int:
    from depotci.core.commands.projects import get_project

    return get_project(_flags(ns), dict(os.environ), os.getcwd(), sys.stdout)


def _update(ns: argparse.Namespace) -> int:
    from depotci.core.commands.projects import update_project

    return update_project(_flags(ns), ns.name, ns.region, ns.cache_storage_policy, dict(os.environ), os.getcwd(), sys.stdout)


def _delete(ns: argparse.Namespace) -> int:
    from depotci.core.commands.projects import delete_project

    return delete_project(ns.project_id, ns.yes, ns.token, dict(os.environ), sys.stdin, sys.stdout, sys.stderr)
