"""Who is calling: bearer tokens looked up by hash. Org tokens reach every project of their
organization, project tokens one project (or, when minted for an OIDC identity, the projects that trust
it), build tokens one build until they expire. A raw CI OIDC token (a JWT, what the Go CLI sends from CI)
is verified and matched against the projects' trust policies (``OIDCTrust``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from depotci.core.api.codes import Code
from depotci.server.accounts_store import AccountsStore
from depotci.server.connect_app import ConnectError
from depotci.server.oidc import OIDCError, OIDCVerifier, looks_like_jwt
from depotci.server.store import Store
from depotci.server.trust import describe_identity, matching_projects

__all__ = ["Authenticator", "OIDCTrust", "Principal"]

log = logging.getLogger("depotci.server.auth")


@dataclass(frozen=True)
class Principal:
    kind: str  # org | project | build | pull
    org_id: str
    project_id: str | None = None
    build_id: str | None = None
    projects: tuple[str, ...] = ()  # further projects a token minted for an OIDC identity may use
    via: str = "token"  # token | oidc

    def can_use_project(self, org_id: str, project_id: str) -> bool:
        if self.org_id != org_id:
            return False
        return self.kind == "org" or self.project_id == project_id or project_id in self.projects

    def project_ids(self) -> tuple[str, ...]:
        """The projects a project-scoped principal may use (empty for org and build principals)."""
        if self.kind != "project":
            return ()
        first = (self.project_id,) if self.project_id else ()
        return first + tuple(p for p in self.projects if p != self.project_id)


class OIDCTrust:
    """A verified OIDC token -> the principal of the projects whose trust policies match it."""

    def __init__(self, verifier: OIDCVerifier, accounts: AccountsStore) -> None:
        self.verifier = verifier
        self.accounts = accounts

    def principal(self, token: str) -> Principal:
        """The principal, or ConnectError(UNAUTHENTICATED/PERMISSION_DENIED) with the reason."""
        try:
            verified = self.verifier.verify(token)
        except OIDCError as exc:
            log.warning("oidc: token refused: %s", exc)
            raise ConnectError(Code.UNAUTHENTICATED, str(exc)) from None
        who = describe_identity(verified.provider, verified.claims)
        ids = matching_projects(self.accounts.trust_policies(), verified.provider, verified.claims)
        projects = [p for p in (self.accounts.project(i) for i in ids) if p is not None]
        if not projects:
            log.warning("oidc: no project trusts %s", who)
            raise ConnectError(Code.PERMISSION_DENIED, f"no project trusts {who}; add a trust policy to the project")
        org = projects[0].org_id
        same_org = tuple(p.id for p in projects if p.org_id == org)
        log.info("oidc: %s accepted for project(s) %s", who, ", ".join(same_org))
        return Principal("project", org, same_org[0], projects=same_org[1:], via="oidc")


class Authenticator:
    """Turns a bearer token into a Principal or a Connect error with a clear message."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time, oidc: OIDCTrust | None = None) -> None:
        self._store = store
        self._clock = clock
        self.oidc = oidc

    def principal(self, token: str) -> Principal:
        if not token:
            raise ConnectError(Code.UNAUTHENTICATED, "missing bearer token")
        if self.oidc is not None and looks_like_jwt(token):
            return self.oidc.principal(token)
        rec = self._store.lookup_token(token)
        if rec is None:
            raise ConnectError(Code.UNAUTHENTICATED, "invalid token")
        if rec.expires_at is not None and rec.expires_at <= self._clock():
            what = "build token" if rec.kind == "build" else "token"
            raise ConnectError(Code.UNAUTHENTICATED, f"{what} expired")
        return Principal(rec.kind, rec.org_id, rec.project_id, rec.build_id, projects=rec.scope)

    def account(self, token: str) -> Principal:
        """An org or project token (what CreateBuild and ListBuilds need)."""
        p = self.principal(token)
        if p.kind in ("build", "pull"):
            raise ConnectError(
                Code.PERMISSION_DENIED, f"a {p.kind} token cannot be used for this call; use an org or project token"
            )
        return p

    def org(self, token: str) -> Principal:
        """An org (user) token: what managing projects, trust policies and tokens needs."""
        p = self.account(token)
        if p.kind != "org":
            raise ConnectError(Code.PERMISSION_DENIED, "this call needs an organization token, not a project token")
        return p

    def build(self, token: str, build_id: str) -> Principal:
        """The build token of ``build_id`` (the per-build calls)."""
        p = self.principal(token)
        if p.kind != "build":
            raise ConnectError(Code.PERMISSION_DENIED, f"build '{build_id}' needs its build token")
        if p.build_id != build_id:
            raise ConnectError(Code.PERMISSION_DENIED, f"the token is not valid for build '{build_id}'")
        return p
