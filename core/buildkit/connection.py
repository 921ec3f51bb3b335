"""A live connection to one BuildKit: the gRPC channel to its Control service, and session attachment.

Control is spoken by our own HTTP/2 client (``h2client``/``h2control``: no grpcio import, about 60 ms
less start-up) on every endpoint kind:

- docker engine: through ``POST /grpc`` (upgraded to h2c). Sessions through ``POST /session`` (about
  1.4x faster than tunnelling inside Control.Session for big contexts)
- buildkitd (unix, tcp, tcp+mTLS; ``h2dial``/``tls_stream``): dialled directly, h2 with prior knowledge
  (ALPN h2 over TLS); sessions tunnelled through the ``Control.Session`` bidi stream

``DEPOTCI_CONTROL_CLIENT=grpcio`` uses grpcio instead (``grpcio_control``, imported only then; a Docker
Engine through a local relay socket), for A/B runs.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from depotci.core.buildkit.bridge import UnixRelay
from depotci.core.buildkit.dockerapi import DockerEngine, dial
from depotci.core.buildkit.endpoint import Endpoint
from depotci.core.buildkit.h2control import ControlStub, H2Channel
from depotci.core.buildkit.rpc_status import require_grpcio
from depotci.core.errors import BuilderError

if TYPE_CHECKING:
    import grpc
    from depotci.core.buildkit.h2dial import TLSContexts
    from depotci.core.buildkit.session.server import SessionServer

__all__ = ["CLIENT_ENV", "Connection", "Prefetch", "connect", "tunnel_incoming"]

CLIENT_ENV = "DEPOTCI_CONTROL_CLIENT"  # "grpcio": Control through grpcio (A/B runs)

CONNECT_TIMEOUT = 10.0


class Prefetch:
    """Run ``fn`` on a daemon thread now; ``result()`` waits for its value or re-raises its error."""

    def __init__(self, fn: Callable[[], Any], name: str = "prefetch") -> None:
        self._fn = fn
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to result()
            self._error = exc
        finally:
            self._done.set()

    def result(self, timeout: float | None = None) -> Any:
        if not self._done.wait(timeout):
            raise TimeoutError("prefetch did not finish in time")
        if self._error is not None:
            raise self._error
        return self._value


class Connection:
    """Control stub plus the means to attach a session; close() releases everything.

    ``workers`` is the ListWorkersResponse that answered the readiness probe (None if the probe got
    another answer); ``engine_info`` the Engine's ``GET /info``, fetched while connecting (docker only).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        channel: grpc.Channel | H2Channel,
        relay: UnixRelay | None,
        *,
        workers: Any = None,
        info: Prefetch | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.channel: Any = channel
        if isinstance(channel, H2Channel):
            self.control: Any = ControlStub(channel)
        else:
            from depotci.core.buildkit import grpcio_control

            self.control = grpcio_control.control_stub(channel)
        self._relay = relay
        self._closers: list[Callable[[], None]] = []
        self.engine = DockerEngine(endpoint) if endpoint.kind == "docker" else None
        self.workers = workers
        self._info = info

    def engine_info(self) -> Any:
        """The Engine's ``GET /info`` (docker endpoints; BuilderError when it fails)."""
        if self.engine is None:
            raise BuilderError(f"{self.endpoint.describe()} is not a Docker Engine")
        if self._info is None:
            self._info = Prefetch(lambda: self.engine.json("GET", "/info") if self.engine else None)
        return self._info.result()

    def attach_session(self, server: SessionServer) -> None:
        """Make ``server`` reachable by the daemon; it stays attached until the server closes."""
        if self.engine is not None:
            upstream, pending = self.engine.upgrade("/session", server.headers())
            server.serve(upstream, pending)
            return
        ours, theirs = socket.socketpair()
        server.serve(ours)
        if isinstance(self.channel, H2Channel):
            self._closers.append(_tunnel_session(self.control, server, theirs))
        else:
            from depotci.core.buildkit import grpcio_control

            self._closers.append(grpcio_control.tunnel_session(self.control, server, theirs))

    def close(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
        self.channel.close()
        if self._relay is not None:
            self._relay.close()


def _tunnel_session(control: Any, server: SessionServer, local: socket.socket) -> Callable[[], None]:
    """Carry the session's HTTP/2 bytes, read from and written to ``local``, inside the Control.Session
    bidi stream (buildkitd transports); returns the function that closes the tunnel. One thread sends
    (each read is one BytesMessage, sent under the HTTP/2 send windows), one receives."""
    from depotci.core._gen.moby.buildkit.v1 import control_pb2
    from depotci.core.buildkit.rpc_status import H2RpcError

    try:
        call = control.Session(metadata=[(k.lower(), v) for k, v in server.headers()])
    except H2RpcError:  # the connection is gone: the Solve that follows reports it, as with grpcio
        local.close()
        return lambda: None

    def outgoing() -> None:
        try:
            while True:
                data = local.recv(1 << 20)
                if not data or not call.write(control_pb2.BytesMessage(data=data)):
                    break
        except OSError:
            pass
        call.done_writing()

    threading.Thread(target=outgoing, name="session-tunnel-out", daemon=True).start()
    return tunnel_incoming(call, local, (H2RpcError, OSError))


def tunnel_incoming(call: Any, local: socket.socket, errors: tuple[type[BaseException], ...]) -> Callable[[], None]:
    """The receiving half of a Control.Session tunnel (either client): copy each message of ``call`` to
    ``local`` on a thread until the stream or ``local`` ends (``errors`` end it quietly); returns the
    function that cancels the call and closes ``local``."""

    def incoming() -> None:
        try:
            for msg in call:
                local.sendall(msg.data)
        except errors:
            pass
        finally:
            try:
                local.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    threading.Thread(target=incoming, name="session-tunnel-in", daemon=True).start()

    def close() -> None:
        call.cancel()
        try:
            local.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        local.close()

    return close


def connect(
    endpoint: Endpoint, timeout: float = CONNECT_TIMEOUT, *, meanwhile: Callable[[], None] | None = None
) -> Connection:
    """Connect to ``endpoint`` and wait until its Control service answers (at most ``timeout`` s).
    ``meanwhile`` runs once while the first readiness probe is in flight (e.g. imports for later).

    For a Docker Engine, ``GET /info`` (slow: about 10 ms) starts first on a thread of its own and runs
    while the channel connects; ``Connection.engine_info()`` returns it.
    """
    grpcio = os.environ.get(CLIENT_ENV, "h2") == "grpcio"
    info: Prefetch | None = None
    engine: DockerEngine | None = None
    if endpoint.kind == "docker":
        engine = DockerEngine(endpoint)
        engine.ping()
        info = Prefetch(lambda: engine.json("GET", "/info") if engine else None, name="engine-info")
        if not grpcio:
            return _connect_h2(endpoint, engine, info, timeout, meanwhile)
    elif endpoint.unix_path is not None and not os.path.exists(endpoint.unix_path):
        raise BuilderError(f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source}): no such socket")
    elif not grpcio:
        return _connect_buildkitd(endpoint, timeout, meanwhile)
    return _connect_grpcio(endpoint, engine, info, timeout, meanwhile)


