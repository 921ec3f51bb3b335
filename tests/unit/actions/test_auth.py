from __future__ import annotations

import io
from collections.abc import Mapping

import httpx
import pytest
from depotci.actions.auth import Auth, resolve_auth
from depotci.actions.env import GitHubEnv
from depotci.actions.oidc import exchange_token, exchange_url, fetch_id_token
from depotci.actions.outputs import Workflow
from depotci.core.errors import AuthError

OIDC_GH = GitHubEnv(id_token_url="http://issuer/token?api-version=2.0", id_token_request_token="req")


def _oidc_ok(gh: GitHubEnv, env: Mapping[str, str], wf: Workflow) -> str:
    return "dsp_exchanged"


def _oidc_fails(gh: GitHubEnv, env: Mapping[str, str], wf: Workflow) -> str:
    raise AuthError("the Depot API refused the GitHub OIDC token")


@pytest.mark.parametrize(
    ("token", "host", "env", "gh", "oidc", "expected"),
    [
        ("t-input", "tcp://b", {"DEPOT_TOKEN": "t-env"}, OIDC_GH, _oidc_ok, Auth("token", "input 'token'", "t-input")),
        ("", "tcp://b", {"DEPOT_TOKEN": "t-env"}, OIDC_GH, _oidc_ok, Auth("token", "DEPOT_TOKEN", "t-env")),
        ("", "tcp://b", {}, OIDC_GH, _oidc_ok, Auth("token", "GitHub OIDC", "dsp_exchanged")),
        ("", "tcp://b", {}, OIDC_GH, _oidc_fails, Auth("endpoint", "input 'buildkit-host'", buildkit_host="tcp://b")),
        ("", "tcp://b", {}, OIDC_GH, None, Auth("endpoint", "input 'buildkit-host'", buildkit_host="tcp://b")),
        ("", "", {}, GitHubEnv(), _oidc_ok, Auth("default", "default builder")),
    ],
)
def test_order(token: str, host: str, env: dict[str, str], gh: GitHubEnv, oidc: object, expected: Auth) -> None:
    log = io.StringIO()
    assert resolve_auth(token, host, env, gh, Workflow(log), oidc) == expected  # type: ignore[arg-type]
    if expected.source in ("GitHub OIDC", "input 'token'"):
        assert f"::add-mask::{expected.token}\n" in log.getvalue()


def test_oidc_failure_is_logged_not_fatal() -> None:
    log = io.StringIO()
    resolve_auth("", "", {}, OIDC_GH, Workflow(log), _oidc_fails)
    assert "GitHub OIDC exchange failed, trying the next source: the Depot API refused" in log.getvalue()


def _client(handler: object) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_fetch_id_token_protocol() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"value": "eyJ.jwt"})

    assert fetch_id_token(OIDC_GH, _client(handler)) == "eyJ.jwt"
    assert str(seen[0].url) == "http://issuer/token?api-version=2.0&audience=https%3A%2F%2Fdepot.dev"
    assert seen[0].headers["authorization"] == "bearer req"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [(401, {"message": "no"}, "HTTP 401"), (200, {}, "the response has no 'value'")],
)
def test_fetch_id_token_errors(status: int, body: dict[str, str], message: str) -> None:
    with pytest.raises(AuthError, match=message):
        fetch_id_token(OIDC_GH, _client(lambda r: httpx.Response(status, json=body)))


def test_fetch_without_permission() -> None:
    with pytest.raises(AuthError, match="permissions: id-token: write"):
        fetch_id_token(GitHubEnv(), _client(lambda r: httpx.Response(500)))


def test_exchange() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.read() == b'{"token":"eyJ.jwt"}'
        return httpx.Response(200, json={"ok": True, "token": "dsp_x"})

    assert exchange_token("eyJ.jwt", "http://api/auth/oidc/github-actions", _client(handler)) == "dsp_x"


def test_exchange_refused_names_the_reason_not_the_token() -> None:
    client = _client(lambda r: httpx.Response(403, json={"ok": False, "error": "no project trusts 'acme/app'"}))
    with pytest.raises(AuthError) as info:
        exchange_token("eyJ.secret", "http://api/x", client)
    assert "no project trusts 'acme/app'" in str(info.value) and "eyJ" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "url"),
    [({}, "https://github.depot.dev/auth/oidc/github-actions"),
     ({"DEPOT_API_URL": "http://127.0.0.1:9/"}, "http://127.0.0.1:9/auth/oidc/github-actions")],
)
def test_exchange_url(env: dict[str, str], url: str) -> None:
    assert exchange_url(env) == url
