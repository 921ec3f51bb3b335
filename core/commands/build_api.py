"""``depot build`` through the Depot API (specs/depot-api.md §2.1): CreateBuild → GetBuildKitConnection →
solve over mTLS with health reports and mirrored progress → FinishBuild (success, error or canceled).

stderr gets ``[depot] build: <url>`` first and ``Build Summary: <url>`` last (both suppressed by
``DEPOT_NO_SUMMARY_LINK``); the metadata gains ``depot.build``.
"""

from __future__ import annotations

import dataclasses
import os
import platform as host
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from depotci.core.auth.project import ResolvedProject, resolve_project
from depotci.core.auth.token import MISSING_TOKEN, ResolvedToken, resolve_token
from depotci.core.buildopts.model import BuildOptions
from depotci.core.commands.save_help import render_save_help, wants_save_help
from depotci.core.errors import AuthError, UnsupportedError, UsageError

if TYPE_CHECKING:
    from depotci.core.commands.build_api_node import ApiBuild

__all__ = [
    "ApiTarget", "api_client", "api_target", "build_options_message", "builder_arch", "run_build_api", "saved_solve",
]


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


def build_options_message(
    opts: BuildOptions, *, bake_target: str = "", push: bool | None = None, load: bool | None = None
) -> Any:
    """The ``BuildOptions`` sent with CreateBuild: command BUILD, or with ``bake_target`` command BAKE for
    that bake target (``target_name`` is then always the target's name). ``push``/``load`` override
    ``opts.push``/``opts.load`` (bake sends its command-line ``--push``/``--load`` for every target)."""
    from depotci.core._gen.depot.cli.v1 import build_pb2

    msg = build_pb2.BuildOptions(
        command=build_pb2.COMMAND_BAKE if bake_target else build_pb2.COMMAND_BUILD,
        tags=list(opts.tags),
        push=opts.push if push is None else push,
        load=opts.load if load is None else load,
        lint=opts.lint, save=opts.save, save_tags=list(opts.save_tags),
    )
    for out in opts.outputs:
        msg.outputs.add(kind=out.type, attributes=dict(out.attrs))
    if bake_target or opts.target:
        msg.target_name = bake_target or opts.target
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
    from depotci.core.buildkit.metadata import write_metadata_file
    from depotci.core.commands.build import build_on
    from depotci.core.commands.build_api_node import ApiBuild

    unsupported = [f for f, on in (("--lint", opts.lint), ("--sbom-dir", bool(opts.sbom_dir))) if on]
    if unsupported:
        raise UnsupportedError(f"{unsupported[0]} is not supported through the Depot API yet")
    arch = builder_arch(opts, env)
    for warning in target.project.warnings if target.project else ():
        print(f"WARNING: {warning}", file=stderr)
    links = not env.get("DEPOT_NO_SUMMARY_LINK")
    with api_client(target.url) as api:
        project_id = target.project.project_id if target.project else ""
        build = ApiBuild.create(api, target.token.token, project_id, [build_options_message(opts)])
        if links:
            print(f"[depot] build: {build.url}", file=stderr, flush=True)
        # --token/--project/--save were consumed by the API; the solve itself plans without them
        solve_opts, registry_hosts = saved_solve(opts, build)
        try:
            with build.builder(arch) as conn:
                result = build_on(
                    conn, solve_opts, env,
                    description=f'building with "depot" instance using depot driver ({arch})',
                    stdout=stdout, stderr=stderr, stdin=stdin, registry_hosts=registry_hosts,
                )
            if opts.save and wants_save_help(env, "quiet" if opts.quiet else opts.progress):
                print(render_save_help(build.project_id, build.build_id, [], build.save_target()[0]), end="", file=stderr)
        finally:
            if links:
                print(f"\nBuild Summary: {build.url}", file=stderr, flush=True)
    result.metadata["depot.build"] = {"buildID": build.build_id, "projectID": build.project_id}
    if opts.metadata_file:
        write_metadata_file(opts.metadata_file, result.metadata)
    return result


def saved_solve(opts: BuildOptions, build: ApiBuild) -> tuple[BuildOptions, dict[str, Any]]:
    """The options the solve of ``build`` runs with and the registry credentials by host for its session:
    the Depot-only flags consumed and, for ``--save``, the image pushed to the Depot registry
    (``plan_save``) with the API's credentials for that registry."""
    from depotci.core.buildkit.session.auth import host_credentials
    from depotci.core.buildopts.save import plan_save

    plain = dataclasses.replace(opts, token="", project="")
    if not opts.save:
        return plan_save(plain, ()), {}
    tags, credentials = build.save_target()
    return plan_save(plain, tags), dict(host_credentials(credentials))


@contextmanager
def api_client(url: str) -> Iterator[Any]:
    """A ``BuildAPI`` on a fresh Connect client for ``url`` (closed on exit)."""
    from importlib.metadata import version

    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    client = ConnectClient(url, user_agent=f"depotci/{version('depotci')}")
    try:
        yield BuildAPI(client)
    finally:
        client.close()
