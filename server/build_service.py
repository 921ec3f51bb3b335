"""``depot.cli.v1.BuildService`` handlers: the build lifecycle on the store, the pool and the gateway."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core.api.codes import Code
from depotci.server.auth import Authenticator, Principal
from depotci.server.certs import CA
from depotci.server.connect_app import CallContext, ConnectError, Method
from depotci.server.gateway import Gateway
from depotci.server.pool import Pool
from depotci.server.saved_images import registry_credential, save_requested, saved_tags
from depotci.server.settings import Settings
from depotci.server.store import Build, Store

__all__ = ["BuildService"]

log = logging.getLogger("depotci.server")
PREFIX = "/depot.cli.v1.BuildService/"
_PLATFORM: dict[int, str] = {pb.BUILDER_PLATFORM_AMD64: "amd64", pb.BUILDER_PLATFORM_ARM64: "arm64"}
_STATUS = {
    "running": pb.BUILD_STATUS_RUNNING,
    "finished": pb.BUILD_STATUS_FINISHED,
    "failed": pb.BUILD_STATUS_FAILED,
    "canceled": pb.BUILD_STATUS_CANCELED,
}


def _ts(t: float | None) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    out = Timestamp()
    if t is not None:
        out.FromNanoseconds(int(t * 1e9))
    return out


class BuildService:
    """Handlers; ``methods()`` is the routing table for ConnectApp."""

    def __init__(
        self, settings: Settings, store: Store, auth: Authenticator, pool: Pool, ca: CA, gateway: Gateway, gateway_port: int
    ) -> None:
        self.settings = settings
        self.store = store
        self.auth = auth
        self.pool = pool
        self.ca = ca
        self.gateway = gateway
        self.gateway_port = gateway_port

    def methods(self) -> dict[str, Method]:
        m = {
            "CreateBuild": Method(pb.CreateBuildRequest, pb.CreateBuildResponse, self.create_build),
            "GetBuild": Method(pb.GetBuildRequest, pb.GetBuildResponse, self.get_build),
            "GetBuildKitConnection": Method(
                pb.GetBuildKitConnectionRequest, pb.GetBuildKitConnectionResponse, self.get_buildkit_connection
            ),
            "ReportBuildHealth": Method(pb.ReportBuildHealthRequest, pb.ReportBuildHealthResponse, self.report_health),
            "ReportStatusStream": Method(
                pb.ReportStatusStreamRequest, pb.ReportStatusStreamResponse, self.report_status_stream, client_stream=True
            ),
            "FinishBuild": Method(pb.FinishBuildRequest, pb.FinishBuildResponse, self.finish_build),
            "ListBuilds": Method(pb.ListBuildsRequest, pb.ListBuildsResponse, self.list_builds),
        }
        return {PREFIX + k: v for k, v in m.items()}

    def build_url(self, build: Build) -> str:
        return f"{self.settings.base_url}/orgs/{build.org_id}/projects/{build.project_id}/builds/{build.id}"

    def _project(self, p: Principal, project_id: str) -> str:
        if not project_id:
            if p.kind == "project" and p.project_id:
                return p.project_id
            raise ConnectError(Code.NOT_FOUND, "missing project ID; pass --project or set DEPOT_PROJECT_ID")
        project = self.store.get_project(project_id)
        if project is None or not p.can_use_project(project.org_id, project_id):
            raise ConnectError(Code.NOT_FOUND, f"project '{project_id}' not found")
        return project_id

    def _running_build(self, ctx: CallContext, build_id: str) -> Build:
        self.auth.build(ctx.token, build_id)
        build = self.store.get_build(build_id)
        if build is None:
            raise ConnectError(Code.NOT_FOUND, f"build '{build_id}' not found")
        return build

    async def create_build(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        project_id = self._project(p, req.project_id)
        command = req.options[0].command if req.options else pb.COMMAND_UNSPECIFIED
        save = save_requested(req.options)
        if save and not self.settings.registry:
            raise ConnectError(
                Code.FAILED_PRECONDITION,
                "this server has no registry for saved images: start depot-server with --registry HOST[:PORT]",
            )
        if save:
            try:
                saved_tags(self.settings.registry, project_id, "build", req.options)  # refuse a bad save tag first
            except ValueError as exc:
                raise ConnectError(Code.INVALID_ARGUMENT, str(exc)) from None
        opts = pb.CreateBuildRequest(options=req.options).SerializeToString()
        build = self.store.create_build(p.org_id, project_id, command, opts)
        token = self.store.create_token(
            "build", p.org_id, project_id=project_id, build_id=build.id, ttl=self.settings.build_token_ttl
        )
        resp = pb.CreateBuildResponse(
            build_id=build.id, build_token=token, build_url=self.build_url(build), project_id=project_id,
            registry=pb.Registry(),
        )
        if save:
            tags = saved_tags(self.settings.registry, project_id, build.id, req.options)
            resp.additional_tags.extend(pb.CreateBuildResponse.Tag(tag=t, push=True) for t in tags)
            resp.additional_credentials.add(host=self.settings.registry, token=registry_credential(token))
        log.info("build %s created in project %s%s", build.id, project_id, " (saved)" if save else "")
        return resp

    async def get_build(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.principal(ctx.token)
        build = self.store.get_build(req.build_id)
        allowed = build is not None and (
            p.build_id == build.id if p.kind == "build" else p.can_use_project(build.org_id, build.project_id)
        )
        if build is None or not allowed:
            raise ConnectError(Code.NOT_FOUND, f"build '{req.build_id}' not found")
        return pb.GetBuildResponse(build_id=build.id, project_id=build.project_id, build_url=self.build_url(build))

    def _platform(self, value: int) -> str:
        platform = _PLATFORM.get(value)
        if platform is None:
            raise ConnectError(Code.INVALID_ARGUMENT, f"unsupported builder platform {value}: expected amd64 or arm64")
        return platform

    async def get_buildkit_connection(self, ctx: CallContext, req: Any) -> Any:
        build = self._running_build(ctx, req.build_id)
        platform = self._platform(req.platform)
        if build.status != "running":
            raise ConnectError(Code.FAILED_PRECONDITION, _ended(build))
        if platform not in self.pool.platforms():
            raise ConnectError(Code.FAILED_PRECONDITION, f"this server has no {platform} builder")
        self.store.record_health(build.id, platform)
        builder = self.pool.acquire(build.id, platform)
        if builder is None:
            return pb.GetBuildKitConnectionResponse(
                pending=pb.GetBuildKitConnectionResponse.PendingConnection(wait_ms=self.settings.pending_wait_ms)
            )
        cert = self.ca.client_cert(build.id, platform, self.settings.client_cert_ttl)
        host = self.settings.gateway_listen.rpartition(":")[0].strip("[]")
        active = pb.GetBuildKitConnectionResponse.ActiveConnection(
            endpoint=f"tcp://{host}:{self.gateway_port}",
            server_name=self.settings.server_name,
            cert=pb.Cert(cert=cert.cert.decode(), key=cert.key.decode()),
            ca_cert=pb.Cert(cert=self.ca.cert_pem.decode()),
        )
        active.identity.SetInParent()
        log.info("build %s leased builder %s", build.id, builder.name)
        return pb.GetBuildKitConnectionResponse(active=active)

    async def report_health(self, ctx: CallContext, req: Any) -> Any:
        build = self._running_build(ctx, req.build_id)
        resp = pb.ReportBuildHealthResponse()
        if build.status != "running":
            resp.cancels_at.CopyFrom(_ts(build.canceled_at or build.finished_at))
            return resp
        self.store.record_health(build.id, _PLATFORM.get(req.platform, ""))
        return resp

    async def report_status_stream(self, ctx: CallContext, requests: AsyncIterator[Any]) -> Any:
        frames = 0
        build_id = ""
        async for req in requests:
            if not build_id:
                self._running_build(ctx, req.build_id)
                build_id = req.build_id
            elif req.build_id != build_id:
                raise ConnectError(Code.INVALID_ARGUMENT, "one status stream carries one build")
            frames += 1
        if build_id:
            self.store.add_status_frames(build_id, frames)
        return pb.ReportStatusStreamResponse()

    async def finish_build(self, ctx: CallContext, req: Any) -> Any:
        build = self._running_build(ctx, req.build_id)
        which = req.WhichOneof("result")
        if which is None:
            raise ConnectError(Code.INVALID_ARGUMENT, "FinishBuild needs a result: success, error or canceled")
        status = {"success": "finished", "error": "failed", "canceled": "canceled"}[which]
        error = req.error.error if which == "error" else ""
        if self.store.finish_build(build.id, status, error, canceled=which == "canceled"):
            log.info("build %s %s", build.id, status)
        self.release(build.id)
        return pb.FinishBuildResponse()

    def release(self, build_id: str) -> None:
        self.pool.release(build_id)
        self.gateway.close_build(build_id)

    async def list_builds(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        project_id = self._project(p, req.project_id)
        size = min(req.page_size or 100, 1000)
        before = None
        if req.page_token:
            try:
                before = float(base64.urlsafe_b64decode(req.page_token.encode()).decode())
            except ValueError:
                raise ConnectError(Code.INVALID_ARGUMENT, f"invalid page_token '{req.page_token}'") from None
        builds = self.store.list_builds(project_id, size + 1, before)
        resp = pb.ListBuildsResponse()
        for b in builds[:size]:
            item = resp.builds.add(id=b.id, status=_STATUS[b.status])
            item.created_at.CopyFrom(_ts(b.created_at))
            if b.finished_at is not None:
                item.finished_at.CopyFrom(_ts(b.finished_at))
        if len(builds) > size:
            resp.next_page_token = base64.urlsafe_b64encode(repr(builds[size - 1].created_at).encode()).decode()
        return resp

    def sweep(self, now: float | None = None) -> list[str]:
        """Cancel running builds without a health report for ``health_timeout`` s; returns their ids."""
        now = time.time() if now is None else now
        timeout = self.settings.health_timeout
        out = []
        for b in self.store.stale_builds(now - timeout):
            if self.store.finish_build(b.id, "failed", f"no health report for {timeout:.0f}s: build canceled", canceled=True):
                log.warning("build %s canceled: no health report for %.0fs", b.id, timeout)
                out.append(b.id)
            self.release(b.id)
        return out


def _ended(build: Build) -> str:
    detail = f": {build.error}" if build.error else ""
    return f"build '{build.id}' has already ended ({build.status}{detail})"
