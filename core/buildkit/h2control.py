"""BuildKit's Control service over our own HTTP/2 client (``h2client``), for every endpoint kind: no
grpcio import on the ``depot build`` path. The objects mimic the grpcio pieces callers use:
``H2Channel.unary_unary``/``unary_stream``/``stream_stream`` (bake's gateway calls) and ``ControlStub``
methods, where a server-streaming call is an iterator with ``cancel()`` and errors are
``rpc_status.H2RpcError``. A bidi call (``Control.Session``) is a ``BidiCall``: ``write()`` each request
as it comes (waiting for HTTP/2 send window), ``done_writing()``, and iterate for the responses.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from depotci.core.buildkit.h2client import DONE, H2Call, H2ClientConnection
from depotci.core.buildkit.rpc_status import H2RpcError, StatusCode

__all__ = ["BidiCall", "ControlStub", "H2Channel", "StreamCall", "UnaryCall"]

_CONTROL = "/moby.buildkit.v1.Control/"


def _serialize(message: Any) -> bytes:
    return bytes(message.SerializeToString())


def _next(call: H2Call, deadline: float | None) -> Any:
    """The next inbox item (a message or DONE); on the deadline the call is reset with DEADLINE_EXCEEDED."""
    try:
        return call.inbox.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        if call.finish(H2RpcError(StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")):
            call.conn._write(_rst(call.sid))
        return DONE


def _rst(sid: int) -> bytes:
    from depotci.core.buildkit.session import h2wire as w

    return w.frame(w.RST_STREAM, 0, sid, (0x8).to_bytes(4, "big"))


class UnaryCall:
    """A unary call in flight; ``result()`` waits for the response or raises H2RpcError."""

    def __init__(self, call: H2Call, deserialize: Callable[[bytes], Any], timeout: float | None) -> None:
        self._call = call
        self._deserialize = deserialize
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def result(self) -> Any:
        reply: Any = DONE
        while True:
            item = _next(self._call, self._deadline)
            if item is DONE:
                break
            reply = item
        if self._call.error is not None:
            raise self._call.error
        if reply is DONE:
            raise H2RpcError(StatusCode.INTERNAL, "the server sent no response message")
        return self._deserialize(reply)

    def cancel(self) -> bool:
        return self._call.cancel()


class StreamCall:
    """A server-streaming call: iterate for the responses (H2RpcError at a non-OK end); ``cancel()``
    resets the stream and the iteration then raises CANCELLED, as grpcio does."""

    def __init__(self, call: H2Call, deserialize: Callable[[bytes], Any], timeout: float | None) -> None:
        self._call = call
        self._deserialize = deserialize
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        item = _next(self._call, self._deadline)
        if item is DONE:
            self._call.inbox.put(DONE)  # later next() calls end the same way
            if self._call.error is not None:
                raise self._call.error
            raise StopIteration
        return self._deserialize(item)

    def cancel(self) -> bool:
        return self._call.cancel()


class BidiCall(StreamCall):
    """A bidi-streaming call: ``write()`` sends one request (blocking while the HTTP/2 windows are
    full), ``done_writing()`` half-closes, iteration yields the responses. The stream's receive window
    is returned only as responses are taken, so an unread call holds the server back (not the whole
    connection: the connection window is returned on receipt)."""

    def __init__(self, call: H2Call, serialize: Callable[[Any], bytes], deserialize: Callable[[bytes], Any],
                 timeout: float | None) -> None:
        super().__init__(call, deserialize, timeout)
        self._serialize = serialize

    def write(self, request: Any) -> bool:
        """Send ``request``; False when the call has ended (it is then not sent)."""
        return self._call.conn.send(self._call, self._serialize(request))

    def done_writing(self) -> None:
        """Half-close the request side (no-op once the call has ended)."""
        self._call.conn.send(self._call, None, end=True)

    def __next__(self) -> Any:
        item = _next(self._call, self._deadline)
        if item is DONE:
            self._call.inbox.put(DONE)
            if self._call.error is not None:
                raise self._call.error
            raise StopIteration
        self._call.consumed(len(item))
        return self._deserialize(item)


def _pump(call: BidiCall, requests: Iterator[Any]) -> None:
    """Send what ``requests`` yields, then half-close (grpcio's request-iterator form)."""
    try:
        for request in requests:
            if not call.write(request):
                return
    except Exception:  # noqa: BLE001 - as grpcio: a failing request iterator cancels the call
        call.cancel()
        return
    call.done_writing()


class _Method:
    def __init__(self, conn: H2ClientConnection, path: str, serialize: Callable[[Any], bytes],
                 deserialize: Callable[[bytes], Any], streaming: bool, bidi: bool = False) -> None:
        self._conn = conn
        self._path = path
        self._serialize = serialize
        self._deserialize = deserialize
        self._streaming = streaming
        self._bidi = bidi

    def _start(self, request: Any, metadata: Any, timeout: float | None) -> H2Call:
        return self._conn.start(self._path, self._serialize(request), metadata or (), timeout)

    def __call__(self, request: Any = None, timeout: float | None = None, metadata: Any = None) -> Any:
        if self._bidi:  # request: None (then ``write``), or an iterator of requests sent on a thread
            bidi = BidiCall(self._conn.open(self._path, metadata or (), timeout, ack_on_read=True),
                            self._serialize, self._deserialize, timeout)
            if request is not None:
                threading.Thread(target=_pump, args=(bidi, iter(request)), name="h2c-requests", daemon=True).start()
            return bidi
        if self._streaming:
            return StreamCall(self._start(request, metadata, timeout), self._deserialize, timeout)
        return UnaryCall(self._start(request, metadata, timeout), self._deserialize, timeout).result()

    def future(self, request: Any, timeout: float | None = None, metadata: Any = None) -> UnaryCall:
        """Start a unary call; ``result()`` waits for it."""
        return UnaryCall(self._start(request, metadata, timeout), self._deserialize, timeout)


class H2Channel:
    """The part of ``grpc.Channel`` our callers use, on one HTTP/2 connection."""

    def __init__(self, conn: H2ClientConnection) -> None:
        self.conn = conn

    def unary_unary(self, method: str, request_serializer: Callable[[Any], bytes] | None = None,
                    response_deserializer: Callable[[bytes], Any] | None = None) -> _Method:
        return _Method(self.conn, method, request_serializer or bytes, response_deserializer or bytes, False)

    def unary_stream(self, method: str, request_serializer: Callable[[Any], bytes] | None = None,
                     response_deserializer: Callable[[bytes], Any] | None = None) -> _Method:
        return _Method(self.conn, method, request_serializer or bytes, response_deserializer or bytes, True)

    def stream_stream(self, method: str, request_serializer: Callable[[Any], bytes] | None = None,
                      response_deserializer: Callable[[bytes], Any] | None = None) -> _Method:
        return _Method(self.conn, method, request_serializer or bytes, response_deserializer or bytes, True, True)

    def close(self) -> None:
        self.conn.close()


class ControlStub:
    """``moby.buildkit.v1.Control`` methods; ``Session`` (bidi) returns a ``BidiCall``."""

    def __getattr__(self, name: str) -> Any:  # the methods are set in __init__; this is for typing
        raise AttributeError(f"Control has no method {name!r} on this client")

    def __init__(self, channel: H2Channel) -> None:
        from depotci.core._gen.moby.buildkit.v1 import control_pb2
        from google.protobuf import message_factory

        service = control_pb2.DESCRIPTOR.services_by_name["Control"]
        for m in service.methods:
            if m.client_streaming and not m.server_streaming:
                continue  # Control has none
            reply = message_factory.GetMessageClass(m.output_type)
            if m.client_streaming:
                factory = channel.stream_stream
            else:
                factory = channel.unary_stream if m.server_streaming else channel.unary_unary
            setattr(self, m.name, factory(_CONTROL + m.name, _serialize, reply.FromString))
