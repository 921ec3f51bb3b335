"""GitHub OIDC → Depot token (specs/ci-plugins.md §2): fetch the Actions ID token for audience
``https://depot.dev`` from ``ACTIONS_ID_TOKEN_REQUEST_URL`` and exchange it at the Depot API's
``POST /auth/oidc/github-actions`` (``{"token": JWT}`` → ``{"ok": true, "token": ...}``).

The exchange goes to ``DEPOT_API_URL`` when it is set (a self-hosted server), else to Depot's hosted
exchange. Every failure is an ``AuthError`` whose message never contains a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import httpx
from depotci.actions.env import GitHubEnv
from depotci.core.errors import AuthError

__all__ = ["AUDIENCE", "HOSTED_EXCHANGE_URL", "exchange_token", "exchange_url", "fetch_id_token"]

AUDIENCE = "https://depot.dev"
HOSTED_EXCHANGE_URL = "https://github.depot.dev/auth/oidc/github-actions"
_TIMEOUT = 30.0


def exchange_url(env: Mapping[str, str]) -> str:
    """Where the ID token is exchanged: ``$DEPOT_API_URL/auth/oidc/github-actions`` or Depot's own."""
    api = env.get("DEPOT_API_URL", "").rstrip("/")
    return f"{api}/auth/oidc/github-actions" if api else HOSTED_EXCHANGE_URL


def fetch_id_token(gh: GitHubEnv, client: httpx.Client, audience: str = AUDIENCE) -> str:
    """The runner's ID token for ``audience`` (``@actions/core.getIDToken``)."""
    if not gh.has_oidc:
        raise AuthError("no GitHub OIDC token available: give the job 'permissions: id-token: write'")
    sep = "&" if "?" in gh.id_token_url else "?"
    url = f"{gh.id_token_url}{sep}audience={quote(audience, safe='')}"
    try:
        r = client.get(url, headers={"Authorization": f"bearer {gh.id_token_request_token}"}, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise AuthError(f"cannot fetch the GitHub OIDC token: {type(exc).__name__}") from None
    if r.status_code != 200:
        raise AuthError(f"cannot fetch the GitHub OIDC token: HTTP {r.status_code}")
    value = _json(r).get("value")
    if not isinstance(value, str) or not value:
        raise AuthError("cannot fetch the GitHub OIDC token: the response has no 'value'")
    return value


def exchange_token(id_token: str, url: str, client: httpx.Client) -> str:
    """The temporary Depot token the API issues for ``id_token``."""
    try:
        r = client.post(url, json={"token": id_token}, timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        raise AuthError(f"cannot exchange the GitHub OIDC token at {url}: {type(exc).__name__}") from None
    body = _json(r)
    token = body.get("token")
    if r.status_code != 200 or body.get("ok") is False or not isinstance(token, str) or not token:
        reason = body.get("error") or body.get("message") or f"HTTP {r.status_code}"
        raise AuthError(f"the Depot API refused the GitHub OIDC token at {url}: {reason}")
    return token


def _json(r: httpx.Response) -> dict[str, object]:
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
