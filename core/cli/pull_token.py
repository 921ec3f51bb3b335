"""``depot pull-token [flags] ([buildID])``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    about = "Create a new pull token for the registry"
    parser = subparsers.add_parser("pull-token", help=about, description=about)
    parser.add_argument("build_id", nargs="?", default="", metavar="buildID")
    parser.add_argument("--project", default="", help="Depot project ID")
    parser.add_argument("--token", default="", help="Depot token")
    parser.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    from depotci.core.commands.pull_token import pull_token

    return pull_token(ns.build_id, ns.project, ns.token, dict(os.environ), os.getcwd(), sys.stdout)
