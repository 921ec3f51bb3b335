"""The ``depotci-gitlab`` console script: ``depotci-gitlab build`` and ``depotci-gitlab bake``, run by the
templates in ``gitlab/templates/``. The one place where exceptions become the job's exit code: a
``DepotError`` is one red ``ERROR:`` line and exit 1; an interrupt exits 130.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from depotci.core.errors import DepotError, internal_error

__all__ = ["main"]

_USAGE = "usage: depotci-gitlab build|bake (inputs come from DEPOTCI_INPUT_* job variables)"


def run(argv: Sequence[str]) -> int:
    """Dispatch the command named by ``argv[0]``."""
    if len(argv) != 1 or argv[0] not in ("build", "bake"):
        print(_USAGE, file=sys.stderr)
        return 2
    env, cwd = dict(os.environ), os.getcwd()
    if argv[0] == "build":
        from depotci.gitlab.build import run_build_job

        return run_build_job(env, cwd, sys.stdout, sys.stderr)
    from depotci.gitlab.bake import run_bake_job

    return run_bake_job(env, cwd, sys.stdout, sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except DepotError as exc:
        sys.stdout.flush()
        print(f"\x1b[31;1mERROR:\x1b[0m {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ERROR: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug still ends as one line
        sys.stdout.flush()
        print(f"\x1b[31;1mERROR:\x1b[0m {internal_error(exc, os.environ)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
