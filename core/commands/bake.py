"""``depot bake`` on a BuildKit: every target solved concurrently on one connection, sharing sessions.

Sequence: endpoint → connection → each target planned like ``depot build`` (``plan_solve``) and its local
inputs checked → sessions (``bake_targets.pack_sessions``: one for the usual bake) → one thread per target
(``bake_exec``) → per-target results, failure blocks and the ``--metadata-file`` map. A failing target does
not stop the others; the command then fails naming every failed target.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TextIO

from depotci.core.bake.to_build import TargetBuild
from depotci.core.buildopts.plan import plan_solve
from depotci.core.buildopts.plan_model import BuilderInfo
from depotci.core.commands.bake_report import TargetFailure, bake_error, render_target_failure
from depotci.core.commands.bake_targets import SessionNeeds, TargetSolve, pack_sessions, session_names
from depotci.core.commands.build import BuildResult, check_inputs, describe_endpoint, is_socket, shared_key
from depotci.core.commands.build_inputs import LocalInputs, read_secret_values
from depotci.core.commands.build_solve import output_targets, ssh_agents
from depotci.core.commands.local_cache import prepare_local_caches
from depotci.core.errors import AuthError, DepotError, UnsupportedError

if TYPE_CHECKING:
    from depotci.core.buildkit.connection import Connection
    from depotci.core.buildkit.progress import Printer
    from depotci.core.commands.bake_exec import BakeRun

__all__ = [
    "API_FLAGS",
    "BakeResult",
    "prepare_target",
    "refuse_api",
    "render_failures",
    "run_bake_build",
    "start_run",
]

# flags that only mean something to the Depot API, as (flag, argparse dest)
API_FLAGS = (
    ("--lint", "lint"),
    ("--project", "project"),
    ("--save", "save"),
    ("--save-tag", "save_tag"),
    ("--sbom-dir", "sbom_dir"),
    ("--token", "token"),
)


@dataclass
class BakeResult:
    """What a bake produced: the finished targets' results and the failed targets' errors."""

    results: dict[str, BuildResult] = field(default_factory=dict)
    failures: dict[str, TargetFailure] = field(default_factory=dict)


def refuse_api(flags: Mapping[str, object], env: Mapping[str, str], project_ids: Sequence[str], dirs: Sequence[str]) -> None:
    """For callers that bake on a BuildKit only (``depot bake`` itself takes the Depot API path first,
    ``bake_api.bake_api_target``): refuse a Depot-API-only flag (``flags``: argparse dest → value), and a
    token in the environment together with a project (from the environment, ``depot.json`` or a target's
    ``project_id``), which ``depot build`` would send to the Depot API."""
    for flag, dest in API_FLAGS:
        if flags.get(dest):
            raise UnsupportedError(f"{flag} needs the Depot API (not yet supported)")
    from depotci.core.auth.project import resolve_project
    from depotci.core.auth.token import resolve_token

    try:
        token = resolve_token("", env)
    except AuthError:
        return
    if token is None:
        return
    if any(project_ids) or resolve_project("", env, list(dirs)) is not None:
        raise UnsupportedError(
            "depot bake through the Depot API is not supported yet: a Depot token and project were found "
            "(unset DEPOT_TOKEN to bake on the local BuildKit or BUILDKIT_HOST)"
        )


def _for_target(name: str, exc: DepotError) -> DepotError:
    try:
        return type(exc)(f'target "{name}": {exc.message}')
    except TypeError:  # an error type with another constructor keeps its own text
        return exc


def prepare_target(build: TargetBuild, builder: BuilderInfo, env: Mapping[str, str], inputs: LocalInputs) -> TargetSolve:
    """Plan one target like ``depot build`` (its project id does not apply to a direct builder), check its
    local inputs, read its secrets, and name its session dirs. Errors name the target."""
    try:
        opts = replace(build.options, project="")
        plan, cache_warnings = prepare_local_caches(plan_solve(opts, builder))
        plan = replace(plan, warnings=plan.warnings + cache_warnings)
        dirs, attrs = dict(plan.local_dirs), dict(plan.frontend_attrs)
        if build.dockerfile_inline is not None:
            path = inputs.temp_dir("dockerfile")
            with open(os.path.join(path, attrs.get("filename", "Dockerfile")), "w", encoding="utf-8") as f:
                f.write(build.dockerfile_inline)
            dirs["dockerfile"] = path
        check_inputs(opts, plan, dirs, attrs)
        needs = SessionNeeds(
            secrets=read_secret_values(plan.secrets, env), agents=ssh_agents(plan), outputs=output_targets(plan, env)
        )
    except DepotError as exc:
        raise _for_target(build.name, exc) from None
    needs.dirs, attrs = session_names(build.name, dirs, attrs)
    return TargetSolve(build, plan, attrs, needs)


def start_run(
    conn: Connection,
    builds: Mapping[str, TargetBuild],
    env: Mapping[str, str],
    inputs: LocalInputs,
    *,
    stderr: TextIO,
    progress: str,
    description: str,
    warn: Callable[[str], object],
    printer: Printer | None = None,
    multi: bool | None = None,
    registry_hosts: Mapping[str, Any] | None = None,
) -> BakeRun:
    """Plan ``builds`` on the connected builder (``prepare_target``), hand each plan warning to ``warn``,
    and return the BakeRun with its sessions attached (``printer``/``multi`` as in ``BakeRun``)."""
    from depotci.core.commands.bake_exec import BakeRun
    from depotci.core.commands.build import builder_info

    builder = builder_info(conn)
    solves = {name: prepare_target(b, builder, env, inputs) for name, b in builds.items()}
    for ts in solves.values():
        ts.gateway = any(ts.name in other.build.dependencies for other in solves.values())
    multi = len(solves) > 1 if multi is None else multi
    for ts in solves.values():
        for line in ts.plan.warnings:
            warn(f"WARNING: {f'[{ts.name}] ' if multi else ''}{line}\n")
    run = BakeRun(
        conn, solves, env, stderr=stderr, progress=progress, description=description, printer=printer, multi=multi,
        registry_hosts=registry_hosts,
    )
    for needs, names in pack_sessions(list(solves.values())):
        run.add_session(needs, names, shared_key({"context": needs.dirs.get("context", "")}))
    return run


def render_failures(printer: Printer, failures: Mapping[str, TargetFailure], names: Sequence[str], stderr: TextIO) -> None:
    """Write every failed target's error block (``names``: every target of the bake)."""
    multi = len(names) > 1
    for name, failure in sorted(failures.items()):
        stderr.write(
            render_target_failure(
                printer,
                name,
                failure,
                name if multi else "",
                error_line=len(failures) > 1,
                others=[n for n in names if n != name] if multi else (),
            )
        )
    stderr.flush()


