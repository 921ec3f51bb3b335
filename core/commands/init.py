"""``depot init [dir] [--project ID] [--force]`` (specs/depot-api.md §4.3): write ``<dir>/depot.json``.

Refuses when a project config exists in ``dir`` or above unless ``--force`` (which rewrites that file).
``--project`` must be one of the projects the token lists; without it a terminal user picks one from the
list, and a non-interactive run fails (it never prompts).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from depotci.core.auth import session
from depotci.core.auth.project import find_config
from depotci.core.auth.session import interactive, require_token
from depotci.core.errors import ApiError, DepotError, InputError, UsageError

__all__ = ["init_project", "pick_project", "write_project_file"]


def pick_project(projects: Sequence[Any], stdin: TextIO, stderr: TextIO) -> Any:
    """A numbered list on stderr and a choice read from stdin (terminal use only)."""
    if not projects:
        raise InputError("no projects found; create one with `depot projects create <name>`")
    for i, p in enumerate(projects, 1):
        stderr.write(f"  {i}) {p.name} ({p.id})\n")
    stderr.write("Choose a project [1]: ")
    stderr.flush()
    answer = stdin.readline().strip() or "1"
    if not answer.isdigit() or not 1 <= int(answer) <= len(projects):
        raise UsageError(f"invalid choice '{answer}': expected a number from 1 to {len(projects)}")
    return projects[int(answer) - 1]


def write_project_file(path: str, project_id: str) -> None:
    """``{"id":"<project id>"}`` and a newline (what the Go CLI writes), mode 0644."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"id": project_id}, separators=(",", ":")) + "\n")
        os.chmod(path, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write project config '{path}': {exc.strerror}") from None


def init_project(
    directory: str, project_flag: str, force: bool, token_flag: str, env: Mapping[str, str],
    stdin: TextIO, stdout: TextIO, stderr: TextIO,
) -> int:
    """Write the project config and print ``Project <name> (<org>) initialized in directory <dir>``."""
    absdir = os.path.abspath(directory or ".")
    if not os.path.isdir(absdir):
        raise InputError(f"cannot initialize '{directory}': not a directory")
    existing = find_config(absdir)
    if existing and not force:
        raise InputError(
            f'Project configuration {os.path.basename(existing)} already exists at path "{os.path.dirname(existing)}", '
            "re-run with `--force` to overwrite"
        )
    token = require_token(token_flag, env)
    api = session.accounts_api(env)
    try:
        try:
            projects = api.list_projects(token)
        except ApiError as exc:
            raise DepotError(f"error retrieving projects: {exc}") from None
        if project_flag:
            chosen = next((p for p in projects if p.id == project_flag), None)
            if chosen is None:
                raise InputError(f"project '{project_flag}' not found among the projects of this token")
        elif interactive(env, stdout, stderr):
            chosen = pick_project(projects, stdin, stderr)
        else:
            raise UsageError("missing project ID: pass --project ID (no terminal to pick a project)")
    finally:
        api.client.close()
    path = existing if existing and force else os.path.join(absdir, "depot.json")
    write_project_file(path, chosen.id)
    stdout.write(f"Project {chosen.name} ({chosen.org_name}) initialized in directory {os.path.dirname(path)}\n")
    return 0
