"""``TLSStream``: one reader and a writer at once on one TLS connection, bytes intact in both directions
(an echo server); close wakes a blocked reader; alerts become one-line ConnectionErrors."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from depotci.core.buildkit.endpoint import TLSConfig
from depotci.core.buildkit.tls_stream import TLSStream, client_context
from tls_relay import CertSet, make_certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertSet:
    return make_certs(tmp_path_factory.mktemp("certs"))


def _echo_server(certs: CertSet, require_cert: bool) -> tuple[int, socket.socket]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_cert, certs.server_key)
    ctx.load_verify_locations(cafile=str(certs.ca))
    ctx.verify_mode = ssl.CERT_REQUIRED if require_cert else ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            raw, _ = listener.accept()
        except OSError:
            return
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                while data := conn.recv(1 << 16):
                    conn.sendall(data)
        except (ssl.SSLError, OSError):
            raw.close()

    threading.Thread(target=serve, daemon=True).start()
    port: int = listener.getsockname()[1]
    return port, listener


def _client(certs: CertSet, port: int, with_cert: bool = True) -> TLSStream:
    tls = TLSConfig(ca_cert=certs.ca.read_bytes(), cert=certs.client_cert.read_bytes() if with_cert else b"",
                    key=certs.client_key.read_bytes() if with_cert else b"", server_name=certs.server_name)
    ctx = client_context(tls)
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return TLSStream(ctx.wrap_socket(sock, server_hostname=certs.server_name))


@pytest.fixture
def echo(certs: CertSet) -> Iterator[int]:
    port, listener = _echo_server(certs, require_cert=True)
    yield port
    listener.close()


@pytest.mark.parametrize("piece", [100, 16_384 + 9, 1 << 20])
def test_concurrent_reader_and_writer_keep_every_byte(certs: CertSet, echo: int, piece: int) -> None:
    stream = _client(certs, echo)
    data = os.urandom(2 << 20 if piece < 1000 else 24 << 20)
    assert stream.selected_alpn_protocol() == "h2"

    def write() -> None:
        for pos in range(0, len(data), piece):
            stream.sendall(data[pos : pos + piece])

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    got, h = 0, hashlib.sha256()
    while got < len(data):
        chunk = stream.recv(1 << 18)
        assert chunk, "EOF before all bytes came back"
        h.update(chunk)
        got += len(chunk)
    writer.join(10)
    assert (got, h.hexdigest()) == (len(data), hashlib.sha256(data).hexdigest())
    stream.close()


def test_shutdown_wakes_a_blocked_reader(certs: CertSet, echo: int) -> None:
    stream = _client(certs, echo)
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(stream.recv(100)), daemon=True)
    reader.start()
    time.sleep(0.1)
    start = time.monotonic()
    stream.shutdown(socket.SHUT_RDWR)
    reader.join(3)
    assert result == [b""] and time.monotonic() - start < 2
    stream.close()
    with pytest.raises(OSError):
        stream.sendall(b"x")


def test_a_rejected_certificate_is_a_handshake_error(certs: CertSet, tmp_path: Path) -> None:
    port, listener = _echo_server(certs, require_cert=True)
    try:
        stream = _client(certs, port, with_cert=False)  # TLS 1.3: the client's side completes first
        with pytest.raises(ConnectionError) as info:
            stream.sendall(b"hello")
            stream.recv(10)
        assert str(info.value.strerror) == "TLS handshake failed: tlsv13 alert certificate required"
        stream.close()
    finally:
        listener.close()
