"""The Docker Engine client against a fake engine: a plain unix socket server in a thread."""

from __future__ import annotations

import gc
import json
import os
import socket
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator

import pytest
from depotci.core.buildkit.dockerapi import DockerEngine, dial
from depotci.core.buildkit.endpoint import Endpoint
from depotci.core.errors import BuilderError

# The reply is a list of writes; each is one sendall (so "101 + bytes" can arrive in one read). None
# waits for one byte from the client first, so the next write cannot coalesce with the previous one.
Reply = Callable[[bytes], list[bytes | None]]


class FakeEngine:
    """Accepts connections, reads one request (head + Content-Length body), sends the reply."""

    def __init__(self, reply: Reply, hold_open: bool = False) -> None:
        self.reply = reply
        self.hold_open = hold_open
        self.requests: list[bytes] = []
        self.kept: list[socket.socket] = []
        # AF_UNIX paths are short: keep the socket directory short too
        self.dir = tempfile.mkdtemp(prefix="fake-engine-")
        self.path = os.path.join(self.dir, "docker.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("docker", f"unix://{self.path}", source="the test")

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                req = self._read_request(conn)
                self.requests.append(req)
                for chunk in self.reply(req):
                    if chunk is None:
                        conn.recv(1)
                    else:
                        conn.sendall(chunk)
            finally:
                if self.hold_open:
                    self.kept.append(conn)
                else:
                    conn.close()

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return buf
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            chunked = chunked or (name.strip().lower() == b"transfer-encoding" and value.strip() == b"chunked")
        while len(body) < length or (chunked and not body.endswith(b"0\r\n\r\n")):
            more = conn.recv(4096)
            if not more:
                break
            body += more
        return buf[: len(head) + 4] + body

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(); the current reply ends first
        self.listener.close()
        self.thread.join(5)
        for conn in self.kept:
            conn.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


@pytest.fixture
def fake() -> Iterator[Callable[..., FakeEngine]]:
    made: list[FakeEngine] = []

    def make(reply: Reply, hold_open: bool = False) -> FakeEngine:
        made.append(FakeEngine(reply, hold_open))
        return made[-1]

    yield make
    for f in made:
        f.close()


def _fixed(*writes: bytes | None) -> Reply:
    return lambda req: list(writes)


def _chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def _response(status: str, body: bytes = b"", *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if body and not any(h.lower().startswith("transfer-encoding") for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_ping_ok(fake: Callable[..., FakeEngine]) -> None:
    eng = fake(_fixed(_response("200 OK", b"OK", "Api-Version: 1.45")))
    DockerEngine(eng.endpoint).ping()
    assert eng.requests == [b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"]


def test_ping_not_200(fake: Callable[..., FakeEngine]) -> None:
    eng = fake(_fixed(_response("500 Internal Server Error", b"down")))
    with pytest.raises(BuilderError) as info:
        DockerEngine(eng.endpoint).ping()
    assert str(info.value) == f"docker engine at unix://{eng.path} answered /_ping with 500"


@pytest.mark.parametrize(
    ("writes", "expected"),
    [
        ([_response("200 OK", b'{"ServerVersion": "27.0.3", "OSType": "linux"}')], {"ServerVersion": "27.0.3", "OSType": "linux"}),
        # headers and body split over several writes
        ([b"HTTP/1.1 200 OK\r\nContent-Ty", b"pe: application/json\r\n\r\n", b'{"a": ', b"[1, 2]}"], {"a": [1, 2]}),
        (
            [_response("200 OK", _chunked(b'{"a": 1', b', "', b'b": [true]}'), "Transfer-Encoding: chunked")],
            {"a": 1, "b": [True]},
        ),
        ([_response("204 No Content")], None),
        ([_response("200 OK", b"  \n")], None),
    ],
)
def test_json_ok(fake: Callable[..., FakeEngine], writes: list[bytes], expected: object) -> None:
    eng = fake(_fixed(*writes))
    assert DockerEngine(eng.endpoint).json("GET", "/info") == expected


def test_json_sends_body(fake: Callable[..., FakeEngine]) -> None:
    eng = fake(_fixed(_response("201 Created", b'{"Id": "abc"}')))
    assert DockerEngine(eng.endpoint).json("POST", "/containers/create", {"Image": "x"}) == {"Id": "abc"}
    body = json.dumps({"Image": "x"}).encode()
    assert eng.requests == [
        b"POST /containers/create HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    ]


@pytest.mark.parametrize(
    ("writes", "message"),
    [
        ([_response("404 Not Found", b'{"message": "No such image: x"}')], "GET /images/x/json: 404 No such image: x"),
        ([_response("500 Internal Server Error", b"plain failure\n")], "GET /images/x/json: 500 plain failure"),
        ([_response("409 Conflict", b"{}")], "GET /images/x/json: 409 "),
        (
            [_response("404 Not Found", _chunked(b'{"message": ', b'"page not found"}'), "Transfer-Encoding: chunked")],
            "GET /images/x/json: 404 page not found",
        ),
    ],
)
def test_json_errors(fake: Callable[..., FakeEngine], writes: list[bytes], message: str) -> None:
    eng = fake(_fixed(*writes))
    with pytest.raises(BuilderError) as info:
        DockerEngine(eng.endpoint).json("GET", "/images/x/json")
    assert str(info.value) == f"docker engine at unix://{eng.path}: {message}"


@pytest.mark.parametrize(
    ("writes", "reason"),
    [
        ([], "connection closed before the response headers"),
        ([b"HTTP/1.1 200 OK\r\n"], "connection closed before the response headers"),
        ([b"HTTP/1.1 abc OK\r\n\r\n"], "invalid literal for int() with base 10: 'abc'"),
        ([_response("200 OK", b"abc", "Transfer-Encoding: chunked")], "subsection not found"),
        ([_response("200 OK", b"zz\r\nabcde\r\n0\r\n\r\n", "Transfer-Encoding: chunked")], "invalid literal for int() with base 16: b'zz'"),
    ],
)
def test_request_broken_responses(fake: Callable[..., FakeEngine], writes: list[bytes], reason: str) -> None:
    eng = fake(_fixed(*writes))
    with pytest.raises(BuilderError) as info:
        DockerEngine(eng.endpoint).request("GET", "/info")
    assert str(info.value) == f"docker engine at unix://{eng.path}: GET /info failed: {reason}"


def test_upgrade_returns_socket_and_pending_bytes(fake: Callable[..., FakeEngine]) -> None:
    preface = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # an HTTP/2 SETTINGS frame right behind the head
    eng = fake(
        _fixed(b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + preface, None, b"later"),
        hold_open=True,
    )
    sock, pending = DockerEngine(eng.endpoint).upgrade("/grpc", [("X-Meta-A", "1"), ("X-Meta-B", "two")])
    try:
        assert pending == preface
        assert sock.gettimeout() is None
        sock.sendall(b"!")
        got = b""
        while len(got) < 5:
            got += sock.recv(16)
        assert got == b"later"
    finally:
        sock.close()
    assert eng.requests == [
        b"POST /grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
        b"X-Meta-A: 1\r\nX-Meta-B: two\r\n\r\n"
    ]


def test_upgrade_without_pending_bytes(fake: Callable[..., FakeEngine]) -> None:
    eng = fake(_fixed(b"HTTP/1.1 101 UPGRADED\r\n\r\n"), hold_open=True)
    sock, pending = DockerEngine(eng.endpoint).upgrade("/session", proto="h2c")
    sock.close()
    assert pending == b""


@pytest.mark.parametrize(
    ("writes", "message"),
    [
        ([_response("404 Not Found", b"page not found")], "/grpc upgrade answered 404"),
        ([_response("200 OK")], "/grpc upgrade answered 200"),
        ([], "/grpc upgrade failed: connection closed before the response headers"),
    ],
)
def test_upgrade_refused(fake: Callable[..., FakeEngine], writes: list[bytes], message: str) -> None:
    eng = fake(_fixed(*writes))
    with pytest.raises(BuilderError) as info:
        DockerEngine(eng.endpoint).upgrade("/grpc")
    assert str(info.value) == f"docker engine at unix://{eng.path}: {message}"


def _unreachable_message(call: str) -> str:
    """Run ``call`` against a socket path that does not exist; the BuilderError's message.

    ``dial`` leaks its socket when connect fails (see ``test_dial_closes_socket_when_connect_fails``);
    the ResourceWarning is absorbed here so it does not surface in a later test.
    """
    eng = DockerEngine(Endpoint("docker", "unix:///nonexistent/docker.sock", source="DOCKER_HOST"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            if call == "ping":
                eng.ping()
            elif call == "json":
                eng.json("GET", "/info")
            else:
                eng.upgrade("/grpc")
        except BuilderError as exc:
            message = str(exc)
        else:
            message = "no error"
        gc.collect()
    return message


@pytest.mark.parametrize("call", ["ping", "json", "upgrade"])
def test_unreachable_socket(call: str) -> None:
    assert _unreachable_message(call) == (
        "cannot reach the builder (docker engine at unix:///nonexistent/docker.sock, from DOCKER_HOST): "
        "No such file or directory"
    )


def test_dial_closes_socket_when_connect_fails() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            dial(Endpoint("docker", "unix:///nonexistent/docker.sock"))
        except BuilderError:
            pass
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_json_non_json_body(fake: Callable[..., FakeEngine]) -> None:
    eng = fake(_fixed(_response("200 OK", b"<html>proxy</html>")))
    with pytest.raises(BuilderError):
        DockerEngine(eng.endpoint).json("GET", "/info")


def test_dial_refused_tcp() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on the port now
    ep = Endpoint("buildkitd", f"tcp://127.0.0.1:{port}", source="BUILDKIT_HOST")
    with pytest.raises(BuilderError) as info:
        dial(ep, timeout=2)
    assert str(info.value) == (
        f"cannot reach the builder (buildkitd at tcp://127.0.0.1:{port}, from BUILDKIT_HOST): Connection refused"
    )


def test_dial_tcp_sets_nodelay() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        port = server.getsockname()[1]
        sock = dial(Endpoint("buildkitd", f"tcp://127.0.0.1:{port}"))
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            sock.close()
    finally:
        server.close()


@pytest.mark.parametrize(
    ("writes", "expected"),
    [
        ([_response("200 OK", _chunked(b'{"stream":"Loaded image: a/b:c\\n"}\n'), "Transfer-Encoding: chunked")],
         ["Loaded image: a/b:c"]),
        ([_response("200 OK", b'{"stream":"Loaded image ID: sha256:ab\\n"}\n{"stream":"\\n"}\n')],
         ["Loaded image ID: sha256:ab"]),
        ([_response("200 OK", b'{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\n')],
         "POST /images/load: unexpected EOF"),
        ([_response("500 Internal Server Error", b'{"message":"archive/tar: invalid tar header"}')],
         "POST /images/load: archive/tar: invalid tar header"),
        ([b"HTTP/1.1 200 OK\r\n"], "POST /images/load failed: connection closed before the response headers"),
    ],
)
def test_load_streams_chunks_and_reads_the_answer(
    fake: Callable[..., FakeEngine], writes: list[bytes], expected: list[str] | str
) -> None:
    engine = fake(_fixed(*writes))
    client = DockerEngine(engine.endpoint)
    if isinstance(expected, str):
        with pytest.raises(BuilderError) as err:
            client.load(iter([b"tar-part-1", b"", b"tar-part-2"]))
        assert str(err.value).endswith(expected)
        return
    assert client.load(iter([b"tar-part-1", b"", b"tar-part-2"])) == expected
    head = engine.requests[0].split(b"\r\n\r\n", 1)[0]
    assert head.startswith(b"POST /images/load?quiet=1 HTTP/1.1") and b"Transfer-Encoding: chunked" in head
