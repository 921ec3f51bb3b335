"""``depot.cli.v1beta1.ProjectsService`` (ListProjects, ResetProjectCache) and
``depot.core.v1.OrganizationService.ListOrganizations``: what the CLI's list, init, onboarding, cache reset
and login call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from depotci.core._gen.depot.cli.v1beta1 import projects_pb2 as cpb
from depotci.core._gen.depot.core.v1 import org_pb2
from depotci.core.api.codes import Code
from depotci.server.accounts_store import AccountsStore, ProjectDetail
from depotci.server.auth import Authenticator, Principal
from depotci.server.cache_prune import prune_builders
from depotci.server.connect_app import CallContext, ConnectError, Method
from depotci.server.settings import BuilderSpec

__all__ = ["OrganizationService", "ProjectsService", "visible_project", "visible_projects"]

log = logging.getLogger("depotci.server")


def visible_projects(accounts: AccountsStore, p: Principal) -> list[ProjectDetail]:
    """Every project of an org token's organization; the projects of a project-scoped principal."""
    if p.kind == "org":
        return accounts.projects(p.org_id)
    return [d for d in (accounts.project(i) for i in p.project_ids()) if d is not None and d.org_id == p.org_id]


def visible_project(accounts: AccountsStore, p: Principal, project_id: str) -> ProjectDetail:
    """The project if ``p`` may see it; NOT_FOUND otherwise (the same answer as a missing project)."""
    if not project_id:
        raise ConnectError(Code.INVALID_ARGUMENT, "missing project ID")
    project = accounts.project(project_id)
    if project is None or not p.can_use_project(project.org_id, project.id):
        raise ConnectError(Code.NOT_FOUND, f"project '{project_id}' not found")
    return project


class ProjectsService:
    """The CLI's project listing and cache reset."""

    PREFIX = "/depot.cli.v1beta1.ProjectsService/"

    def __init__(
        self,
        accounts: AccountsStore,
        auth: Authenticator,
        builders: Sequence[BuilderSpec],
        prune: Callable[[Sequence[BuilderSpec]], list[str]] = prune_builders,
    ) -> None:
        self.accounts = accounts
        self.auth = auth
        self.builders = list(builders)
        self._prune = prune

    def methods(self) -> dict[str, Method]:
        return {
            self.PREFIX + "ListProjects": Method(cpb.ListProjectsRequest, cpb.ListProjectsResponse, self.list_projects),
            self.PREFIX + "ResetProjectCache": Method(
                cpb.ResetProjectCacheRequest, cpb.ResetProjectCacheResponse, self.reset_project_cache
            ),
        }

    async def list_projects(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        resp = cpb.ListProjectsResponse()
        for d in visible_projects(self.accounts, p):
            resp.projects.add(id=d.id, name=d.name, org_id=d.org_id, org_name=d.org_name)
        return resp

    async def reset_project_cache(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        project = visible_project(self.accounts, p, req.project_id)
        failures = await asyncio.to_thread(self._prune, self.builders)
        if failures:
            raise ConnectError(Code.UNAVAILABLE, f"cache reset of project '{project.id}' failed: {'; '.join(failures)}")
        self.accounts.mark_cache_reset(project.id)
        log.info("project %s: cache reset", project.id)
        return cpb.ResetProjectCacheResponse(name=project.name, org_name=project.org_name)


class OrganizationService:
    """ListOrganizations: the caller's organization (a server has one per token)."""

    PREFIX = "/depot.core.v1.OrganizationService/"

    def __init__(self, accounts: AccountsStore, auth: Authenticator) -> None:
        self.accounts = accounts
        self.auth = auth

    def methods(self) -> dict[str, Method]:
        return {
            self.PREFIX + "ListOrganizations": Method(
                org_pb2.ListOrganizationsRequest, org_pb2.ListOrganizationResponse, self.list_organizations
            )
        }

    async def list_organizations(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        resp = org_pb2.ListOrganizationResponse()
        for oid, name, created in self.accounts.organizations((p.org_id,)):
            org = resp.organizations.add(org_id=oid, name=name)
            org.created_at.FromNanoseconds(int(created * 1e9))
        return resp
