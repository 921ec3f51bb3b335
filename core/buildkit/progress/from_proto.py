"""Wire messages -> the neutral model.

Typed loosely: anything with the attribute names of ``moby.buildkit.v1.StatusResponse`` (and of
``errdefs.Source`` for error sources) converts, so the printers never import generated code. Message
fields are read for presence with ``HasField`` when the object has it; otherwise ``None`` (or an
all-zero timestamp) counts as unset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from depotci.core.buildkit.progress.failure import SourceSnippet
from depotci.core.buildkit.progress.model import (
    ProgressGroup,
    Range,
    SolveStatus,
    SourceInfo,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
)

__all__ = ["solve_status_from_proto", "source_snippet_from_proto"]


def _present(msg: Any, name: str) -> Any:
    """The sub-message ``name`` of ``msg``, or ``None`` when unset."""
    has_field = getattr(msg, "HasField", None)
    if has_field is not None:
        try:
            if not has_field(name):
                return None
        except ValueError:  # not a message field: fall through to the value
            pass
    return getattr(msg, name, None)


def _time(msg: Any, name: str) -> float | None:
    """A ``google.protobuf.Timestamp`` field as epoch seconds, or ``None`` when unset."""
    value = _present(msg, name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    seconds, nanos = int(getattr(value, "seconds", 0)), int(getattr(value, "nanos", 0))
    if seconds == 0 and nanos == 0 and getattr(msg, "HasField", None) is None:
        return None
    return seconds + nanos / 1e9


def _vertex(v: Any) -> Vertex:
    group = _present(v, "progressGroup")
    return Vertex(
        digest=str(v.digest),
        name=str(v.name),
        inputs=tuple(str(i) for i in getattr(v, "inputs", ())),
        cached=bool(v.cached),
        started=_time(v, "started"),
        completed=_time(v, "completed"),
        error=str(v.error),
        progress_group=(
            ProgressGroup(id=str(group.id), name=str(group.name), weak=bool(group.weak))
            if group is not None and group.id
            else None
        ),
    )


def _status(s: Any) -> VertexStatus:
    return VertexStatus(
        id=str(s.ID),
        vertex=str(s.vertex),
        name=str(getattr(s, "name", "")),
        current=int(s.current),
        total=int(s.total),
        timestamp=_time(s, "timestamp") or 0.0,
        started=_time(s, "started"),
        completed=_time(s, "completed"),
    )


def _log(log: Any) -> VertexLog:
    return VertexLog(
        vertex=str(log.vertex),
        data=bytes(log.msg),
        timestamp=_time(log, "timestamp") or 0.0,
        stream=int(log.stream),
    )


def _range(r: Any) -> Range:
    start, end = _present(r, "start"), _present(r, "end")
    return Range(
        start_line=int(start.line) if start is not None else 0,
        end_line=int(end.line) if end is not None else 0,
        start_character=int(start.character) if start is not None else 0,
        end_character=int(end.character) if end is not None else 0,
    )


def _source_info(info: Any) -> SourceInfo | None:
    if info is None:
        return None
    return SourceInfo(
        filename=str(info.filename), data=bytes(info.data), language=str(getattr(info, "language", ""))
    )


def _warning(w: Any) -> VertexWarning:
    return VertexWarning(
        vertex=str(w.vertex),
        short=bytes(w.short),
        level=int(w.level),
        detail=tuple(bytes(d) for d in w.detail),
        url=str(w.url),
        source=_source_info(_present(w, "info")),
        ranges=tuple(_range(r) for r in w.ranges),
    )


def solve_status_from_proto(msg: Any) -> SolveStatus:
    """Convert one ``StatusResponse`` (or a look-alike) into a ``SolveStatus``."""
    return SolveStatus(
        vertexes=tuple(_vertex(v) for v in msg.vertexes),
        statuses=tuple(_status(s) for s in msg.statuses),
        logs=tuple(_log(log) for log in msg.logs),
        warnings=tuple(_warning(w) for w in getattr(msg, "warnings", ())),
    )


def source_snippet_from_proto(src: Any) -> SourceSnippet | None:
    """Convert an ``errdefs.Source`` (from a failed solve's error details) into a ``SourceSnippet``."""
    info = _source_info(_present(src, "info"))
    if info is None:
        return None
    ranges = [_range(r) for r in src.ranges]
    return SourceSnippet(info.filename, info.data, [(r.start_line, r.end_line) for r in ranges])
