"""``depot build`` (alias ``b``): flags -> BuildOptions -> the build command."""

from __future__ import annotations

import argparse
import os
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    from depotci.core.buildopts.flags import add_build_flags

    parser = subparsers.add_parser(
        "build", aliases=["b"], help="Start a build", description="Start a build",
        usage="depot build [OPTIONS] PATH | URL | - [flags]",
    )
    add_build_flags(parser)
    parser.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    from depotci.core.buildopts.options import options_from_args
    from depotci.core.commands.build import run_build

    env = dict(os.environ)
    opts = options_from_args(ns, env, os.getcwd())
    run_build(opts, env)
    return 0
