"""Turn a failed Solve (a grpc error with BuildKit's status details) into our errors.

BuildKit attaches ``errdefs.Vertex`` (the failing step) and ``errdefs.Source`` (Dockerfile name,
content and line ranges) to the ``grpc-status-details-bin`` trailer. They come as protobuf
(``type.googleapis.com/errdefs.Source``) or, from BuildKit 0.13 as embedded in dockerd, as typeurl's
JSON (``github.com/moby/buildkit/errdefs.Source+json``: Go's encoding/json of the struct, bytes in base64).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from depotci.core._gen.errdefs import errdefs_pb2
from depotci.core._gen.rpc import status_pb2
from depotci.core.buildkit.rpc_status import code_name
from depotci.core.errors import BuilderError, SourceLocation
from google.protobuf.message import DecodeError

__all__ = ["SolveErrorInfo", "is_builder_gone", "parse_solve_error"]


@dataclass
class SolveErrorInfo:
    message: str
    code: Any  # grpc.StatusCode or rpc_status.StatusCode (both have .name), None when unknown
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
    try:
        status = status_pb2.Status.FromString(raw)
    except Exception:  # noqa: BLE001 - a malformed trailer leaves the plain message
        return info
    for detail in status.details:
        kind = detail.type_url.rsplit("/", 1)[-1]
        try:
            if kind == "errdefs.Vertex":
                info.vertex = errdefs_pb2.Vertex.FromString(detail.value).digest
            elif kind == "errdefs.Source":
                src = errdefs_pb2.Source.FromString(detail.value)
                ranges = [(r.start.line, r.end.line or r.start.line) for r in src.ranges]
                info.sources.append((src.info.filename, src.info.data, ranges))
            elif kind.endswith("errdefs.Vertex+json"):
                info.vertex = str(json.loads(detail.value).get("digest") or "")
            elif kind.endswith("errdefs.Source+json"):
                info.sources.append(_json_source(json.loads(detail.value)))
        except (ValueError, TypeError, AttributeError, binascii.Error, DecodeError):
            continue  # an undecodable detail only loses the snippet, never the error
    return info


def _json_source(obj: Any) -> tuple[str, bytes, list[tuple[int, int]]]:
    """``errdefs.Source`` as Go's encoding/json writes it: ``{"info": {"filename", "data": base64}, "ranges":
    [{"start": {"line"}, "end": {"line"}}]}``."""
    src_info = obj.get("info") or {}
    data = base64.b64decode(src_info.get("data") or "")
    ranges: list[tuple[int, int]] = []
    for r in obj.get("ranges") or ():
        start = int((r.get("start") or {}).get("line") or 0)
        end = int((r.get("end") or {}).get("line") or 0)
        ranges.append((start, end or start))
    return str(src_info.get("filename") or ""), data, ranges


def is_builder_gone(err: Any, endpoint_desc: str) -> BuilderError | None:
    """A BuilderError when the error means the connection to the builder broke."""
    if code_name(err) in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
        detail = next(iter((err.details() or "").splitlines()), "") if hasattr(err, "details") else ""
        return BuilderError(f"lost the connection to the builder ({endpoint_desc}) during the build: {detail}")
    return None
