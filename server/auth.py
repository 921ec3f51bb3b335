"""Who is calling: bearer tokens looked up by hash. Org tokens reach every project of their
organization, project tokens one project, build tokens one build until they expire."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from depotci.core.api.codes import Code
from depotci.server.connect_app import ConnectError
from depotci.server.store import Store

__all__ = ["Authenticator", "Principal"]


@dataclass(frozen=True)
class Principal:
    kind: str  # org | project | build
    org_id: str
    project_id: str | None = None
    build_id: str | None = None

    def can_use_project(self, org_id: str, project_id: str) -> bool:
        if self.org_id != org_id:
            return False
        return self.kind == "org" or self.project_id == project_id


class Authenticator:
    """Turns a bearer token into a Principal or a Connect error with a clear message."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def principal(self, token: str) -> Principal:
        if not token:
            raise ConnectError(Code.UNAUTHENTICATED, "missing bearer token")
        rec = self._store.lookup_token(token)
        if rec is None:
            raise ConnectError(Code.UNAUTHENTICATED, "invalid token")
        if rec.expires_at is not None and rec.expires_at <= self._clock():
            what = "build token" if rec.kind == "build" else "token"
            raise ConnectError(Code.UNAUTHENTICATED, f"{what} expired")
        return Principal(rec.kind, rec.org_id, rec.project_id, rec.build_id)

    def account(self, token: str) -> Principal:
        """An org or project token (what CreateBuild and ListBuilds need)."""
        p = self.principal(token)
        if p.kind == "build":
            raise ConnectError(Code.PERMISSION_DENIED, "a build token cannot be used for this call; use an org or project token")
        return p

    def build(self, token: str, build_id: str) -> Principal:
        """The build token of ``build_id`` (the per-build calls)."""
        p = self.principal(token)
        if p.kind != "build":
            raise ConnectError(Code.PERMISSION_DENIED, f"build '{build_id}' needs its build token")
        if p.build_id != build_id:
            raise ConnectError(Code.PERMISSION_DENIED, f"the token is not valid for build '{build_id}'")
        return p
