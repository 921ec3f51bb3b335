"""Test-only mTLS front for a BuildKit: a TLS listener on 127.0.0.1 that requires a client certificate
signed by a test CA and, for each connection, opens the Docker Engine's ``POST /grpc`` upgrade and
copies bytes both ways. ``depot build --buildkit-host tcp://127.0.0.1:PORT?cacert=…`` then talks to
dockerd's BuildKit exactly as to a remote buildkitd with mTLS (Control over TLS, the session tunnelled
through ``Control.Session``).

TLS is terminated on one asyncio loop over memory BIOs rather than with ``bridge.splice``: splice pumps
each direction on its own thread, and an ``ssl.SSLSocket`` (one OpenSSL object) must not be read and
written from two threads at once. (asyncio's own ``ssl=`` server would do, but drops the alert of a failed
handshake, which a real buildkitd sends and the client's error message relies on.)

Certificates are made with the ``openssl`` CLI (``make_certs``).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CertSet", "TLSRelay", "docker_engine", "make_certs"]

SERVER_NAME = "buildkitd.depotci.test"


@dataclass(frozen=True)
class CertSet:
    """PEM files: the trusted CA, the server's and a client's pair under it, and a client pair under a
    second, untrusted CA (``other_ca``)."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    other_client_cert: Path
    other_client_key: Path
    server_name: str = SERVER_NAME


def docker_engine(builder_env: dict[str, str]) -> Any:
    """The builder environment's Docker Engine (a ``DockerEngine``): its ``/grpc`` upgrade is what a TLS
    front or a unix relay forwards to, standing in for a buildkitd."""
    from depotci.core.buildkit.dockerapi import DockerEngine
    from depotci.core.buildkit.endpoint import parse_endpoint

    return DockerEngine(parse_endpoint(f"docker://{builder_env['DOCKER_HOST']}", source="test"))


def _openssl(*args: str, cwd: Path) -> None:
    out = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {out.stderr.strip()}")


def _ca(d: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=depotci test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=d,
    )


def _leaf(d: Path, name: str, ca: str, extensions: str) -> None:
    (d / f"{name}.ext").write_text(extensions)
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d,
    )
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
        "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d,
    )


def make_certs(d: Path, server_name: str = SERVER_NAME) -> CertSet:
    """A CA, a server certificate for ``server_name`` and 127.0.0.1, a client certificate, and a client
    certificate from a second CA, all written into ``d``."""
    d.mkdir(parents=True, exist_ok=True)
    _ca(d, "ca")
    _ca(d, "otherca")
    _leaf(d, "server", "ca", f"subjectAltName=DNS:{server_name},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _leaf(d, "client", "ca", "extendedKeyUsage=clientAuth\n")
    _leaf(d, "otherclient", "otherca", "extendedKeyUsage=clientAuth\n")
    return CertSet(
        ca=d / "ca.pem",
        server_cert=d / "server.pem",
        server_key=d / "server.key",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
        other_ca=d / "otherca.pem",
        other_client_cert=d / "otherclient.pem",
        other_client_key=d / "otherclient.key",
        server_name=server_name,
    )


class TLSRelay:
    """Listen with TLS on 127.0.0.1 (client certificate required); relay each connection to
    ``upstream()``, which returns a connected socket and bytes already read from it.

    ``accepted`` counts relayed connections; ``errors`` keeps TLS and upstream failures.
    """

    def __init__(self, upstream: Callable[[], tuple[socket.socket, bytes]], certs: CertSet) -> None:
        self._upstream = upstream
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(certs.server_cert, certs.server_key)
        ctx.load_verify_locations(cafile=str(certs.ca))
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.set_alpn_protocols(["h2"])
        self._ctx = ctx
        self.accepted = 0
        self.errors: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tls-relay", daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        ).result(10)
        self.port: int = self._server.sockets[0].getsockname()[1]

    def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = self._loop.create_task(self._relay(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # TLS over memory BIOs: every record OpenSSL produces, alerts included, reaches the client
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self._ctx.wrap_bio(incoming, outgoing, server_side=True)

        async def flush() -> None:
            data = outgoing.read()
            if data:
                writer.write(data)
                await writer.drain()

        try:
            await self._handshake(tls, incoming, reader, flush)
        except (ssl.SSLError, ConnectionError, TimeoutError) as exc:
            self.errors.append(f"tls: {exc}")
            try:
                await flush()  # the alert that tells the client why
            except ConnectionError:
                pass
            writer.close()
            return
        try:
            sock, pending = await self._loop.run_in_executor(None, self._upstream)
        except Exception as exc:  # noqa: BLE001 - kept for the test to show
            self.errors.append(f"upstream: {exc}")
            writer.close()
            return
        self.accepted += 1
        up_reader, up_writer = await asyncio.open_connection(sock=sock)

        async def to_upstream() -> None:
            while data := await reader.read(1 << 16):
                incoming.write(data)
                while True:
                    try:
                        chunk = tls.read(1 << 16)
                    except ssl.SSLWantReadError:
                        break
                    if not chunk:
                        return
                    up_writer.write(chunk)
                await flush()
                await up_writer.drain()

        async def to_client() -> None:
            if pending:
                tls.write(pending)
                await flush()
            while data := await up_reader.read(1 << 16):
                tls.write(data)
                await flush()

        await asyncio.gather(_closing(to_upstream(), up_writer), _closing(to_client(), writer), return_exceptions=True)

    @staticmethod
    async def _handshake(
        tls: ssl.SSLObject, incoming: ssl.MemoryBIO, reader: asyncio.StreamReader, flush: Callable[[], Any]
    ) -> None:
        while True:
            try:
                tls.do_handshake()
            except ssl.SSLWantReadError:
                await flush()
                data = await asyncio.wait_for(reader.read(1 << 16), 5)
                if not data:
                    raise ConnectionError("the client closed the connection during the handshake") from None
                incoming.write(data)
                continue
            await flush()
            return

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def _closing(work: Coroutine[Any, Any, None], writer: asyncio.StreamWriter) -> None:
    """Run one direction; when it ends (EOF, error), close the other side's writer."""
    try:
        await work
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()
