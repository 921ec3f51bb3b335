"""The mTLS gateway in process: a tcp "builder" that echoes, certificates from our CA and from another."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import tempfile
from pathlib import Path

import pytest
from depotci.server.certs import CA, IssuedCert
from depotci.server.gateway import Gateway
from depotci.server.settings import BuilderSpec


def _client_ctx(ca: CA, cert: IssuedCert) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=ca.cert_pem.decode())
    with tempfile.NamedTemporaryFile() as c, tempfile.NamedTemporaryFile() as k:
        c.write(cert.cert)
        k.write(cert.key)
        c.flush()
        k.flush()
        ctx.load_cert_chain(c.name, k.name)
    ctx.set_alpn_protocols(["h2"])
    return ctx


async def _scenario(tmp_path: Path, who: str) -> tuple[bytes, str, int]:
    async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while data := await r.read(1024):
            w.write(data)
            await w.drain()
        w.close()
        with contextlib.suppress(OSError):
            await w.wait_closed()

    ca = CA(str(tmp_path / "ca"))
    upstream = await asyncio.start_server(echo, "127.0.0.1", 0)
    uport = upstream.sockets[0].getsockname()[1]
    builder = BuilderSpec("amd64-0", "amd64", f"tcp://127.0.0.1:{uport}")
    leases = {("b1", "amd64"): builder}
    routed: list[str] = []

    def route(build_id: str, platform: str) -> BuilderSpec | None:
        routed.append(build_id)
        return leases.get((build_id, platform))

    gw = Gateway(ca, "depotci-gateway", ["127.0.0.1"], route)
    port = await gw.start("127.0.0.1", 0)
    cert = {
        "leased": ca.client_cert("b1", "amd64", 60),
        "unleased": ca.client_cert("b2", "amd64", 60),
        "foreign": CA(str(tmp_path / "other")).client_cert("b1", "amd64", 60),
    }[who]
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=_client_ctx(ca, cert), server_hostname="depotci-gateway"
        )
        alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol() or ""
        writer.write(b"ping")
        await writer.drain()
        got = await asyncio.wait_for(reader.read(4), 5)
        if got:
            assert gw.close_build("b1") == 1  # finishing the build cuts its connection
            assert await asyncio.wait_for(reader.read(4), 5) == b""
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
        return got, alpn, len(routed)
    except (ssl.SSLError, ConnectionError) as exc:
        return b"", f"rejected: {type(exc).__name__}", len(routed)
    finally:
        await gw.close()
        upstream.close()
        await upstream.wait_closed()
        await asyncio.sleep(0.2)  # let the gateway's handler tasks finish closing


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("leased", (b"ping", "h2", 1)),  # forwarded, with the ALPN grpc-go insists on
        ("unleased", (b"", "h2", 1)),  # valid certificate, but the build holds no lease: closed at once
        # another CA's certificate: the server's handshake fails, so no build is ever routed (with TLS 1.3
        # the client only learns it on its first read)
        ("foreign", (b"", "h2", 0)),
    ],
)
def test_gateway_forwards_only_leased_builds(tmp_path: Path, who: str, expected: tuple[bytes, str, int]) -> None:
    assert asyncio.run(_scenario(tmp_path, who)) == expected
