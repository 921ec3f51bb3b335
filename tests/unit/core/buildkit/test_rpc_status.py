"""grpcio is optional: asking for a grpcio fallback without it installed is one clear line."""

from __future__ import annotations

import sys

import pytest
from depotci.core.buildkit.connection import connect
from depotci.core.buildkit.endpoint import resolve_endpoint
from depotci.core.buildkit.rpc_status import require_grpcio
from depotci.core.buildkit.session.server import SessionServer
from depotci.core.errors import UnsupportedError


def test_require_grpcio_passes_when_installed() -> None:
    require_grpcio("X=grpcio")  # the dev environment has grpcio


def test_control_fallback_without_grpcio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "grpc", None)  # import grpc now raises ImportError
    monkeypatch.setenv("DEPOTCI_CONTROL_CLIENT", "grpcio")
    endpoint = resolve_endpoint("tcp://127.0.0.1:9", {}, is_socket=lambda p: False)
    with pytest.raises(UnsupportedError) as err:
        connect(endpoint, timeout=1)
    assert str(err.value) == (
        "DEPOTCI_CONTROL_CLIENT=grpcio needs grpcio, which is not installed: pip install 'depotci[grpcio]'"
    )


def test_session_fallback_without_grpcio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "grpc", None)
    with pytest.raises(UnsupportedError, match=r"^DEPOTCI_SESSION_SERVER=grpcio needs grpcio, which is not installed"):
        SessionServer([], shared_key="k", backend="grpcio")
