"""Wires the accounts side of the server: the authenticator (tokens and CI OIDC tokens), the project,
organization and login services, and the plain HTTP routes (OIDC exchange, login approval page)."""

from __future__ import annotations

from dataclasses import dataclass

from depotci.server.accounts_store import AccountsStore
from depotci.server.auth import Authenticator, OIDCTrust
from depotci.server.connect_app import HttpHandler, Method
from depotci.server.login_service import LoginService
from depotci.server.oidc import OIDCVerifier, parse_issuer
from depotci.server.oidc_exchange import OIDCExchange
from depotci.server.project_service import ProjectService
from depotci.server.projects_service import OrganizationService, ProjectsService
from depotci.server.settings import Settings
from depotci.server.store import Store

__all__ = ["Accounts", "build_accounts"]


@dataclass(frozen=True)
class Accounts:
    auth: Authenticator
    accounts: AccountsStore
    methods: dict[str, Method]
    routes: dict[str, HttpHandler]


def build_accounts(settings: Settings, store: Store, verifier: OIDCVerifier | None = None) -> Accounts:
    """Everything accounts-related for one server; ``verifier`` overrides the one built from settings."""
    accounts = AccountsStore(store)
    if verifier is None:
        verifier = OIDCVerifier([parse_issuer(i) for i in settings.oidc_issuers], settings.oidc_audience)
    trust = OIDCTrust(verifier, accounts)
    auth = Authenticator(store, oidc=trust)
    projects = ProjectsService(accounts, auth, settings.builders)
    login = LoginService(accounts, auth, settings.base_url, ttl=settings.login_ttl)
    methods: dict[str, Method] = {}
    for svc in (projects, OrganizationService(accounts, auth), ProjectService(accounts, auth, projects.reset_project_cache), login):
        methods.update(svc.methods())
    routes = {**login.http_routes(), **OIDCExchange(trust, settings.oidc_token_ttl).http_routes()}
    return Accounts(auth, accounts, methods, routes)
