"""Byte bridges between sockets, for the transports grpcio cannot dial itself.

grpcio cannot speak through an HTTP upgrade, so for a Docker Engine we listen on a private unix socket,
and for each connection grpcio makes we open ``POST /grpc`` on the engine and splice the two.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Callable

__all__ = ["UnixRelay", "splice"]

_BUF = 1 << 20


def _pump(src: socket.socket, dst: socket.socket, done: Callable[[], None]) -> None:
    buf = bytearray(_BUF)
    view = memoryview(buf)
    try:
        while True:
            n = src.recv_into(view)
            if not n:
                break
            dst.sendall(view[:n])
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        done()


def splice(a: socket.socket, b: socket.socket, name: str = "splice", b_pending: bytes = b"") -> None:
    """Copy bytes both ways on two daemon threads; close both sockets when both directions end.

    ``b_pending`` are bytes already read from ``b`` (behind an HTTP upgrade) that go to ``a`` first.
    """
    if b_pending:
        a.sendall(b_pending)
    remaining = [2]
    lock = threading.Lock()

    def done() -> None:
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            a.close()
            b.close()

    threading.Thread(target=_pump, args=(a, b, done), name=f"{name}-a", daemon=True).start()
    threading.Thread(target=_pump, args=(b, a, done), name=f"{name}-b", daemon=True).start()


class UnixRelay:
    """Listen on a private unix socket; splice every accepted connection to ``connect()``.

    ``address`` is the ``unix:`` target to hand to grpcio. Failures to connect upstream close the
    accepted connection (grpcio then reports the channel as unavailable) and are kept in ``errors``.
    """

    def __init__(self, connect: Callable[[], tuple[socket.socket, bytes]], name: str = "relay") -> None:
        self._connect = connect
        self._dir = tempfile.mkdtemp(prefix="depotci-")
        self.path = os.path.join(self._dir, f"{name}.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        os.chmod(self.path, 0o600)
        self._listener.listen(16)
        self._closed = False
        self.errors: list[BaseException] = []
        self._name = name
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    @property
    def address(self) -> str:
        return f"unix:{self.path}"

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            upstream, pending = self._connect()
        except Exception as exc:  # noqa: BLE001 - reported through errors; the channel sees a close
            self.errors.append(exc)
            conn.close()
            return
        try:
            splice(conn, upstream, self._name, b_pending=pending)
        except OSError as exc:
            self.errors.append(exc)
            conn.close()
            upstream.close()

    def close(self) -> None:
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in _serve
        except OSError:
            pass
        try:
            self._listener.close()
        finally:
            for p in (self.path,):
                try:
                    os.unlink(p)
                except OSError:
                    pass
            try:
                os.rmdir(self._dir)
            except OSError:
                pass
