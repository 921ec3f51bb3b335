"""The sending half of the session's HTTP/2 connection (see h2server): stream output queues, flow
control towards the peer, and the writer thread's rounds.

A handler's messages are appended to its stream's output, small ones into shared buffers; the writer
cuts whatever has accumulated into DATA frames of up to the peer's SETTINGS_MAX_FRAME_SIZE within the
flow-control windows and sends them with one ``sendmsg`` of frame headers and memoryview slices (file
chunks are not copied). Everything here is guarded by ``lock``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from depotci.core.buildkit.session import h2wire as w
from depotci.core.buildkit.session.h2stream import Block, Cancelled, Stream

__all__ = ["Output"]

_SEND_LIMIT = 4 << 20  # queued DATA bytes per stream before its handler waits
_BURST = 1 << 20  # DATA bytes per sendmsg round
_SMALL = 8192  # messages up to this size are copied into a shared buffer
_TAIL = 64 << 10  # size of those shared buffers
_IOV = 512  # buffers per sendmsg (IOV_MAX is 1024 on Linux)
_FLUSH = 64 << 10  # small-message bytes that make a round urgent
_FIRST_WAIT = 0.0002  # small messages wait this long, longer while handlers keep producing …
_MAX_WAIT = 0.002
_MAX_DELAY = 0.005  # … but never more than this
_BUSY, _TIMED, _IDLE = range(3)  # writer states


class Output:
    """Output state of one connection; ``streams`` (open streams by id) is shared with the reader."""

    def __init__(self, first_frames: list[bytes]) -> None:
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)  # the writer waits here
        self._space = threading.Condition(self.lock)  # handlers wait here for room or window
        self._writer = _BUSY
        self._urgent = False  # something to send at once (vs small messages, which may wait a little)
        self._lazy = 0  # bytes of small messages queued since the last round
        self._sends = 0  # messages queued so far: the writer sees whether handlers are still producing
        self._blocked = False  # the last round found nothing sendable (flow control): wait for news
        self._control: list[bytes] = list(first_frames)
        self._ready: dict[Stream, None] = {}  # streams with output, in order
        self.streams: dict[int, Stream] = {}
        self.send_window = 65535  # connection window the peer grants us
        self.initial_window = 65535  # the peer's SETTINGS_INITIAL_WINDOW_SIZE
        self.max_frame = 16384
        self.dead = False

    def stop(self) -> list[Stream]:
        """Under the lock: the connection is gone; wake everyone. Returns the streams that were open."""
        self.dead = True
        open_streams = list(self.streams.values())
        for st in open_streams:
            st.reset = True
        self.streams.clear()
        self._ready.clear()
        self._wake.notify_all()
        self._space.notify_all()
        return open_streams

    def control(self, frame: bytes) -> None:
        """Under the lock: queue a control frame, sent in the next round (at once)."""
        self._control.append(frame)
        self.kick()

    def window_update(self, sid: int, increment: int) -> None:
        """Under the lock: the peer's WINDOW_UPDATE."""
        if sid == 0:
            self.send_window += increment
        elif (st := self.streams.get(sid)) is not None:
            st.window += increment
        if self._ready:
            self.kick()

    def settings(self, payload: bytes) -> None:
        """Under the lock: apply the peer's SETTINGS and acknowledge them."""
        for key, value in w.parse_settings(payload):
            if key == w.SETTINGS_INITIAL_WINDOW_SIZE:
                delta = value - self.initial_window
                self.initial_window = value
                for st in self.streams.values():
                    st.window += delta
            elif key == w.SETTINGS_MAX_FRAME_SIZE:
                self.max_frame = value
        self.control(w.frame(w.SETTINGS, w.ACK, 0))

    def reset(self, sid: int) -> Stream | None:
        """Under the lock: the peer's RST_STREAM; drops the stream's output."""
        st = self.streams.pop(sid, None)
        if st is not None:
            st.reset = True
            st.out.clear()
            st.pending = 0
            self._ready.pop(st, None)
            self._space.notify_all()
        return st

    def schedule(self, st: Stream, urgent: bool) -> None:
        """Under the lock: ``st`` has output; wake the writer when it must act now."""
        if st not in self._ready:
            self._ready[st] = None
        self._blocked = False
        if urgent:
            self._urgent = True
            if self._writer != _BUSY:
                self._wake.notify()
        elif self._writer == _IDLE:
            self._wake.notify()  # starts the short wait for more small messages

    def kick(self) -> None:
        """Under the lock: control frames or new window: the writer runs a round at once."""
        self._urgent = True
        if self._writer != _BUSY:
            self._wake.notify()

    def send_message(self, st: Stream, payload: bytes) -> None:
        """Queue one gRPC message on ``st``; waits while too much is queued. Raises Cancelled."""
        n = len(payload)
        with self.lock:
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
                self._lazy += 5 + n
                # an empty message usually ends a phase (fsutil's listing ends with an empty STAT and
                # then waits for the daemon's requests): send it now rather than after the short wait
                urgent = n == 0 or self._lazy >= _FLUSH
            else:
                st.tail = None
                st.out.append(prefix)
                st.out.append(payload)
                urgent = True
            st.pending += 5 + n
            self._sends += 1
            self.schedule(st, urgent)
            while st.pending > _SEND_LIMIT and not st.reset:
                self._space.wait()
            if st.reset:
                raise Cancelled

    def finish(self, st: Stream, code: int, message: str) -> None:
        """Queue the trailers that end ``st`` with a gRPC status."""
        with self.lock:
            if st.reset:
                return
            st.tail = None
            st.out.append(Block(w.trailers(code, message, trailers_only=not st.headers_queued), True))
            st.headers_queued = True
            self.schedule(st, True)

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
                    self.streams.pop(st.sid, None)
                    if not st.remote_closed:  # like grpc-go: the call is over, the peer may stop sending
                        bufs.append(w.frame(w.RST_STREAM, 0, st.sid, b"\0\0\0\0"))
                continue
            allowed = min(st.window, self.send_window, budget - sent, self.max_frame)
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
            self.send_window -= got
            st.pending -= got
            sent += got
        if sent:
            self._space.notify_all()
        return sent

    def write_loop(self, sock: socket.socket, on_exit: Callable[[], None]) -> None:
        """The writer thread: send rounds until the connection is gone; then ``on_exit()``."""
        try:
            while True:
                with self.lock:
                    bufs = self._next_round()
                if bufs is None:
                    return
                _sendmsg_all(sock, bufs)
        except OSError:
            pass
        finally:
            on_exit()

    def _next_round(self) -> list[Any] | None:
        """Under the lock: wait for the next round's buffers (None when the connection is gone).

        Urgent output goes at once. Small messages wait while their handlers keep producing (checked
        after 0.2 ms, then after doubling waits up to 2 ms, at most 5 ms in all), so a listing of
        thousands of entries leaves in a few large frames instead of one round per message; a handler
        that stopped producing (waiting for the daemon) has its messages sent after 0.2 ms.
        """
        since = 0.0
        delay = _FIRST_WAIT
        while not self.dead:
            if self._control or self._urgent:
                bufs = self._take()
                if bufs:
                    return bufs
                continue
            if self._ready and not self._blocked:
                if not since:
                    since = time.monotonic()
                sends = self._sends
                self._writer = _TIMED
                self._wake.wait(delay)
                self._writer = _BUSY
                if self._control or self._urgent:
                    continue
                if self._sends == sends or time.monotonic() - since >= _MAX_DELAY:
                    bufs = self._take()
                    if bufs:
                        return bufs
                    continue
                delay = min(2 * delay, _MAX_WAIT)
                continue
            self._writer = _IDLE
            self._wake.wait()
            self._writer = _BUSY
            since = 0.0
            delay = _FIRST_WAIT
        return None

    def _take(self) -> list[Any]:
        self._urgent = False
        self._lazy = 0
        bufs = self._collect()
        self._blocked = not bufs  # every stream with output waits for its window
        return bufs


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
