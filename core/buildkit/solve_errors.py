"""Turn a failed Solve (a grpc error with BuildKit's status details) into our errors.

BuildKit attaches ``errdefs.Vertex`` (the failing step) and ``errdefs.Source`` (Dockerfile name,
content and line ranges) to the ``grpc-status-details-bin`` trailer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
from depotci.core._gen.errdefs import errdefs_pb2
from depotci.core._gen.rpc import status_pb2
from depotci.core.errors import BuilderError, SourceLocation

__all__ = ["SolveErrorInfo", "is_builder_gone", "parse_solve_error"]


@dataclass
class SolveErrorInfo:
    message: str
    code: grpc.StatusCode | None
    vertex: str = ""
    sources: list[tuple[str, bytes, list[tuple[int, int]]]] = field(default_factory=list)

    def location(self) -> SourceLocation | None:
        for filename, _data, ranges in self.sources:
            if ranges:
                return SourceLocation(filename, ranges[0][0], 0, ranges[0][1])
        return None


def _trailer(err: Any, key: str) -> bytes | None:
    try:
        md = err.trailing_metadata() or ()
    except Exception:  # noqa: BLE001 - not every RpcError carries metadata
        return None
    for k, v in md:
        if k == key:
            return v if isinstance(v, bytes) else str(v).encode()
    return None


def parse_solve_error(err: Any) -> SolveErrorInfo:
    """Read message, failing vertex and source ranges from a grpc error."""
    code = err.code() if hasattr(err, "code") else None
    message = err.details() if hasattr(err, "details") else str(err)
    info = SolveErrorInfo(message=message or "", code=code)
    raw = _trailer(err, "grpc-status-details-bin")
    if not raw:
        return info
    status = status_pb2.Status.FromString(raw)
    for detail in status.details:
        kind = detail.type_url.rsplit("/", 1)[-1]
        if kind == "errdefs.Vertex":
            info.vertex = errdefs_pb2.Vertex.FromString(detail.value).digest
        elif kind == "errdefs.Source":
            src = errdefs_pb2.Source.FromString(detail.value)
            ranges = [(r.start.line, r.end.line or r.start.line) for r in src.ranges]
            info.sources.append((src.info.filename, src.info.data, ranges))
    return info


def is_builder_gone(err: Any, endpoint_desc: str) -> BuilderError | None:
    """A BuilderError when the error means the connection to the builder broke."""
    code = err.code() if hasattr(err, "code") else None
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        detail = (err.details() or "").splitlines()[0] if hasattr(err, "details") else ""
        return BuilderError(f"lost the connection to the builder ({endpoint_desc}) during the build: {detail}")
    return None
