"""What the session services need from grpc, without importing grpcio (about 50 ms at start-up):
method handlers shaped like ``grpc.RpcMethodHandler`` (``h2stream`` runs them; ``server`` adapts them
for its grpcio backend), the servicer-context protocol, and the status codes (``rpc_status``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, NoReturn, Protocol

from depotci.core.buildkit.rpc_status import StatusCode

__all__ = [
    "RpcMethodHandler",
    "ServicerContext",
    "StatusCode",
    "stream_stream_rpc_method_handler",
    "to_grpcio",
    "unary_unary_rpc_method_handler",
]


class RpcMethodHandler(NamedTuple):
    """The fields of ``grpc.RpcMethodHandler``."""

    request_streaming: bool
    response_streaming: bool
    request_deserializer: Callable[[bytes], Any] | None
    response_serializer: Callable[[Any], bytes] | None
    unary_unary: Callable[..., Any] | None
    unary_stream: Callable[..., Any] | None
    stream_unary: Callable[..., Any] | None
    stream_stream: Callable[..., Any] | None


class ServicerContext(Protocol):
    """The part of ``grpc.ServicerContext`` the session services use."""

    def invocation_metadata(self) -> Any: ...

    def abort(self, code: StatusCode, details: str) -> NoReturn: ...

    def is_active(self) -> bool: ...


def unary_unary_rpc_method_handler(
    behavior: Callable[..., Any],
    request_deserializer: Callable[[bytes], Any] | None = None,
    response_serializer: Callable[[Any], bytes] | None = None,
) -> RpcMethodHandler:
    return RpcMethodHandler(False, False, request_deserializer, response_serializer, behavior, None, None, None)


def stream_stream_rpc_method_handler(
    behavior: Callable[..., Any],
    request_deserializer: Callable[[bytes], Any] | None = None,
    response_serializer: Callable[[Any], bytes] | None = None,
) -> RpcMethodHandler:
    return RpcMethodHandler(True, True, request_deserializer, response_serializer, None, None, None, behavior)


class _GrpcioContext:
    """A grpcio servicer context whose ``abort`` takes our StatusCode."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def abort(self, code: Any, details: str) -> NoReturn:
        import grpc

        real = grpc.StatusCode[code.name] if isinstance(code, StatusCode) else code
        self._context.abort(real, details)
        raise AssertionError("unreachable")  # grpcio's abort raises

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def to_grpcio(handler: Any) -> Any:
    """``handler`` as a grpcio method handler (its behaviour sees a context taking our StatusCode)."""
    import grpc

    if not isinstance(handler, RpcMethodHandler):
        return handler
    fn = next(f for f in (handler.unary_unary, handler.unary_stream, handler.stream_unary, handler.stream_stream) if f)

    def behavior(request: Any, context: Any) -> Any:
        return fn(request, _GrpcioContext(context))

    factory = {
        (False, False): grpc.unary_unary_rpc_method_handler,
        (False, True): grpc.unary_stream_rpc_method_handler,
        (True, False): grpc.stream_unary_rpc_method_handler,
        (True, True): grpc.stream_stream_rpc_method_handler,
    }[(handler.request_streaming, handler.response_streaming)]
    return factory(behavior, handler.request_deserializer, handler.response_serializer)
