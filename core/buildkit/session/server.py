"""The session server: a grpcio server on a private unix socket that BuildKit dials back into.

In a BuildKit session the roles are reversed: we serve FileSync, Auth, Secrets, SSH, FileSend and
Health, and the daemon calls them. The transport (``/session`` upgrade or ``Control.Session``) only
splices bytes between the daemon and this socket.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent import futures
from typing import Any, Protocol

import grpc

__all__ = ["HEALTH_CHECK", "SessionServer", "SessionService"]

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
_SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}
MAX_MESSAGE = 64 << 20


class SessionService(Protocol):
    """A service exposed on the session: its handlers and the full method names it serves."""

    def methods(self) -> dict[str, grpc.RpcMethodHandler[Any, Any]]: ...


def _identity(b: bytes) -> bytes:
    return b


class _Handler(grpc.GenericRpcHandler):  # type: ignore[type-arg]
    def __init__(self, table: dict[str, grpc.RpcMethodHandler[Any, Any]]) -> None:
        self._table = table

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler[Any, Any] | None:
        return self._table.get(handler_call_details.method)


class SessionServer:
    """Serve ``services`` (plus Health) on a unix socket; ``uuid``/``shared_key`` identify the session."""

    def __init__(self, services: Iterable[SessionService], *, shared_key: str, name: str = "depotci") -> None:
        self.uuid = secrets.token_hex(13)
        self.shared_key = shared_key
        self.name = name
        table: dict[str, grpc.RpcMethodHandler[Any, Any]] = {
            HEALTH_CHECK: grpc.unary_unary_rpc_method_handler(
                lambda req, ctx: _SERVING, request_deserializer=_identity, response_serializer=_identity
            )
        }
        for svc in services:
            table.update(svc.methods())
        self.method_names: tuple[str, ...] = tuple(table)
        self._dir = tempfile.mkdtemp(prefix="depotci-session-")
        self.path = os.path.join(self._dir, "session.sock")
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="session"),
            handlers=[_Handler(table)],
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE),
                ("grpc.max_send_message_length", MAX_MESSAGE),
            ],
        )
        self._server.add_insecure_port(f"unix:{self.path}")
        self._server.start()

    def headers(self) -> Sequence[tuple[str, str]]:
        """The ``X-Docker-Expose-Session-*`` headers announcing this session."""
        out = [
            ("X-Docker-Expose-Session-Uuid", self.uuid),
            ("X-Docker-Expose-Session-Name", self.name),
            ("X-Docker-Expose-Session-Sharedkey", self.shared_key),
        ]
        out += [("X-Docker-Expose-Session-Grpc-Method", m) for m in self.method_names]
        return out

    def close(self) -> None:
        self._server.stop(grace=None)
        shutil.rmtree(self._dir, ignore_errors=True)
