"""``depot build`` through the Depot API (specs/depot-api.md §2.1): CreateBuild → GetBuildKitConnection →
solve over mTLS with health reports and mirrored progress → FinishBuild (success, error or canceled).

stderr gets ``[depot] build: <url>`` first and ``Build Summary: <url>`` last (both suppressed by
``DEPOT_NO_SUMMARY_LINK``); the metadata gains ``depot.build``.
"""

from __future__ import annotations

import dataclasses
import os
import platform as host
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from depotci.core.auth.project import ResolvedProject, resolve_project
from depotci.core.auth.token import MISSING_TOKEN, ResolvedToken, resolve_token
from depotci.core.buildopts.model import BuildOptions
from depotci.core.errors import ApiError, AuthError, BuilderError, DepotError, UnsupportedError, UsageError

__all__ = ["ApiTarget", "api_target", "build_options_message", "builder_arch", "run_build_api"]


@dataclass(frozen=True)
class ApiTarget:
    """Where an API build goes: the API root, the token and the project (empty: the server decides)."""

    url: str
    token: ResolvedToken
    project: ResolvedProject | None


def _project_dirs(opts: BuildOptions) -> list[str]:
    dirs = []
    if os.path.isabs(opts.context):
        dirs.append(opts.context)
    if opts.dockerfile and os.path.isabs(opts.dockerfile):
        dirs.append(os.path.dirname(opts.dockerfile))
    return dirs or [os.getcwd()]


def api_target(opts: BuildOptions, env: Mapping[str, str]) -> ApiTarget | None:
    """The API target when a token and a project resolve, None for a direct build. ``--token`` or
    ``--project`` on the command line ask for the API explicitly: then a missing token is an error."""
    from depotci.core.api.base_url import api_url

    token = resolve_token(opts.token, env)
    project = resolve_project(opts.project, env, _project_dirs(opts))
    explicit = bool(opts.token or opts.project)
    if token is None:
        if explicit:
            raise AuthError(MISSING_TOKEN)
        return None
    if project is None and not explicit:
        return None
    return ApiTarget(api_url(env), token, project)


def build_options_message(opts: BuildOptions) -> Any:
    """The ``BuildOptions`` sent with CreateBuild (command BUILD)."""
    from depotci.core._gen.depot.cli.v1 import build_pb2

    msg = build_pb2.BuildOptions(
        command=build_pb2.COMMAND_BUILD, tags=list(opts.tags), push=opts.push, load=opts.load,
        lint=opts.lint, save=opts.save, save_tags=list(opts.save_tags),
    )
    for out in opts.outputs:
        msg.outputs.add(kind=out.type, attributes=dict(out.attrs))
    if opts.target:
        msg.target_name = opts.target
    return msg


def builder_arch(opts: BuildOptions, env: Mapping[str, str], machine: str = "") -> str:
    """``amd64`` or ``arm64``: ``--build-platform``/``DEPOT_BUILD_PLATFORM``, else the host's."""
    value = opts.build_platform if opts.build_platform != "dynamic" else env.get("DEPOT_BUILD_PLATFORM", "dynamic")
    if value in ("linux/amd64", "linux/arm64"):
        return value.split("/")[1]
    if value not in ("", "dynamic"):
        raise UsageError(f"invalid build platform '{value}': expected dynamic, linux/amd64 or linux/arm64")
    machine = (machine or host.machine()).lower()
    return "arm64" if machine in ("aarch64", "arm64") else "amd64"


def run_build_api(
    opts: BuildOptions,
    env: Mapping[str, str],
    target: ApiTarget,
    *,
    stdout: TextIO,
    stderr: TextIO,
    stdin: BinaryIO | None = None,
) -> Any:
    """Run one build through the API; returns the BuildResult with ``depot.build`` in its metadata."""
    from importlib.metadata import version

    from depotci.core.api.build_service import BuildAPI, StatusStream
    from depotci.core.api.client import ConnectClient
    from depotci.core.buildkit.metadata import write_metadata_file
    from depotci.core.commands.build import build_on
    from depotci.core.commands.build_api_node import HealthReporter, acquire_endpoint, tee_status

    unsupported = [f for f, on in (("--save", opts.save), ("--save-tag", bool(opts.save_tags)), ("--lint", opts.lint),
                                   ("--sbom-dir", bool(opts.sbom_dir))) if on]
    if unsupported:
        raise UnsupportedError(f"{unsupported[0]} is not supported through the Depot API yet")
    arch = builder_arch(opts, env)
    for warning in target.project.warnings if target.project else ():
        print(f"WARNING: {warning}", file=stderr)
    links = not env.get("DEPOT_NO_SUMMARY_LINK")
    client = ConnectClient(target.url, user_agent=f"depotci/{version('depotci')}")
    api = BuildAPI(client)
    try:
        project_id = target.project.project_id if target.project else ""
        created = api.create_build(target.token.token, project_id, [build_options_message(opts)])
        build_id, build_token = created.build_id, created.build_token
        project_id = created.project_id or project_id
        if links:
            print(f"[depot] build: {created.build_url}", file=stderr, flush=True)
        conn: Any = None
        health = HealthReporter(api, build_token, build_id, arch, on_cancel=lambda: conn.close() if conn else None)
        status = StatusStream(api, build_token, build_id)
        outcome: dict[str, Any] = {"error": "build did not finish"}
        try:
            endpoint = acquire_endpoint(api, build_token, build_id, arch)
            from depotci.core.buildkit.connection import connect

            conn = connect(endpoint, timeout=60.0)
            tee_status(conn, status.add)
            # --token/--project were consumed by the API; the solve itself plans without them
            result = build_on(
                conn, dataclasses.replace(opts, token="", project=""), env, description=f'building with "depot" instance using depot driver ({arch})',
                stdout=stdout, stderr=stderr, stdin=stdin,
            )
            outcome = {}
        except KeyboardInterrupt:
            outcome = {"canceled": True}
            raise
        except DepotError as exc:
            if health.canceled.is_set():
                outcome = {"canceled": True}
                raise BuilderError(f"build {build_id} was canceled by the Depot API") from None
            outcome = {"error": str(exc)}
            raise
        finally:
            health.stop()
            status.close()
            if conn is not None:
                conn.close()
            _finish(api, build_token, build_id, outcome)
            if links:
                print(f"\nBuild Summary: {created.build_url}", file=stderr, flush=True)
        result.metadata["depot.build"] = {"buildID": build_id, "projectID": project_id}
        if opts.metadata_file:
            write_metadata_file(opts.metadata_file, result.metadata)
        return result
    finally:
        client.close()


def _finish(api: Any, token: str, build_id: str, outcome: Mapping[str, Any]) -> None:
    """FinishBuild, best effort: an unreachable API must not hide the build's own error."""
    try:
        api.finish_build(token, build_id, error=outcome.get("error"), canceled=bool(outcome.get("canceled")))
    except ApiError:
        pass
