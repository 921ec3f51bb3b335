"""``depot projects list|create|get|update|delete`` and ``depot list projects`` (specs/depot-api.md §7),
plus the output helpers the list commands share (Go-compatible JSON and CSV, a plain table on a terminal)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from depotci.core.auth import session
from depotci.core.auth.project import resolve_project
from depotci.core.auth.session import interactive, require_token
from depotci.core.errors import InputError, UsageError

__all__ = [
    "ProjectFlags",
    "create_project",
    "delete_project",
    "get_project",
    "go_json",
    "list_projects",
    "output_format",
    "update_project",
    "write_rows",
]

GB = 1024**3


def go_json(value: Any, indent: int | None = 2) -> str:
    """Like Go's json.Encoder: HTML characters escaped, a trailing newline; compact when ``indent`` is None."""
    text = json.dumps(value, indent=indent, ensure_ascii=False, separators=None if indent else (",", ":"))
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text + "\n"


def write_rows(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]], fmt: str) -> None:
    """``csv`` (header only when there are rows, like the Go CLI) or ``table`` (aligned columns)."""
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        if rows:
            w.writerow(header)
        w.writerows(rows)
        return
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    for line in (header, *rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")


def output_format(output: str, env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> str:
    """``json``/``csv`` as asked; without ``--output`` a table on a terminal, CSV otherwise."""
    if output in ("json", "csv"):
        return output
    if output:
        raise UsageError(f"unknown format: {output}. Requires csv or json")
    return "table" if interactive(env, stdout, stderr) else "csv"


def list_projects(token_flag: str, output: str, env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    """Project ID and name of every project the token reaches."""
    fmt = output_format(output, env, stdout, stderr)
    token = require_token(token_flag, env)
    api = session.accounts_api(env)
    try:
        projects = api.list_projects(token)
    finally:
        api.client.close()
    if fmt == "json":
        stdout.write(go_json([{"id": p.id, "name": p.name} for p in projects]))
    else:
        write_rows(stdout, ["Project ID", "Name"], [[p.id, p.name] for p in projects], fmt)
    return 0


@dataclass(frozen=True)
class ProjectFlags:
    """Flags of ``projects get|update``: the positional id, ``-p/--project-id``, ``--token``, ``-o``."""

    arg: str = ""
    project_id: str = ""
    token: str = ""
    output: str = ""


def _project_id(flags: ProjectFlags, env: Mapping[str, str], cwd: str) -> str:
    if flags.output not in ("", "json"):
        raise UsageError(f'unsupported output "{flags.output}" (valid: json)')
    if flags.arg and flags.project_id:
        raise UsageError("project ID must be specified as either an argument or --project-id, not both")
    found = resolve_project(flags.arg or flags.project_id, env, [cwd])
    if found is None:
        raise InputError(
            "unknown project ID (run `depot init`, pass a project ID, use --project-id, or set $DEPOT_PROJECT_ID)"
        )
    return found.project_id


def _ts(msg: Any) -> str:
    if not msg.HasField("created_at"):
        return ""
    dt = datetime.fromtimestamp(msg.created_at.seconds, UTC)
    frac = f"{msg.created_at.nanos:09d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def _policy(p: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    if p.keep_bytes:
        out["keep_bytes"] = p.keep_bytes
    if p.keep_days:
        out["keep_days"] = p.keep_days
    return out


def _write_project(out: TextIO, p: Any, output: str) -> None:
    if output == "json":
        view: dict[str, Any] = {"project_id": p.project_id, "organization_id": p.organization_id, "name": p.name,
                                "region_id": p.region_id}
        if _ts(p):
            view["created_at"] = _ts(p)
        if p.HasField("cache_policy"):
            view["cache_policy"] = _policy(p.cache_policy)
        out.write(go_json(view))
        return
    rows = [("Project ID:", p.project_id), ("Organization ID:", p.organization_id), ("Name:", p.name),
            ("Region:", p.region_id), ("Created:", _ts(p) or "-")]
    if p.HasField("cache_policy"):
        kb, kd = p.cache_policy.keep_bytes, p.cache_policy.keep_days
        storage = "No limit" if not kb else (f"{kb // GB} GB" if kb % GB == 0 else f"{kb} bytes")
        rows += [("Cache storage:", storage), ("Cache retention:", f"{kd} days" if kd else "No limit")]
    width = max(len(k) for k, _ in rows) + 2
    for k, v in rows:
        out.write(f"{k.ljust(width)}{v}\n")


def get_project(flags: ProjectFlags, env: Mapping[str, str], cwd: str, stdout: TextIO) -> int:
    from depotci.core._gen.depot.core.v1 import project_pb2 as pb

    pid = _project_id(flags, env, cwd)
    token = require_token(flags.token, env)
    api = session.accounts_api(env)
    try:
        resp = api.core("GetProject", pb.GetProjectRequest(project_id=pid), token)
    finally:
        api.client.close()
    _write_project(stdout, resp.project, flags.output)
    return 0


def update_project(
    flags: ProjectFlags, name: str | None, region: str | None, keep_gb: int | None, env: Mapping[str, str], cwd: str,
    stdout: TextIO,
) -> int:
    """Change only what was given; ``--cache-storage-policy`` keeps the current retention days."""
    from depotci.core._gen.depot.core.v1 import project_pb2 as pb

    if name is None and region is None and keep_gb is None:
        raise UsageError("one of --name, --region, or --cache-storage-policy is required")
    if keep_gb is not None and keep_gb < 0:
        raise UsageError("--cache-storage-policy cannot be negative")
    pid = _project_id(flags, env, cwd)
    token = require_token(flags.token, env)
    req = pb.UpdateProjectRequest(project_id=pid)
    if name is not None:
        req.name = name
    if region is not None:
        req.region_id = region
    api = session.accounts_api(env)
    try:
        if keep_gb is not None:
            current = api.core("GetProject", pb.GetProjectRequest(project_id=pid), token).project
            req.cache_policy.CopyFrom(pb.CachePolicy(keep_bytes=keep_gb * GB, keep_days=current.cache_policy.keep_days))
        resp = api.core("UpdateProject", req, token)
    finally:
        api.client.close()
    _write_project(stdout, resp.project, flags.output)
    return 0


def create_project(
    name: str, org: str, region: str, keep_gb: int, keep_days: int, token_flag: str, env: Mapping[str, str], stdout: TextIO
) -> int:
    """Prints compact JSON ``{"project_id","name","cache_policy":{...}}``."""
    from depotci.core._gen.depot.core.v1 import project_pb2 as pb

    if not name:
        raise UsageError("missing or too many arguments, expected exactly 1 (project name)")
    if keep_gb < 0 or keep_days < 0:
        raise UsageError("--cache-storage-policy and --cache-policy-keep-days cannot be negative")
    token = require_token(token_flag, env)
    req = pb.CreateProjectRequest(name=name, region_id=region,
                                  cache_policy=pb.CachePolicy(keep_bytes=keep_gb * GB, keep_days=keep_days))
    if org:
        req.organization_id = org
    api = session.accounts_api(env)
    try:
        p = api.core("CreateProject", req, token).project
    finally:
        api.client.close()
    view: dict[str, Any] = {"project_id": p.project_id, "name": p.name}
    if p.HasField("cache_policy"):
        view["cache_policy"] = _policy(p.cache_policy)
    stdout.write(go_json(view, indent=None))
    return 0


def delete_project(
    project_id: str, yes: bool, token_flag: str, env: Mapping[str, str], stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    """Delete after confirmation (``-y``, or a yes at the terminal prompt); never prompts in CI."""
    from depotci.core._gen.depot.core.v1 import project_pb2 as pb

    token = require_token(token_flag, env)
    tty = interactive(env, stdout, stderr)
    api = session.accounts_api(env)
    try:
        if not project_id:
            if not tty:
                raise UsageError("missing project ID: pass --project-id (no terminal to pick a project)")
            from depotci.core.commands.init import pick_project

            project_id = pick_project(api.list_projects(token), stdin, stderr).id
        if not yes:
            if not tty:
                raise UsageError(f"refusing to delete project {project_id} without --yes (not a terminal)")
            stderr.write(f"Are you sure you want to delete project {project_id}? [y/N] ")
            stderr.flush()
            if stdin.readline().strip().lower() not in ("y", "yes"):
                stdout.write("Cancelling project deletion...\n")
                return 0
        api.core("DeleteProject", pb.DeleteProjectRequest(project_id=project_id), token)
    finally:
        api.client.close()
    stdout.write(f"Successfully deleted project {project_id}\n")
    return 0
