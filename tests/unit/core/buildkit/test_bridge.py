"""Byte bridges: ``splice`` over socketpairs, ``UnixRelay`` against a fake upstream."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from depotci.core.buildkit.bridge import UnixRelay, splice

TIMEOUT = 5.0


def _pair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)
    return a, b


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _read_to_eof(sock: socket.socket) -> bytes:
    out = bytearray()
    while chunk := sock.recv(65536):
        out += chunk
    return bytes(out)


def _wait_until(cond: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


@pytest.fixture
def spliced() -> Iterator[Callable[[bytes], tuple[socket.socket, socket.socket, socket.socket, socket.socket]]]:
    """splice(a_in, b_in); the test talks on a_out (the "a" peer) and b_out (the "b" peer)."""
    socks: list[socket.socket] = []

    def make(pending: bytes) -> tuple[socket.socket, socket.socket, socket.socket, socket.socket]:
        a_in, a_out = _pair()
        b_in, b_out = _pair()
        socks.extend((a_in, a_out, b_in, b_out))
        splice(a_in, b_in, "test", b_pending=pending)
        return a_in, a_out, b_in, b_out

    yield make
    for s in socks:
        s.close()


@pytest.mark.parametrize(
    ("pending", "a_to_b", "b_to_a"),
    [
        (b"", b"ping", b"pong"),
        (b"PRI * HTTP/2.0\r\n", b"x", b"y"),
        (b"", b"", b"only-b"),
        (b"p", b"A" * (3 << 20) + b"end", b"B" * (3 << 20) + b"end"),  # more than one buffer each way
    ],
)
def test_splice_both_ways(spliced, pending: bytes, a_to_b: bytes, b_to_a: bytes) -> None:  # type: ignore[no-untyped-def]
    _, a_out, _, b_out = spliced(pending)
    senders = [
        threading.Thread(target=lambda: (a_out.sendall(a_to_b), a_out.shutdown(socket.SHUT_WR))),
        threading.Thread(target=lambda: (b_out.sendall(b_to_a), b_out.shutdown(socket.SHUT_WR))),
    ]
    for t in senders:
        t.start()
    got_b = _read_to_eof(b_out)
    got_a = _read_to_eof(a_out)
    for t in senders:
        t.join(TIMEOUT)
    assert (got_a, got_b) == (pending + b_to_a, a_to_b)


def test_splice_pending_before_later_bytes(spliced) -> None:  # type: ignore[no-untyped-def]
    _, a_out, _, b_out = spliced(b"first")
    b_out.sendall(b"second")
    assert _read_exactly(a_out, 11) == b"firstsecond"


def test_splice_half_close_propagates(spliced) -> None:  # type: ignore[no-untyped-def]
    a_in, a_out, b_in, b_out = spliced(b"")
    a_out.sendall(b"request")
    a_out.shutdown(socket.SHUT_WR)
    assert _read_to_eof(b_out) == b"request"  # EOF reached b's peer ...
    b_out.sendall(b"response after half-close")  # ... while the other direction still flows
    assert _read_exactly(a_out, 25) == b"response after half-close"
    assert a_in.fileno() != -1 and b_in.fileno() != -1  # one direction left: both still open
    b_out.shutdown(socket.SHUT_WR)
    assert _read_to_eof(a_out) == b""
    assert _wait_until(lambda: a_in.fileno() == -1 and b_in.fileno() == -1)


def test_splice_peer_close_ends_both(spliced) -> None:  # type: ignore[no-untyped-def]
    a_in, a_out, b_in, b_out = spliced(b"")
    b_out.close()
    a_out.shutdown(socket.SHUT_WR)
    assert _read_to_eof(a_out) == b""
    assert _wait_until(lambda: a_in.fileno() == -1 and b_in.fileno() == -1)


class FakeUpstream:
    """``connect`` for UnixRelay: a socketpair per call; the far ends are kept for the test."""

    def __init__(self, pending: bytes = b"", fail: BaseException | None = None) -> None:
        self.pending = pending
        self.fail = fail
        self.peers: list[socket.socket] = []
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> tuple[socket.socket, bytes]:
        with self._lock:
            self.calls += 1
        if self.fail is not None:
            raise self.fail
        near, far = _pair()
        with self._lock:
            self.peers.append(far)
        return near, self.pending

    def close(self) -> None:
        for p in self.peers:
            p.close()


@pytest.fixture
def relay_of() -> Iterator[Callable[..., tuple[UnixRelay, FakeUpstream]]]:
    made: list[tuple[UnixRelay, FakeUpstream]] = []

    def make(**kwargs: object) -> tuple[UnixRelay, FakeUpstream]:
        up = FakeUpstream(**kwargs)  # type: ignore[arg-type]
        made.append((UnixRelay(up, name="test-relay"), up))
        return made[-1]

    yield make
    for relay, up in made:
        relay.close()
        up.close()


def _client(path: str) -> socket.socket:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(TIMEOUT)
    try:
        c.connect(path)
    except OSError:
        c.close()
        raise
    return c


def test_relay_address_and_socket(relay_of) -> None:  # type: ignore[no-untyped-def]
    relay, _ = relay_of()
    assert relay.address == f"unix:{relay.path}"
    assert os.path.basename(relay.path) == "test-relay.sock"
    st = os.stat(relay.path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600


@pytest.mark.parametrize("pending", [b"", b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"])
def test_relay_splices_each_connection(relay_of, pending: bytes) -> None:  # type: ignore[no-untyped-def]
    relay, up = relay_of(pending=pending)
    clients = [_client(relay.path) for _ in range(2)]
    try:
        assert _wait_until(lambda: len(up.peers) == 2)
        for i, c in enumerate(clients):
            c.sendall(b"hello %d" % i)
        got = sorted(_read_exactly(p, 7) for p in up.peers)
        assert got == [b"hello 0", b"hello 1"]
        for p in up.peers:
            p.sendall(b"reply")
        for c in clients:
            assert _read_exactly(c, len(pending) + 5) == pending + b"reply"
        assert relay.errors == []
    finally:
        for c in clients:
            c.close()


def test_relay_connect_error_closes_client(relay_of) -> None:  # type: ignore[no-untyped-def]
    err = ConnectionRefusedError(111, "Connection refused")
    relay, up = relay_of(fail=err)
    c = _client(relay.path)
    try:
        assert _read_to_eof(c) == b""
    finally:
        c.close()
    assert relay.errors == [err]
    assert up.calls == 1


def test_relay_close_removes_socket(relay_of) -> None:  # type: ignore[no-untyped-def]
    relay, _ = relay_of()
    relay.close()
    assert not os.path.exists(relay.path)
    assert not os.path.exists(os.path.dirname(relay.path))
    with pytest.raises(OSError):
        _client(relay.path)


def test_relay_close_stops_accept_thread(relay_of) -> None:  # type: ignore[no-untyped-def]
    before = set(threading.enumerate())
    relay, _ = relay_of()
    (serve,) = [t for t in set(threading.enumerate()) - before if t.name == "test-relay"]
    time.sleep(0.1)  # let it block in accept()
    relay.close()
    serve.join(1)
    assert not serve.is_alive()