def run_bake_build(
    builds: Mapping[str, TargetBuild],
    env: Mapping[str, str],
    *,
    buildkit_host: str = "",
    progress: str = "auto",
    metadata_file: str = "",
    stderr: TextIO | None = None,
) -> BakeResult:
    """Build every target of ``builds`` on the resolved BuildKit endpoint and return the results; raises
    the ``bake_error`` (after every target has finished) when any target failed, and DepotError for
    problems found before building (bad inputs, unsupported options, unreachable builder)."""
    from depotci.core.buildkit.connection import connect
    from depotci.core.buildkit.endpoint import resolve_endpoint
    from depotci.core.buildkit.metadata import write_metadata_file
    from depotci.core.commands.build_solve import warnings_metadata

    err = stderr or sys.stderr
    endpoint = resolve_endpoint(buildkit_host or None, env, is_socket=is_socket)
    conn = connect(endpoint)
    inputs = LocalInputs()
    try:
        run = start_run(
            conn, builds, env, inputs, stderr=err, progress=progress, description=describe_endpoint(endpoint), warn=err.write
        )
        try:
            run.run()
        finally:
            run.close()
        result = BakeResult(run.results, run.failures)
        render_failures(run.printer, run.failures, list(run.solves), err)
        if metadata_file and result.results:
            data: dict[str, Any] = {name: r.metadata for name, r in result.results.items()}
            data.update(warnings_metadata(env, run.printer.warnings()))
            write_metadata_file(metadata_file, data)
        if result.failures:
            raise bake_error(result.failures, len(run.solves))
        return result
    finally:
        inputs.close()
        conn.close()
