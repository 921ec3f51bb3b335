"""``depot cache reset [dir] [--project] [--token]``: ResetProjectCache, then ``Cache reset for <name> (<org>)``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from depotci.core.auth import session
from depotci.core.auth.project import resolve_project
from depotci.core.auth.session import require_token
from depotci.core.errors import InputError

__all__ = ["reset_cache"]


def reset_cache(directory: str, project_flag: str, token_flag: str, env: Mapping[str, str], cwd: str, stdout: TextIO) -> int:
    """The project comes from ``--project``, ``DEPOT_PROJECT_ID`` or the config above ``directory`` (or cwd)."""
    start = os.path.abspath(directory) if directory else cwd
    project = resolve_project(project_flag, env, [start])
    if project is None:
        raise InputError("unknown project ID (run `depot init` or use --project or $DEPOT_PROJECT_ID)")
    token = require_token(token_flag, env)
    api = session.accounts_api(env)
    try:
        resp = api.reset_project_cache(token, project.project_id)
    finally:
        api.client.close()
    stdout.write(f"Cache reset for {resp.name} ({resp.org_name})\n")
    return 0
