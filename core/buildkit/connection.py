"""A live connection to one BuildKit: the gRPC channel to its Control service, and session attachment.

Transports by endpoint kind:

- docker engine: Control through ``POST /grpc`` (upgraded to h2c), spoken by our own HTTP/2 client
  (``h2control``: no grpcio import, about 50 ms less start-up); ``DEPOTCI_CONTROL_CLIENT=grpcio`` uses
  grpcio through a local relay socket instead. Sessions through ``POST /session`` (about 1.4x faster
  than tunnelling inside Control.Session for big contexts)
- buildkitd (unix, tcp, tcp+mTLS): Control dialled directly by grpcio; sessions tunnelled through the
  ``Control.Session`` bidi stream
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

# grpc's C core logs transport errors (TLS alerts, "Corruption detected", ...) straight to stderr; it reads
# this once, when grpc is first imported, so it must come before that import. We report such failures as
# one line instead; GRPC_VERBOSITY=debug still turns the logs on.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

from depotci.core.buildkit.bridge import UnixRelay
from depotci.core.buildkit.dockerapi import DockerEngine, dial
from depotci.core.buildkit.endpoint import Endpoint
from depotci.core.buildkit.h2control import ControlStub, H2Channel
from depotci.core.errors import BuilderError

if TYPE_CHECKING:
    import grpc
    from depotci.core.buildkit.session.server import SessionServer

__all__ = ["CLIENT_ENV", "Connection", "Prefetch", "connect"]

CLIENT_ENV = "DEPOTCI_CONTROL_CLIENT"  # "grpcio": Control of a Docker Engine through grpcio (A/B runs)

CONNECT_TIMEOUT = 10.0
_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", 64 << 20),
    ("grpc.max_send_message_length", 64 << 20),
    # keepalive: detect a dead builder on a half-open connection; C-core sends at most 2 pings
    # without data, which stays within grpc-go's default ping enforcement
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.enable_retries", 0),
]


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
            from depotci.core._gen.moby.buildkit.v1 import control_pb2_grpc

            self.control = control_pb2_grpc.ControlStub(channel)  # type: ignore[no-untyped-call]
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
        self._closers.append(_tunnel_session(self.control, server, theirs))

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
    """Carry the session's HTTP/2 bytes, read from and written to ``local``, inside Control.Session
    (buildkitd transports)."""
    import grpc
    from depotci.core._gen.moby.buildkit.v1 import control_pb2

    stop = threading.Event()

    def outgoing() -> Iterator[Any]:
        while not stop.is_set():
            try:
                data = local.recv(1 << 20)
            except OSError:
                return
            if not data:
                return
            yield control_pb2.BytesMessage(data=data)

    metadata = [(k.lower(), v) for k, v in server.headers()]
    call = control.Session(outgoing(), metadata=metadata)

    def incoming() -> None:
        try:
            for msg in call:
                local.sendall(msg.data)
        except (grpc.RpcError, OSError):
            pass
        finally:
            try:
                local.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    threading.Thread(target=incoming, name="session-tunnel", daemon=True).start()

    def close() -> None:
        stop.set()
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
    while grpc is imported and the channel connects; ``Connection.engine_info()`` returns it.
    """
    relay: UnixRelay | None = None
    info: Prefetch | None = None
    if endpoint.kind == "docker":
        engine = DockerEngine(endpoint)
        engine.ping()
        info = Prefetch(lambda: engine.json("GET", "/info"), name="engine-info")
        if os.environ.get(CLIENT_ENV, "h2") != "grpcio":
            return _connect_h2(endpoint, engine, info, timeout, meanwhile)
    import grpc

    if endpoint.kind == "docker":
        relay = UnixRelay(lambda: engine.upgrade("/grpc"), name="grpc")
        channel = grpc.insecure_channel(relay.address, options=_OPTIONS)
    elif endpoint.unix_path is not None:
        if not os.path.exists(endpoint.unix_path):
            raise BuilderError(f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source}): no such socket")
        channel = grpc.insecure_channel(f"unix:{endpoint.unix_path}", options=_OPTIONS)
    else:
        host, port = endpoint.host_port
        target = f"{host}:{port}"
        tls = endpoint.tls
        if tls is None:
            channel = grpc.insecure_channel(target, options=_OPTIONS)
        else:
            creds = grpc.ssl_channel_credentials(
                root_certificates=tls.ca_cert or None,
                private_key=tls.key or None,
                certificate_chain=tls.cert or None,
            )
            options: list[tuple[str, Any]] = list(_OPTIONS)
            if tls.server_name:
                options.append(("grpc.ssl_target_name_override", tls.server_name))
            channel = grpc.secure_channel(target, creds, options=options)
    try:
        ready, workers = _probe_ready(channel, timeout, lambda left: _diagnose(endpoint, relay, left), meanwhile)
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


