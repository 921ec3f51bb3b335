"""Helpers for the accounts tests (no tests here): the whole API app in process (build, project,
organization and login services, OIDC exchange route) over a sync ASGI transport, with two local OIDC
issuers trusted (one GitHub-shaped, one GitLab-shaped)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_transport import SyncASGI
from oidc_issuer import OIDCIssuer


@dataclass
class AccountsEnv:
    store: Any
    accounts: Any
    client: Any  # ConnectClient on the app
    http: httpx.Client  # plain HTTP on the app (exchange endpoint, login page)
    org_token: str
    project: str
    github: OIDCIssuer
    gitlab: OIDCIssuer
    pruned: list[str]

    def builds(self) -> int:
        return int(self.store.query("SELECT count(*) FROM builds")[0][0])

    def tokens(self) -> int:
        return int(self.store.query("SELECT count(*) FROM tokens")[0][0])


@pytest.fixture(scope="session")
def issuers() -> Iterator[tuple[OIDCIssuer, OIDCIssuer]]:
    gh, gl = OIDCIssuer(), OIDCIssuer()
    yield gh, gl
    gh.close()
    gl.close()


@pytest.fixture
def accounts_env(tmp_path: Path, issuers: tuple[OIDCIssuer, OIDCIssuer]) -> Iterator[AccountsEnv]:
    from depotci.core.api.client import ConnectClient, RetryPolicy
    from depotci.server.accounts import build_accounts
    from depotci.server.build_service import BuildService
    from depotci.server.certs import CA
    from depotci.server.connect_app import ConnectApp
    from depotci.server.gateway import Gateway
    from depotci.server.oidc import Issuer, OIDCVerifier
    from depotci.server.pool import Pool
    from depotci.server.settings import BuilderSpec, Settings
    from depotci.server.store import Store

    gh, gl = issuers
    settings = Settings(
        data_dir=str(tmp_path), listen="127.0.0.1:1", gateway_listen="127.0.0.1:2",
        builders=(BuilderSpec("amd64-0", "amd64", "docker://unix:///nonexistent.sock", capacity=1),),
    )
    store = Store(str(tmp_path / "depot.db"))
    org = store.ensure_org()
    project = store.create_project(org, "demo").id
    org_token = store.create_token("org", org)
    verifier = OIDCVerifier([Issuer("github", gh.url), Issuer("gitlab", gl.url)])
    acc = build_accounts(settings, store, verifier)
    pruned: list[str] = []
    projects_svc = acc.methods["/depot.cli.v1beta1.ProjectsService/ResetProjectCache"].handler.__self__
    projects_svc._prune = lambda builders: pruned.extend(b.name for b in builders) or []
    ca = CA(str(tmp_path))
    pool = Pool(settings.builders)
    gateway = Gateway(ca, settings.server_name, ["127.0.0.1"], lambda b, p: None)
    builds = BuildService(settings, store, acc.auth, pool, ca, gateway, 4443)
    app = ConnectApp({**builds.methods(), **acc.methods}, acc.routes)
    transport = SyncASGI(app)
    client = ConnectClient("http://api.test", transport=transport, retry=RetryPolicy(attempts=1))
    http = httpx.Client(base_url="http://api.test", transport=transport)
    yield AccountsEnv(store, acc.accounts, client, http, org_token, project, gh, gl, pruned)
    http.close()
    client.close()
    store.close()
