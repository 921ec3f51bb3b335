"""``depot login [--clear] [--org-id ID] [--quiet]`` and ``depot login token``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("login", help="Authenticate the Depot CLI", description="Authenticate the Depot CLI")
    p.add_argument("--clear", action="store_true", help="Clear any existing token before logging in")
    p.add_argument("--org-id", default="", help="The organization ID to login to")
    p.add_argument("--quiet", action="store_true",
                   help="Suppress the notice when already authenticated (exit 0 no-op if logged in)")
    p.set_defaults(func=_login)
    sub = p.add_subparsers(dest="login_command")
    t = sub.add_parser("token", help="Print the stored Depot API token", description="Print the stored Depot API token")
    t.set_defaults(func=_token)


def _login(ns: argparse.Namespace) -> int:
    from depotci.core.commands.login import login

    return login(ns.clear, ns.org_id, ns.quiet, dict(os.environ), sys.stdin, sys.stdout, sys.stderr)


def _token(ns: argparse.Namespace) -> int:
    from depotci.core.commands.login import login_token

    return login_token(dict(os.environ), sys.stdout)
