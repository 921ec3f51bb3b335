"""gRPC status codes and the error our own HTTP/2 Control client raises, shaped like ``grpc.RpcError``
(``code()``, ``details()``, ``trailing_metadata()``) so callers handle both without importing grpc."""

from __future__ import annotations

import enum
import sys
from typing import Any

__all__ = ["H2RpcError", "StatusCode", "code_name", "require_grpcio", "rpc_errors"]


class StatusCode(enum.Enum):
    """The gRPC status codes; ``value`` is ``(number, text)`` like ``grpc.StatusCode``."""

    OK = (0, "ok")
    CANCELLED = (1, "cancelled")
    UNKNOWN = (2, "unknown")
    INVALID_ARGUMENT = (3, "invalid argument")
    DEADLINE_EXCEEDED = (4, "deadline exceeded")
    NOT_FOUND = (5, "not found")
    ALREADY_EXISTS = (6, "already exists")
    PERMISSION_DENIED = (7, "permission denied")
    RESOURCE_EXHAUSTED = (8, "resource exhausted")
    FAILED_PRECONDITION = (9, "failed precondition")
    ABORTED = (10, "aborted")
    OUT_OF_RANGE = (11, "out of range")
    UNIMPLEMENTED = (12, "unimplemented")
    INTERNAL = (13, "internal")
    UNAVAILABLE = (14, "unavailable")
    DATA_LOSS = (15, "data loss")
    UNAUTHENTICATED = (16, "unauthenticated")

    @classmethod
    def of(cls, number: int) -> StatusCode:
        """The code numbered ``number`` (UNKNOWN for numbers outside the spec)."""
        return _BY_NUMBER.get(number, cls.UNKNOWN)


_BY_NUMBER = {c.value[0]: c for c in StatusCode}


class H2RpcError(Exception):
    """A call on our HTTP/2 client ended with a non-OK status."""

    def __init__(self, code: StatusCode, details: str, trailers: tuple[tuple[str, Any], ...] = ()) -> None:
        super().__init__(f"{code.name}: {details}")
        self._code = code
        self._details = details
        self._trailers = trailers

    def code(self) -> StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, Any], ...]:
        """Trailer fields; ``-bin`` values as bytes, like grpcio."""
        return self._trailers


def rpc_errors() -> tuple[type[Any], ...]:
    """The RPC error classes that can be raised now: ours, plus ``grpc.RpcError`` once grpc is imported
    (evaluate it in the ``except`` clause, so this path never imports grpc itself)."""
    grpc = sys.modules.get("grpc")
    error = getattr(grpc, "RpcError", None)
    return (H2RpcError, error) if isinstance(error, type) else (H2RpcError,)


def code_name(err: Any) -> str:
    """The status name (``"UNAVAILABLE"``…) of an RPC error from either client; "" when it has none."""
    code = err.code() if hasattr(err, "code") else None
    return str(getattr(code, "name", "") or "")


def require_grpcio(switch: str) -> None:
    """Check that grpcio (an optional dependency: ``depotci[grpcio]``) can be imported for ``switch``, the
    setting that asks for it; UnsupportedError with one line when it cannot."""
    try:
        import grpc  # noqa: F401
    except ImportError:
        from depotci.core.errors import UnsupportedError

        raise UnsupportedError(
            f"{switch} needs grpcio, which is not installed: pip install 'depotci[grpcio]'"
        ) from None
