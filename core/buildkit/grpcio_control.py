"""The grpcio fallback for Control (``DEPOTCI_CONTROL_CLIENT=grpcio``, for A/B runs): channels for
every endpoint kind, the readiness probe, and the session tunnel through ``Control.Session``.
Importing this module imports grpc (about 60 ms); the default path never does.
"""

from __future__ import annotations

import os

# grpc's C core logs transport errors (TLS alerts, "Corruption detected", ...) straight to stderr; it reads
# this once, when grpc is first imported, so it must come before that import. We report such failures as
# one line instead; GRPC_VERBOSITY=debug still turns the logs on.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import grpc
from depotci.core._gen.moby.buildkit.v1 import control_pb2, control_pb2_grpc
from depotci.core.buildkit.endpoint import Endpoint

if TYPE_CHECKING:
    from depotci.core.buildkit.session.server import SessionServer

__all__ = ["OPTIONS", "channel_for", "control_stub", "probe_ready", "tunnel_session"]

OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", 64 << 20),
    ("grpc.max_send_message_length", 64 << 20),
    # keepalive: detect a dead builder on a half-open connection; C-core sends at most 2 pings
    # without data, which stays within grpc-go's default ping enforcement
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.enable_retries", 0),
]


def channel_for(endpoint: Endpoint, relay_address: str | None = None) -> grpc.Channel:
    """A grpcio channel to ``endpoint`` (a Docker Engine through the local relay at ``relay_address``)."""
    if relay_address is not None:
        return grpc.insecure_channel(relay_address, options=OPTIONS)
    if endpoint.unix_path is not None:
        return grpc.insecure_channel(f"unix:{endpoint.unix_path}", options=OPTIONS)
    host, port = endpoint.host_port
    target = f"{host}:{port}"
    tls = endpoint.tls
    if tls is None:
        return grpc.insecure_channel(target, options=OPTIONS)
    creds = grpc.ssl_channel_credentials(
        root_certificates=tls.ca_cert or None, private_key=tls.key or None, certificate_chain=tls.cert or None
    )
    options: list[tuple[str, Any]] = list(OPTIONS)
    if tls.server_name:
        options.append(("grpc.ssl_target_name_override", tls.server_name))
    return grpc.secure_channel(target, creds, options=options)


def control_stub(channel: grpc.Channel) -> Any:
    """grpcio's generated Control stub on ``channel``."""
    return control_pb2_grpc.ControlStub(channel)  # type: ignore[no-untyped-call]


def probe_ready(
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
    stub = control_stub(channel)
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


def tunnel_session(control: Any, server: SessionServer, local: socket.socket) -> Callable[[], None]:
    """Carry the session's HTTP/2 bytes, read from and written to ``local``, inside Control.Session
    (buildkitd transports); returns the function that closes the tunnel."""
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

    from depotci.core.buildkit.connection import tunnel_incoming

    metadata = [(k.lower(), v) for k, v in server.headers()]
    call = control.Session(outgoing(), metadata=metadata)
    close_tunnel = tunnel_incoming(call, local, (grpc.RpcError, OSError))

    def close() -> None:
        stop.set()
        close_tunnel()

    return close
