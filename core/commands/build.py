"""``depot build``: the one place that sequences options -> endpoint -> plan -> session -> solve -> results."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

from depotci.core.buildopts.depot_only import refuse_depot_api_flags
from depotci.core.buildopts.model import BuildOptions
from depotci.core.buildopts.plan import plan_solve
from depotci.core.buildopts.plan_model import BuilderInfo, SolvePlan
from depotci.core.buildopts.platforms import host_platform
from depotci.core.commands.build_inputs import LocalInputs, check_context, read_secret_values
from depotci.core.errors import InputError

__all__ = [
    "BuildResult",
    "build_on",
    "builder_info",
    "check_inputs",
    "describe_endpoint",
    "is_socket",
    "run_build",
    "shared_key",
]


@dataclass
class BuildResult:
    """What a finished build produced: buildx-style metadata and transfer counters."""

    metadata: dict[str, Any]
    exporter_response: dict[str, str]
    ref: str
    bytes_sent: int = 0
    files_sent: int = 0
    dirs_sent: dict[str, int] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return str(self.exporter_response.get("containerimage.digest", ""))

    @property
    def image_id(self) -> str:
        resp = self.exporter_response
        return str(resp.get("containerimage.config.digest") or resp.get("containerimage.digest") or "")


def is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def shared_key(dirs: Mapping[str, str]) -> str:
    """Stable per set of local dirs, so the daemon reuses its copy and only changed files are resent."""
    h = hashlib.sha256(socket.gethostname().encode())
    for name in sorted(dirs):
        h.update(f"\0{name}={os.path.realpath(dirs[name])}".encode())
    return h.hexdigest()[:32]


def _fill_stdin_inputs(plan: SolvePlan, opts: BuildOptions, inputs: LocalInputs, stdin: BinaryIO) -> tuple[
    dict[str, str], dict[str, str]
]:
    """Local dirs and attrs with stdin inputs materialised into temp dirs."""
    dirs = dict(plan.local_dirs)
    attrs = dict(plan.frontend_attrs)
    if plan.context_stdin:
        ctx, dockerfile_dir = inputs.stdin_context(stdin)
        dirs["context"] = ctx
        attrs.pop("context", None)
        if dockerfile_dir is not None:
            dirs["dockerfile"] = dockerfile_dir
            attrs["filename"] = "Dockerfile"
        else:
            dirs.setdefault("dockerfile", ctx)
    elif plan.dockerfile_stdin:
        dirs["dockerfile"] = inputs.stdin_dockerfile(stdin, attrs.get("filename", "Dockerfile"))
    return dirs, attrs


def check_inputs(opts: BuildOptions, plan: SolvePlan, dirs: Mapping[str, str], attrs: Mapping[str, str]) -> None:
    if "context" in plan.local_dirs and not plan.context_stdin:
        dockerfile_dir = dirs.get("dockerfile", dirs["context"])
        check_context(dirs["context"], os.path.join(dockerfile_dir, attrs.get("filename", "Dockerfile")))
    for name, path in dirs.items():
        if not os.path.isdir(path):
            raise InputError(f"build context '{name}' ('{path}') is not a directory")


def run_build(
    opts: BuildOptions,
    env: Mapping[str, str],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: BinaryIO | None = None,
) -> BuildResult:
    """Run one build: through the Depot API when a token and a project resolve (``build_api``), else on
    the resolved BuildKit endpoint. Raises DepotError subclasses on failure."""
    from depotci.core.buildkit.connection import connect
    from depotci.core.buildkit.endpoint import resolve_endpoint
    from depotci.core.commands.build_api import api_target, run_build_api

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    target = api_target(opts, env)
    if target is not None:
        api_result: BuildResult = run_build_api(opts, env, target, stdout=stdout, stderr=stderr, stdin=stdin)
        return api_result
    refuse_depot_api_flags(opts)
    endpoint = resolve_endpoint(opts.buildkit_host or None, env, is_socket=is_socket)
    conn = connect(endpoint, meanwhile=_import_solve)  # the solve's imports run while the probe waits
    try:
        return build_on(conn, opts, env, description=describe_endpoint(endpoint), stdout=stdout, stderr=stderr, stdin=stdin)
    finally:
        conn.close()


def _import_solve() -> None:
    import depotci.core.commands.build_solve  # noqa: F401


def builder_info(conn: Any) -> BuilderInfo:
    """Probe the connected builder for planning (kind, image store, worker platforms, host-gateway IP)."""
    from depotci.core.buildkit.builder_info import probe_builder

    facts = probe_builder(conn)
    host = host_platform()
    return BuilderInfo(
        kind=facts["kind"],
        containerd_store=facts["containerd_store"],
        platforms=facts["platforms"],
        host_platform=f"{host.os}/{host.architecture}" + (f"/{host.variant}" if host.variant else ""),
        host_gateway_ip=facts.get("host_gateway_ip", ""),
    )


def build_on(
    conn: Any,
    opts: BuildOptions,
    env: Mapping[str, str],
    *,
    description: str,
    stdout: TextIO,
    stderr: TextIO,
    stdin: BinaryIO | None = None,
    registry_hosts: Mapping[str, Any] | None = None,
) -> BuildResult:
    """Plan and solve ``opts`` on an open connection (which the caller closes); ``registry_hosts``:
    credentials by registry host that win over the environment's (``--save``)."""
    inputs = LocalInputs()
    try:
        plan = plan_solve(opts, builder_info(conn))
        dirs, attrs = _fill_stdin_inputs(plan, opts, inputs, stdin or sys.stdin.buffer)
        check_inputs(opts, plan, dirs, attrs)
        secret_values = read_secret_values(plan.secrets, env)
        for line in plan.warnings:
            print(f"WARNING: {line}", file=stderr)
        from depotci.core.commands.build_solve import solve_plan

        result: BuildResult = solve_plan(
            conn, plan, dirs, attrs, secret_values, opts, env, stdout=stdout, stderr=stderr,
            shared_key=shared_key(dirs), description=description, registry_hosts=registry_hosts,
        )
        return result
    finally:
        inputs.close()


def describe_endpoint(endpoint: Any) -> str:
    if endpoint.kind == "docker":
        return 'building with "default" instance using docker driver'
    return f'building with "depot" instance using remote driver ({endpoint.address})'

