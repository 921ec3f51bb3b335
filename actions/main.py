"""``depotci-github <build|bake>``: the one runner for the GitHub Actions side. It owns the log stream and
turns any error into an ``::error`` annotation (with file and line when the error has a position) and
exit code 1; the commands themselves contain no error plumbing beyond their own reporting."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from depotci.actions.annotations import error_annotation
from depotci.actions.env import GitHubEnv
from depotci.actions.outputs import Workflow
from depotci.actions.report import annotate
from depotci.core.errors import DepotError, internal_error

__all__ = ["COMMANDS", "main", "run"]

COMMANDS = ("build", "bake")


def run(argv: Sequence[str], env: Mapping[str, str], log: TextIO, cwd: str) -> int:
    """Run one command with ``env`` as the process environment; returns the exit code."""
    if len(argv) != 1 or argv[0] not in COMMANDS:
        log.write(f"::error::usage: depotci-github {{{'|'.join(COMMANDS)}}}\n")
        return 2
    gh = GitHubEnv.from_env(env)
    wf = Workflow(log, output_file=gh.output_file, summary_file=gh.summary_file)
    try:
        if argv[0] == "build":
            from depotci.actions.build_command import run_build_push

            return run_build_push(env, wf, cwd=cwd)
        from depotci.actions.bake_command import run_bake_action

        return run_bake_action(env, wf, cwd=cwd)
    except DepotError as exc:
        annotate(wf, [error_annotation(exc, workspace=gh.workspace, cwd=cwd)])
        return 1
    except KeyboardInterrupt:
        wf.command("error", "canceled")
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug still ends as one annotation
        annotate(wf, [error_annotation(internal_error(exc, env), workspace=gh.workspace, cwd=cwd)])
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    return run(args, dict(os.environ), sys.stdout, os.getcwd())


if __name__ == "__main__":
    sys.exit(main())
