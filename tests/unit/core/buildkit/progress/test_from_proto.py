"""StatusResponse (generated module and look-alikes) -> SolveStatus."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from depotci.core._gen.errdefs import errdefs_pb2
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core._gen.pb import ops_pb2
from depotci.core.buildkit.progress import (
    ProgressGroup,
    Range,
    SolveStatus,
    SourceInfo,
    SourceSnippet,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
    solve_status_from_proto,
    source_snippet_from_proto,
)
from google.protobuf.timestamp_pb2 import Timestamp


def ts(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def test_real_status_response() -> None:
    msg = control_pb2.StatusResponse(
        vertexes=[
            control_pb2.Vertex(
                digest="sha256:a",
                name="[1/2] FROM x",
                inputs=["sha256:0"],
                cached=True,
                started=ts(100, 500_000_000),
                completed=ts(101),
            ),
            control_pb2.Vertex(digest="sha256:b", name="waiting"),
            control_pb2.Vertex(
                digest="sha256:c",
                name="m",
                started=ts(5),
                error="boom",
                progressGroup=ops_pb2.ProgressGroup(id="g", name="merge", weak=True),
            ),
        ],
        statuses=[
            control_pb2.VertexStatus(
                ID="transferring context:",
                vertex="sha256:a",
                name="n",
                current=5,
                total=10,
                timestamp=ts(100, 250_000_000),
                started=ts(100),
            )
        ],
        logs=[control_pb2.VertexLog(vertex="sha256:a", timestamp=ts(102), stream=2, msg=b"hi\n")],
        warnings=[
            control_pb2.VertexWarning(
                vertex="sha256:a",
                level=1,
                short=b"short",
                detail=[b"d1", b"d2"],
                url="https://u",
                info=ops_pb2.SourceInfo(filename="Dockerfile", data=b"FROM x", language="Dockerfile"),
                ranges=[
                    ops_pb2.Range(
                        start=ops_pb2.Position(line=1, character=0), end=ops_pb2.Position(line=1, character=6)
                    )
                ],
            )
        ],
    )
    assert solve_status_from_proto(msg) == SolveStatus(
        vertexes=(
            Vertex("sha256:a", "[1/2] FROM x", ("sha256:0",), True, 100.5, 101.0),
            Vertex("sha256:b", "waiting"),
            Vertex(
                "sha256:c", "m", started=5.0, error="boom", progress_group=ProgressGroup("g", "merge", True)
            ),
        ),
        statuses=(VertexStatus("transferring context:", "sha256:a", "n", 5, 10, 100.25, 100.0, None),),
        logs=(VertexLog("sha256:a", b"hi\n", 102.0, 2),),
        warnings=(
            VertexWarning(
                "sha256:a",
                b"short",
                1,
                (b"d1", b"d2"),
                "https://u",
                SourceInfo("Dockerfile", b"FROM x", "Dockerfile"),
                (Range(1, 1, 0, 6),),
            ),
        ),
    )


def test_look_alike_objects_without_hasfield() -> None:
    stamp = SimpleNamespace(seconds=10, nanos=0)
    zero = SimpleNamespace(seconds=0, nanos=0)
    vertex = SimpleNamespace(
        digest="d",
        name="n",
        inputs=[],
        cached=False,
        started=stamp,
        completed=zero,
        error="",
        progressGroup=None,
    )
    msg = SimpleNamespace(vertexes=[vertex], statuses=[], logs=[])
    assert solve_status_from_proto(msg) == SolveStatus(vertexes=(Vertex("d", "n", started=10.0),))


@pytest.mark.parametrize(
    "src,expected",
    [
        (
            errdefs_pb2.Source(
                info=ops_pb2.SourceInfo(filename="Dockerfile", data=b"FROM x\nRUN y"),
                ranges=[ops_pb2.Range(start=ops_pb2.Position(line=2), end=ops_pb2.Position(line=2))],
            ),
            SourceSnippet("Dockerfile", b"FROM x\nRUN y", [(2, 2)]),
        ),
        (errdefs_pb2.Source(), None),
    ],
)
def test_source_snippet_from_proto(src: errdefs_pb2.Source, expected: SourceSnippet | None) -> None:
    assert source_snippet_from_proto(src) == expected
