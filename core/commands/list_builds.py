"""``depot list builds [--project] [--token] [--output json|csv]`` (specs/depot-api.md §7).

Rows: build id, status (the enum name lowercased without ``BUILD_STATUS_``), start time (RFC 3339 UTC,
whole seconds) and duration in whole seconds (to now while running). JSON keys ``id``, ``status``,
``startTime``, ``duration``; CSV header ``Build ID,Status,Started,Duration (s)`` only when there are rows.
A terminal gets an aligned table, anything else CSV.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from depotci.core.auth.project import resolve_project
from depotci.core.auth.session import require_token
from depotci.core.commands.projects import go_json, output_format, write_rows
from depotci.core.errors import InputError

__all__ = ["BuildRow", "build_rows", "list_builds"]

UNKNOWN_PROJECT = "unknown project ID (run `depot init` or use --project or $DEPOT_PROJECT_ID)"


@dataclass(frozen=True)
class BuildRow:
    id: str
    status: str
    start_time: str
    duration: int


def build_rows(builds: list[Any], now: float | None = None) -> list[BuildRow]:
    """The rows of ``ListBuildsResponse.builds`` (pure; ``now`` for running builds)."""
    from depotci.core._gen.depot.cli.v1 import build_pb2

    now = time.time() if now is None else now
    out = []
    for b in builds:
        created = b.created_at.seconds + b.created_at.nanos / 1e9 if b.HasField("created_at") else now
        finished = b.finished_at.seconds + b.finished_at.nanos / 1e9 if b.HasField("finished_at") else now
        status = build_pb2.BuildStatus.Name(b.status).removeprefix("BUILD_STATUS_").lower()
        start = datetime.fromtimestamp(int(created), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(BuildRow(b.id, status, start, int(finished - created)))
    return out


def list_builds(
    project_flag: str, token_flag: str, output: str, env: Mapping[str, str], cwd: str, stdout: TextIO, stderr: TextIO
) -> int:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.auth import session

    fmt = output_format(output, env, stdout, stderr)
    project = resolve_project(project_flag, env, [cwd])
    if project is None:
        raise InputError(UNKNOWN_PROJECT)
    for warning in project.warnings:
        stderr.write(f"warning: {warning}\n")
    token = require_token(token_flag, env)
    with session.api_client(env, timeout=5.0) as client:
        resp = BuildAPI(client).list_builds(token, project.project_id)
    rows = build_rows(list(resp.builds))
    if fmt == "json":
        stdout.write(go_json([{"id": r.id, "status": r.status, "startTime": r.start_time, "duration": r.duration} for r in rows]))
    else:
        write_rows(stdout, ["Build ID", "Status", "Started", "Duration (s)"],
                   [[r.id, r.status, r.start_time, str(r.duration)] for r in rows], fmt)
    return 0
