"""CI OIDC tokens through the API: a raw JWT as bearer token (what the Go CLI sends) and the
``/auth/oidc/github-actions`` exchange; refusals record nothing and name the reason."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.api.build_service import BuildAPI
from depotci.core.errors import ApiError
from unit.server import test_oidc_support as support

issuers = support.issuers
accounts_env = support.accounts_env


def _trust(env: Any, provider: str = "github", a: str = "acme", b: str = "acme/app", project: str = "") -> None:
    env.accounts.add_trust_policy(project or env.project, provider, a, b)


def _create(env: Any, token: str, project: str = "") -> Any:
    opts = [build_pb2.BuildOptions(command=build_pb2.COMMAND_BUILD)]
    return BuildAPI(env.client).create_build(token, project, opts)


@pytest.mark.parametrize("project_arg", ["", "self"])
def test_a_github_token_of_a_trusted_repository_builds(accounts_env: Any, project_arg: str) -> None:
    env = accounts_env
    _trust(env)
    jwt = env.github.issue(env.github.github_claims("acme/app"))
    resp = _create(env, jwt, env.project if project_arg else "")
    assert resp.project_id == env.project and resp.build_token
    assert env.builds() == 1


def test_a_gitlab_token_of_a_trusted_project_builds(accounts_env: Any) -> None:
    env = accounts_env
    _trust(env, "gitlab", "group", "group/app")
    resp = _create(env, env.gitlab.issue(env.gitlab.gitlab_claims("group/app")), env.project)
    assert resp.project_id == env.project


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda e: e.github.issue(e.github.github_claims("acme/app"), forge=True), "unauthenticated", "signature does not verify"),
        (lambda e: e.github.issue(e.github.github_claims("acme/app"), ttl=-600), "unauthenticated", "OIDC token expired"),
        (lambda e: e.github.issue(e.github.github_claims("acme/app"), audience="sts.amazonaws.com"), "unauthenticated",
         "audience 'sts.amazonaws.com' does not include 'https://depot.dev'"),
        (lambda e: e.github.issue(e.github.github_claims("acme/other")), "permission_denied",
         "no project trusts GitHub repository 'acme/other'"),
        (lambda e: e.gitlab.issue(e.github.github_claims("acme/app")), "permission_denied", "no project trusts GitLab project"),
    ],
)
def test_refused_tokens_record_nothing(
    accounts_env: Any, caplog: pytest.LogCaptureFixture, make: Any, code: str, message: str
) -> None:
    env = accounts_env
    _trust(env)
    tokens = env.tokens()
    jwt = make(env)
    with caplog.at_level(logging.INFO), pytest.raises(ApiError) as err:
        _create(env, jwt, env.project)
    assert err.value.code == code
    assert message in err.value.detail and "\n" not in err.value.detail
    assert (env.builds(), env.tokens()) == (0, tokens)
    assert jwt not in caplog.text and jwt not in str(err.value)


def test_a_token_of_an_untrusted_issuer_is_refused(accounts_env: Any, tmp_path: Any) -> None:
    from oidc_issuer import OIDCIssuer

    env = accounts_env
    _trust(env)
    with OIDCIssuer() as other:
        jwt = other.issue(other.github_claims("acme/app"))
    with pytest.raises(ApiError, match=f"issuer '{other.url}' is not trusted by this server"):
        _create(env, jwt, env.project)
    assert env.builds() == 0


def test_an_oidc_principal_cannot_use_an_untrusting_project(accounts_env: Any) -> None:
    env = accounts_env
    _trust(env)
    other = env.store.create_project(env.store.ensure_org(), "other").id
    with pytest.raises(ApiError, match=f"project '{other}' not found"):
        _create(env, env.github.issue(env.github.github_claims("acme/app")), other)


def test_exchange_mints_a_short_lived_project_token(accounts_env: Any, caplog: pytest.LogCaptureFixture) -> None:
    env = accounts_env
    _trust(env)
    jwt = env.github.issue(env.github.github_claims("acme/app"))
    with caplog.at_level(logging.INFO):
        r = env.http.post("/auth/oidc/github-actions", json={"token": jwt})
    assert r.status_code == 200 and r.json()["ok"] is True
    minted = r.json()["token"]
    assert minted.startswith("dsp_") and minted not in caplog.text and jwt not in caplog.text
    rec = env.store.lookup_token(minted)
    assert (rec.kind, rec.project_id) == ("project", env.project) and rec.expires_at is not None
    assert _create(env, minted).project_id == env.project


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{}", 400, 'expected a JSON body {"token": "<OIDC token>"}'),
        (b"not json", 400, "expected a JSON body"),
        ("forged", 401, "signature does not verify"),
        ("expired", 401, "OIDC token expired"),
        ("other-repo", 403, "no project trusts GitHub repository 'acme/other'"),
        ("gitlab", 401, "this endpoint exchanges github tokens, not gitlab tokens"),
    ],
)
def test_exchange_refusals(accounts_env: Any, body: Any, status: int, message: str) -> None:
    env = accounts_env
    _trust(env)
    _trust(env, "gitlab", "group", "group/app")
    tokens = env.tokens()
    make = {
        "forged": lambda: env.github.issue(env.github.github_claims("acme/app"), forge=True),
        "expired": lambda: env.github.issue(env.github.github_claims("acme/app"), ttl=-600),
        "other-repo": lambda: env.github.issue(env.github.github_claims("acme/other")),
        "gitlab": lambda: env.gitlab.issue(env.gitlab.gitlab_claims("group/app")),
    }
    if isinstance(body, str):
        r = env.http.post("/auth/oidc/github-actions", json={"token": make[body]()})
    else:
        r = env.http.post("/auth/oidc/github-actions", content=body)
    assert (r.status_code, r.json()["ok"]) == (status, False)
    assert message in r.json()["error"]
    assert env.tokens() == tokens


def test_exchange_wants_post(accounts_env: Any) -> None:
    assert accounts_env.http.get("/auth/oidc/github-actions").status_code == 405
