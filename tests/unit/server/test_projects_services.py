"""ProjectsService (CLI v1beta1), ProjectService (core v1), OrganizationService and LoginService in process."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from depotci.core._gen.depot.cli.v1beta1 import login_pb2
from depotci.core._gen.depot.cli.v1beta1 import projects_pb2 as cpb
from depotci.core._gen.depot.core.v1 import org_pb2
from depotci.core._gen.depot.core.v1 import project_pb2 as pb
from depotci.core.errors import ApiError
from unit.server import test_oidc_support as support

issuers = support.issuers
accounts_env = support.accounts_env
CLI = "/depot.cli.v1beta1.ProjectsService/"
CORE = "/depot.core.v1.ProjectService/"


def _call(env: Any, path: str, req: Any, resp_type: Any, token: str | None = None) -> Any:
    return env.client.unary(path, req, resp_type, token=env.org_token if token is None else token)


def test_list_projects_by_token_kind(accounts_env: Any) -> None:
    env = accounts_env
    other = env.store.create_project(env.store.ensure_org(), "another").id
    got = _call(env, CLI + "ListProjects", cpb.ListProjectsRequest(), cpb.ListProjectsResponse)
    assert [(p.id, p.name, p.org_name) for p in got.projects] == [(other, "another", "default"), (env.project, "demo", "default")]
    ptoken = env.store.create_token("project", env.store.ensure_org(), project_id=env.project)
    got = _call(env, CLI + "ListProjects", cpb.ListProjectsRequest(), cpb.ListProjectsResponse, ptoken)
    assert [p.id for p in got.projects] == [env.project]


def test_list_projects_with_an_oidc_token(accounts_env: Any) -> None:
    env = accounts_env
    env.accounts.add_trust_policy(env.project, "github", "acme", "acme/app")
    jwt = env.github.issue(env.github.github_claims("acme/app"))
    got = _call(env, CLI + "ListProjects", cpb.ListProjectsRequest(), cpb.ListProjectsResponse, jwt)
    assert [p.id for p in got.projects] == [env.project]


@pytest.mark.parametrize(("token", "code"), [("", "unauthenticated"), ("dso_nope", "unauthenticated")])
def test_list_projects_needs_a_valid_token(accounts_env: Any, token: str, code: str) -> None:
    with pytest.raises(ApiError) as err:
        _call(accounts_env, CLI + "ListProjects", cpb.ListProjectsRequest(), cpb.ListProjectsResponse, token)
    assert err.value.code == code


def test_reset_project_cache_prunes_the_builders(accounts_env: Any) -> None:
    env = accounts_env
    got = _call(env, CLI + "ResetProjectCache", cpb.ResetProjectCacheRequest(project_id=env.project), cpb.ResetProjectCacheResponse)
    assert (got.name, got.org_name, env.pruned) == ("demo", "default", ["amd64-0"])
    with pytest.raises(ApiError, match="not_found: project 'nope' not found"):
        _call(env, CLI + "ResetProjectCache", cpb.ResetProjectCacheRequest(project_id="nope"), cpb.ResetProjectCacheResponse)


def test_project_crud(accounts_env: Any) -> None:
    env = accounts_env
    created = _call(env, CORE + "CreateProject", pb.CreateProjectRequest(
        name="web", region_id="eu-central-1", cache_policy=pb.CachePolicy(keep_bytes=20 * 1024**3, keep_days=7)),
        pb.CreateProjectResponse).project
    assert (created.name, created.region_id, created.cache_policy.keep_bytes, created.cache_policy.keep_days) == (
        "web", "eu-central-1", 20 * 1024**3, 7)
    got = _call(env, CORE + "GetProject", pb.GetProjectRequest(project_id=created.project_id), pb.GetProjectResponse)
    assert got.project == created
    upd = _call(env, CORE + "UpdateProject", pb.UpdateProjectRequest(project_id=created.project_id, name="web2"),
                pb.UpdateProjectResponse).project
    assert (upd.name, upd.region_id, upd.cache_policy.keep_days) == ("web2", "eu-central-1", 7)
    _call(env, CORE + "DeleteProject", pb.DeleteProjectRequest(project_id=created.project_id), pb.DeleteProjectResponse)
    with pytest.raises(ApiError, match="not_found"):
        _call(env, CORE + "GetProject", pb.GetProjectRequest(project_id=created.project_id), pb.GetProjectResponse)


def test_project_tokens_cannot_manage_projects(accounts_env: Any) -> None:
    env = accounts_env
    ptoken = env.store.create_token("project", env.store.ensure_org(), project_id=env.project)
    with pytest.raises(ApiError, match="permission_denied: this call needs an organization token"):
        _call(env, CORE + "DeleteProject", pb.DeleteProjectRequest(project_id=env.project), pb.DeleteProjectResponse, ptoken)
    got = _call(env, CORE + "GetProject", pb.GetProjectRequest(project_id=env.project), pb.GetProjectResponse, ptoken)
    assert got.project.name == "demo"


def test_trust_policies_and_tokens(accounts_env: Any) -> None:
    env = accounts_env
    added = _call(env, CORE + "AddTrustPolicy", pb.AddTrustPolicyRequest(
        project_id=env.project, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="app")),
        pb.AddTrustPolicyResponse).trust_policy
    listed = _call(env, CORE + "ListTrustPolicies", pb.ListTrustPoliciesRequest(project_id=env.project),
                   pb.ListTrustPoliciesResponse).trust_policies
    assert list(listed) == [added] and added.github.repository == "app"
    with pytest.raises(ApiError, match="needs both repository_owner and repository"):
        _call(env, CORE + "AddTrustPolicy", pb.AddTrustPolicyRequest(
            project_id=env.project, github=pb.TrustPolicy.GitHub(repository_owner="acme")), pb.AddTrustPolicyResponse)
    _call(env, CORE + "RemoveTrustPolicy", pb.RemoveTrustPolicyRequest(
        project_id=env.project, trust_policy_id=added.trust_policy_id), pb.RemoveTrustPolicyResponse)
    assert env.accounts.trust_policies(env.project) == []

    made = _call(env, CORE + "CreateToken", pb.CreateTokenRequest(project_id=env.project, description="ci"), pb.CreateTokenResponse)
    assert made.secret.startswith("dsp_") and env.store.lookup_token(made.secret).project_id == env.project
    toks = _call(env, CORE + "ListTokens", pb.ListTokensRequest(project_id=env.project), pb.ListTokensResponse).tokens
    assert [(t.token_id, t.description) for t in toks] == [(made.token_id, "ci")]
    _call(env, CORE + "DeleteToken", pb.DeleteTokenRequest(token_id=made.token_id), pb.DeleteTokenResponse)
    assert env.store.lookup_token(made.secret) is None
    with pytest.raises(ApiError, match="unauthenticated: invalid token"):
        _call(env, CLI + "ListProjects", cpb.ListProjectsRequest(), cpb.ListProjectsResponse, made.secret)


def test_list_organizations(accounts_env: Any) -> None:
    got = _call(accounts_env, "/depot.core.v1.OrganizationService/ListOrganizations", org_pb2.ListOrganizationsRequest(),
                org_pb2.ListOrganizationResponse)
    assert [o.name for o in got.organizations] == ["default"] and got.organizations[0].created_at.seconds > 0


def test_device_login_streams_a_token_once_approved(accounts_env: Any) -> None:
    env = accounts_env
    start = env.client.unary("/depot.cli.v1beta1.LoginService/StartLogin", login_pb2.StartLoginRequest(), login_pb2.StartLoginResponse)
    assert start.approve_url == f"http://127.0.0.1:1/login/{start.id}"
    page = env.http.get(f"/login/{start.id}")
    assert page.status_code == 200 and "Approve depot login" in page.text
    refused = env.http.post(f"/login/{start.id}", data={"token": "dso_wrong"})
    assert refused.status_code == 403

    def approve() -> None:
        time.sleep(0.3)
        env.http.post(f"/login/{start.id}", data={"token": env.org_token})

    threading.Thread(target=approve).start()
    got = list(env.client.server_stream("/depot.cli.v1beta1.LoginService/FinishLogin",
                                        login_pb2.FinishLoginRequest(id=start.id), login_pb2.FinishLoginResponse))
    assert len(got) == 1 and env.store.lookup_token(got[0].token).kind == "org"
    with pytest.raises(ApiError, match="already completed"):
        list(env.client.server_stream("/depot.cli.v1beta1.LoginService/FinishLogin",
                                      login_pb2.FinishLoginRequest(id=start.id), login_pb2.FinishLoginResponse))
