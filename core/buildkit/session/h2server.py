"""The session's gRPC server for one connection, HTTP/2 implemented here (server side only).

grpcio's server costs 45-110 µs per message, which dominates a no-change rebuild of a big context
(one STAT message per file). Here a handler's messages are appended to its stream's output, small ones
into shared buffers; one writer thread cuts whatever has accumulated into DATA frames of up to the
peer's SETTINGS_MAX_FRAME_SIZE within the flow-control windows and sends them with one ``sendmsg`` of
frame headers and memoryview slices (file chunks are not copied). One reader thread parses frames,
answers SETTINGS/PING, tracks windows and feeds each stream's request messages to its handler, which
runs on a thread of its own (the daemon keeps several streams open: DiffCopy per dir, Health, Auth…).

Flow control: we grant each stream ``STREAM_WINDOW`` and return it as the handler consumes messages
(so a slow handler stalls only its own stream); the connection window is returned on receipt.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import hpack
from depotci.core.buildkit.session import h2wire as w
from depotci.core.buildkit.session.h2stream import END, Block, CallContext, Cancelled, Stream, run_call

__all__ = ["CONN_WINDOW", "STREAM_WINDOW", "H2Connection"]

STREAM_WINDOW = 4 << 20
CONN_WINDOW = 16 << 20
_SEND_LIMIT = 4 << 20  # queued DATA bytes per stream before its handler waits
_BURST = 1 << 20  # DATA bytes per sendmsg round
_SMALL = 8192  # messages up to this size are copied into a shared buffer
_TAIL = 64 << 10  # size of those shared buffers
_IOV = 512  # buffers per sendmsg (IOV_MAX is 1024 on Linux)
_TRANSPORT_HEADERS = frozenset({"content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding"})


class H2Connection:
    """Serve the gRPC methods in ``handlers`` (full name -> grpcio method handler) on ``sock``.

    ``pending`` holds bytes already read from ``sock`` (behind an HTTP upgrade). Runs until the peer
    closes the connection or ``close()``; ``closed`` is set then.
    """

    def __init__(self, sock: socket.socket, handlers: Mapping[str, Any], *, pending: bytes = b"") -> None:
        sock.settimeout(None)
        self._sock = sock
        self._handlers = handlers
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the writer waits here
        self._space = threading.Condition(self._lock)  # handlers wait here for room or window
        self._writer_idle = False
        self._control: list[bytes] = [
            w.settings([(w.SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW)]),
            w.window_update(0, CONN_WINDOW - 65535),
        ]
        self._ready: dict[Stream, None] = {}  # streams with output, in order
        self._streams: dict[int, Stream] = {}
        self._last_sid = 0
        self._send_window = 65535  # connection window the peer grants us
        self._initial_window = 65535  # the peer's SETTINGS_INITIAL_WINDOW_SIZE
        self._max_frame = 16384
        self._recv_unacked = 0
        self._decoder = hpack.Decoder(max_header_list_size=1 << 20)
        self._dead = False
        self.closed = threading.Event()
        threading.Thread(target=self._write_loop, name="h2-writer", daemon=True).start()
        threading.Thread(target=self._read_loop, args=(pending,), name="h2-reader", daemon=True).start()

    def close(self) -> None:
        """Drop the connection (idempotent); running handlers see their streams cancelled."""
        self._shutdown()

    def _alive(self) -> bool:
        return not self._dead

    def _shutdown(self) -> None:
        with self._lock:
            if self._dead:
                return
            self._dead = True
            for st in self._streams.values():
                st.reset = True
                st.inbox.put(END)
            self._streams.clear()
            self._ready.clear()
            self._wake.notify_all()
            self._space.notify_all()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes a recv or sendmsg blocked in the other thread
        except OSError:
            pass
        self._sock.close()
        self.closed.set()

    # -- sending ------------------------------------------------------------------------------------

    def _schedule(self, st: Stream) -> None:
        if st not in self._ready:
            self._ready[st] = None
        if self._writer_idle:
            self._wake.notify()

    def _send_control(self, data: bytes) -> None:
        with self._lock:
            self._control.append(data)
            if self._writer_idle:
                self._wake.notify()

    def send_message(self, st: Stream, payload: bytes) -> None:
        """Queue one gRPC message on ``st``; waits while too much is queued. Raises Cancelled."""
        n = len(payload)
        with self._lock:
            if st.reset:
                raise Cancelled
            if not st.headers_queued:
                st.headers_queued = True
                st.out.append(Block(w.response_headers(), False))
            prefix = b"\x00" + n.to_bytes(4, "big")
            if n <= _SMALL:
                tail = st.tail
                if tail is None or len(tail) >= _TAIL:
                    tail = st.tail = bytearray()
                    st.out.append(tail)
                tail += prefix
                tail += payload
            else:
                st.tail = None
                st.out.append(prefix)
                st.out.append(payload)
            st.pending += 5 + n
            self._schedule(st)
            while st.pending > _SEND_LIMIT and not st.reset:
                self._space.wait()
            if st.reset:
                raise Cancelled

    def finish(self, st: Stream, code: int, message: str) -> None:
        """Queue the trailers that end ``st`` with a gRPC status."""
        with self._lock:
            if st.reset:
                return
            st.tail = None
            st.out.append(Block(w.trailers(code, message, trailers_only=not st.headers_queued), True))
            st.headers_queued = True
            self._schedule(st)

    def _collect(self) -> list[Any]:
        """Under the lock: the buffers of the next sendmsg round (control frames first)."""
        bufs: list[Any] = self._control
        self._control = []
        budget = _BURST
        for st in list(self._ready):
            budget -= self._emit(st, bufs, budget)
            if not st.out:
                del self._ready[st]
            if budget <= 0:
                break
        return bufs

    def _emit(self, st: Stream, bufs: list[Any], budget: int) -> int:
        """Append ``st``'s sendable frames to ``bufs``; returns the DATA bytes taken."""
        sent = 0
        out = st.out
        while out:
            item = out[0]
            if type(item) is Block:
                out.popleft()
                flags = w.END_HEADERS | (w.END_STREAM if item.end_stream else 0)
                bufs.append(w.frame(w.HEADERS, flags, st.sid, item.data))
                if item.end_stream:
                    st.done = True
                    self._streams.pop(st.sid, None)
                    if not st.remote_closed:  # like grpc-go: the call is over, the peer may stop sending
                        bufs.append(w.frame(w.RST_STREAM, 0, st.sid, b"\0\0\0\0"))
                continue
            allowed = min(st.window, self._send_window, budget - sent, self._max_frame)
            if allowed <= 0:
                break
            parts: list[Any] = []
            got = 0
            while got < allowed and out and type(out[0]) is not Block:
                data = out.popleft()
                if data is st.tail:
                    st.tail = None
                size = len(data)
                if size > allowed - got:
                    view = memoryview(data)
                    out.appendleft(view[allowed - got :])
                    data = view[: allowed - got]
                    size = allowed - got
                parts.append(data)
                got += size
            bufs.append(w.frame_header(got, w.DATA, 0, st.sid))
            bufs.extend(parts)
            st.window -= got
            self._send_window -= got
            st.pending -= got
            sent += got
        if sent:
            self._space.notify_all()
        return sent

    def _write_loop(self) -> None:
        try:
            while True:
                with self._lock:
                    bufs = self._collect()
                    while not bufs and not self._dead:
                        self._writer_idle = True
                        self._wake.wait()
                        self._writer_idle = False
                        bufs = self._collect()
                    if self._dead:
                        return
                _sendmsg_all(self._sock, bufs)
        except OSError:
            pass
        finally:
            self._shutdown()

    # -- receiving ----------------------------------------------------------------------------------

    def _read_loop(self, pending: bytes) -> None:
        buf = bytearray(pending)
        try:
            while len(buf) < len(w.PREFACE):
                if not self._recv(buf):
                    return
            if bytes(buf[: len(w.PREFACE)]) != w.PREFACE:
                return
            del buf[: len(w.PREFACE)]
            header_block: list[Any] = []  # [sid, flags, bytearray] while CONTINUATION frames follow
            while True:
                pos = 0
                end = len(buf)
                while end - pos >= 9:
                    length = int.from_bytes(buf[pos : pos + 3], "big")
                    if end - pos < 9 + length:
                        break
                    ftype, flags = buf[pos + 3], buf[pos + 4]
                    sid = int.from_bytes(buf[pos + 5 : pos + 9], "big") & 0x7FFFFFFF
                    payload = bytes(buf[pos + 9 : pos + 9 + length])
                    pos += 9 + length
                    self._frame(ftype, flags, sid, payload, header_block)
                del buf[:pos]
                if not self._recv(buf):
                    return
        except (OSError, ValueError, hpack.HPACKError):
            pass
        finally:
            self._shutdown()

    def _recv(self, buf: bytearray) -> bool:
        data = self._sock.recv(1 << 18)
        buf += data
        return bool(data)

    def _frame(self, ftype: int, flags: int, sid: int, payload: bytes, header_block: list[Any]) -> None:
        if header_block and ftype != w.CONTINUATION:
            raise ValueError("expected a CONTINUATION frame")
        if ftype == w.DATA:
            self._data(sid, flags, payload)
        elif ftype == w.HEADERS or ftype == w.CONTINUATION:
            if ftype == w.HEADERS:
                header_block[:] = [sid, flags, bytearray(w.payload_of(flags, payload, headers=True))]
            elif not header_block or header_block[0] != sid:
                raise ValueError("unexpected CONTINUATION frame")
            else:
                header_block[2] += payload
            if flags & w.END_HEADERS:
                hsid, hflags, block = header_block
                header_block.clear()
                self._headers(hsid, hflags, bytes(block))
        elif ftype == w.RST_STREAM:
            self._reset(sid)
        elif ftype == w.SETTINGS:
            if not flags & w.ACK:
                self._settings(payload)
        elif ftype == w.PING:
            if not flags & w.ACK:
                self._send_control(w.frame(w.PING, w.ACK, 0, payload))
        elif ftype == w.WINDOW_UPDATE:
            increment = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            with self._lock:
                if sid == 0:
                    self._send_window += increment
                elif (st := self._streams.get(sid)) is not None:
                    st.window += increment
                if self._ready and self._writer_idle:
                    self._wake.notify()
        # PRIORITY, GOAWAY (in-flight streams finish), unknown types: nothing to do

    def _data(self, sid: int, flags: int, payload: bytes) -> None:
        data = w.payload_of(flags, payload)
        padding = len(payload) - len(data)
        st = self._streams.get(sid)
        with self._lock:
            self._recv_unacked += len(payload)
            if self._recv_unacked >= CONN_WINDOW // 4:
                self._control.append(w.window_update(0, self._recv_unacked))
                self._recv_unacked = 0
                if self._writer_idle:
                    self._wake.notify()
        if st is None or st.reset:
            return
        if padding:
            self._send_control(w.window_update(sid, padding))
        if data:
            st.feed(data)
        if flags & w.END_STREAM:
            st.remote_closed = True
            st.inbox.put(END)

    def _headers(self, sid: int, flags: int, block: bytes) -> None:
        fields = self._decoder.decode(block)
        st = self._streams.get(sid)
        if st is None:
            if sid <= self._last_sid or sid % 2 == 0:
                return  # trailers of a stream we already ended, or not a client stream
            self._last_sid = sid
            path = ""
            metadata: list[tuple[str, str]] = []
            for name, value in fields:
                if name == ":path":
                    path = str(value)
                elif not name.startswith(":") and name not in _TRANSPORT_HEADERS:
                    metadata.append((str(name), str(value)))
            with self._lock:
                if self._dead:
                    return
                st = self._streams[sid] = Stream(sid, path, tuple(metadata), self._initial_window)
            threading.Thread(target=self._run, args=(st,), name=f"h2-call-{sid}", daemon=True).start()
        if flags & w.END_STREAM:
            st.remote_closed = True
            st.inbox.put(END)

    def _reset(self, sid: int) -> None:
        with self._lock:
            st = self._streams.pop(sid, None)
            if st is None:
                return
            st.reset = True
            st.out.clear()
            st.pending = 0
            self._ready.pop(st, None)
            self._space.notify_all()
        st.inbox.put(END)

    def _settings(self, payload: bytes) -> None:
        with self._lock:
            for key, value in w.parse_settings(payload):
                if key == w.SETTINGS_INITIAL_WINDOW_SIZE:
                    delta = value - self._initial_window
                    self._initial_window = value
                    for st in self._streams.values():
                        st.window += delta
                elif key == w.SETTINGS_MAX_FRAME_SIZE:
                    self._max_frame = value
            self._control.append(w.frame(w.SETTINGS, w.ACK, 0))
            if self._writer_idle:
                self._wake.notify()

    # -- calls --------------------------------------------------------------------------------------

    def _requests(self, st: Stream) -> Iterator[bytes]:
        threshold = STREAM_WINDOW // 4
        while True:
            item = st.inbox.get()
            if item is END:
                return
            st.unacked += 5 + len(item)
            if st.unacked >= threshold:
                with self._lock:
                    if not st.remote_closed and not st.reset:
                        self._control.append(w.window_update(st.sid, st.unacked))
                        if self._writer_idle:
                            self._wake.notify()
                st.unacked = 0
            yield item

    def _run(self, st: Stream) -> None:
        try:
            code, message = run_call(
                self._handlers.get(st.path), st, CallContext(st, self._alive), self._requests(st),
                lambda payload: self.send_message(st, payload),
            )
        except Cancelled:
            return
        self.finish(st, code, message)


def _sendmsg_all(sock: socket.socket, bufs: list[Any]) -> None:
    """Send every buffer, in order, in as few ``sendmsg`` calls as the iovec limit allows."""
    while bufs:
        group = bufs[:_IOV]
        sent = sock.sendmsg(group)
        done = 0
        for b in group:
            size = len(b)
            if sent < size:
                break
            sent -= size
            done += 1
        del bufs[:done]
        if sent:
            bufs[0] = memoryview(bufs[0])[sent:]
