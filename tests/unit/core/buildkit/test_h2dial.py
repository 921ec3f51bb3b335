"""``connect`` to buildkitd-style endpoints on our own HTTP/2 client: unix, tcp (h2c prior knowledge) and
tcp + mTLS, against grpcio's own TLS server (BoringSSL) and the test TLS front (OpenSSL); refusals named
in one line, fast; big bidi streams intact over TLS; no grpc import on that path."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core.buildkit.connection import CLIENT_ENV, Connection, connect
from depotci.core.buildkit.endpoint import parse_endpoint
from depotci.core.buildkit.h2control import H2Channel
from depotci.core.errors import BuilderError
from tls_relay import CertSet, TLSRelay, make_certs


def _list_workers(req: Any, ctx: Any) -> Any:
    resp = control_pb2.ListWorkersResponse()
    resp.record.add(ID="w-tls")
    return resp


def _digest(requests: Iterator[bytes], ctx: Any) -> Iterator[bytes]:
    h, n = hashlib.sha256(), 0
    for req in requests:
        h.update(req)
        n += len(req)
        if n >= 1 << 20 and n - len(req) < 1 << 20:
            yield b"x" * (8 << 20)  # a big reply while the client is still sending
    yield f"{n}:{h.hexdigest()}".encode()


def _server(ports: list[str], creds: Any = None) -> grpc.Server:
    from concurrent import futures

    server = grpc.server(futures.ThreadPoolExecutor(8), options=[("grpc.max_send_message_length", 64 << 20)])
    raw = {"request_deserializer": None, "response_serializer": None}
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("moby.buildkit.v1.Control", {"ListWorkers": grpc.unary_unary_rpc_method_handler(
            _list_workers, control_pb2.ListWorkersRequest.FromString, control_pb2.ListWorkersResponse.SerializeToString)}),
        grpc.method_handlers_generic_handler("test.Pipe", {"Digest": grpc.stream_stream_rpc_method_handler(_digest, **raw)}),
    ))
    for port in ports:
        if creds is None:
            server.add_insecure_port(port)
        else:
            server.add_secure_port(port, creds)
    server.start()
    return server


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertSet:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, certs: CertSet) -> Iterator[dict[str, Any]]:
    """An insecure grpcio server (unix + tcp), a grpcio mTLS server, and the TLS front on the unix one."""
    path = str(tmp_path_factory.mktemp("srv") / "bk.sock")
    plain = _server([f"unix:{path}"])
    tcp_port = _free_port()
    plain_tcp = _server([f"127.0.0.1:{tcp_port}"])
    creds = grpc.ssl_server_credentials(
        [(certs.server_key.read_bytes(), certs.server_cert.read_bytes())],
        root_certificates=certs.ca.read_bytes(), require_client_auth=True)
    tls_port = _free_port()
    secure = _server([f"127.0.0.1:{tls_port}"], creds)

    def upstream() -> tuple[socket.socket, bytes]:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(path)
        return sock, b""

    relay = TLSRelay(upstream, certs)
    yield {"unix": path, "tcp": tcp_port, "grpcio-tls": tls_port, "relay": relay.port}
    relay.close()
    for s in (plain, plain_tcp, secure):
        s.stop(None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tls(port: int, ca: Path, cert: Path | None, key: Path | None, name: str) -> str:
    query = f"cacert={ca}&servername={name}"
    if cert is not None and key is not None:
        query += f"&cert={cert}&key={key}"
    return f"tcp://127.0.0.1:{port}?{query}"


def _connect(address: str, timeout: float = 5) -> Connection:
    return connect(parse_endpoint(address, source="--buildkit-host"), timeout=timeout)


@pytest.mark.parametrize("kind", ["unix", "tcp", "grpcio-tls", "relay"])
def test_connects_and_streams_both_ways(servers: dict[str, Any], certs: CertSet, kind: str) -> None:
    if kind == "unix":
        address = f"unix://{servers['unix']}"
    elif kind == "tcp":
        address = f"tcp://127.0.0.1:{servers['tcp']}"
    else:
        address = _tls(servers[kind], certs.ca, certs.client_cert, certs.client_key, certs.server_name)
    conn = _connect(address)
    try:
        assert isinstance(conn.channel, H2Channel)
        assert conn.workers.record[0].ID == "w-tls"
        chunks = [os.urandom(1 << 20) for _ in range(24)]
        replies = list(conn.channel.stream_stream("/test.Pipe/Digest")(iter(chunks), timeout=60))
        data = b"".join(chunks)
        assert len(replies[0]) == 8 << 20
        assert replies[-1] == f"{len(data)}:{hashlib.sha256(data).hexdigest()}".encode()
    finally:
        conn.close()


@pytest.fixture
def no_alpn_server(certs: CertSet) -> Iterator[int]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs.server_cert, certs.server_key)
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[Any] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            held.append(ctx.wrap_socket(conn, server_side=True))
        except OSError:
            pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield listener.getsockname()[1]
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (close alone does not)
    listener.close()
    server.join(5)  # a handshake may still be running: its socket is closed below, not left to the GC
    for s in held:
        s.close()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("grpcio-tls: no client certificate", "TLS handshake failed: the server closed the connection after"),
        ("relay: no client certificate", "TLS handshake failed: tlsv13 alert certificate required"),
        ("relay: client certificate from another CA", "TLS handshake failed: tlsv1 alert unknown ca"),
        ("grpcio-tls: server not signed by the trusted CA", "the server certificate is not trusted"),
        ("relay: wrong server name", "the server certificate is not trusted: Hostname mismatch"),
        ("no ALPN", "the server did not select HTTP/2 through ALPN (selected nothing)"),
        ("refused", "Connection refused"),
        ("missing socket", "no such socket"),
    ],
)
def test_refusal_is_one_line_and_fast(
    servers: dict[str, Any], certs: CertSet, no_alpn_server: int, tmp_path: Path, case: str, expected: str
) -> None:
    kind = case.split(":")[0]
    port = servers.get(kind, no_alpn_server)
    address = {
        "no client certificate": _tls(port, certs.ca, None, None, certs.server_name),
        "client certificate from another CA": _tls(port, certs.ca, certs.other_client_cert, certs.other_client_key,
                                                   certs.server_name),
        "server not signed by the trusted CA": _tls(port, certs.other_ca, certs.client_cert, certs.client_key,
                                                    certs.server_name),
        "wrong server name": _tls(port, certs.ca, certs.client_cert, certs.client_key, "other.test"),
        "no ALPN": _tls(no_alpn_server, certs.ca, certs.client_cert, certs.client_key, certs.server_name),
        "refused": f"tcp://127.0.0.1:{_free_port()}",
        "missing socket": f"unix://{tmp_path}/none.sock",
    }[case.split(": ")[-1]]
    started = time.monotonic()
    with pytest.raises(BuilderError) as info:
        _connect(address, timeout=8)
    message = str(info.value)
    assert message.startswith("cannot reach the builder (buildkitd at "), message
    assert expected in message and "\n" not in message, message
    assert time.monotonic() - started < 3


_PROBE = """
import sys
from depotci.core.buildkit.connection import connect
from depotci.core.buildkit.endpoint import parse_endpoint
conn = connect(parse_endpoint(sys.argv[1], source="test"), timeout=10)
call = conn.channel.stream_stream("/test.Pipe/Digest")(iter([b"abc"]))
print(list(call)[-1].decode(), conn.workers.record[0].ID, "grpc" in sys.modules)
conn.close()
"""


@pytest.mark.parametrize("client", ["h2", "grpcio"])
def test_grpc_is_imported_only_for_the_grpcio_fallback(servers: dict[str, Any], certs: CertSet, client: str) -> None:
    address = _tls(servers["relay"], certs.ca, certs.client_cert, certs.client_key, certs.server_name)
    env = {**os.environ, CLIENT_ENV: client}
    if client == "grpcio":  # grpcio's Control stub has no test.Pipe: probe only
        probe = _PROBE.replace('call = conn.channel.stream_stream("/test.Pipe/Digest")(iter([b"abc"]))\n', "").replace(
            'list(call)[-1].decode()', '"3:" + __import__("hashlib").sha256(b"abc").hexdigest()')
    else:
        probe = _PROBE
    out = subprocess.run([sys.executable, "-c", probe, address], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [f"3:{hashlib.sha256(b'abc').hexdigest()}", "w-tls", str(client == "grpcio")]
