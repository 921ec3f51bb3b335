"""Which project a build belongs to (specs/depot-api.md §4.3): ``--project``, ``DEPOT_PROJECT_ID``, then
the first ``depot.json``/``depot.yml``/``depot.yaml`` found walking up from each given directory (key
``id``); when directories disagree the last one wins, with a warning."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from depotci.core.errors import InputError

__all__ = ["CONFIG_NAMES", "ResolvedProject", "find_config", "read_project_file", "resolve_project"]

CONFIG_NAMES = ("depot.json", "depot.yml", "depot.yaml")


@dataclass(frozen=True)
class ResolvedProject:
    """A project id, where it came from, and warnings to show (conflicting config files)."""

    project_id: str
    source: str
    warnings: tuple[str, ...] = ()


def find_config(start: str, *, exists: Callable[[str], bool] = os.path.isfile) -> str | None:
    """The first config file in ``start`` or one of its parents, or None."""
    d = os.path.abspath(start)
    while True:
        for name in CONFIG_NAMES:
            path = os.path.join(d, name)
            if exists(path):
                return path
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def read_project_file(path: str) -> str:
    """The ``id`` of a project config file (JSON is YAML)."""
    import yaml  # only when a file is there to read: keeps `depot build` startup light

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise InputError(f"cannot read project config '{path}': {exc.strerror}") from None
    except yaml.YAMLError:
        raise InputError(f"cannot parse project config '{path}': expected {{\"id\": \"<project id>\"}}") from None
    if not isinstance(data, dict):
        raise InputError(f"cannot parse project config '{path}': expected {{\"id\": \"<project id>\"}}")
    value = data.get("id")
    return str(value) if value is not None else ""


def resolve_project(
    flag: str,
    env: Mapping[str, str],
    dirs: Sequence[str],
    *,
    find: Callable[[str], str | None] = find_config,
    read: Callable[[str], str] = read_project_file,
) -> ResolvedProject | None:
    """The project by the order above, or None."""
    if flag:
        return ResolvedProject(flag, "--project")
    if env.get("DEPOT_PROJECT_ID"):
        return ResolvedProject(env["DEPOT_PROJECT_ID"], "DEPOT_PROJECT_ID")
    found: list[tuple[str, str]] = []
    for d in dirs:
        path = find(d)
        if path is None:
            continue
        pid = read(path)
        if pid and (path, pid) not in found:
            found.append((path, pid))
    if not found:
        return None
    warnings: tuple[str, ...] = ()
    if len({pid for _, pid in found}) > 1:
        listed = ", ".join(f"'{pid}' ({path})" for path, pid in found)
        warnings = (f"project IDs differ between config files: {listed}; using '{found[-1][1]}'",)
    return ResolvedProject(found[-1][1], found[-1][0], warnings)
