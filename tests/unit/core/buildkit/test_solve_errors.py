"""A failed Solve's grpc error: status details (vertex, sources) and a lost builder."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence

import grpc
import pytest
from depotci.core._gen.errdefs import errdefs_pb2
from depotci.core._gen.pb import ops_pb2
from depotci.core._gen.rpc import status_pb2
from depotci.core._gen.stack import stack_pb2
from depotci.core.buildkit.solve_errors import SolveErrorInfo, is_builder_gone, parse_solve_error
from depotci.core.errors import BuilderError, SourceLocation
from google.protobuf import any_pb2

DOCKERFILE = b"FROM busybox\nRUN false\n"


class FakeRpcError(grpc.RpcError):
    """What grpcio raises for a failed call: code, details and trailing metadata."""

    def __init__(
        self,
        code: grpc.StatusCode,
        details: str | None,
        trailers: Sequence[tuple[str, str | bytes]] | None = (),
    ) -> None:
        super().__init__(details)
        self._code = code
        self._details = details
        self._trailers = trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str | None:
        return self._details

    def trailing_metadata(self) -> Sequence[tuple[str, str | bytes]] | None:
        return self._trailers


def _any(msg: object, type_url: str) -> any_pb2.Any:
    return any_pb2.Any(type_url=type_url, value=msg.SerializeToString())  # type: ignore[attr-defined]


def _vertex(digest: str, prefix: str = "type.googleapis.com/") -> any_pb2.Any:
    return _any(errdefs_pb2.Vertex(digest=digest), prefix + "errdefs.Vertex")


def _source(filename: str, data: bytes, *ranges: tuple[int, int]) -> any_pb2.Any:
    src = errdefs_pb2.Source(
        info=ops_pb2.SourceInfo(filename=filename, data=data, language="Dockerfile"),
        ranges=[ops_pb2.Range(start=ops_pb2.Position(line=s, character=1), end=ops_pb2.Position(line=e)) for s, e in ranges],
    )
    return _any(src, "type.googleapis.com/errdefs.Source")


def _details(*details: any_pb2.Any) -> tuple[str, bytes]:
    status = status_pb2.Status(code=2, message="process did not complete successfully", details=list(details))
    return ("grpc-status-details-bin", status.SerializeToString())


MSG = 'process "/bin/sh -c false" did not complete successfully: exit code: 1'


@pytest.mark.parametrize(
    ("trailers", "vertex", "sources", "location"),
    [
        ((), "", [], None),
        (None, "", [], None),
        ((("content-type", "application/grpc"),), "", [], None),
        ((_details(),), "", [], None),
        (
            (("x-other", "1"), _details(_vertex("sha256:aa"), _source("Dockerfile", DOCKERFILE, (2, 2)))),
            "sha256:aa",
            [("Dockerfile", DOCKERFILE, [(2, 2)])],
            SourceLocation("Dockerfile", 2, 0, 2),
        ),
        (
            (_details(_vertex("sha256:bb", "github.com/moby/buildkit/"), _source("df", b"X", (3, 0))),),
            "sha256:bb",
            [("df", b"X", [(3, 3)])],  # an end line of 0 is the start line
            SourceLocation("df", 3, 0, 3),
        ),
        (
            (_details(_source("first", b"", ), _source("Dockerfile.dev", DOCKERFILE, (4, 6), (9, 9))),),
            "",
            [("first", b"", []), ("Dockerfile.dev", DOCKERFILE, [(4, 6), (9, 9)])],
            SourceLocation("Dockerfile.dev", 4, 0, 6),  # the first source that has a range
        ),
        (
            (_details(_any(stack_pb2.Stack(pid=7), "type.googleapis.com/stack.Stack"), _vertex("sha256:cc")),),
            "sha256:cc",
            [],
            None,
        ),
    ],
)
def test_parse_solve_error(
    trailers: Sequence[tuple[str, str | bytes]] | None,
    vertex: str,
    sources: list[tuple[str, bytes, list[tuple[int, int]]]],
    location: SourceLocation | None,
) -> None:
    info = parse_solve_error(FakeRpcError(grpc.StatusCode.UNKNOWN, MSG, trailers))
    assert info == SolveErrorInfo(MSG, grpc.StatusCode.UNKNOWN, vertex, sources)
    assert info.location() == location


def _json_any(kind: str, obj: object) -> any_pb2.Any:
    return any_pb2.Any(type_url=f"github.com/moby/buildkit/{kind}+json", value=json.dumps(obj).encode())


DF_B64 = base64.b64encode(DOCKERFILE).decode()


@pytest.mark.parametrize(
    ("details", "vertex", "sources"),
    [
        # typeurl's JSON form (BuildKit embedded in dockerd): Go encoding/json, bytes in base64
        (
            [
                _json_any("errdefs.Vertex", {"digest": "sha256:dd"}),
                _json_any(
                    "errdefs.Source",
                    {
                        "info": {"filename": "Dockerfile", "data": DF_B64, "language": "Dockerfile"},
                        "ranges": [{"start": {"line": 2, "character": 1}, "end": {"line": 2}}],
                    },
                ),
            ],
            "sha256:dd",
            [("Dockerfile", DOCKERFILE, [(2, 2)])],
        ),
        (  # omitempty: no end line, no data, no ranges
            [_json_any("errdefs.Source", {"info": {"filename": "df"}, "ranges": [{"start": {"line": 5}, "end": {}}]})],
            "",
            [("df", b"", [(5, 5)])],
        ),
        ([_json_any("errdefs.Source", {})], "", [("", b"", [])]),
        ([_json_any("errdefs.Vertex", {})], "", []),
        # undecodable details are skipped, the others kept
        (
            [
                _json_any("errdefs.Vertex", ["not", "an", "object"]),
                any_pb2.Any(type_url="github.com/moby/buildkit/errdefs.Source+json", value=b"{not json"),
                _json_any("errdefs.Source", {"info": {"filename": "x", "data": "abc"}}),  # bad base64 padding
                _vertex("sha256:ok"),
            ],
            "sha256:ok",
            [],
        ),
    ],
)
def test_parse_solve_error_details(
    details: list[any_pb2.Any], vertex: str, sources: list[tuple[str, bytes, list[tuple[int, int]]]]
) -> None:
    info = parse_solve_error(FakeRpcError(grpc.StatusCode.UNKNOWN, MSG, [_details(*details)]))
    assert (info.message, info.vertex, info.sources) == (MSG, vertex, sources)


def test_parse_solve_error_corrupt_protobuf_detail() -> None:
    corrupt = any_pb2.Any(type_url="type.googleapis.com/errdefs.Source", value=b"\xff\xff\xff")
    info = parse_solve_error(FakeRpcError(grpc.StatusCode.UNKNOWN, MSG, [_details(corrupt, _vertex("sha256:ok"))]))
    assert (info.vertex, info.sources) == ("sha256:ok", [])


@pytest.mark.parametrize("raw", [b"\xff\xff\xff\xff", b"\x0a\x05ab"])
def test_parse_solve_error_malformed_trailer(raw: bytes) -> None:
    info = parse_solve_error(FakeRpcError(grpc.StatusCode.UNKNOWN, MSG, [("grpc-status-details-bin", raw)]))
    assert info == SolveErrorInfo(MSG, grpc.StatusCode.UNKNOWN)


def test_parse_solve_error_without_grpc_attributes() -> None:
    info = parse_solve_error(RuntimeError("socket closed"))
    assert info == SolveErrorInfo("socket closed", None)
    assert info.location() is None


def test_parse_solve_error_details_none() -> None:
    assert parse_solve_error(FakeRpcError(grpc.StatusCode.CANCELLED, None)).message == ""


class NoMetadata(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.INTERNAL

    def details(self) -> str:
        return "boom"

    def trailing_metadata(self) -> None:
        raise ValueError("no metadata on this error")


def test_parse_solve_error_metadata_raises() -> None:
    assert parse_solve_error(NoMetadata()) == SolveErrorInfo("boom", grpc.StatusCode.INTERNAL)


@pytest.mark.parametrize(
    ("code", "details", "message"),
    [
        (grpc.StatusCode.UNAVAILABLE, "Socket closed", "lost the connection to the builder (docker engine at unix:///d.sock) during the build: Socket closed"),
        (grpc.StatusCode.UNAVAILABLE, "recvmsg:Connection reset by peer\nmore detail", "lost the connection to the builder (docker engine at unix:///d.sock) during the build: recvmsg:Connection reset by peer"),
        (grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded", "lost the connection to the builder (docker engine at unix:///d.sock) during the build: Deadline Exceeded"),
        (grpc.StatusCode.UNKNOWN, MSG, None),
        (grpc.StatusCode.CANCELLED, "context canceled", None),
        (grpc.StatusCode.INVALID_ARGUMENT, "bad", None),
    ],
)
def test_is_builder_gone(code: grpc.StatusCode, details: str, message: str | None) -> None:
    got = is_builder_gone(FakeRpcError(code, details), "docker engine at unix:///d.sock")
    if message is None:
        assert got is None
    else:
        assert isinstance(got, BuilderError)
        assert str(got) == message


def test_is_builder_gone_no_code() -> None:
    assert is_builder_gone(RuntimeError("x"), "d") is None


@pytest.mark.parametrize("details", [None, ""])
def test_is_builder_gone_empty_details(details: str | None) -> None:
    got = is_builder_gone(FakeRpcError(grpc.StatusCode.UNAVAILABLE, details), "d")
    assert str(got) == "lost the connection to the builder (d) during the build: "
