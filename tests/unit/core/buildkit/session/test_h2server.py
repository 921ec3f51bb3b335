"""The session's own HTTP/2 gRPC server: wire helpers, a grpcio client against it (both backends of
SessionServer serve the same handlers), and a raw HTTP/2 peer for what a grpcio client cannot steer
(flow control, PING, CONTINUATION, padding, resets)."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import hpack
import pytest
from depotci.core.buildkit.session import h2wire as w
from depotci.core.buildkit.session.h2server import STREAM_WINDOW, H2Connection
from depotci.core.buildkit.session.server import HEALTH_CHECK, SessionServer

TIMEOUT = 10.0
ECHO = "/test.Echo/Echo"
COLLECT = "/test.Echo/Collect"
FAIL = "/test.Echo/Fail"
CRASH = "/test.Echo/Crash"
SLOW = "/test.Echo/Slow"
META = "/test.Echo/Meta"


def _identity(b: bytes) -> bytes:
    return b


def _digest(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


class EchoService:
    """Test handlers: stream echo (``n`` copies of each request), collect, abort, crash, cancel watch."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.started = threading.Event()

    def methods(self) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
        def h(kind: Callable[..., Any], fn: Callable[..., Any]) -> grpc.RpcMethodHandler[Any, Any]:
            return kind(fn, request_deserializer=_identity, response_serializer=_identity)

        return {
            ECHO: h(grpc.stream_stream_rpc_method_handler, self._echo),
            COLLECT: h(grpc.stream_unary_rpc_method_handler, lambda reqs, ctx: _digest(b"".join(reqs))),
            FAIL: h(grpc.unary_unary_rpc_method_handler, self._fail),
            CRASH: h(grpc.unary_stream_rpc_method_handler, self._crash),
            SLOW: h(grpc.unary_stream_rpc_method_handler, self._slow),
            META: h(grpc.unary_unary_rpc_method_handler, self._meta),
        }

    def _echo(self, reqs: Iterator[bytes], ctx: Any) -> Iterator[bytes]:
        for r in reqs:
            count = int(r[:4] or b"1")
            for _ in range(count):
                yield r

    def _fail(self, req: bytes, ctx: Any) -> bytes:
        ctx.abort(grpc.StatusCode.NOT_FOUND, req.decode())
        return b""

    def _crash(self, req: bytes, ctx: Any) -> Iterator[bytes]:
        yield b"first"
        raise RuntimeError("boom")

    def _slow(self, req: bytes, ctx: Any) -> Iterator[bytes]:
        self.started.set()
        try:
            while ctx.is_active():
                yield b"x" * 1000
                time.sleep(0.001)
        finally:
            self.cancelled.set()

    def _meta(self, req: bytes, ctx: Any) -> bytes:
        return ";".join(f"{k}={v}" for k, v in ctx.invocation_metadata() if k.startswith("x-")).encode()


# --- wire helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        [(":status", "200"), ("content-type", "application/grpc")],
        [("grpc-status", "5"), ("grpc-message", "x" * 300)],
        [("x-long-name-" + "n" * 200, "v" * 70000)],
        [("dir-name", "context"), ("dir-name", "dockerfile"), ("empty", "")],
    ],
)
def test_encode_headers_decodes_with_hpack(headers: list[tuple[str, str]]) -> None:
    decoder = hpack.Decoder(max_header_list_size=1 << 20)
    assert [tuple(h) for h in decoder.decode(w.encode_headers(headers))] == headers


@pytest.mark.parametrize(
    ("text", "wire"),
    [("plain text", "plain text"), ("100%", "100%25"), ("line\nbreak", "line%0Abreak"), ("é", "%C3%A9")],
)
def test_grpc_message_encode(text: str, wire: str) -> None:
    assert w.grpc_message_encode(text) == wire


