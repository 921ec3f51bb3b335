"""An in-process server: the ASGI app behind a sync httpx transport, a real store and CA in tmp_path,
a gateway object that is never started."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgi_transport import SyncASGI


@dataclass
class Env:
    service: Any
    store: Any
    pool: Any
    api: Any
    client: Any
    transport: SyncASGI
    token: str
    project: str


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[Env]:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient, RetryPolicy
    from depotci.server.auth import Authenticator
    from depotci.server.build_service import BuildService
    from depotci.server.certs import CA
    from depotci.server.connect_app import ConnectApp
    from depotci.server.gateway import Gateway
    from depotci.server.pool import Pool
    from depotci.server.settings import BuilderSpec, Settings
    from depotci.server.store import Store

    settings = Settings(
        data_dir=str(tmp_path), listen="127.0.0.1:1", gateway_listen="127.0.0.1:2",
        builders=(BuilderSpec("amd64-0", "amd64", "docker://unix:///nonexistent.sock", capacity=1),),
        health_timeout=30.0,
    )
    store = Store(str(tmp_path / "depot.db"))
    org = store.ensure_org()
    project = store.create_project(org, "demo").id
    token = store.create_token("org", org)
    ca = CA(str(tmp_path))
    pool = Pool(settings.builders)
    gateway = Gateway(ca, settings.server_name, ["127.0.0.1"], lambda b, p: None)
    service = BuildService(settings, store, Authenticator(store), pool, ca, gateway, 4443)
    transport = SyncASGI(ConnectApp(service.methods()))
    client = ConnectClient("http://api.test", transport=transport, retry=RetryPolicy(attempts=1))
    yield Env(service, store, pool, BuildAPI(client), client, transport, token, project)
    client.close()
    store.close()
