"""Verification of CI-issued OIDC ID tokens (GitHub Actions, GitLab CI, CircleCI, Buildkite) with pyjwt.

Each trusted issuer is configured with the CI provider it speaks for (``PROVIDER=ISSUER_URL[,jwks=URL]``).
A token is accepted when its ``iss`` is a configured issuer, its signature verifies against one of that
issuer's keys (JWKS from ``jwks=`` or OpenID discovery; cached, refetched when a token names an unknown
``kid``, at most once per ``refresh_interval`` seconds), ``aud`` contains the expected audience, and
``exp``/``nbf``/``iat`` hold with a small leeway. Every rejection is an ``OIDCError`` with one clear line;
no message ever contains the token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUERS",
    "Issuer",
    "OIDCError",
    "OIDCVerifier",
    "VerifiedToken",
    "http_fetch",
    "looks_like_jwt",
    "parse_issuer",
]

DEFAULT_AUDIENCE = "https://depot.dev"
PROVIDERS = ("github", "gitlab", "circleci", "buildkite")
DEFAULT_ISSUERS = (
    "github=https://token.actions.githubusercontent.com",
    "gitlab=https://gitlab.com",
    "buildkite=https://agent.buildkite.com",
)
_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")


class OIDCError(Exception):
    """A token was refused; ``str()`` is the reason, safe to show and log."""


@dataclass(frozen=True)
class Issuer:
    """A trusted issuer: the provider whose claims it issues, its ``iss`` URL, an optional JWKS URL."""

    provider: str
    url: str
    jwks_url: str = ""


@dataclass(frozen=True)
class VerifiedToken:
    provider: str
    issuer: str
    claims: Mapping[str, Any]


def parse_issuer(value: str) -> Issuer:
    """``PROVIDER=ISSUER_URL[,jwks=URL]``, e.g. ``github=https://token.actions.githubusercontent.com``."""
    provider, sep, rest = value.partition("=")
    url, _, opt = rest.partition(",")
    jwks = ""
    if opt:
        key, _, jwks = opt.partition("=")
        if key != "jwks" or not jwks.startswith(("http://", "https://")):
            raise ValueError(f"invalid --oidc-issuer option '{opt}' in '{value}': expected jwks=URL")
    if not sep or provider not in PROVIDERS or not url.startswith(("http://", "https://")):
        raise ValueError(
            f"invalid --oidc-issuer '{value}': expected PROVIDER=ISSUER_URL[,jwks=URL] with PROVIDER one of "
            + ", ".join(PROVIDERS)
        )
    return Issuer(provider, url.rstrip("/"), jwks)


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments starting with a JSON header: a CI ID token rather than a Depot token."""
    return token.startswith("eyJ") and token.count(".") == 2


def http_fetch(url: str) -> Any:
    """GET ``url`` and parse JSON (5 s timeout); ``OIDCError`` on any failure."""
    import httpx

    try:
        resp = httpx.get(url, timeout=5.0, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise OIDCError(f"cannot fetch {url}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise OIDCError(f"cannot fetch {url}: HTTP {resp.status_code}")
    try:
        return resp.json()
    except json.JSONDecodeError:
        raise OIDCError(f"cannot fetch {url}: not JSON") from None


class OIDCVerifier:
    """``verify(token)`` -> ``VerifiedToken`` or ``OIDCError``. Thread-safe; keys cached per issuer."""

    def __init__(
        self,
        issuers: Sequence[Issuer],
        audience: str = DEFAULT_AUDIENCE,
        *,
        leeway: float = 60.0,
        refresh_interval: float = 30.0,
        fetch: Callable[[str], Any] = http_fetch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuers = {i.url: i for i in issuers}
        self.audience = audience
        self.leeway = leeway
        self.refresh_interval = refresh_interval
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, dict[str, jwt.PyJWK]] = {}
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OIDCError("malformed OIDC token: expected a signed JWT") from None
        iss = str(unverified.get("iss", ""))
        issuer = self.issuers.get(iss.rstrip("/"))
        if issuer is None:
            raise OIDCError(f"OIDC token issuer '{iss}' is not trusted by this server")
        alg = str(header.get("alg", ""))
        if alg not in _ALGORITHMS:
            raise OIDCError(f"OIDC token algorithm '{alg}' is not accepted: expected one of {', '.join(_ALGORITHMS)}")
        key = self._key(issuer, str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token, key, algorithms=[alg], audience=self.audience, issuer=iss, leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise OIDCError("OIDC token expired") from None
        except jwt.ImmatureSignatureError:
            raise OIDCError("OIDC token is not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise OIDCError(f"OIDC token audience {_aud(unverified)} does not include '{self.audience}'") from None
        except jwt.InvalidSignatureError:
            raise OIDCError(f"OIDC token signature does not verify against the keys of '{iss}'") from None
        except jwt.MissingRequiredClaimError as exc:
            raise OIDCError(f"OIDC token lacks the '{exc.claim}' claim") from None
        except jwt.PyJWTError as exc:
            raise OIDCError(f"invalid OIDC token: {exc}") from None
        return VerifiedToken(issuer.provider, iss, claims)

    def _key(self, issuer: Issuer, kid: str) -> jwt.PyJWK:
        with self._lock:
            keys = self._keys.get(issuer.url)
            if keys is not None and kid in keys:
                return keys[kid]
            last = self._fetched_at.get(issuer.url)
            if keys is None or last is None or self._clock() - last >= self.refresh_interval:
                keys = self._load(issuer)
                self._keys[issuer.url] = keys
                self._fetched_at[issuer.url] = self._clock()
            if kid in keys:
                return keys[kid]
            if not kid and len(keys) == 1:
                return next(iter(keys.values()))
        raise OIDCError(f"OIDC token key id '{kid}' is not among the keys of '{issuer.url}'")

    def _load(self, issuer: Issuer) -> dict[str, jwt.PyJWK]:
        url = issuer.jwks_url
        if not url:
            doc = self._fetch(issuer.url + "/.well-known/openid-configuration")
            url = str(doc.get("jwks_uri", "")) if isinstance(doc, dict) else ""
            if not url:
                raise OIDCError(f"the OpenID configuration of '{issuer.url}' has no jwks_uri")
        data = self._fetch(url)
        out: dict[str, jwt.PyJWK] = {}
        for jwk in data.get("keys", []) if isinstance(data, dict) else []:
            try:
                out[str(jwk.get("kid", ""))] = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue  # a key type or algorithm we do not use
        return out


def _aud(claims: Mapping[str, Any]) -> str:
    aud = claims.get("aud")
    if isinstance(aud, list):
        return "[" + ", ".join(f"'{a}'" for a in aud) + "]"
    return f"'{aud}'"
