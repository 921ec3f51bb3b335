"""OIDC token verification (signature, issuer, audience, times, key refresh) and trust policy matching."""

from __future__ import annotations

from typing import Any

import pytest
from depotci.server.accounts_store import TrustPolicyRecord
from depotci.server.oidc import Issuer, OIDCError, OIDCVerifier, looks_like_jwt, parse_issuer
from depotci.server.trust import describe_identity, matching_projects, policy_matches
from unit.server import test_oidc_support as support

issuers = support.issuers


def _verifier(issuer: Any, **kw: Any) -> OIDCVerifier:
    return OIDCVerifier([Issuer("github", issuer.url)], **kw)


def test_a_matching_token_verifies_with_its_claims(issuers: Any) -> None:
    gh, _ = issuers
    got = _verifier(gh).verify(gh.issue(gh.github_claims("acme/app")))
    assert (got.provider, got.issuer, got.claims["repository"]) == ("github", gh.url, "acme/app")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda i: i.issue(i.github_claims(), forge=True), "signature does not verify"),
        (lambda i: i.issue(i.github_claims(), ttl=-600), "OIDC token expired"),
        (lambda i: i.issue(i.github_claims(), audience="https://example.com"), "audience 'https://example.com' does not include 'https://depot.dev'"),
        (lambda i: i.issue(i.github_claims(), audience=["a", "b"]), "audience ['a', 'b']"),
        (lambda i: i.issue(i.github_claims(), kid="nope"), "key id 'nope' is not among the keys"),
        (lambda i: "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "issuer 'x' is not trusted"),
        (lambda i: "eyJ.not.jwt", "malformed OIDC token"),
    ],
)
def test_bad_tokens_are_refused_with_one_clear_line(issuers: Any, make: Any, message: str) -> None:
    gh, _ = issuers
    token = make(gh)
    with pytest.raises(OIDCError) as err:
        _verifier(gh).verify(token)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert token not in str(err.value)


def test_unknown_issuer_is_refused(issuers: Any) -> None:
    gh, gl = issuers
    with pytest.raises(OIDCError, match=f"issuer '{gl.url}' is not trusted by this server"):
        _verifier(gh).verify(gl.issue(gl.gitlab_claims()))


def test_keys_are_cached_and_refreshed_on_an_unknown_kid(issuers: Any) -> None:
    gh, _ = issuers
    fetched: list[str] = []

    def fetch(url: str) -> Any:
        from depotci.server.oidc import http_fetch

        fetched.append(url)
        return http_fetch(url)

    now = [0.0]
    v = OIDCVerifier([Issuer("github", gh.url)], fetch=fetch, clock=lambda: now[0], refresh_interval=10)
    v.verify(gh.issue(gh.github_claims()))
    v.verify(gh.issue(gh.github_claims()))
    assert fetched == [gh.url + "/.well-known/openid-configuration", gh.jwks_url]
    old = gh.kid
    gh.rotate()
    try:
        with pytest.raises(OIDCError, match="key id"):
            v.verify(gh.issue(gh.github_claims()))  # within the refresh interval: no refetch
        now[0] = 11
        v.verify(gh.issue(gh.github_claims()))
        assert len(fetched) == 4
    finally:
        gh.kid = old


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("github=https://token.actions.githubusercontent.com", Issuer("github", "https://token.actions.githubusercontent.com")),
        ("gitlab=https://gl.example/,jwks=https://gl.example/oauth/discovery/keys",
         Issuer("gitlab", "https://gl.example", "https://gl.example/oauth/discovery/keys")),
        ("jenkins=https://x", ValueError),
        ("github", ValueError),
        ("github=https://x,keys=y", ValueError),
    ],
)
def test_parse_issuer(value: str, expected: object) -> None:
    if expected is ValueError:
        with pytest.raises(ValueError, match=f"'{value}'"):
            parse_issuer(value)
    else:
        assert parse_issuer(value) == expected


@pytest.mark.parametrize(("token", "expected"), [("eyJa.b.c", True), ("dso_abc", False), ("eyJa.b", False)])
def test_looks_like_jwt(token: str, expected: bool) -> None:
    assert looks_like_jwt(token) is expected


GH = {"repository_owner": "Acme", "repository": "Acme/App"}
GL = {"namespace_path": "group/sub", "project_path": "group/sub/app"}


@pytest.mark.parametrize(
    ("policy", "provider", "claims", "expected"),
    [
        (("github", "acme", "acme/app"), "github", GH, True),
        (("github", "acme", "app"), "github", GH, True),
        (("github", "acme", "other"), "github", GH, False),
        (("github", "evil", "acme/app"), "github", GH, False),
        (("github", "acme", "acme/app"), "gitlab", GH, False),
        (("gitlab", "group/sub", "group/sub/app"), "gitlab", GL, True),
        (("gitlab", "group/sub", "app"), "gitlab", GL, True),
        (("gitlab", "group", "app"), "gitlab", GL, False),
        (("circleci", "o1", "p1"), "circleci", {"oidc.circleci.com/org-id": "o1", "oidc.circleci.com/project-id": "p1"}, True),
        (("circleci", "o1", "p1"), "circleci", {"oidc.circleci.com/org-id": "o1", "oidc.circleci.com/project-id": "p2"}, False),
        (("buildkite", "org", "pipe"), "buildkite", {"organization_slug": "org", "pipeline_slug": "pipe"}, True),
        (("buildkite", "org", "pipe"), "buildkite", {"organization_slug": "org"}, False),
    ],
)
def test_policy_matches(policy: tuple[str, str, str], provider: str, claims: dict[str, str], expected: bool) -> None:
    assert policy_matches(TrustPolicyRecord("t", "p", *policy), provider, claims) is expected


def test_matching_projects_dedupes_in_policy_order() -> None:
    policies = [
        TrustPolicyRecord("1", "p2", "github", "acme", "app"),
        TrustPolicyRecord("2", "p1", "github", "acme", "acme/app"),
        TrustPolicyRecord("3", "p2", "github", "acme", "acme/app"),
        TrustPolicyRecord("4", "p3", "github", "acme", "other"),
    ]
    assert matching_projects(policies, "github", GH) == ["p2", "p1"]
    assert describe_identity("github", GH) == "GitHub repository 'Acme/App'"
