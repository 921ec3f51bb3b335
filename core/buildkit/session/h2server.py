"""The session's gRPC server for one connection, HTTP/2 implemented here (server side only).

grpcio's server costs 45-110 µs per message, which dominates a no-change rebuild of a big context
(one STAT message per file). Here output is coalesced into large frames and sent with few syscalls
(``h2output``); one reader thread parses frames, answers SETTINGS/PING, tracks windows and feeds each
stream's request messages to its handler, which runs on a thread of its own (the daemon keeps several
streams open: DiffCopy per dir, Health, Auth…). Handlers are grpcio method handlers (``h2stream``).

Flow control: we grant each stream ``STREAM_WINDOW`` and return it as the handler consumes messages
(so a slow handler stalls only its own stream); the connection window is returned on receipt.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from typing import Any, cast

import hpack
from depotci.core.buildkit.session import h2wire as w
from depotci.core.buildkit.session.h2output import Output
from depotci.core.buildkit.session.h2stream import END, CallContext, Cancelled, Stream, run_call

__all__ = ["CONN_WINDOW", "STREAM_WINDOW", "H2Connection"]

STREAM_WINDOW = 4 << 20
CONN_WINDOW = 16 << 20
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
        self._out = Output([
            w.settings([(w.SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW)]),
            w.window_update(0, CONN_WINDOW - 65535),
        ])
        self._lock = self._out.lock
        self._last_sid = 0
        self._recv_unacked = 0
        self._decoder = hpack.Decoder(max_header_list_size=1 << 20)
        self.closed = threading.Event()
        threading.Thread(target=self._out.write_loop, args=(sock, self._shutdown), name="h2-writer", daemon=True).start()
        threading.Thread(target=self._read_loop, args=(pending,), name="h2-reader", daemon=True).start()

    def close(self) -> None:
        """Drop the connection (idempotent); running handlers see their streams cancelled."""
        self._shutdown()

    def _alive(self) -> bool:
        return not self._out.dead

    def _shutdown(self) -> None:
        with self._lock:
            if self._out.dead:
                return
            open_streams = self._out.stop()
        for st in open_streams:
            st.inbox.put(END)
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes a recv or sendmsg blocked in the other thread
        except OSError:
            pass
        self._sock.close()
        self.closed.set()

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
        elif ftype in (w.HEADERS, w.CONTINUATION):
            done = w.header_block(ftype, flags, sid, payload, header_block)
            if done is not None:
                self._headers(*done)
        elif ftype == w.RST_STREAM:
            self._reset(sid)
        elif ftype == w.SETTINGS:
            if not flags & w.ACK:
                self._settings(payload)
        elif ftype == w.PING:
            if not flags & w.ACK:
                with self._lock:
                    self._out.control(w.frame(w.PING, w.ACK, 0, payload))
        elif ftype == w.WINDOW_UPDATE:
            increment = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            with self._lock:
                self._out.window_update(sid, increment)
        # PRIORITY, GOAWAY (in-flight streams finish), unknown types: nothing to do

    def _data(self, sid: int, flags: int, payload: bytes) -> None:
        data = w.payload_of(flags, payload)
        padding = len(payload) - len(data)
        st = self._out.streams.get(sid)
        with self._lock:
            self._recv_unacked += len(payload)
            if self._recv_unacked >= CONN_WINDOW // 4:
                self._out.control(w.window_update(0, self._recv_unacked))
                self._recv_unacked = 0
        if st is None or st.reset:
            return
        if padding:
            with self._lock:
                self._out.control(w.window_update(sid, padding))
        if data:
            st.feed(data)
        if flags & w.END_STREAM:
            st.remote_closed = True
            st.inbox.put(END)

    def _headers(self, sid: int, flags: int, block: bytes) -> None:
        fields = cast("list[tuple[str, str]]", self._decoder.decode(block))  # raw=False: str pairs
        st = self._out.streams.get(sid)
        if st is None:
            if sid <= self._last_sid or sid % 2 == 0:
                return  # trailers of a stream we already ended, or not a client stream
            self._last_sid = sid
            path = ""
            metadata: list[tuple[str, str]] = []
            for name, value in fields:
                if name == ":path":
                    path = value
                elif not name.startswith(":") and name not in _TRANSPORT_HEADERS:
                    metadata.append((name, value))
            with self._lock:
                if self._out.dead:
                    return
                st = self._out.streams[sid] = Stream(sid, path, tuple(metadata), self._out.initial_window)
            threading.Thread(target=self._run, args=(st,), name=f"h2-call-{sid}", daemon=True).start()
        if flags & w.END_STREAM:
            st.remote_closed = True
            st.inbox.put(END)

    def _reset(self, sid: int) -> None:
        with self._lock:
            st = self._out.reset(sid)
        if st is not None:
            st.inbox.put(END)

    def _settings(self, payload: bytes) -> None:
        with self._lock:
            self._out.settings(payload)

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
                        self._out.control(w.window_update(st.sid, st.unacked))
                st.unacked = 0
            yield item

    def _run(self, st: Stream) -> None:
        try:
            code, message = run_call(
                self._handlers.get(st.path), st, CallContext(st, self._alive), self._requests(st),
                lambda payload: self._out.send_message(st, payload),
            )
        except Cancelled:
            return
        self._out.finish(st, code, message)
