"""Bidi calls on our HTTP/2 client: flow control both ways against a scripted peer (exact frames), and
interop with a grpcio server (echo of big streams, early server end, the request-iterator form)."""

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
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core.buildkit import h2client
from depotci.core.buildkit.h2client import H2ClientConnection
from depotci.core.buildkit.h2control import BidiCall, ControlStub, H2Channel
from depotci.core.buildkit.rpc_status import H2RpcError, StatusCode
from depotci.core.buildkit.session import h2wire as w

# --- a scripted peer on a socketpair ------------------------------------------------------------------


class Peer:
    """The server side of a socketpair: reads our client's frames, writes what the test says."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        preface = self._read(len(w.PREFACE))
        assert preface == w.PREFACE
        self.sock.sendall(w.settings([]))

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError
            self.buf += data
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def frame(self) -> tuple[int, int, int, bytes]:
        head = self._read(9)
        length = int.from_bytes(head[:3], "big")
        return head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7FFFFFFF, self._read(length)

    def frames_for(self, seconds: float) -> list[tuple[int, int, int, bytes]]:
        """Every frame that arrives within ``seconds``."""
        out = []
        self.sock.settimeout(seconds)
        try:
            while True:
                out.append(self.frame())
        except (TimeoutError, EOFError):
            pass
        finally:
            self.sock.settimeout(None)
        return out

    def data_until(self, done: Callable[[list[tuple[int, int, int, bytes]]], bool]) -> list[tuple[int, int, int, bytes]]:
        """DATA frames, read until ``done(frames so far)`` (at most 10 s)."""
        frames: list[tuple[int, int, int, bytes]] = []
        self.sock.settimeout(10)
        try:
            while not frames or not done(frames):
                f = self.frame()
                if f[0] == w.DATA:
                    frames.append(f)
        finally:
            self.sock.settimeout(None)
        return frames

    def until(self, ftype: int) -> tuple[int, int, int, bytes]:
        while True:
            f = self.frame()
            if f[0] == ftype:
                return f


def _grpc_message(data: bytes) -> bytes:
    return b"\x00" + len(data).to_bytes(4, "big") + data


@pytest.fixture
def peer_conn() -> Iterator[tuple[Peer, H2ClientConnection]]:
    ours, theirs = socket.socketpair()
    conn = H2ClientConnection(ours, keepalive=0)
    yield Peer(theirs), conn
    conn.close()
    theirs.close()


def _open(conn: H2ClientConnection) -> BidiCall:
    call = H2Channel(conn).stream_stream("/test.Pipe/Pipe")(metadata=[("x-session-id", "s1"), ("x-bin", b"\x00\x01")])
    assert isinstance(call, BidiCall)
    return call


def test_request_headers_carry_the_metadata(peer_conn: tuple[Peer, H2ClientConnection]) -> None:
    peer, conn = peer_conn
    _open(conn)
    _, flags, sid, block = peer.until(w.HEADERS)
    fields = dict(hpack.Decoder().decode(block))
    assert (sid, flags & w.END_STREAM) == (1, 0)  # the request side stays open
    assert (fields[":path"], fields["x-session-id"], fields["x-bin"]) == ("/test.Pipe/Pipe", "s1", "AAE")


@pytest.mark.parametrize("size", [70_000, 200_000])
def test_send_waits_for_window_then_half_closes(peer_conn: tuple[Peer, H2ClientConnection], size: int) -> None:
    peer, conn = peer_conn
    call = _open(conn)
    peer.until(w.HEADERS)
    sent = threading.Event()

    def send() -> None:
        call.write(b"x" * size)
        call.done_writing()
        sent.set()

    threading.Thread(target=send, daemon=True).start()
    first = peer.data_until(lambda frames: sum(len(f[3]) for f in frames) >= 65535)
    first += [f for f in peer.frames_for(0.3) if f[0] == w.DATA]
    assert sum(len(f[3]) for f in first) == 65535  # the initial windows, no more
    assert not sent.is_set()
    peer.sock.sendall(w.window_update(0, 1 << 20) + w.window_update(1, 1 << 20))
    rest = peer.data_until(lambda frames: bool(frames[-1][1] & w.END_STREAM))
    assert sum(len(f[3]) for f in first + rest) == size + 5
    assert rest[-1][1] & w.END_STREAM and rest[-1][3] == b""  # done_writing: an empty END_STREAM frame
    assert sent.wait(1)


@pytest.mark.parametrize("take", [False, True])
def test_stream_window_returns_only_as_messages_are_taken(
    peer_conn: tuple[Peer, H2ClientConnection], take: bool
) -> None:
    peer, conn = peer_conn
    call = _open(conn)
    peer.until(w.HEADERS)
    peer.sock.sendall(w.frame(w.HEADERS, w.END_HEADERS, 1, w.response_headers()))
    message = _grpc_message(b"m" * 60_000)
    count = (h2client.CONN_WINDOW // 4) // len(message) + 2  # past the connection's update threshold
    for _ in range(count):
        peer.sock.sendall(w.frame(w.DATA, 0, 1, message))
    if take:
        assert [len(next(call)) for _ in range(count)] == [60_000] * count
    else:
        deadline = time.monotonic() + 10  # until the reader has taken every frame in
        while call._call.inbox.qsize() < count and time.monotonic() < deadline:
            time.sleep(0.01)
    updates = [f for f in peer.frames_for(0.3) if f[0] == w.WINDOW_UPDATE]
    stream = sum(int.from_bytes(f[3], "big") for f in updates if f[2] == 1)
    total = count * len(message)
    if take:  # returned in batches of a quarter window
        assert total - h2client.STREAM_WINDOW // 4 < stream <= total
    else:
        assert stream == 0
    assert sum(int.from_bytes(f[3], "big") for f in updates if f[2] == 0) > 0  # the connection window: on receipt


def test_write_after_the_server_ended_returns_false(peer_conn: tuple[Peer, H2ClientConnection]) -> None:
    peer, conn = peer_conn
    call = _open(conn)
    peer.until(w.HEADERS)
    peer.sock.sendall(w.frame(w.HEADERS, w.END_HEADERS | w.END_STREAM, 1, w.trailers(9, "gone", trailers_only=True)))
    with pytest.raises(H2RpcError) as info:
        next(call)
    assert (info.value.code(), info.value.details()) == (StatusCode.FAILED_PRECONDITION, "gone")
    assert call.write(b"late") is False
    call.done_writing()  # a no-op, not an error


# --- against a grpcio server --------------------------------------------------------------------------


def _echo(requests: Iterator[bytes], ctx: Any) -> Iterator[bytes]:
    for req in requests:
        if req == b"abort":
            ctx.abort(grpc.StatusCode.PERMISSION_DENIED, "no more")
        yield req


def _digest(requests: Iterator[bytes], ctx: Any) -> Iterator[bytes]:
    h, n = hashlib.sha256(), 0
    for req in requests:
        h.update(req)
        n += len(req)
    yield f"{n}:{h.hexdigest()}".encode()


def _session(requests: Iterator[Any], ctx: Any) -> Iterator[Any]:
    meta = dict(ctx.invocation_metadata())
    yield control_pb2.BytesMessage(data=meta.get("x-docker-expose-session-uuid", "").encode())
    for req in requests:
        yield control_pb2.BytesMessage(data=req.data.upper())


@pytest.fixture(scope="module")
def channel_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from concurrent import futures

    path = str(tmp_path_factory.mktemp("bidi") / "s.sock")
    server = grpc.server(futures.ThreadPoolExecutor(8), options=[("grpc.max_receive_message_length", 64 << 20)])
    raw = {"request_deserializer": None, "response_serializer": None}
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("test.Pipe", {
            "Echo": grpc.stream_stream_rpc_method_handler(_echo, **raw),
            "Digest": grpc.stream_stream_rpc_method_handler(_digest, **raw),
        }),
        grpc.method_handlers_generic_handler("moby.buildkit.v1.Control", {
            "Session": grpc.stream_stream_rpc_method_handler(
                _session, control_pb2.BytesMessage.FromString, control_pb2.BytesMessage.SerializeToString),
        }),
    ))
    server.add_insecure_port(f"unix:{path}")
    server.start()
    yield path
    server.stop(None)


@pytest.fixture
def channel(channel_path: str) -> Iterator[H2Channel]:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(channel_path)
    ch = H2Channel(H2ClientConnection(sock))
    yield ch
    ch.close()


@pytest.mark.parametrize(("count", "size"), [(1, 0), (3, 70_000), (40, 1 << 20)])
def test_echo_interleaved(channel: H2Channel, count: int, size: int) -> None:
    call = channel.stream_stream("/test.Pipe/Echo")()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(call), daemon=True)
    reader.start()
    sent = [bytes([i % 251]) * size for i in range(count)]
    for chunk in sent:
        assert call.write(chunk)
    call.done_writing()
    reader.join(30)
    assert got == sent


def test_request_iterator_form_and_integrity(channel: H2Channel) -> None:
    chunks = [bytes(range(256)) * 4096 * (i % 3 + 1) for i in range(30)]  # 60 MB, well past every window
    reply = list(channel.stream_stream("/test.Pipe/Digest")(iter(chunks), timeout=60))
    data = b"".join(chunks)
    assert reply == [f"{len(data)}:{hashlib.sha256(data).hexdigest()}".encode()]


def test_server_abort_ends_the_call(channel: H2Channel) -> None:
    call = channel.stream_stream("/test.Pipe/Echo")()
    assert call.write(b"one")
    assert next(call) == b"one"
    call.write(b"abort")
    with pytest.raises(H2RpcError) as info:
        next(call)
    assert info.value.code() is StatusCode.PERMISSION_DENIED
    deadline = time.monotonic() + 5
    while call.write(b"more") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert call.write(b"more") is False


def test_control_session_bidi(channel: H2Channel) -> None:
    call = ControlStub(channel).Session(metadata=[("x-docker-expose-session-uuid", "abc")])
    assert call.write(control_pb2.BytesMessage(data=b"hello"))
    call.done_writing()
    assert [m.data for m in call] == [b"abc", b"HELLO"]
