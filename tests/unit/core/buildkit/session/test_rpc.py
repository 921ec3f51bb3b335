"""The grpc-free method handlers of the session services, and their adaptation to a grpcio server."""

from __future__ import annotations

from typing import Any, NoReturn

import grpc
import pytest
from depotci.core.buildkit.session.rpc import (
    StatusCode,
    stream_stream_rpc_method_handler,
    to_grpcio,
    unary_unary_rpc_method_handler,
)


class RecordingContext:
    def __init__(self) -> None:
        self.aborted: tuple[Any, str] | None = None

    def abort(self, code: Any, details: str) -> NoReturn:
        self.aborted = (code, details)
        raise RuntimeError("aborted")

    def is_active(self) -> bool:
        return True


@pytest.mark.parametrize("code", [StatusCode.NOT_FOUND, StatusCode.INVALID_ARGUMENT, StatusCode.UNAVAILABLE])
def test_grpcio_adapter_maps_abort_codes(code: StatusCode) -> None:
    def behavior(req: Any, ctx: Any) -> Any:
        ctx.abort(code, f"no {req}")

    handler = to_grpcio(unary_unary_rpc_method_handler(behavior))
    ctx = RecordingContext()
    with pytest.raises(RuntimeError):
        handler.unary_unary("x", ctx)
    assert ctx.aborted == (grpc.StatusCode[code.name], "no x")
    assert code.value[0] == grpc.StatusCode[code.name].value[0]


@pytest.mark.parametrize(
    ("make", "streaming"), [(unary_unary_rpc_method_handler, False), (stream_stream_rpc_method_handler, True)]
)
def test_handler_shapes(make: Any, streaming: bool) -> None:
    handler = make(lambda r, c: r, request_deserializer=bytes, response_serializer=bytes)
    assert (handler.request_streaming, handler.response_streaming) == (streaming, streaming)
    adapted = to_grpcio(handler)
    assert (adapted.request_streaming, adapted.response_streaming) == (streaming, streaming)
    fn = adapted.stream_stream if streaming else adapted.unary_unary
    assert fn(b"ab", RecordingContext()) == b"ab"
