"""Send a planned build to BuildKit: session services, SolveRequest, progress, and the results
(metadata file, iidfile, quiet digest)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core.buildkit.connection import Connection
from depotci.core.buildkit.dockerapi import local_engine
from depotci.core.buildkit.metadata import (
    decode_exporter_response,
    pushed_with_moby,
    warnings_json,
    write_metadata_file,
)
from depotci.core.buildkit.progress import Printer, Vertex, VertexWarning, make_printer
from depotci.core.buildkit.progress.failure import SourceSnippet, render_failure, render_warnings
from depotci.core.buildkit.progress.from_proto import solve_status_from_proto
from depotci.core.buildkit.session.auth import AuthService, Credentials, RegistryAuth
from depotci.core.buildkit.session.filesend import FileSendService, OutputTarget
from depotci.core.buildkit.session.filesync import FileSyncService, TransferStats
from depotci.core.buildkit.session.secrets_provider import SecretsService
from depotci.core.buildkit.session.server import SessionServer
from depotci.core.buildkit.session.ssh import SSHService
from depotci.core.buildkit.solve import SolveFailed, new_ref, run_solve
from depotci.core.buildkit.solve_errors import SolveErrorInfo
from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.buildopts.model import BuildOptions
from depotci.core.buildopts.plan_model import SolvePlan
from depotci.core.commands.local_cache import (
    content_service,
    finish_local_caches,
    prepare_local_caches,
    sync_cache_imports,
)
from depotci.core.errors import BuildFailed, InputError, SourceLocation, UnsupportedError

__all__ = [
    "build_failure",
    "build_request",
    "output_targets",
    "solve_plan",
    "source_path",
    "ssh_agents",
    "warnings_metadata",
]


def build_request(plan: SolvePlan, attrs: Mapping[str, str], ref: str, session_id: str) -> Any:
    """The SolveRequest for ``plan`` (pure)."""
    return control_pb2.SolveRequest(
        Ref=ref,
        Session=session_id,
        Frontend=plan.frontend,
        FrontendAttrs=dict(attrs),
        Exporters=[control_pb2.Exporter(Type=e.type, Attrs=e.attrs) for e in plan.exporters],
        Cache=control_pb2.CacheOptions(
            Exports=[control_pb2.CacheOptionsEntry(Type=c.type, Attrs=dict(c.attrs)) for c in plan.cache_exports],
            Imports=[control_pb2.CacheOptionsEntry(Type=c.type, Attrs=dict(c.attrs)) for c in plan.cache_imports],
        ),
        Entitlements=list(plan.entitlements),
    )


def output_targets(plan: SolvePlan, env: Mapping[str, str]) -> dict[int, OutputTarget]:
    """The FileSend target of each exporter that sends its result to us. A ``load`` (``--load`` from a
    builder that is not the local Docker Engine) streams into the Engine of ``DOCKER_HOST`` (else the
    default socket), which is pinged first so an unreachable Engine fails before the build."""
    targets: dict[int, OutputTarget] = {}
    for i, e in enumerate(plan.exporters):
        if e.output == "dir":
            targets[i] = OutputTarget("dir", e.dest)
        elif e.output == "file":
            targets[i] = OutputTarget("file", e.dest)
        elif e.output == "stdout":
            targets[i] = OutputTarget("file", "-")
        elif e.output == "load":
            targets[i] = OutputTarget("load", sink=local_engine(env, "--load").load)
    return targets


def ssh_agents(plan: SolvePlan) -> dict[str, str]:
    agents: dict[str, str] = {}
    for spec in plan.ssh:
        for path in spec.paths:
            if not os.path.exists(path):
                raise InputError(f"--ssh {spec.id}: '{path}' does not exist")
            if not _is_socket(path):
                raise UnsupportedError(f"--ssh {spec.id}: key files are not supported yet, pass an agent socket")
        if spec.paths:
            agents[spec.id] = spec.paths[0]
    return agents


def _is_socket(path: str) -> bool:
    import stat

    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def solve_plan(
    conn: Connection,
    plan: SolvePlan,
    dirs: Mapping[str, str],
    attrs: Mapping[str, str],
    secret_values: Mapping[str, bytes],
    opts: BuildOptions,
    env: Mapping[str, str],
    *,
    stdout: TextIO,
    stderr: TextIO,
    shared_key: str,
    description: str,
    registry_hosts: Mapping[str, Credentials] | None = None,
) -> Any:
    from depotci.core.commands.build import BuildResult

    plan, cache_warnings = prepare_local_caches(plan)
    attrs = sync_cache_imports(attrs, plan)
    stats = TransferStats()
    services: list[Any] = [
        FileSyncService(dirs, stats),
        AuthService(RegistryAuth.from_environment(env, registry_hosts)),
        SecretsService(secret_values),
        SSHService(ssh_agents(plan)),
        FileSendService(output_targets(plan, env)),
    ]
    content = content_service([plan])
    if content is not None:
        services.append(content)
    session = SessionServer(services, shared_key=shared_key)
    mode = "quiet" if opts.quiet else opts.progress
    printer = make_printer(mode, stderr, env=env, description=description, console_description="docker:default")
    ticker_stop = threading.Event()

    def tick() -> None:
        while not ticker_stop.wait(0.05):
            printer.refresh()

    try:
        conn.attach_session(session)
        ref = new_ref()
        request = build_request(plan, attrs, ref, session.uuid)
        threading.Thread(target=tick, name="progress", daemon=True).start()
        try:
            response = run_solve(conn, request, lambda msg: printer.update(solve_status_from_proto(msg)))
        except SolveFailed as exc:
            ticker_stop.set()
            printer.close()
            _write_warnings(stderr, cache_warnings)
            info = exc.info
            snippets = [SourceSnippet(f, d, r) for f, d, r in info.sources]
            stderr.write(render_failure(printer, "", snippets))
            stderr.flush()
            raise build_failure(info, printer, dirs, attrs) from None
        ticker_stop.set()
        printer.close()
        _write_warnings(stderr, cache_warnings)
        stderr.write(render_warnings(printer.warnings(), mode=printer.mode))
    finally:
        ticker_stop.set()
        session.close()

    finish_local_caches(plan, response)

    if any(e.type == "moby" and parse_go_bool(e.attrs.get("push", "")) for e in plan.exporters):
        response = pushed_with_moby(response)  # what buildx writes for a push on a docker engine
    metadata = decode_exporter_response(response)
    metadata["buildx.build.ref"] = f"default/default/{ref}"
    metadata.update(warnings_metadata(env, printer.warnings()))
    result = BuildResult(
        metadata=metadata,
        exporter_response=response,
        ref=ref,
        bytes_sent=stats.bytes_sent,
        files_sent=stats.files_sent,
        dirs_sent=dict(stats.dirs),
    )
    if opts.metadata_file:
        write_metadata_file(opts.metadata_file, metadata)
    if opts.iidfile and result.image_id:
        try:
            with open(opts.iidfile, "w") as f:
                f.write(result.image_id)
        except OSError as exc:
            raise InputError(f"cannot write --iidfile '{opts.iidfile}': {exc.strerror}") from None
    if opts.quiet and result.image_id:
        print(result.image_id, file=stdout)  # buildx getImageID: the config digest when there is one
    return result


def _write_warnings(stderr: TextIO, lines: Sequence[str]) -> None:
    """Warnings buildx logs while the build runs, shown once progress ends (as buildx does)."""
    for line in lines:
        stderr.write(f"WARNING: {line}\n")


def warnings_metadata(env: Mapping[str, str], warnings: Sequence[VertexWarning]) -> dict[str, Any]:
    """``{"buildx.build.warnings": [...]}`` when ``BUILDX_METADATA_WARNINGS`` is true (Go ParseBool; anything
    else is off, as in buildx) and the build raised warnings; else ``{}``."""
    if not warnings or parse_go_bool(env.get("BUILDX_METADATA_WARNINGS", "")) is not True:
        return {}
    return {"buildx.build.warnings": warnings_json(warnings)}


def build_failure(
    info: SolveErrorInfo, printer: Printer, dirs: Mapping[str, str], attrs: Mapping[str, str], failed: Vertex | None = None
) -> BuildFailed:
    """The BuildFailed for a failed solve: BuildKit's message, the failed step (``failed``, by default the
    printer's first failed vertex) with its log tail, and the Dockerfile position."""
    failed = failed if failed is not None else printer.failed_vertex()
    loc = info.location()
    message = f"failed to solve: {info.message}"
    if "network bridge not found" in info.message:
        message += " (this builder has no bridge network: use --network host or --network none)"
    return BuildFailed(
        message,
        step=failed.name if failed else "",
        log_tail=tuple(printer.log_tail(failed.digest)) if failed else (),
        location=SourceLocation(source_path(loc.file, dirs, attrs), loc.line) if loc else None,
        warnings=tuple(warnings_json(printer.warnings())),
    )


def source_path(name: str, dirs: Mapping[str, str], attrs: Mapping[str, str]) -> str:
    """BuildKit names the Dockerfile by its name in the dockerfile dir; show the user's path."""
    base = dirs.get("dockerfile") or dirs.get("context") or ""
    path = os.path.join(base, name)
    if os.path.exists(path):
        rel = os.path.relpath(path)
        return rel if not rel.startswith("../..") else path
    return name
