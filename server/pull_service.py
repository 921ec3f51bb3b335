"""``GetPullInfo`` and ``GetPullToken`` of ``depot.cli.v1.BuildService`` (specs/depot-api.md §1.3, §6.3):
where a saved build lives on the server's registry and a short-lived, read-only pull token for it.

Pull tokens are minted as kind ``pull`` (only their hash is stored, like every token): they cannot
create builds or manage anything; the registry is what they are for. They are never logged.
"""

from __future__ import annotations

import logging
from typing import Any

from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core.api.codes import Code
from depotci.server.auth import Authenticator, Principal
from depotci.server.build_service import PREFIX
from depotci.server.connect_app import CallContext, ConnectError, Method
from depotci.server.saved_images import PULL_USER, save_requested, saved_reference
from depotci.server.settings import Settings
from depotci.server.store import Build, Store

__all__ = ["PullService"]

log = logging.getLogger("depotci.server")


class PullService:
    """The pull handlers; ``methods()`` is their routing table for ConnectApp."""

    def __init__(self, settings: Settings, store: Store, auth: Authenticator) -> None:
        self.settings = settings
        self.store = store
        self.auth = auth

    def methods(self) -> dict[str, Method]:
        return {
            PREFIX + "GetPullInfo": Method(pb.GetPullInfoRequest, pb.GetPullInfoResponse, self.get_pull_info),
            PREFIX + "GetPullToken": Method(pb.GetPullTokenRequest, pb.GetPullTokenResponse, self.get_pull_token),
        }

    def _build(self, p: Principal, build_id: str) -> Build:
        build = self.store.get_build(build_id) if build_id else None
        if build is None or not p.can_use_project(build.org_id, build.project_id):
            raise ConnectError(Code.NOT_FOUND, f"build '{build_id}' not found")
        return build

    def _mint(self, p: Principal, project_id: str, build_id: str | None) -> str:
        return self.store.create_token(
            "pull", p.org_id, project_id=project_id, build_id=build_id, ttl=self.settings.pull_token_ttl,
            description="pull token",
        )

    def _registry(self) -> str:
        if not self.settings.registry:
            raise ConnectError(
                Code.FAILED_PRECONDITION,
                "this server has no registry for saved images: start depot-server with --registry HOST[:PORT]",
            )
        return self.settings.registry

    async def get_pull_info(self, ctx: CallContext, req: Any) -> Any:
        """The saved build's reference, pull credentials and the options it was created with."""
        p = self.auth.account(ctx.token)
        build = self._build(p, req.build_id)
        registry = self._registry()
        options = pb.CreateBuildRequest.FromString(self.store.build_options(build.id)).options
        if not save_requested(options):
            raise ConnectError(Code.FAILED_PRECONDITION, f"build '{build.id}' was not saved; build it with --save")
        log.info("pull info for build %s", build.id)
        return pb.GetPullInfoResponse(
            reference=saved_reference(registry, build.project_id, build.id), username=PULL_USER,
            password=self._mint(p, build.project_id, build.id), options=options, save_for_load=False,
        )

    async def get_pull_token(self, ctx: CallContext, req: Any) -> Any:
        """A pull token for the build's project (``build_id``), else for ``project_id`` (else the token's)."""
        p = self.auth.account(ctx.token)
        self._registry()
        if req.build_id:
            build = self._build(p, req.build_id)
            project_id, build_id = build.project_id, build.id
        else:
            project_id = str(req.project_id or (p.project_id if p.kind == "project" else "") or "")
            if not project_id:
                raise ConnectError(Code.INVALID_ARGUMENT, "missing project ID; pass --project or set DEPOT_PROJECT_ID")
            project = self.store.get_project(project_id)
            if project is None or not p.can_use_project(project.org_id, project_id):
                raise ConnectError(Code.NOT_FOUND, f"project '{project_id}' not found")
            build_id = None
        log.info("pull token minted for project %s", project_id)
        return pb.GetPullTokenResponse(token=self._mint(p, project_id, build_id))
