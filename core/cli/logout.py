"""``depot logout``: blank the stored token and organization."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("logout", help="Clear authentication token", description="Clear authentication token")
    p.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    from depotci.core.commands.login import logout

    return logout(dict(os.environ), sys.stdout)
