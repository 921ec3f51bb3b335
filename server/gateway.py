"""The TLS gateway in front of the pooled builders.

A client connects with the per-build certificate it got from GetBuildKitConnection; the handshake
requires a certificate signed by the server CA, and the connection is forwarded only while that build
(CN) runs and holds a lease on a builder of that architecture (OU). Forwarding goes to the builder's
BuildKit: through the Docker Engine ``POST /grpc`` upgrade for a dockerd, or a plain socket to a
buildkitd. Finishing or canceling a build cuts its connections.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import tempfile
from collections.abc import Callable
from typing import Any

from depotci.core.buildkit.dockerapi import DockerEngine, dial
from depotci.core.buildkit.endpoint import parse_endpoint
from depotci.server.certs import CA
from depotci.server.settings import BuilderSpec

__all__ = ["Gateway", "open_upstream"]

log = logging.getLogger("depotci.server.gateway")


def open_upstream(builder: BuilderSpec) -> tuple[socket.socket, bytes]:
    """A socket to the builder's BuildKit gRPC, plus bytes already read behind an upgrade (blocking)."""
    endpoint = parse_endpoint(builder.endpoint, source=f"builder {builder.name}")
    if endpoint.kind == "docker":
        return DockerEngine(endpoint).upgrade("/grpc")
    sock = dial(endpoint)
    sock.settimeout(None)
    return sock, b""


def _subject(cert: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            out[key] = value
    return out


class Gateway:
    """``route(build_id, platform)`` returns the leased builder or None (connection refused)."""

    def __init__(self, ca: CA, server_name: str, hosts: list[str], route: Callable[[str, str], BuilderSpec | None]) -> None:
        self._route = route
        self._conns: dict[str, set[asyncio.StreamWriter]] = {}
        issued = ca.server_cert(server_name, hosts)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        with tempfile.NamedTemporaryFile() as cert, tempfile.NamedTemporaryFile() as key:
            cert.write(issued.cert)
            key.write(issued.key)
            cert.flush()
            key.flush()
            ctx.load_cert_chain(cert.name, key.name)
        ctx.load_verify_locations(cadata=ca.cert_pem.decode())
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.set_alpn_protocols(["h2"])  # grpc-go requires ALPN h2 from the server
        self._ssl = ctx
        self._server: asyncio.Server | None = None
        self.connections_total = 0
        self.rejected_total = 0

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port."""
        self._server = await asyncio.start_server(self._handle, host, port, ssl=self._ssl, ssl_handshake_timeout=10)
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for build_id in list(self._conns):
            self.close_build(build_id)

    def close_build(self, build_id: str) -> int:
        """Cut every connection of ``build_id``; returns how many."""
        writers = self._conns.pop(build_id, set())
        for w in writers:
            w.close()
        return len(writers)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sslobj = writer.get_extra_info("ssl_object")
        subject = _subject(sslobj.getpeercert() or {}) if sslobj is not None else {}
        build_id, platform = subject.get("commonName", ""), subject.get("organizationalUnitName", "")
        builder = self._route(build_id, platform)
        if builder is None:
            self.rejected_total += 1
            log.info("gateway: refused build %s/%s: not running or no builder lease", build_id, platform)
            await _close(writer)
            return
        loop = asyncio.get_running_loop()
        try:
            sock, pending = await loop.run_in_executor(None, open_upstream, builder)
        except Exception as exc:  # noqa: BLE001 - BuilderError/OSError: the client sees the close
            log.warning("gateway: build %s: builder %s unreachable: %s", build_id, builder.name, exc)
            await _close(writer)
            return
        self.connections_total += 1
        up_reader, up_writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
        self._conns.setdefault(build_id, set()).add(writer)
        if pending:
            writer.write(pending)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._conns.get(build_id, set()).discard(writer)
            for w in (writer, up_writer):
                await _close(w)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 5)
    except (OSError, ConnectionError, ssl.SSLError, TimeoutError):
        pass


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await src.read(1 << 20)
            if not data:
                break
            dst.write(data)
            await dst.drain()
    except (OSError, ConnectionError, ssl.SSLError):
        pass
    finally:
        dst.close()