def _probe_ready(
    channel: grpc.Channel,
    timeout: float,
    diagnose: Callable[[float], None],
    meanwhile: Callable[[], None] | None = None,
) -> tuple[bool, Any]:
    """Wait until the Control service answers; after each failed connection attempt call ``diagnose``
    (which raises a BuilderError with the reason when it finds one), so a refused or rejected
    connection fails at once instead of after ``timeout``. Returns (False, None) on timeout, else
    (True, the ListWorkersResponse or None when the service answered with an error).

    Probes with fail-fast ListWorkers calls rather than ``channel.subscribe``/``channel_ready_future``:
    those start grpcio's connectivity poller, and ``channel.close()`` waits for its pending 0.2 s watch,
    i.e. up to 0.2 s at the end of every build. A fail-fast call waits while the channel connects and
    fails with UNAVAILABLE at once when it cannot.
    """
    import grpc
    from depotci.core._gen.moby.buildkit.v1 import control_pb2, control_pb2_grpc

    stub: Any = control_pb2_grpc.ControlStub(channel)  # type: ignore[no-untyped-call]
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, None
        try:
            if meanwhile is None:
                return True, stub.ListWorkers(control_pb2.ListWorkersRequest(), timeout=left)
            call = stub.ListWorkers.future(control_pb2.ListWorkersRequest(), timeout=left)
            meanwhile()
            meanwhile = None
            return True, call.result()
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                return False, None
            if code != grpc.StatusCode.UNAVAILABLE:
                return True, None  # the service answered; the calls that follow report what is wrong
        diagnose(max(0.5, deadline - time.monotonic()))
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _diagnose(endpoint: Endpoint, relay: UnixRelay | None, timeout: float) -> None:
    """Why gRPC cannot connect: raise BuilderError naming the endpoint and the reason, if one is found."""
    where = f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source})"
    if relay is not None:
        if relay.errors:
            raise BuilderError(f"{where}: {relay.errors[-1]}")
        return
    sock = dial(endpoint, timeout)  # refused, no such socket, unreachable: BuilderError with the reason
    try:
        if endpoint.tls is not None:
            reason = _tls_problem(sock, endpoint, timeout)
            if reason:
                raise BuilderError(f"{where}: TLS handshake failed: {reason}")
    finally:
        sock.close()


def _tls_problem(sock: socket.socket, endpoint: Endpoint, timeout: float) -> str:
    """Handshake like grpcio would (same CA, client certificate, server name, ALPN h2) and read the
    server's first bytes, where TLS 1.3 servers report a rejected client certificate; "" when fine."""
    import ssl
    import tempfile

    tls = endpoint.tls
    assert tls is not None
    with tempfile.TemporaryDirectory(prefix="depotci-tls-") as tmp:
        ctx = ssl.create_default_context(cadata=tls.ca_cert.decode() if tls.ca_cert else None)
        ctx.set_alpn_protocols(["h2"])
        if tls.cert:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            for path, data in ((cert, tls.cert), (key, tls.key)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                    f.write(data)
            try:
                ctx.load_cert_chain(cert, key)
            except (ssl.SSLError, OSError) as exc:
                return f"cannot load the client certificate: {exc}"
        sock.settimeout(timeout)
        try:
            with ctx.wrap_socket(sock, server_hostname=tls.server_name or endpoint.host_port[0]) as conn:
                if not conn.recv(1):
                    return "the server closed the connection after the handshake"
        except ssl.SSLCertVerificationError as exc:
            return f"the server certificate is not trusted: {exc.verify_message}"
        except ssl.SSLError as exc:  # e.g. TLSV13_ALERT_CERTIFICATE_REQUIRED, TLSV1_ALERT_UNKNOWN_CA
            return str(exc.reason).lower().replace("_", " ") if exc.reason else str(exc)
        except OSError:
            return ""
    return ""
