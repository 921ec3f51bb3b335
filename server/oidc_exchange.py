"""``POST /auth/oidc/github-actions``: the exchange depot/build-push-action uses.

Request JSON ``{"token": "<GitHub Actions OIDC JWT>"}``; answer ``{"ok": true, "token": "<depot token>"}``,
a short-lived project token for the projects whose trust policies match the token's repository. Refusals
answer ``{"ok": false, "error": "<reason>"}`` with 400 (bad request), 401 (token refused) or 403 (no
project trusts the repository); nothing is recorded for them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from depotci.server.auth import OIDCTrust
from depotci.server.connect_app import ConnectError, HttpHandler
from depotci.server.web import read_body, send_json

__all__ = ["PATH", "OIDCExchange"]

log = logging.getLogger("depotci.server.auth")
PATH = "/auth/oidc/github-actions"


class OIDCExchange:
    def __init__(self, trust: OIDCTrust, ttl: float = 3600.0, provider: str = "github") -> None:
        self.trust = trust
        self.ttl = ttl
        self.provider = provider

    def http_routes(self) -> dict[str, HttpHandler]:
        return {PATH: self.handle}

    async def handle(self, scope: Any, receive: Any, send: Any) -> int:
        if scope["method"] != "POST":
            return await send_json(send, 405, {"ok": False, "error": f"use POST {PATH}"})
        body = await read_body(receive)
        try:
            data = json.loads(body or b"")
        except ValueError:
            data = None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            return await send_json(send, 400, {"ok": False, "error": 'expected a JSON body {"token": "<OIDC token>"}'})
        try:
            verified = self.trust.verifier.verify(token)
        except Exception as exc:  # noqa: BLE001 - OIDCError; messages never contain the token
            log.warning("oidc exchange: token refused: %s", exc)
            return await send_json(send, 401, {"ok": False, "error": str(exc)})
        if verified.provider != self.provider:
            msg = f"this endpoint exchanges {self.provider} tokens, not {verified.provider} tokens"
            return await send_json(send, 401, {"ok": False, "error": msg})
        try:
            p = self.trust.principal(token)
        except ConnectError as exc:
            return await send_json(send, 403 if exc.code.value == "permission_denied" else 401, {"ok": False, "error": exc.message})
        minted = self.trust.accounts.store.create_token(
            "project", p.org_id, project_id=p.project_id, ttl=self.ttl, scope=p.projects,
            description=f"oidc exchange ({verified.provider})",
        )
        log.info("oidc exchange: project token issued for project(s) %s", ", ".join(p.project_ids()))
        return await send_json(send, 200, {"ok": True, "token": minted})
