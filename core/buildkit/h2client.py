"""A minimal gRPC client transport over HTTP/2 with prior knowledge: the connection starts with the
client preface and SETTINGS, on the Docker Engine's ``/grpc`` upgrade, a buildkitd socket, or a TLS
stream (``tls_stream``). One reader thread parses frames, answers SETTINGS and PING, returns received
bytes to the windows, and cuts each stream's DATA into gRPC messages; callers send under flow control.
Bidi calls (``open`` + ``send``) return their stream window only as the caller takes the messages, so a
slow consumer holds the sender back. Keepalive PINGs (while calls are open) detect a dead builder; EOF
fails every open call with UNAVAILABLE.
"""

from __future__ import annotations

import base64
import os
import queue
import socket
import threading
import urllib.parse
from typing import Any, cast

import hpack
from depotci.core.buildkit.rpc_status import H2RpcError, StatusCode
from depotci.core.buildkit.session import h2wire as w

__all__ = ["DONE", "H2Call", "H2ClientConnection"]

STREAM_WINDOW = 16 << 20
CONN_WINDOW = 32 << 20
KEEPALIVE = 20.0
KEEPALIVE_TIMEOUT = 10.0
MAX_PINGS_WITHOUT_DATA = 2  # as grpc C-core: stays inside grpc-go's ping enforcement
DONE = object()
_CANCEL = 0x8
_HTTP_CODES = {400: StatusCode.INTERNAL, 401: StatusCode.UNAUTHENTICATED, 403: StatusCode.PERMISSION_DENIED,
               404: StatusCode.UNIMPLEMENTED, 429: StatusCode.UNAVAILABLE, 502: StatusCode.UNAVAILABLE,
               503: StatusCode.UNAVAILABLE, 504: StatusCode.UNAVAILABLE}


class H2Call:
    """One call: ``inbox`` receives response messages (bytes) then ``DONE``; ``error`` is set by then
    when the status was not OK."""

    def __init__(self, conn: H2ClientConnection, sid: int, window: int, ack_on_read: bool = False) -> None:
        self.conn = conn
        self.sid = sid
        self.window = window  # what the peer lets us send (guarded by conn._cv)
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.rbuf = bytearray()
        self.unacked = 0  # received, not yet returned to the stream window (owned by the reader, or
        self.ack_on_read = ack_on_read  # with ack_on_read by the consumer: see ``consumed``)
        self.headers_seen = False
        self.finished = False  # guarded by conn._cv
        self.error: H2RpcError | None = None

    def finish(self, error: H2RpcError | None) -> bool:
        """End the call once (False if it already ended)."""
        with self.conn._cv:
            if self.finished:
                return False
            self.finished = True
            self.error = error
            self.conn._calls.pop(self.sid, None)
            self.conn._cv.notify_all()
        self.inbox.put(DONE)
        return True

    def cancel(self) -> bool:
        """Reset the stream (RST_STREAM CANCEL); the call ends with CANCELLED."""
        if not self.finish(H2RpcError(StatusCode.CANCELLED, "Locally cancelled by application!")):
            return False
        self.conn._write(w.frame(w.RST_STREAM, 0, self.sid, _CANCEL.to_bytes(4, "big")))
        return True

    def consumed(self, size: int) -> None:
        """The caller took a message of ``size`` bytes (``ack_on_read`` calls, one consumer thread):
        return it and its 5-byte prefix to the stream window, in batches of a quarter window."""
        self.unacked += size + 5
        if self.unacked >= STREAM_WINDOW // 4 and not self.finished:
            self.conn._write(w.window_update(self.sid, self.unacked))
            self.unacked = 0


