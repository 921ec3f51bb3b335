"""CI OIDC token sources (specs/depot-api.md §3.1), tried in order, first non-empty token wins:

1. GitHub Actions: ``ACTIONS_ID_TOKEN_REQUEST_URL`` + ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; GET the URL with
   ``audience=https://depot.dev`` merged into its query and ``Authorization: bearer <request token>``;
   answer ``{"value": "<jwt>"}``.
2. GitLab CI: ``DEPOT_OIDC_TOKEN`` when ``GITLAB_CI`` is set (an ``id_tokens:`` entry of that name).
3. CircleCI: ``CIRCLE_OIDC_TOKEN_V2``.
4. Buildkite: with ``BUILDKITE_AGENT_ACCESS_TOKEN``, POST ``{endpoint}/jobs/{BUILDKITE_JOB_ID}/oidc/tokens``
   with ``{"audience": "https://depot.dev"}`` and ``Authorization: Token <agent token>``; answer ``{"token"}``.

The raw CI token is sent to the API as the bearer token (the server matches it against trust policies).
Failures of one source are silent unless ``DEPOT_DEBUG_OIDC`` is set; they never print a token.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["AUDIENCE", "SOURCES", "OIDCSourceError", "buildkite", "circleci", "github", "gitlab", "resolve_oidc"]

AUDIENCE = "https://depot.dev"
Http = Callable[..., Any]  # httpx.request-like: (method, url, *, headers, json, timeout) -> response


class OIDCSourceError(Exception):
    """One source failed (HTTP error, malformed answer); shown only with DEPOT_DEBUG_OIDC."""


def _http() -> Http:
    import httpx

    return httpx.request


def with_audience(url: str, audience: str = AUDIENCE) -> str:
    """``url`` with ``audience`` set in its query (other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "audience"]
    query.append(("audience", audience))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _json(resp: Any, what: str) -> Any:
    if resp.status_code != 200:
        raise OIDCSourceError(f"{what} answered HTTP {resp.status_code}: {resp.text[:4096]}")
    try:
        return resp.json()
    except ValueError:
        raise OIDCSourceError(f"{what} answered a body that is not JSON") from None


def github(env: Mapping[str, str], http: Http | None = None) -> str:
    url, request_token = env.get("ACTIONS_ID_TOKEN_REQUEST_URL", ""), env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
    if not url or not request_token:
        return ""
    resp = (http or _http())("GET", with_audience(url), headers={"Authorization": f"bearer {request_token}"}, timeout=30.0)
    value = _json(resp, "the GitHub Actions ID token endpoint")
    token = value.get("value") if isinstance(value, dict) else None
    if not isinstance(token, str):
        raise OIDCSourceError("the GitHub Actions ID token endpoint answered without a 'value'")
    return token


def gitlab(env: Mapping[str, str], http: Http | None = None) -> str:
    return env.get("DEPOT_OIDC_TOKEN", "") if env.get("GITLAB_CI") else ""


def circleci(env: Mapping[str, str], http: Http | None = None) -> str:
    return env.get("CIRCLE_OIDC_TOKEN_V2", "")


def buildkite(env: Mapping[str, str], http: Http | None = None) -> str:
    agent_token = env.get("BUILDKITE_AGENT_ACCESS_TOKEN", "")
    if not agent_token:
        return ""
    endpoint = (env.get("BUILDKITE_AGENT_ENDPOINT") or "https://agent.buildkite.com/v3").rstrip("/")
    resp = (http or _http())(
        "POST", f"{endpoint}/jobs/{env.get('BUILDKITE_JOB_ID', '')}/oidc/tokens", json={"audience": AUDIENCE},
        headers={"Authorization": f"Token {agent_token}", "User-Agent": "buildkite-agent/api"}, timeout=60.0,
    )
    value = _json(resp, "the Buildkite OIDC endpoint")
    token = value.get("token") if isinstance(value, dict) else None
    if not isinstance(token, str):
        raise OIDCSourceError("the Buildkite OIDC endpoint answered without a 'token'")
    return token


SOURCES: tuple[tuple[str, Callable[..., str]], ...] = (
    ("github", github), ("gitlab", gitlab), ("circleci", circleci), ("buildkite", buildkite),
)


def resolve_oidc(env: Mapping[str, str], *, http: Http | None = None, stderr: TextIO | None = None) -> tuple[str, str] | None:
    """``(token, "oidc:<provider>")`` from the first source that has one, or None."""
    debug = bool(env.get("DEPOT_DEBUG_OIDC"))
    for name, source in SOURCES:
        try:
            token = source(env, http)
        except Exception as exc:  # noqa: BLE001 - OIDCSourceError or a network error: try the next source
            if debug:
                print(f"oidc: {name}: {exc}", file=stderr or sys.stderr)
            continue
        if token:
            return token, f"oidc:{name}"
    return None
