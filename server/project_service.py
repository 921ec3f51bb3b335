"""``depot.core.v1.ProjectService``: project CRUD, trust policies and project tokens.

Reads (ListProjects, GetProject, ListTrustPolicies) accept org and project tokens within their reach;
everything that changes a project, its trust policies or its tokens needs an organization token.
"""

from __future__ import annotations

import logging
from typing import Any

from depotci.core._gen.depot.core.v1 import project_pb2 as pb
from depotci.core.api.codes import Code
from depotci.server.accounts_store import AccountsStore, ProjectDetail, TrustPolicyRecord
from depotci.server.auth import Authenticator
from depotci.server.connect_app import CallContext, ConnectError, Method
from depotci.server.projects_service import visible_project, visible_projects

__all__ = ["ProjectService", "policy_message", "project_message"]

log = logging.getLogger("depotci.server")
GB = 1024**3
DEFAULT_KEEP_BYTES = 50 * GB
DEFAULT_KEEP_DAYS = 14


def project_message(d: ProjectDetail) -> Any:
    msg = pb.Project(project_id=d.id, organization_id=d.org_id, name=d.name, region_id=d.region_id, hardware=d.hardware)  # type: ignore[arg-type]
    msg.created_at.FromNanoseconds(int(d.created_at * 1e9))
    msg.cache_policy.keep_bytes = d.keep_bytes
    msg.cache_policy.keep_days = d.keep_days
    msg.cache_policy.keep_gb = d.keep_bytes // GB
    return msg


def policy_message(t: TrustPolicyRecord) -> Any:
    msg = pb.TrustPolicy(trust_policy_id=t.id)
    if t.provider == "github":
        msg.github.CopyFrom(pb.TrustPolicy.GitHub(repository_owner=t.a, repository=t.b))
    elif t.provider == "gitlab":
        msg.gitlab.CopyFrom(pb.TrustPolicy.GitLab(namespace_path=t.a, project_path=t.b))
    elif t.provider == "circleci":
        msg.circleci.CopyFrom(pb.TrustPolicy.CircleCI(organization_uuid=t.a, project_uuid=t.b))
    else:
        msg.buildkite.CopyFrom(pb.TrustPolicy.Buildkite(organization_slug=t.a, pipeline_slug=t.b))
    return msg


def _cache(policy: Any, keep_bytes: int | None, keep_days: int | None) -> tuple[int | None, int | None]:
    """keep_bytes (deprecated field 1, what the Go CLI sends) or keep_gb, and keep_days."""
    if policy.HasField("keep_bytes"):
        keep_bytes = policy.keep_bytes
    elif policy.keep_gb:
        keep_bytes = policy.keep_gb * GB
    if policy.keep_days or policy.HasField("keep_bytes") or policy.keep_gb:
        keep_days = policy.keep_days
    if (keep_bytes is not None and keep_bytes < 0) or (keep_days is not None and keep_days < 0):
        raise ConnectError(Code.INVALID_ARGUMENT, "cache policy values cannot be negative")
    return keep_bytes, keep_days