class H2ClientConnection:
    """gRPC calls on ``sock`` (``pending``: bytes already read behind an HTTP upgrade)."""

    def __init__(self, sock: Any, pending: bytes = b"", *, keepalive: float = KEEPALIVE,
                 keepalive_timeout: float = KEEPALIVE_TIMEOUT, scheme: str = "http",
                 authority: str = "localhost") -> None:
        """``sock``: a connected ``socket.socket`` or anything with its ``recv``, ``sendall``,
        ``settimeout``, ``shutdown`` and ``close`` (``tls_stream.TLSStream``)."""
        sock.settimeout(None)
        self._sock = sock
        self._scheme = scheme
        self._authority = authority
        self._wlock = threading.Lock()
        self._cv = threading.Condition()
        self._calls: dict[int, H2Call] = {}
        self._next_sid = 1
        self._send_window = 65535
        self._initial_window = 65535
        self._max_frame = 16384
        self._recv_unacked = 0
        self._closed = threading.Event()
        self._reason = ""
        self._ping_ack = threading.Event()
        self._pings_without_data = 0
        self._decoder = hpack.Decoder(max_header_list_size=1 << 20)
        self._write(w.PREFACE + w.settings([(0x2, 0), (w.SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW)])
                    + w.window_update(0, CONN_WINDOW - 65535))
        threading.Thread(target=self._read_loop, args=(pending,), name="h2c-reader", daemon=True).start()
        if keepalive > 0:
            threading.Thread(target=self._keepalive, args=(keepalive, keepalive_timeout), name="h2c-keepalive",
                             daemon=True).start()

    # -- calls ---------------------------------------------------------------------------------------

    def start(self, path: str, message: bytes, metadata: Any = (), timeout: float | None = None) -> H2Call:
        """Open a call to ``path`` sending the one request ``message`` (serialized) and half-closing."""
        call = self.open(path, metadata, timeout)
        self.send(call, message, end=True)
        return call

    def open(self, path: str, metadata: Any = (), timeout: float | None = None, *,
             ack_on_read: bool = False) -> H2Call:
        """Open a call to ``path`` (request headers only); ``send`` then sends its messages."""
        fields = [(":method", "POST"), (":scheme", self._scheme), (":path", path), (":authority", self._authority),
                  ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "depotci-h2c")]
        if timeout is not None:
            ms = max(1, int(timeout * 1000))
            fields.append(("grpc-timeout", f"{ms}m" if ms < 10**8 else f"{min(ms // 1000, 10**8 - 1)}S"))
        for k, v in metadata or ():
            fields.append((k, base64.b64encode(v).decode().rstrip("=") if isinstance(v, bytes) else str(v)))
        block = w.encode_headers(fields)
        with self._wlock:
            with self._cv:
                if self._closed.is_set():
                    raise H2RpcError(StatusCode.UNAVAILABLE, self._reason or "connection closed")
                sid = self._next_sid
                self._next_sid += 2
                call = self._calls[sid] = H2Call(self, sid, self._initial_window, ack_on_read)
            self._send_headers(sid, block)
        return call

    def send(self, call: H2Call, message: bytes | None, *, end: bool = False) -> bool:
        """Send one request ``message`` (serialized; None: none) on ``call``, waiting for send window;
        ``end`` half-closes the stream after it. False when the call had ended (nothing more is sent)."""
        data = b"" if message is None else b"\x00" + len(message).to_bytes(4, "big") + message
        return self._send_data(call, data, end)

    def close(self) -> None:
        """Drop the connection; open calls end with CANCELLED."""
        self._shutdown("connection closed by the client", StatusCode.CANCELLED)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    # -- sending -------------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        try:
            with self._wlock:
                self._sock.sendall(data)
        except OSError as exc:
            self._shutdown(f"write failed: {exc.strerror or exc}")

    def _send_headers(self, sid: int, block: bytes) -> None:  # caller holds _wlock
        first, rest = block[: self._max_frame], block[self._max_frame :]
        out = [w.frame(w.HEADERS, 0 if rest else w.END_HEADERS, sid, first)]
        while rest:
            chunk, rest = rest[: self._max_frame], rest[self._max_frame :]
            out.append(w.frame(w.CONTINUATION, 0 if rest else w.END_HEADERS, sid, chunk))
        try:
            self._sock.sendall(b"".join(out))
        except OSError as exc:
            self._shutdown(f"write failed: {exc.strerror or exc}")

    def _send_data(self, call: H2Call, data: bytes, end: bool = True) -> bool:
        view = memoryview(data)
        while True:
            with self._cv:
                while not call.finished and view and min(self._send_window, call.window) <= 0:
                    self._cv.wait()
                if call.finished:
                    return False
                n = max(0, min(len(view), self._send_window, call.window, self._max_frame))
                self._send_window -= n
                call.window -= n
            chunk, view = view[:n], view[n:]
            flags = w.END_STREAM if end and not view else 0
            self._write(w.frame_header(n, w.DATA, flags, call.sid) + chunk)
            if not view:
                return True

    # -- receiving -----------------------------------------------------------------------------------

    def _read_loop(self, pending: bytes) -> None:
        buf = bytearray(pending)
        reason = "Socket closed"
        try:
            block: list[Any] = []
            while True:
                pos, end = 0, len(buf)
                while end - pos >= 9:
                    length = int.from_bytes(buf[pos : pos + 3], "big")
                    if end - pos < 9 + length:
                        break
                    ftype, flags = buf[pos + 3], buf[pos + 4]
                    sid = int.from_bytes(buf[pos + 5 : pos + 9], "big") & 0x7FFFFFFF
                    self._frame(ftype, flags, sid, bytes(buf[pos + 9 : pos + 9 + length]), block)
                    pos += 9 + length
                del buf[:pos]
                data = self._sock.recv(1 << 18)
                if not data:
                    break
                buf += data
        except OSError as exc:
            reason = exc.strerror or str(exc)
        except (ValueError, hpack.HPACKError) as exc:
            reason = f"protocol error: {exc}"
        self._shutdown(reason)

    def _frame(self, ftype: int, flags: int, sid: int, payload: bytes, block: list[Any]) -> None:
        if block and ftype != w.CONTINUATION:
            raise ValueError("expected a CONTINUATION frame")
        if ftype == w.DATA:
            self._data(sid, flags, payload)
        elif ftype in (w.HEADERS, w.CONTINUATION):
            done = w.header_block(ftype, flags, sid, payload, block)
            if done is not None:
                self._headers(*done)
        elif ftype == w.RST_STREAM:
            call = self._calls.get(sid)
            if call is not None:
                err = int.from_bytes(payload[:4], "big")
                code = {_CANCEL: StatusCode.CANCELLED, 0x7: StatusCode.UNAVAILABLE}.get(err, StatusCode.INTERNAL)
                call.finish(H2RpcError(code, f"Received RST_STREAM with error code {err}"))
        elif ftype == w.SETTINGS and not flags & w.ACK:
            self._settings(payload)
        elif ftype == w.PING:
            if flags & w.ACK:
                self._ping_ack.set()
            else:
                self._write(w.frame(w.PING, w.ACK, 0, payload))
        elif ftype == w.WINDOW_UPDATE:
            increment = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            with self._cv:
                if sid == 0:
                    self._send_window += increment
                elif sid in self._calls:
                    self._calls[sid].window += increment
                self._cv.notify_all()
        elif ftype == w.GOAWAY:
            last = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            with self._cv:
                self._reason = "the server sent GOAWAY"
                self._next_sid = max(self._next_sid, 1 << 31)  # no new streams
                later = [c for s, c in self._calls.items() if s > last]
            for call in later:
                call.finish(H2RpcError(StatusCode.UNAVAILABLE, "the server sent GOAWAY"))

    def _settings(self, payload: bytes) -> None:
        # ACK first: a frame sized by a larger SETTINGS_MAX_FRAME_SIZE must not reach a peer that (like
        # grpc C-core) enforces its new limit only once the ACK has arrived
        self._write(w.frame(w.SETTINGS, w.ACK, 0))
        with self._cv:
            for key, value in w.parse_settings(payload):
                if key == w.SETTINGS_INITIAL_WINDOW_SIZE:
                    for call in self._calls.values():
                        call.window += value - self._initial_window
                    self._initial_window = value
                elif key == w.SETTINGS_MAX_FRAME_SIZE:
                    self._max_frame = value
            self._cv.notify_all()

    def _data(self, sid: int, flags: int, payload: bytes) -> None:
        self._pings_without_data = 0
        self._recv_unacked += len(payload)
        if self._recv_unacked >= CONN_WINDOW // 4:
            self._write(w.window_update(0, self._recv_unacked))
            self._recv_unacked = 0
        call = self._calls.get(sid)
        if call is None:
            return
        data = w.payload_of(flags, payload)
        call.rbuf += data
        if call.ack_on_read:  # messages are returned by ``consumed``, padding now
            if len(data) < len(payload) and not flags & w.END_STREAM:
                self._write(w.window_update(sid, len(payload) - len(data)))
        else:
            call.unacked += len(payload)
        if not call.ack_on_read and call.unacked >= STREAM_WINDOW // 4 and not flags & w.END_STREAM:
            self._write(w.window_update(sid, call.unacked))
            call.unacked = 0
        buf = call.rbuf
        while len(buf) >= 5:
            size = int.from_bytes(buf[1:5], "big")
            if len(buf) < 5 + size:
                break
            if buf[0]:
                call.finish(H2RpcError(StatusCode.INTERNAL, "compressed message without grpc-encoding"))
                return
            call.inbox.put(bytes(buf[5 : 5 + size]))
            del buf[: 5 + size]
        if flags & w.END_STREAM:
            call.finish(H2RpcError(StatusCode.INTERNAL, "the stream ended without trailers"))

    def _headers(self, sid: int, flags: int, block: bytes) -> None:
        self._pings_without_data = 0
        fields = cast("list[tuple[str, str]]", self._decoder.decode(block))
        call = self._calls.get(sid)
        if call is None:
            return
        first, call.headers_seen = not call.headers_seen, True
        status = next((v for k, v in fields if k == ":status"), "200" if not first else "")
        if status != "200":
            code = _HTTP_CODES.get(int(status) if status.isdigit() else 0, StatusCode.UNKNOWN)
            call.finish(H2RpcError(code, f"unexpected HTTP status code {status or 'missing'}"))
            return
        if not flags & w.END_STREAM and not any(k == "grpc-status" for k, _ in fields):
            return  # the response headers
        call.finish(_status(fields))

    # -- liveness ------------------------------------------------------------------------------------

    def _keepalive(self, interval: float, timeout: float) -> None:
        while not self._closed.wait(interval):
            if not self._calls or self._pings_without_data >= MAX_PINGS_WITHOUT_DATA:
                continue
            self._pings_without_data += 1
            self._ping_ack.clear()
            self._write(w.frame(w.PING, 0, 0, os.urandom(8)))
            if not self._ping_ack.wait(timeout) and not self._closed.is_set():
                self._shutdown("keepalive watchdog timeout")

    def _shutdown(self, reason: str, code: StatusCode = StatusCode.UNAVAILABLE) -> None:
        with self._cv:
            if self._closed.is_set():
                return
            self._closed.set()
            self._reason = reason
            calls = list(self._calls.values())
        for call in calls:
            call.finish(H2RpcError(code, reason))
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


def _status(fields: list[tuple[str, str]]) -> H2RpcError | None:
    """The call's outcome from its trailers: None for OK, else the error with the trailer metadata."""
    code, message, md = -1, "", []
    for k, v in fields:
        if k == "grpc-status":
            code = int(v) if v.isdigit() else StatusCode.UNKNOWN.value[0]
        elif k == "grpc-message":
            message = urllib.parse.unquote(v, errors="replace")
        elif not k.startswith(":"):
            md.append((k, base64.b64decode(v + "=" * (-len(v) % 4)) if k.endswith("-bin") else v))
    if code == 0:
        return None
    if code < 0:
        return H2RpcError(StatusCode.INTERNAL, "the server sent trailers without grpc-status", tuple(md))
    return H2RpcError(StatusCode.of(code), message, tuple(md))
