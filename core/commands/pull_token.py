"""``depot pull-token [buildID] [--project] [--token]``: GetPullToken, the token printed on stdout (for
``docker login <registry> -u x-token -p <token>``). Both request fields are always sent, possibly empty,
as the real CLI does; the project comes from ``--project``, ``DEPOT_PROJECT_ID`` or ``depot.json``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from depotci.core.auth import session
from depotci.core.auth.project import resolve_project
from depotci.core.auth.session import require_token

__all__ = ["pull_token"]


def pull_token(build_id: str, project_flag: str, token_flag: str, env: Mapping[str, str], cwd: str, stdout: TextIO) -> int:
    """Print a registry pull token for the project (or the build ``build_id``)."""
    from depotci.core.api.build_service import BuildAPI

    project = resolve_project(project_flag, env, [cwd])
    token = require_token(token_flag, env)
    with session.api_client(env) as client:
        pull = BuildAPI(client).get_pull_token(token, project.project_id if project else "", build_id)
    stdout.write(pull + "\n")
    return 0