def _connect_grpcio(endpoint: Endpoint, engine: DockerEngine | None, info: Prefetch | None, timeout: float,
                    meanwhile: Callable[[], None] | None) -> Connection:
    """Control through grpcio (``DEPOTCI_CONTROL_CLIENT=grpcio``); a Docker Engine through a local relay."""
    require_grpcio(f"{CLIENT_ENV}=grpcio")
    from depotci.core.buildkit import grpcio_control

    relay: UnixRelay | None = None
    if engine is not None:
        docker = engine
        relay = UnixRelay(lambda: docker.upgrade("/grpc"), name="grpc")
    channel = grpcio_control.channel_for(endpoint, relay.address if relay is not None else None)
    try:
        ready, workers = grpcio_control.probe_ready(
            channel, timeout, lambda left: _diagnose(endpoint, relay, left), meanwhile)
    except BaseException:
        channel.close()
        if relay is not None:
            relay.close()
        raise
    if not ready:
        channel.close()
        if relay is not None:
            relay.close()
        detail = f": {relay.errors[-1]}" if relay is not None and relay.errors else ""
        raise BuilderError(
            f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source}) within {timeout:.0f}s{detail}"
        ) from None
    return Connection(endpoint, channel, relay, workers=workers, info=info)


def _connect_buildkitd(endpoint: Endpoint, timeout: float, meanwhile: Callable[[], None] | None) -> Connection:
    """Control of a buildkitd over our own HTTP/2 client: dial, probe with ListWorkers, and on an
    UNAVAILABLE answer name the reason (the TLS alert our connection read, else ``_diagnose``) or retry
    on a new connection until ``timeout``, as grpcio's fail-fast probe does."""
    from depotci.core._gen.moby.buildkit.v1 import control_pb2
    from depotci.core.buildkit.h2dial import TLSContexts, open_h2
    from depotci.core.buildkit.rpc_status import H2RpcError

    where = f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source})"
    contexts = TLSContexts(endpoint) if endpoint.tls is not None else None
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BuilderError(f"{where} within {timeout:.0f}s")
        try:
            channel = H2Channel(open_h2(endpoint, left, contexts))
        except TimeoutError:
            raise BuilderError(f"{where} within {timeout:.0f}s") from None
        try:
            try:
                call = ControlStub(channel).ListWorkers.future(control_pb2.ListWorkersRequest(), timeout=left)
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
                return Connection(endpoint, channel, None, workers=call.result())
            except H2RpcError as exc:
                code, details = exc.code().name, exc.details()
                if code == "DEADLINE_EXCEEDED":
                    raise BuilderError(f"{where} within {timeout:.0f}s") from None
                if code != "UNAVAILABLE":
                    # the service answered; the calls that follow report what is wrong
                    return Connection(endpoint, channel, None, workers=None)
                if "TLS handshake failed:" in details:  # read, or "write failed: TLS handshake failed: ..."
                    raise BuilderError(f"{where}: {details[details.index('TLS handshake failed:'):]}") from None
        except BaseException:
            channel.close()
            raise
        channel.close()
        _diagnose(endpoint, None, max(0.5, deadline - time.monotonic()), contexts)
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _connect_h2(
    endpoint: Endpoint, engine: DockerEngine, info: Prefetch, timeout: float, meanwhile: Callable[[], None] | None
) -> Connection:
    """Control of a Docker Engine over our own HTTP/2 client on the ``/grpc`` upgrade (no grpcio)."""
    from depotci.core._gen.moby.buildkit.v1 import control_pb2
    from depotci.core.buildkit.h2client import H2ClientConnection
    from depotci.core.buildkit.rpc_status import H2RpcError

    sock, pending = engine.upgrade("/grpc")  # BuilderError naming the endpoint when refused
    channel = H2Channel(H2ClientConnection(sock, pending))
    where = f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source})"
    try:
        call = ControlStub(channel).ListWorkers.future(control_pb2.ListWorkersRequest(), timeout=timeout)
        if meanwhile is not None:
            meanwhile()
        try:
            workers = call.result()
        except H2RpcError as exc:
            if exc.code().name == "DEADLINE_EXCEEDED":
                raise BuilderError(f"{where} within {timeout:.0f}s") from None
            if exc.code().name == "UNAVAILABLE":
                raise BuilderError(f"{where}: {exc.details()}") from None
            workers = None  # the service answered; the calls that follow report what is wrong
    except BaseException:
        channel.close()
        raise
    return Connection(endpoint, channel, None, workers=workers, info=info)