@pytest.mark.parametrize(
    ("flags", "payload", "headers", "expected"),
    [
        (0, b"abc", False, b"abc"),
        (w.PADDED, b"\x02abc\0\0", False, b"abc"),
        (w.PADDED | w.PRIORITY_FLAG, b"\x01" + b"\0" * 5 + b"hdr\0", True, b"hdr"),
        (w.PRIORITY_FLAG, b"\0" * 5 + b"hdr", True, b"hdr"),
    ],
)
def test_payload_of_strips_padding_and_priority(flags: int, payload: bytes, headers: bool, expected: bytes) -> None:
    assert w.payload_of(flags, payload, headers=headers) == expected


@pytest.mark.parametrize(("length", "ftype", "flags", "sid"), [(0, w.SETTINGS, 0, 0), (16384, w.DATA, 1, 7), (1 << 20, 9, 4, 2**31 - 1)])
def test_frame_header_layout(length: int, ftype: int, flags: int, sid: int) -> None:
    head = w.frame_header(length, ftype, flags, sid)
    assert len(head) == 9
    assert (int.from_bytes(head[:3], "big"), head[3], head[4], int.from_bytes(head[5:], "big")) == (length, ftype, flags, sid)


# --- grpcio client against SessionServer ------------------------------------------------------


@pytest.fixture(params=["h2", "grpcio"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[grpc.Channel, EchoService, SessionServer]]:
    svc = EchoService()
    server = SessionServer([svc], shared_key="k", backend=request.param)
    channel = grpc.insecure_channel(f"unix:{server.path}")
    yield channel, svc, server
    channel.close()
    server.close()


def _stream(channel: grpc.Channel, method: str) -> Any:
    return channel.stream_stream(method, request_serializer=_identity, response_deserializer=_identity)


def _unary(channel: grpc.Channel, method: str) -> Any:
    return channel.unary_unary(method, request_serializer=_identity, response_deserializer=_identity)


def test_health_check_serving(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, _ = served
    assert _unary(channel, HEALTH_CHECK)(b"", timeout=TIMEOUT) == b"\x08\x01"


@pytest.mark.parametrize(
    "requests",
    [
        [b"0001small"],
        [b"2000" + b"s" * 60] ,  # 2,000 small messages: coalesced into few frames
        [b"0001" + bytes(range(256)) * 400],  # 100 KiB: several DATA frames
        [b"0003" + b"B" * (3 << 20)],  # 3 x 3 MiB: beyond the stream window and the send limit
        [b"0001a", b"0002" + b"b" * 20000, b"0001c"],
    ],
)
def test_echo_roundtrip(served: tuple[grpc.Channel, EchoService, SessionServer], requests: list[bytes]) -> None:
    channel, _, _ = served
    got = list(_stream(channel, ECHO)(iter(requests), timeout=TIMEOUT))
    assert got == [r for r in requests for _ in range(int(r[:4]))]


def test_client_stream_collects_big_upload(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, _ = served
    chunks = [bytes([i]) * 100_000 for i in range(60)]  # 6 MB: more than STREAM_WINDOW, returned as consumed
    call = channel.stream_unary(COLLECT, request_serializer=_identity, response_deserializer=_identity)
    assert call(iter(chunks), timeout=TIMEOUT) == _digest(b"".join(chunks))


@pytest.mark.parametrize(
    ("method", "request_bytes", "code", "details"),
    [
        (FAIL, b"secret x not found", grpc.StatusCode.NOT_FOUND, "secret x not found"),
        (FAIL, "nicht gefunden: ä%".encode(), grpc.StatusCode.NOT_FOUND, "nicht gefunden: ä%"),
        ("/test.Echo/Nope", b"", grpc.StatusCode.UNIMPLEMENTED, None),
    ],
)
def test_errors_reach_the_client(
    served: tuple[grpc.Channel, EchoService, SessionServer],
    method: str,
    request_bytes: bytes,
    code: grpc.StatusCode,
    details: str | None,
) -> None:
    channel, _, _ = served
    with pytest.raises(grpc.RpcError) as info:
        _unary(channel, method)(request_bytes, timeout=TIMEOUT)
    assert info.value.code() == code
    if details is not None:
        assert info.value.details() == details


def test_handler_exception_is_unknown(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, _ = served
    call = channel.unary_stream(CRASH, request_serializer=_identity, response_deserializer=_identity)(b"", timeout=TIMEOUT)
    assert next(call) == b"first"
    with pytest.raises(grpc.RpcError) as info:
        next(call)
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    assert "boom" in (info.value.details() or "")


def test_metadata_reaches_the_handler(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, _ = served
    md = [("x-dir-name", "context"), ("x-include", "a"), ("x-include", "b" * 3000)]  # grpcio: soft limit 8 KiB
    got = _unary(channel, META)(b"", metadata=md, timeout=TIMEOUT).decode()
    assert got == ";".join(f"{k}={v}" for k, v in md)


def test_long_metadata_in_continuation_frames() -> None:
    """Beyond grpcio's 16 KiB metadata limit: many exclude patterns still reach a handler of ours."""
    server = SessionServer([EchoService()], shared_key="k", backend="h2")
    channel = grpc.insecure_channel(f"unix:{server.path}", options=[("grpc.max_metadata_size", 1 << 20)])
    try:
        md = [("x-exclude-patterns", f"dir{i}/**/*.tmp") for i in range(3000)]  # ~60 KB of headers
        got = _unary(channel, META)(b"", metadata=md, timeout=TIMEOUT).decode()
        assert got == ";".join(f"{k}={v}" for k, v in md)
    finally:
        channel.close()
        server.close()


def test_client_cancel_stops_the_handler(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, svc, _ = served
    call = channel.unary_stream(SLOW, request_serializer=_identity, response_deserializer=_identity)(b"", timeout=TIMEOUT)
    assert next(call) == b"x" * 1000
    assert svc.started.wait(TIMEOUT)
    call.cancel()
    assert svc.cancelled.wait(TIMEOUT)


def test_concurrent_streams(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, _ = served
    results: dict[int, list[bytes]] = {}

    def run(i: int) -> None:
        reqs = [b"0050" + bytes([i]) * (100 + 5000 * i)]
        results[i] = list(_stream(channel, ECHO)(iter(reqs), timeout=TIMEOUT))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert sorted(results) == list(range(8))
    for i, got in results.items():
        assert got == [b"0050" + bytes([i]) * (100 + 5000 * i)] * 50


def test_close_removes_the_socket_and_refuses(served: tuple[grpc.Channel, EchoService, SessionServer]) -> None:
    channel, _, server = served
    assert _unary(channel, HEALTH_CHECK)(b"", timeout=TIMEOUT) == b"\x08\x01"
    server.close()
    with pytest.raises(grpc.RpcError) as info:
        _unary(channel, HEALTH_CHECK)(b"", timeout=2)
    assert info.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown session server backend 'spdy'"):
        SessionServer([], shared_key="k", backend="spdy")


# --- a raw HTTP/2 peer ---------------------------------------------------------------------------


class RawPeer:
    """Plays the daemon's grpc-go client frame by frame on a socket pair."""

    def __init__(self, settings: list[tuple[int, int]] | None = None) -> None:
        self.svc = EchoService()
        ours, theirs = socket.socketpair()
        self.sock = theirs
        self.sock.settimeout(TIMEOUT)
        handlers = dict(self.svc.methods())
        self.conn = H2Connection(ours, handlers)
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.buf = bytearray()
        self.sock.sendall(w.PREFACE + w.settings(settings or []))

    def close(self) -> None:
        self.sock.close()
        self.conn.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def open(self, sid: int, method: str, *, end_stream: bool = False, body: bytes | None = None) -> None:
        block = self.encoder.encode([
            (":method", "POST"), (":scheme", "http"), (":path", method), (":authority", "session"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ])
        self.send(w.frame(w.HEADERS, w.END_HEADERS | (w.END_STREAM if end_stream else 0), sid, block))
        if body is not None:
            self.send(w.frame(w.DATA, w.END_STREAM, sid, message(body)))

    def frame(self) -> tuple[int, int, int, bytes]:
        while True:
            if len(self.buf) >= 9:
                length = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + length:
                    head, payload = bytes(self.buf[:9]), bytes(self.buf[9 : 9 + length])
                    del self.buf[: 9 + length]
                    return head[3], head[4], int.from_bytes(head[5:], "big"), payload
            data = self.sock.recv(1 << 16)
            if not data:
                raise EOFError("connection closed")
            self.buf += data

    def until(self, want: Callable[[int, int, int, bytes], bool]) -> list[tuple[int, int, int, bytes]]:
        """Frames up to and including the first one ``want`` accepts."""
        seen = []
        while True:
            f = self.frame()
            seen.append(f)
            if want(*f):
                return seen

    def headers(self, payload: bytes) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.decoder.decode(payload)}


def message(body: bytes) -> bytes:
    return b"\0" + len(body).to_bytes(4, "big") + body


@pytest.fixture
def peer() -> Iterator[RawPeer]:
    p = RawPeer()
    yield p
    p.close()


def _end_of(sid: int) -> Callable[[int, int, int, bytes], bool]:
    return lambda t, f, s, p: t == w.HEADERS and s == sid and bool(f & w.END_STREAM)


def test_server_preface_settings_and_ping(peer: RawPeer) -> None:
    first = peer.frame()
    assert first[0] == w.SETTINGS and not first[1] & w.ACK
    assert dict(w.parse_settings(first[3]))[w.SETTINGS_INITIAL_WINDOW_SIZE] == STREAM_WINDOW
    peer.send(w.frame(w.PING, 0, 0, b"12345678"))
    frames = peer.until(lambda t, f, s, p: t == w.PING)
    assert frames[-1][1] & w.ACK and frames[-1][3] == b"12345678"
    assert any(t == w.SETTINGS and f & w.ACK for t, f, _, _ in frames)  # our empty SETTINGS acknowledged


@pytest.mark.parametrize("pad", [0, 7])
def test_padded_data_and_trailers(peer: RawPeer, pad: int) -> None:
    peer.open(1, ECHO)
    body = message(b"0001hello")
    payload = bytes([pad]) + body + b"\0" * pad if pad else body
    peer.send(w.frame(w.DATA, (w.PADDED if pad else 0) | w.END_STREAM, 1, payload))
    frames = peer.until(_end_of(1))
    data = b"".join(p for t, _, s, p in frames if t == w.DATA and s == 1)
    assert data == message(b"0001hello")
    resp = [peer.headers(p) for t, f, s, p in frames if t == w.HEADERS and s == 1]
    assert resp[0][":status"] == "200" and resp[0]["content-type"] == "application/grpc"
    assert resp[-1]["grpc-status"] == "0"
    if pad:
        assert (w.WINDOW_UPDATE, 0, 1, (pad + 1).to_bytes(4, "big")) in frames  # padding (+ its length) returned


def test_abort_is_trailers_only_then_reset_no_error(peer: RawPeer) -> None:
    peer.open(1, FAIL)
    peer.send(w.frame(w.DATA, 0, 1, message(b"gone")))  # the client keeps its side open
    frames = peer.until(lambda t, f, s, p: t == w.RST_STREAM and s == 1)
    trailers = [peer.headers(p) for t, f, s, p in frames if t == w.HEADERS and s == 1]
    assert len(trailers) == 1 and trailers[0][":status"] == "200"
    assert (trailers[0]["grpc-status"], trailers[0]["grpc-message"]) == ("5", "gone")
    assert frames[-1][3] == b"\0\0\0\0"  # NO_ERROR


def test_flow_control_window_is_respected() -> None:
    p = RawPeer(settings=[(w.SETTINGS_INITIAL_WINDOW_SIZE, 1000)])
    try:
        p.open(1, ECHO, body=b"0001" + b"z" * 5000)
        got = b""
        while len(got) < 1000:
            t, _, s, payload = p.frame()
            if t == w.DATA and s == 1:
                got += payload
        assert len(got) == 1000  # the stream window is used up: nothing more arrives
        p.sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            p.frame()
        p.sock.settimeout(TIMEOUT)
        p.send(w.window_update(1, 10_000))
        frames = p.until(_end_of(1))
        got += b"".join(pl for t, _, s, pl in frames if t == w.DATA and s == 1)
        assert got == message(b"0001" + b"z" * 5000)
    finally:
        p.close()


def test_reset_stream_cancels_handler(peer: RawPeer) -> None:
    peer.open(1, SLOW, body=b"")
    assert peer.svc.started.wait(TIMEOUT)
    peer.send(w.frame(w.RST_STREAM, 0, 1, b"\0\0\0\x08"))  # CANCEL
    assert peer.svc.cancelled.wait(TIMEOUT)
    peer.open(3, ECHO, body=b"0001after")  # the connection still serves new streams
    frames = peer.until(_end_of(3))
    assert peer.headers(frames[-1][3])["grpc-status"] == "0"


def test_connection_loss_cancels_handlers(peer: RawPeer) -> None:
    peer.open(1, SLOW, body=b"")
    assert peer.svc.started.wait(TIMEOUT)
    peer.sock.close()
    assert peer.svc.cancelled.wait(TIMEOUT)
    assert peer.conn.closed.wait(TIMEOUT)


def test_headers_split_into_continuation(peer: RawPeer) -> None:
    block = peer.encoder.encode([
        (":method", "POST"), (":scheme", "http"), (":path", META), (":authority", "s"),
        ("x-a", "1"), ("x-b", "2" * 50),
    ])
    parts = [block[:10], block[10:30], block[30:]]
    peer.send(w.frame(w.HEADERS, 0, 1, parts[0]) + w.frame(w.CONTINUATION, 0, 1, parts[1])
              + w.frame(w.CONTINUATION, w.END_HEADERS, 1, parts[2]))
    peer.send(w.frame(w.DATA, w.END_STREAM, 1, message(b"")))
    frames = peer.until(_end_of(1))
    data = b"".join(p for t, _, s, p in frames if t == w.DATA and s == 1)
    assert data == message(("x-a=1;x-b=" + "2" * 50).encode())


def test_many_small_messages_are_coalesced() -> None:
    peer = RawPeer(settings=[(w.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20)])
    try:
        peer.send(w.window_update(0, 1 << 20))
        peer.open(1, ECHO, body=b"2000" + b"m" * 40)
        frames = peer.until(_end_of(1))
    finally:
        peer.close()
    data = [p for t, _, s, p in frames if t == w.DATA and s == 1]
    assert b"".join(data) == message(b"2000" + b"m" * 40) * 2000
    assert all(len(p) <= 16384 for p in data)
    assert len(data) < 20  # 98 KB in 16 KiB frames, not one frame per message


@pytest.mark.parametrize("split", [0, 10, len(w.PREFACE)])
def test_session_server_serves_a_connected_socket(split: int) -> None:
    """The /session upgrade hands over a socket and the bytes already read behind the 101 answer."""
    server = SessionServer([EchoService()], shared_key="k")
    ours, theirs = socket.socketpair()
    theirs.settimeout(TIMEOUT)
    try:
        server.serve(ours, pending=w.PREFACE[:split])
        enc = hpack.Encoder()
        block = enc.encode([(":method", "POST"), (":scheme", "http"), (":path", HEALTH_CHECK), (":authority", "s")])
        theirs.sendall(w.PREFACE[split:] + w.settings([]) + w.frame(w.HEADERS, w.END_HEADERS, 1, block)
                       + w.frame(w.DATA, w.END_STREAM, 1, message(b"")))
        got = b""
        while b"\x00\x00\x00\x00\x02\x08\x01" not in got:  # the SERVING response message
            data = theirs.recv(65536)
            assert data, "connection closed before the health answer"
            got += data
    finally:
        theirs.close()
        server.close()


def test_path_of_a_closed_server_without_listener_is_refused() -> None:
    server = SessionServer([], shared_key="k")
    server.close()
    with pytest.raises(ValueError, match="the session server is closed"):
        _ = server.path
