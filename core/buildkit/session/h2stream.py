"""One gRPC call on the session's HTTP/2 connection: its state, the servicer context the session
services see, and the call runner that dispatches to a grpcio method handler.

The handlers are ``session.rpc.RpcMethodHandler`` objects (shaped like grpcio's), so the same
services run on this server and on a grpcio server; the context offers what they use:
``invocation_metadata()``, ``abort()`` and ``is_active()``.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from depotci.core.buildkit.session.rpc import StatusCode

__all__ = ["END", "Abort", "CallContext", "Cancelled", "Stream", "run_call"]

END = object()  # end of the request stream (client half-close, reset or connection loss)

OK, UNKNOWN, INTERNAL, UNIMPLEMENTED = 0, 2, 13, 12


class Abort(Exception):
    """Raised by ``CallContext.abort``: ends the call with ``code`` and ``details``."""

    def __init__(self, code: int, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


class Cancelled(Exception):
    """The peer reset the stream or the connection is gone: nothing more can be sent."""


class Stream:
    """Per-stream state. Fields other than ``inbox``/``rbuf`` are guarded by the connection's lock."""

    __slots__ = (
        "done", "headers_queued", "inbox", "metadata", "out", "path", "pending", "rbuf", "remote_closed",
        "reset", "sid", "tail", "unacked", "window",
    )

    def __init__(self, sid: int, path: str, metadata: tuple[tuple[str, str], ...], window: int) -> None:
        self.sid = sid
        self.path = path
        self.metadata = metadata
        self.window = window  # what the peer lets us send on this stream
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.rbuf = bytearray()  # received bytes not yet cut into messages
        self.out: deque[Any] = deque()  # bytes-likes (DATA payload) and Block items, in wire order
        self.tail: bytearray | None = None  # last item of ``out`` while small messages may be appended
        self.pending = 0  # DATA bytes in ``out``
        self.unacked = 0  # consumed request bytes not yet returned to the peer's window
        self.headers_queued = False
        self.remote_closed = False
        self.reset = False
        self.done = False

    def feed(self, payload: bytes) -> int:
        """Add DATA payload; queue each complete gRPC message. Returns the number of messages."""
        buf = self.rbuf
        buf += payload
        count = 0
        while len(buf) >= 5:
            if buf[0]:
                raise ValueError("compressed gRPC message, but no compression was negotiated")
            size = int.from_bytes(buf[1:5], "big")
            if len(buf) < 5 + size:
                break
            self.inbox.put(bytes(buf[5 : 5 + size]))
            del buf[: 5 + size]
            count += 1
        return count


class Block:
    """A HEADERS frame waiting in a stream's output (not flow controlled)."""

    __slots__ = ("data", "end_stream")

    def __init__(self, data: bytes, end_stream: bool) -> None:
        self.data = data
        self.end_stream = end_stream


class CallContext:
    """The part of ``grpc.ServicerContext`` the session services use."""

    def __init__(self, stream: Stream, alive: Callable[[], bool]) -> None:
        self._stream = stream
        self._alive = alive

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._stream.metadata

    def abort(self, code: StatusCode, details: str) -> NoReturn:
        raise Abort(int(code.value[0]), details)

    def is_active(self) -> bool:
        return not self._stream.reset and self._alive()


def run_call(
    handler: Any,
    stream: Stream,
    context: CallContext,
    requests: Iterator[bytes],
    send: Callable[[bytes], None],
) -> tuple[int, str]:
    """Run one call to completion; returns the gRPC status (code, message). Raises Cancelled when the
    stream went away, so no status can be sent."""
    if handler is None:
        return UNIMPLEMENTED, f"Method not found: {stream.path}"
    deserialize = handler.request_deserializer
    serialize = handler.response_serializer
    reqs: Iterator[Any] = (deserialize(r) for r in requests) if deserialize else requests
    responses: Any = None
    try:
        if handler.request_streaming:
            request: Any = reqs
        else:
            request = next(reqs, END)
            if request is END:
                return INTERNAL, "the request stream ended before the request message"
        if handler.response_streaming:
            fn = handler.stream_stream if handler.request_streaming else handler.unary_stream
            responses = fn(request, context)
            for resp in responses:
                send(serialize(resp) if serialize else resp)
        else:
            fn = handler.stream_unary if handler.request_streaming else handler.unary_unary
            resp = fn(request, context)
            send(serialize(resp) if serialize else resp)
    except Abort as exc:
        return exc.code, exc.details
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the daemon, like grpcio does
        if stream.reset:
            raise Cancelled from None
        return UNKNOWN, f"Exception calling application: {exc}"
    finally:
        close = getattr(responses, "close", None)
        if close is not None:
            close()  # a generator abandoned on cancel runs its finally blocks now
    return OK, ""