def _diagnose(endpoint: Endpoint, relay: UnixRelay | None, timeout: float, contexts: TLSContexts | None = None) -> None:
    """Why gRPC cannot connect: raise BuilderError naming the endpoint and the reason, if one is found."""
    where = f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source})"
    if relay is not None:
        if relay.errors:
            raise BuilderError(f"{where}: {relay.errors[-1]}")
        return
    sock = dial(endpoint, timeout)  # refused, no such socket, unreachable: BuilderError with the reason
    try:
        if endpoint.tls is not None:
            reason = _tls_problem(sock, endpoint, timeout, contexts)
            if reason:
                raise BuilderError(f"{where}: TLS handshake failed: {reason}")
    finally:
        sock.close()


def _tls_problem(sock: socket.socket, endpoint: Endpoint, timeout: float, contexts: TLSContexts | None = None) -> str:
    """Handshake like the client does (same CA, client certificate, server name, ALPN h2) and read the
    server's first bytes, where TLS 1.3 servers report a rejected client certificate; "" when fine."""
    import ssl

    from depotci.core.buildkit.h2dial import TLSContexts
    from depotci.core.buildkit.tls_stream import handshake_reason

    tls = endpoint.tls
    assert tls is not None
    try:
        ctx = (contexts or TLSContexts(endpoint)).get()
    except BuilderError as exc:
        return str(exc).split("TLS handshake failed: ", 1)[-1]
    sock.settimeout(timeout)
    try:
        with ctx.wrap_socket(sock, server_hostname=tls.server_name or endpoint.host_port[0]) as conn:
            if not conn.recv(1):
                return "the server closed the connection after the handshake"
    except ssl.SSLError as exc:  # e.g. TLSV13_ALERT_CERTIFICATE_REQUIRED, TLSV1_ALERT_UNKNOWN_CA
        return handshake_reason(exc)
    except OSError:
        return ""
    return ""
