"""Which token a job uses, ID token checks, and that no token is ever shown."""

from __future__ import annotations

import base64
import json

import pytest
from depotci.core.errors import AuthError
from depotci.gitlab.oidc import describe, jwt_claims, resolve_credentials

NOW = 1_700_000_000.0


def _jwt(claims: dict[str, object]) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


GOOD = _jwt({"iss": "https://gitlab.example.com", "sub": "project_path:acme/app:ref_type:branch:ref:main",
             "aud": "https://depot.dev", "exp": int(NOW) + 300, "project_path": "acme/app"})


@pytest.mark.parametrize(
    ("token_input", "use_oidc", "env", "source"),
    [
        ("dt_input", True, {"DEPOT_OIDC_TOKEN": GOOD, "DEPOT_TOKEN": "dt_env"}, "the token input"),
        ("", True, {"DEPOT_OIDC_TOKEN": GOOD, "DEPOT_TOKEN": "dt_env"}, "the GitLab ID token DEPOT_OIDC_TOKEN"),
        ("", False, {"DEPOT_OIDC_TOKEN": GOOD, "DEPOT_TOKEN": "dt_env"}, None),
        ("", True, {"DEPOT_TOKEN": "dt_env"}, None),
        ("", True, {"DEPOT_OIDC_TOKEN": "  "}, None),
        ("", True, {}, None),
    ],
)
def test_precedence(token_input: str, use_oidc: bool, env: dict[str, str], source: str | None) -> None:
    creds = resolve_credentials(token_input, use_oidc, env, clock=lambda: NOW)
    if source is None:
        assert creds is None
        return
    assert creds is not None and creds.source == source
    assert creds.token == (token_input or GOOD)
    assert GOOD not in repr(creds) and "dt_input" not in repr(creds)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-a-jwt", "DEPOT_OIDC_TOKEN is not a JWT: expected three base64url parts separated by '.' (got 1 part)"),
        ("a.b", "(got 2 parts)"),
        ("a..c", "(got 3 parts)"),
        ("a.%%%.c", "its payload is not base64url-encoded JSON"),
        (f"a.{base64.urlsafe_b64encode(b'[1]').decode()}.c", "its payload is not a JSON object"),
    ],
)
def test_malformed_id_tokens(token: str, message: str) -> None:
    with pytest.raises(AuthError) as info:
        resolve_credentials("", True, {"DEPOT_OIDC_TOKEN": token}, clock=lambda: NOW)
    assert message in str(info.value)
    assert token not in str(info.value)


def test_expired_id_token() -> None:
    with pytest.raises(AuthError, match=r"the GitLab ID token DEPOT_OIDC_TOKEN expired at 2023-11-14T22:18:20Z"):
        resolve_credentials("", True, {"DEPOT_OIDC_TOKEN": GOOD}, clock=lambda: NOW + 301)


def test_jwt_claims() -> None:
    assert jwt_claims(GOOD)["project_path"] == "acme/app"


@pytest.mark.parametrize(
    ("token_input", "env", "line"),
    [
        ("", {"DEPOT_OIDC_TOKEN": GOOD}, "auth: the GitLab ID token DEPOT_OIDC_TOKEN (iss=https://gitlab.example.com, "
         "sub=project_path:acme/app:ref_type:branch:ref:main, aud=https://depot.dev, project_path=acme/app)"),
        ("dt_input", {}, "auth: the token input"),
        ("", {"DEPOT_TOKEN": "dt_env"}, "auth: DEPOT_TOKEN"),
        ("", {}, "auth: no token given (the core's order applies: DEPOT_TOKEN, the login file, DEPOT_JIT_TOKEN ...)"),
    ],
)
def test_describe_shows_claims_never_tokens(token_input: str, env: dict[str, str], line: str) -> None:
    creds = resolve_credentials(token_input, True, env, clock=lambda: NOW)
    text = describe(creds, env)
    assert text == line
    assert GOOD not in text and "dt_" not in text