class ProjectService:
    PREFIX = "/depot.core.v1.ProjectService/"

    def __init__(self, accounts: AccountsStore, auth: Authenticator, reset: Any = None) -> None:
        self.accounts = accounts
        self.auth = auth
        self._reset = reset  # ProjectsService.reset_project_cache-like coroutine, optional

    def methods(self) -> dict[str, Method]:
        names = {
            "ListProjects": (pb.ListProjectsRequest, pb.ListProjectsResponse, self.list_projects),
            "GetProject": (pb.GetProjectRequest, pb.GetProjectResponse, self.get_project),
            "CreateProject": (pb.CreateProjectRequest, pb.CreateProjectResponse, self.create_project),
            "UpdateProject": (pb.UpdateProjectRequest, pb.UpdateProjectResponse, self.update_project),
            "DeleteProject": (pb.DeleteProjectRequest, pb.DeleteProjectResponse, self.delete_project),
            "ResetProject": (pb.ResetProjectRequest, pb.ResetProjectResponse, self.reset_project),
            "ListTrustPolicies": (pb.ListTrustPoliciesRequest, pb.ListTrustPoliciesResponse, self.list_trust_policies),
            "AddTrustPolicy": (pb.AddTrustPolicyRequest, pb.AddTrustPolicyResponse, self.add_trust_policy),
            "RemoveTrustPolicy": (pb.RemoveTrustPolicyRequest, pb.RemoveTrustPolicyResponse, self.remove_trust_policy),
            "ListTokens": (pb.ListTokensRequest, pb.ListTokensResponse, self.list_tokens),
            "CreateToken": (pb.CreateTokenRequest, pb.CreateTokenResponse, self.create_token),
            "UpdateToken": (pb.UpdateTokenRequest, pb.UpdateTokenResponse, self.update_token),
            "DeleteToken": (pb.DeleteTokenRequest, pb.DeleteTokenResponse, self.delete_token),
        }
        return {self.PREFIX + k: Method(*v) for k, v in names.items()}

    def _owned(self, ctx: CallContext, project_id: str) -> ProjectDetail:
        return visible_project(self.accounts, self.auth.org(ctx.token), project_id)

    async def list_projects(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        projects = visible_projects(self.accounts, p)
        if req.HasField("region_id"):
            projects = [d for d in projects if d.region_id == req.region_id]
        return pb.ListProjectsResponse(projects=[project_message(d) for d in projects])

    async def get_project(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.account(ctx.token)
        return pb.GetProjectResponse(project=project_message(visible_project(self.accounts, p, req.project_id)))

    async def create_project(self, ctx: CallContext, req: Any) -> Any:
        p = self.auth.org(ctx.token)
        name = req.name.strip()
        if not name:
            raise ConnectError(Code.INVALID_ARGUMENT, "a project needs a name")
        if req.HasField("organization_id") and req.organization_id and req.organization_id != p.org_id:
            raise ConnectError(Code.PERMISSION_DENIED, f"the token cannot create projects in organization '{req.organization_id}'")
        keep_bytes, keep_days = _cache(req.cache_policy, DEFAULT_KEEP_BYTES, DEFAULT_KEEP_DAYS)
        d = self.accounts.create_project(
            p.org_id, name, req.region_id or "us-east-1", keep_bytes or 0, keep_days or 0, req.hardware
        )
        log.info("project %s created (%s)", d.id, d.name)
        return pb.CreateProjectResponse(project=project_message(d))

    async def update_project(self, ctx: CallContext, req: Any) -> Any:
        current = self._owned(ctx, req.project_id)
        keep_bytes, keep_days = _cache(req.cache_policy, None, None) if req.HasField("cache_policy") else (None, None)
        name = req.name.strip() if req.HasField("name") else None
        if name == "":
            raise ConnectError(Code.INVALID_ARGUMENT, "a project name cannot be empty")
        d = self.accounts.update_project(
            current.id, name=name, region_id=req.region_id if req.HasField("region_id") else None,
            keep_bytes=keep_bytes, keep_days=keep_days, hardware=req.hardware if req.HasField("hardware") else None,
        )
        assert d is not None
        return pb.UpdateProjectResponse(project=project_message(d))

    async def delete_project(self, ctx: CallContext, req: Any) -> Any:
        project = self._owned(ctx, req.project_id)
        self.accounts.delete_project(project.id)
        log.info("project %s deleted", project.id)
        return pb.DeleteProjectResponse()

    async def reset_project(self, ctx: CallContext, req: Any) -> Any:
        self._owned(ctx, req.project_id)
        if self._reset is not None:
            from depotci.core._gen.depot.cli.v1beta1 import projects_pb2

            await self._reset(ctx, projects_pb2.ResetProjectCacheRequest(project_id=req.project_id))
        return pb.ResetProjectResponse()

    async def list_trust_policies(self, ctx: CallContext, req: Any) -> Any:
        project = visible_project(self.accounts, self.auth.account(ctx.token), req.project_id)
        return pb.ListTrustPoliciesResponse(trust_policies=[policy_message(t) for t in self.accounts.trust_policies(project.id)])

    async def add_trust_policy(self, ctx: CallContext, req: Any) -> Any:
        project = self._owned(ctx, req.project_id)
        which = req.WhichOneof("provider")
        if which is None:
            raise ConnectError(Code.INVALID_ARGUMENT, "a trust policy needs one of github, gitlab, circleci, buildkite")
        fields = {
            "github": ("repository_owner", "repository"),
            "gitlab": ("namespace_path", "project_path"),
            "circleci": ("organization_uuid", "project_uuid"),
            "buildkite": ("organization_slug", "pipeline_slug"),
        }[which]
        sub = getattr(req, which)
        a, b = (str(getattr(sub, f)).strip() for f in fields)
        if not a or not b:
            raise ConnectError(Code.INVALID_ARGUMENT, f"a {which} trust policy needs both {fields[0]} and {fields[1]}")
        t = self.accounts.add_trust_policy(project.id, which, a, b)
        log.info("project %s: trust policy %s added (%s %s/%s)", project.id, t.id, which, a, b)
        return pb.AddTrustPolicyResponse(trust_policy=policy_message(t))

    async def remove_trust_policy(self, ctx: CallContext, req: Any) -> Any:
        project = self._owned(ctx, req.project_id)
        if not self.accounts.remove_trust_policy(project.id, req.trust_policy_id):
            raise ConnectError(Code.NOT_FOUND, f"trust policy '{req.trust_policy_id}' not found in project '{project.id}'")
        return pb.RemoveTrustPolicyResponse()

    async def list_tokens(self, ctx: CallContext, req: Any) -> Any:
        project = self._owned(ctx, req.project_id)
        resp = pb.ListTokensResponse()
        for t in self.accounts.tokens(project.id):
            resp.tokens.add(token_id=t.id, description=t.description)
        return resp

    async def create_token(self, ctx: CallContext, req: Any) -> Any:
        project = self._owned(ctx, req.project_id)
        secret = self.accounts.store.create_token("project", project.org_id, project_id=project.id, description=req.description)
        token_id = self.accounts.token_id_of(secret) or ""
        log.info("project %s: token %s created", project.id, token_id)
        return pb.CreateTokenResponse(token_id=token_id, secret=secret)

    def _token(self, ctx: CallContext, token_id: str) -> str:
        p = self.auth.org(ctx.token)
        info = self.accounts.token_info(token_id)
        if info is None or info.org_id != p.org_id or info.kind != "project":
            raise ConnectError(Code.NOT_FOUND, f"token '{token_id}' not found")
        return info.id

    async def update_token(self, ctx: CallContext, req: Any) -> Any:
        self.accounts.describe_token(self._token(ctx, req.token_id), req.description)
        return pb.UpdateTokenResponse()

    async def delete_token(self, ctx: CallContext, req: Any) -> Any:
        self.accounts.revoke_token(self._token(ctx, req.token_id))
        log.info("token %s revoked", req.token_id)
        return pb.DeleteTokenResponse()
