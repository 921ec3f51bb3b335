"""The session server: the gRPC services BuildKit calls back into during a build.

In a BuildKit session the roles are reversed: we serve FileSync, Auth, Secrets, SSH, FileSend and
Health, and the daemon calls them over the connection the transport hands us (the ``/session``
upgrade of a Docker Engine, or a socket pair whose other end is tunnelled through ``Control.Session``).
Each connection is served by our own HTTP/2 server (``h2server``), which costs a fraction of grpcio's
per-message overhead. ``DEPOTCI_SESSION_SERVER=grpcio`` serves with a grpcio server instead (same
handlers), spliced to each connection; ``path`` is a unix socket served the same way (tests, tools).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from depotci.core.buildkit.rpc_status import require_grpcio
from depotci.core.buildkit.session.h2server import H2Connection
from depotci.core.buildkit.session.rpc import RpcMethodHandler, to_grpcio, unary_unary_rpc_method_handler

__all__ = ["BACKEND_ENV", "HEALTH_CHECK", "SessionServer", "SessionService"]

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
BACKEND_ENV = "DEPOTCI_SESSION_SERVER"
_SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}
MAX_MESSAGE = 64 << 20


class SessionService(Protocol):
    """A service exposed on the session: its handlers and the full method names it serves."""

    def methods(self) -> dict[str, RpcMethodHandler]: ...


def _identity(b: bytes) -> bytes:
    return b


def _health(request: bytes, context: Any) -> bytes:
    return _SERVING


class SessionServer:
    """Serve ``services`` (plus Health); ``uuid``/``shared_key`` identify the session to the daemon."""

    def __init__(
        self, services: Iterable[SessionService], *, shared_key: str, name: str = "depotci", backend: str | None = None
    ) -> None:
        self.uuid = secrets.token_hex(13)
        self.shared_key = shared_key
        self.name = name
        self.backend = backend or os.environ.get(BACKEND_ENV) or "h2"
        if self.backend not in ("h2", "grpcio"):
            raise ValueError(f"unknown session server backend {self.backend!r}: expected h2 or grpcio")
        table: dict[str, RpcMethodHandler] = {
            HEALTH_CHECK: unary_unary_rpc_method_handler(
                _health, request_deserializer=_identity, response_serializer=_identity
            )
        }
        for svc in services:
            table.update(svc.methods())
        self.handlers = table
        self.method_names: tuple[str, ...] = tuple(table)
        self._lock = threading.Lock()
        self._connections: list[H2Connection] = []
        self._sockets: list[socket.socket] = []
        self._dir = ""
        self._path = ""
        self._grpc: Any = None
        self._closed = False
        if self.backend == "grpcio":
            require_grpcio(f"{BACKEND_ENV}=grpcio")
            self._grpc = _grpcio_server(table, self.path)

    @property
    def path(self) -> str:
        """A unix socket serving the session to any client (created on first use; gone after close())."""
        with self._lock:
            if self._path:
                return self._path
            if self._closed:
                raise ValueError("the session server is closed")
            self._dir = tempfile.mkdtemp(prefix="depotci-session-")
            self._path = os.path.join(self._dir, "session.sock")
            if self.backend == "grpcio":
                return self._path  # the grpcio server binds it itself
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self._path)
            listener.listen(16)
            self._sockets.append(listener)
        threading.Thread(target=self._accept, args=(listener,), name="session-accept", daemon=True).start()
        return self._path

    def headers(self) -> Sequence[tuple[str, str]]:
        """The ``X-Docker-Expose-Session-*`` headers announcing this session."""
        out = [
            ("X-Docker-Expose-Session-Uuid", self.uuid),
            ("X-Docker-Expose-Session-Name", self.name),
            ("X-Docker-Expose-Session-Sharedkey", self.shared_key),
        ]
        out += [("X-Docker-Expose-Session-Grpc-Method", m) for m in self.method_names]
        return out

    def serve(self, sock: socket.socket, pending: bytes = b"") -> None:
        """Serve the session on ``sock``, a connection to the daemon (``pending``: bytes already read
        from it). The socket belongs to the server from now on and is closed with it."""
        if self._grpc is not None:
            from depotci.core.buildkit.bridge import splice

            local = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            local.connect(self.path)
            with self._lock:
                self._sockets.append(sock)
            splice(local, sock, "session", b_pending=pending)
            return
        conn = H2Connection(sock, self.handlers, pending=pending)
        with self._lock:
            closed = self._closed
            self._connections.append(conn)
        if closed:
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            self.serve(sock)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._connections = self._connections, []
            socks, self._sockets = self._sockets, []
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of a listener
            except OSError:
                pass
            sock.close()
        for conn in conns:
            conn.close()
        if self._grpc is not None:
            self._grpc.stop(grace=None)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


def _grpcio_server(table: dict[str, Any], path: str) -> Any:
    """A started grpcio server for ``table`` on the unix socket ``path``."""
    from concurrent import futures

    import grpc

    adapted = {name: to_grpcio(handler) for name, handler in table.items()}

    class _Handler(grpc.GenericRpcHandler):  # type: ignore[type-arg]
        def service(self, handler_call_details: Any) -> Any:
            return adapted.get(handler_call_details.method)

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="session"),
        handlers=[_Handler()],
        options=[("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)],
    )
    server.add_insecure_port(f"unix:{path}")
    server.start()
    return server
