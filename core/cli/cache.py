"""``depot cache reset [dir] [--project] [--token]``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cache", help="Operations for the Depot project cache", description="Operations for the Depot project cache"
    )
    parser.set_defaults(func=lambda ns: parser.print_help() or 0)
    sub = parser.add_subparsers(dest="cache_command")
    r = sub.add_parser("reset", help="Reset the cache for a project", description="Reset the cache for a project")
    r.add_argument("dir", nargs="?", default="")
    r.add_argument("--project", default="", help="Depot project ID for the cache to reset")
    r.add_argument("--token", default="", help="Depot token")
    r.set_defaults(func=_reset)


def _reset(ns: argparse.Namespace) -> int:
    from depotci.core.commands.cache_reset import reset_cache

    return reset_cache(ns.dir, ns.project, ns.token, dict(os.environ), os.getcwd(), sys.stdout)
