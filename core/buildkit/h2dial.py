"""Dial a buildkitd for our HTTP/2 gRPC client: a unix socket, plain TCP (h2c with prior knowledge), or
TCP with TLS (client certificate, server-name override, ALPN ``h2`` required as grpc clients do).

Failures are ``BuilderError`` lines naming the endpoint: the socket's reason when the connection is
refused or the path is missing, ``TLS handshake failed: <reason>`` when the handshake is rejected;
``TimeoutError`` when the deadline passes first.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from depotci.core.buildkit.dockerapi import dial
from depotci.core.buildkit.endpoint import Endpoint
from depotci.core.buildkit.h2client import H2ClientConnection
from depotci.core.errors import BuilderError

if TYPE_CHECKING:
    import ssl

    from depotci.core.buildkit.tls_stream import TLSStream

__all__ = ["TLSContexts", "open_h2"]


class TLSContexts:
    """The client ``ssl.SSLContext`` of one endpoint, made once (loading PEM files costs a few ms) and
    reused by every retry of a connect."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._ctx: ssl.SSLContext | None = None

    def get(self) -> ssl.SSLContext:
        """The context; BuilderError when the certificate material does not load."""
        if self._ctx is None:
            import ssl

            from depotci.core.buildkit.tls_stream import client_context

            assert self._endpoint.tls is not None
            try:
                self._ctx = client_context(self._endpoint.tls)
            except (ssl.SSLError, OSError) as exc:
                raise BuilderError(f"{_where(self._endpoint)}: TLS handshake failed: "
                                   f"cannot load the client certificate: {exc}") from None
        return self._ctx


def _where(endpoint: Endpoint) -> str:
    return f"cannot reach the builder ({endpoint.describe()}, from {endpoint.source})"


def open_h2(endpoint: Endpoint, timeout: float, contexts: TLSContexts | None = None) -> H2ClientConnection:
    """A new HTTP/2 connection to the buildkitd ``endpoint`` (preface and SETTINGS sent), within
    ``timeout`` seconds for the TCP connect and the TLS handshake."""
    sock = dial(endpoint, timeout)  # BuilderError with the reason: refused, no such socket, unreachable
    if endpoint.unix_path is not None:
        return H2ClientConnection(sock)
    authority = endpoint.address.removeprefix("tcp://")
    tls = endpoint.tls
    if tls is None:
        return H2ClientConnection(sock, authority=authority)
    try:
        stream = _handshake(sock, endpoint, (contexts or TLSContexts(endpoint)).get(), timeout)
    except BaseException:
        sock.close()
        raise
    return H2ClientConnection(stream, scheme="https", authority=tls.server_name or authority)


def _handshake(sock: socket.socket, endpoint: Endpoint, ctx: ssl.SSLContext, timeout: float) -> TLSStream:
    import ssl

    from depotci.core.buildkit.tls_stream import TLSStream, handshake_reason

    assert endpoint.tls is not None
    where = _where(endpoint)
    sock.settimeout(timeout)
    try:
        conn = ctx.wrap_socket(sock, server_hostname=endpoint.tls.server_name or endpoint.host_port[0])
    except ssl.SSLError as exc:
        raise BuilderError(f"{where}: TLS handshake failed: {handshake_reason(exc)}") from None
    except TimeoutError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise BuilderError(f"{where}: TLS handshake failed: {reason}") from None
    protocol = conn.selected_alpn_protocol()
    if protocol != "h2":
        conn.close()
        raise BuilderError(f"{where}: TLS handshake failed: the server did not select HTTP/2 through ALPN "
                           f"(selected {protocol or 'nothing'})")
    return TLSStream(conn)
