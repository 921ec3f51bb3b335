"""Which Depot token a GitLab job uses, first match wins:

1. the ``token`` input (a masked CI/CD variable passed in, e.g. ``token: $MY_DEPOT_TOKEN``);
2. the job's ID token ``DEPOT_OIDC_TOKEN`` (the templates declare ``id_tokens: DEPOT_OIDC_TOKEN: aud:``),
   unless the ``oidc`` input is false. It is sent as is as the bearer token, which is what the Go CLI
   does with it when ``GITLAB_CI`` is set and what the Depot API (and our server) accept;
3. ``DEPOT_TOKEN`` (and the rest of the core's order) — left to the core, so a token without a project
   still builds on a local BuildKit as ``depot build`` does.

The ID token is checked for shape and expiry only (its signature is the server's business), so a broken or
expired token fails here with a clear line. No token is ever printed; ``claims`` holds what may be shown.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from depotci.core.errors import AuthError

__all__ = ["OIDC_VARIABLE", "Credentials", "describe", "jwt_claims", "resolve_credentials"]

OIDC_VARIABLE = "DEPOT_OIDC_TOKEN"
_SHOWN_CLAIMS = ("iss", "sub", "aud", "project_path", "ref", "pipeline_id", "job_id")


@dataclass(frozen=True)
class Credentials:
    """A token chosen by the adapter and where it came from (``token`` input or the ID token)."""

    token: str = field(repr=False)
    source: str
    claims: Mapping[str, Any] = field(default_factory=dict)


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified; raises AuthError (naming the variable, never the value) when the
    token is not three base64url parts with a JSON object in the middle."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise AuthError(
            f"{OIDC_VARIABLE} is not a JWT: expected three base64url parts separated by '.' "
            f"(got {len(parts)} part{'s' if len(parts) != 1 else ''})"
        )
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        raise AuthError(f"{OIDC_VARIABLE} is not a JWT: its payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise AuthError(f"{OIDC_VARIABLE} is not a JWT: its payload is not a JSON object")
    return claims


def resolve_credentials(
    token_input: str, use_oidc: bool, env: Mapping[str, str], *, clock: Callable[[], float] = time.time
) -> Credentials | None:
    """The token by the order in the module docstring, or None to leave the choice to the core."""
    if token_input:
        return Credentials(token_input, "the token input")
    jwt = env.get(OIDC_VARIABLE, "").strip()
    if use_oidc and jwt:
        claims = jwt_claims(jwt)
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= clock():
            raise AuthError(
                f"the GitLab ID token {OIDC_VARIABLE} expired at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(exp))}: "
                "ID tokens live as long as the job timeout"
            )
        return Credentials(jwt, f"the GitLab ID token {OIDC_VARIABLE}", claims)
    return None


def describe(creds: Credentials | None, env: Mapping[str, str]) -> str:
    """One log line saying which token is used (claims of an ID token, never the token)."""
    if creds is None:
        if env.get("DEPOT_TOKEN"):
            return "auth: DEPOT_TOKEN"
        return "auth: no token given (the core's order applies: DEPOT_TOKEN, the login file, DEPOT_JIT_TOKEN ...)"
    shown = ", ".join(f"{k}={creds.claims[k]}" for k in _SHOWN_CLAIMS if k in creds.claims)
    return f"auth: {creds.source}" + (f" ({shown})" if shown else "")
