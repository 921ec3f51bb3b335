"""``depot pull [flags] [buildID]``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    about = "Pull a project's build from the Depot registry"
    parser = subparsers.add_parser("pull", help=about, description=about)
    parser.add_argument("build_id", nargs="?", default="", metavar="buildID")
    parser.add_argument("--project", default="", help="Depot project ID (for pulling by tag, not supported yet)")
    parser.add_argument("--token", default="", help="Depot token")
    parser.add_argument("-t", "--tag", action="append", default=[], help="Optional tags to apply to the image")
    parser.add_argument("--target", action="append", default=[], help="Pull image for specific bake targets")
    parser.add_argument("--platform", default="", help="Pulls image for specific platform (linux/amd64, linux/arm64)")
    parser.add_argument("--progress", default="auto", choices=("auto", "plain", "tty", "quiet"),
                        help='Set type of progress output ("auto", "plain", "tty", "quiet")')
    parser.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    from depotci.core.commands.pull import pull

    return pull(ns.build_id, ns.token, ns.tag, ns.target, ns.platform, ns.progress, dict(os.environ), sys.stderr)
