"""CI OIDC token sources and their place in the token resolution order (specs/depot-api.md §3.1, §4.1)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from depotci.core.auth.oidc import resolve_oidc, with_audience
from depotci.core.auth.token import resolve_token
from oidc_issuer import OIDCIssuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[OIDCIssuer]:
    with OIDCIssuer() as i:
        yield i


def _gh(issuer: OIDCIssuer, **extra: str) -> dict[str, str]:
    return {"ACTIONS_ID_TOKEN_REQUEST_URL": issuer.actions_request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.actions_request_token, **extra}


def test_github_source_asks_for_the_depot_audience(issuer: OIDCIssuer) -> None:
    import jwt

    token, source = resolve_oidc(_gh(issuer)) or ("", "")
    assert source == "oidc:github"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["aud"], claims["repository"]) == ("https://depot.dev", "acme/app")
    path, query, auth = issuer.requests[-1]
    assert path == "/actions/token" and parse_qs(query) == {"api-version": ["2.0"], "audience": ["https://depot.dev"]}
    assert auth == f"bearer {issuer.actions_request_token}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITLAB_CI": "true", "DEPOT_OIDC_TOKEN": "gl", "CIRCLE_OIDC_TOKEN_V2": "cc"}, ("gl", "oidc:gitlab")),
        ({"DEPOT_OIDC_TOKEN": "gl", "CIRCLE_OIDC_TOKEN_V2": "cc"}, ("cc", "oidc:circleci")),
        ({"DEPOT_OIDC_TOKEN": "gl"}, None),
        ({"GITLAB_CI": "true"}, None),
        ({}, None),
    ],
)
def test_source_order_without_network(env: dict[str, str], expected: tuple[str, str] | None) -> None:
    assert resolve_oidc(env) == expected


def test_github_wins_over_gitlab(issuer: OIDCIssuer) -> None:
    got = resolve_oidc(_gh(issuer, GITLAB_CI="1", DEPOT_OIDC_TOKEN="gl"))
    assert got is not None and got[1] == "oidc:github"


def test_buildkite_posts_the_audience() -> None:
    seen: list[Any] = []

    def http(method: str, url: str, **kw: Any) -> httpx.Response:
        seen.append((method, url, kw["json"], kw["headers"]["Authorization"]))
        return httpx.Response(200, json={"token": "bk-jwt"})

    env = {"BUILDKITE_AGENT_ACCESS_TOKEN": "agent", "BUILDKITE_JOB_ID": "j1", "BUILDKITE_AGENT_ENDPOINT": "http://bk/v3/"}
    assert resolve_oidc(env, http=http) == ("bk-jwt", "oidc:buildkite")
    assert seen == [("POST", "http://bk/v3/jobs/j1/oidc/tokens", {"audience": "https://depot.dev"}, "Token agent")]


@pytest.mark.parametrize("debug", ["", "1"])
def test_a_failing_source_is_skipped_and_reported_only_when_debugging(issuer: OIDCIssuer, debug: str) -> None:
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": issuer.actions_request_url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong",
           "CIRCLE_OIDC_TOKEN_V2": "cc", "DEPOT_DEBUG_OIDC": debug}
    err = io.StringIO()
    assert resolve_oidc(env, stderr=err) == ("cc", "oidc:circleci")
    assert ("HTTP 401" in err.getvalue()) is bool(debug)
    assert "wrong" not in err.getvalue()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x/t?api-version=2.0", "http://x/t?api-version=2.0&audience=https%3A%2F%2Fdepot.dev"),
        ("http://x/t?audience=old", "http://x/t?audience=https%3A%2F%2Fdepot.dev"),
        ("http://x/t", "http://x/t?audience=https%3A%2F%2Fdepot.dev"),
    ],
)
def test_with_audience(url: str, expected: str) -> None:
    assert with_audience(url) == expected


@pytest.mark.parametrize(
    ("env", "stored", "expected"),
    [
        ({"DEPOT_TOKEN": "e", "CIRCLE_OIDC_TOKEN_V2": "cc"}, "", ("e", "DEPOT_TOKEN")),
        ({"CIRCLE_OIDC_TOKEN_V2": "cc"}, "s", ("s", "/cfg/depot/depot.yaml")),
        ({"CIRCLE_OIDC_TOKEN_V2": "cc", "DEPOT_JIT_TOKEN": "j"}, "", ("cc", "oidc:circleci")),
        ({"DEPOT_JIT_TOKEN": "j"}, "", ("j", "DEPOT_JIT_TOKEN")),
    ],
)
def test_oidc_comes_after_the_stored_token_and_before_jit(
    env: dict[str, str], stored: str, expected: tuple[str, str]
) -> None:
    files = {"/cfg/depot/depot.yaml": {"api_token": stored} if stored else {}}
    got = resolve_token("", {"XDG_CONFIG_HOME": "/cfg", **env}, read_file=lambda p: files.get(p, {}))
    assert got is not None and (got.token, got.source) == expected
