"""A neutral model of BuildKit's Control.Status stream, free of protobuf.

Mirrors ``moby.buildkit.v1.StatusResponse`` (as seen by BuildKit's Go client, ``client.SolveStatus``).
Times are seconds since the epoch as floats; ``None`` where the wire message leaves the timestamp unset
(BuildKit's nil ``*time.Time``). Strings that are bytes on the wire (log data, warning text) stay bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

__all__ = [
    "ProgressGroup",
    "Range",
    "SolveStatus",
    "SourceInfo",
    "Vertex",
    "VertexLog",
    "VertexStatus",
    "VertexWarning",
    "with_prefix",
]


@dataclass(frozen=True)
class ProgressGroup:
    """Vertexes sharing a group id show as one line ``name``; ``weak`` members alone keep it hidden."""

    id: str
    name: str = ""
    weak: bool = False


@dataclass(frozen=True)
class Vertex:
    """One step of the build graph as it runs: ``started``/``completed`` set once it runs/ends."""

    digest: str
    name: str = ""
    inputs: tuple[str, ...] = ()
    cached: bool = False
    started: float | None = None
    completed: float | None = None
    error: str = ""
    progress_group: ProgressGroup | None = None


@dataclass(frozen=True)
class VertexStatus:
    """A sub-task of a vertex (``transferring context``, a layer pull): bytes done of total."""

    id: str
    vertex: str
    name: str = ""
    current: int = 0
    total: int = 0
    timestamp: float = 0.0
    started: float | None = None
    completed: float | None = None


@dataclass(frozen=True)
class VertexLog:
    """A chunk of a step's output; ``stream`` 1 is stdout, 2 stderr. Chunks need not end at a newline."""

    vertex: str
    data: bytes
    timestamp: float = 0.0
    stream: int = 1


@dataclass(frozen=True)
class Range:
    """A span of a source file: 1-based lines, 0-based characters (BuildKit's ``pb.Range``)."""

    start_line: int
    end_line: int = 0
    start_character: int = 0
    end_character: int = 0


@dataclass(frozen=True)
class SourceInfo:
    """A source file the frontend attached (usually the Dockerfile)."""

    filename: str
    data: bytes = b""
    language: str = ""


@dataclass(frozen=True)
class VertexWarning:
    """A warning the frontend raised for a vertex (e.g. a Dockerfile check)."""

    vertex: str
    short: bytes
    level: int = 0
    detail: tuple[bytes, ...] = ()
    url: str = ""
    source: SourceInfo | None = None
    ranges: tuple[Range, ...] = ()


@dataclass(frozen=True)
class SolveStatus:
    """One message of the status stream."""

    vertexes: Sequence[Vertex] = field(default_factory=tuple)
    statuses: Sequence[VertexStatus] = field(default_factory=tuple)
    logs: Sequence[VertexLog] = field(default_factory=tuple)
    warnings: Sequence[VertexWarning] = field(default_factory=tuple)


def _prefixed(prefix: str, name: str) -> str:
    # buildx util/progress addPrefix: "[internal] x" -> "[web internal] x", "x" -> "[web] x"
    if name.startswith("["):
        return f"[{prefix} {name[1:]}"
    return f"[{prefix}] {name}"


def with_prefix(status: SolveStatus, prefix: str) -> SolveStatus:
    """Rename every vertex the way ``docker buildx bake`` marks a target's steps.

    ``[1/2] RUN x`` becomes ``[web 1/2] RUN x``; a name without brackets becomes ``[web] name``. An empty
    prefix returns ``status`` unchanged (buildx only prefixes when bake builds more than one target).
    """
    if not prefix:
        return status
    vertexes = tuple(replace(v, name=_prefixed(prefix, v.name)) for v in status.vertexes)
    return replace(status, vertexes=vertexes)
