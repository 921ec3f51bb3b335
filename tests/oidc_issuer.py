"""A local OIDC issuer for tests: stands in for GitHub's and GitLab's token services, which tests cannot
reach. Importable from any test as ``from oidc_issuer import OIDCIssuer`` (``tests/`` is on the path).

    with OIDCIssuer() as issuer:                      # RSA key, HTTP server on a free 127.0.0.1 port
        jwt = issuer.issue(issuer.github_claims("acme/app"))          # a GitHub-shaped ID token
        jwt = issuer.issue(issuer.gitlab_claims("group/app"))         # a GitLab-shaped ID token
        issuer.url                 # the ``iss`` of every token, e.g. http://127.0.0.1:41234
        issuer.jwks_url            # GET -> {"keys": [...]}; discovery at url + /.well-known/openid-configuration
        issuer.actions_request_url, issuer.actions_request_token
                                   # what GitHub puts in ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: a GET with
                                   # ``&audience=...`` and ``Authorization: bearer <token>`` answers
                                   # {"value": <jwt>} with ``issuer.actions_claims`` and that audience
        issuer.requests            # (path, query, authorization) of every request served

``issue`` takes ``ttl`` (seconds from now, negative for an expired token), ``audience``, ``forge=True``
(signed by a key the JWKS does not publish, under the published kid) and ``kid``. ``rotate()`` switches to a
new signing key published under a new kid (the old one stays published), to exercise JWKS refresh.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["DEFAULT_AUDIENCE", "OIDCIssuer"]

DEFAULT_AUDIENCE = "https://depot.dev"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OIDCIssuer:
    """See the module docstring. ``start()`` is called by ``__init__``; ``close()`` stops the server."""

    def __init__(self, audience: str = DEFAULT_AUDIENCE) -> None:
        self.audience = audience
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = ""
        self.rotate()
        self.actions_request_token = "req-" + secrets.token_urlsafe(16)
        self.actions_claims: dict[str, Any] = self.github_claims("acme/app")
        self.requests: list[tuple[str, str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.jwks_url = f"{self.url}/.well-known/jwks"
        self.actions_request_url = f"{self.url}/actions/token?api-version=2.0"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-issuer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OIDCIssuer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rotate(self) -> str:
        """Sign with a fresh key from now on, published under a new kid; returns the kid."""
        self.kid = "k" + secrets.token_hex(4)
        self._keys[self.kid] = _key()
        return self.kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self._keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def issue(
        self,
        claims: dict[str, Any],
        *,
        ttl: float = 300.0,
        audience: str | list[str] | None = None,
        forge: bool = False,
        kid: str | None = None,
    ) -> str:
        """A signed RS256 ID token with ``iss``, ``aud``, ``iat``, ``nbf``, ``exp``, ``jti`` added."""
        now = int(time.time())
        body = {
            "iss": self.url, "aud": self.audience if audience is None else audience, "iat": now - 5,
            "nbf": now - 5, "exp": now + int(ttl), "jti": secrets.token_hex(8), **claims,
        }
        key = _key() if forge else self._keys[self.kid]
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid or self.kid})

    @staticmethod
    def github_claims(repository: str = "acme/app", **extra: Any) -> dict[str, Any]:
        """Claims shaped like GitHub Actions' (repository ``owner/name``)."""
        owner = repository.split("/", 1)[0]
        return {
            "sub": f"repo:{repository}:ref:refs/heads/main", "repository": repository, "repository_owner": owner,
            "repository_id": "123", "repository_owner_id": "45", "ref": "refs/heads/main", "ref_type": "branch",
            "sha": "0" * 40, "workflow": "ci", "event_name": "push", "run_id": "1", "run_attempt": "1",
            "actor": "octocat", "job_workflow_ref": f"{repository}/.github/workflows/ci.yml@refs/heads/main",
            "runner_environment": "github-hosted", **extra,
        }

    @staticmethod
    def gitlab_claims(project_path: str = "group/app", **extra: Any) -> dict[str, Any]:
        """Claims shaped like GitLab CI's ``id_tokens`` (project path ``namespace/name``)."""
        namespace = project_path.rsplit("/", 1)[0]
        return {
            "sub": f"project_path:{project_path}:ref_type:branch:ref:main", "namespace_id": "7",
            "namespace_path": namespace, "project_id": "99", "project_path": project_path, "user_id": "3",
            "user_login": "dev", "pipeline_id": "1000", "pipeline_source": "push", "job_id": "2000",
            "ref": "main", "ref_type": "branch", "ref_path": "refs/heads/main", "ref_protected": "true",
            "runner_environment": "self-hosted", "sha": "0" * 40, **extra,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
                pass

            def _json(self, status: int, data: Any) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                issuer.requests.append((parts.path, parts.query, self.headers.get("Authorization", "")))
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, {"issuer": issuer.url, "jwks_uri": issuer.jwks_url,
                                     "id_token_signing_alg_values_supported": ["RS256"]})
                elif parts.path == "/.well-known/jwks":
                    self._json(200, issuer.jwks())
                elif parts.path == "/actions/token":
                    scheme, _, value = self.headers.get("Authorization", "").partition(" ")
                    if scheme.lower() != "bearer" or value != issuer.actions_request_token:
                        self._json(401, {"message": "bad request token"})
                        return
                    audience = parse_qs(parts.query).get("audience", [issuer.url])[0]
                    self._json(200, {"value": issuer.issue(issuer.actions_claims, audience=audience)})
                else:
                    self._json(404, {"message": "not found"})

        return Handler
