"""The LLBBridge client messages: wire field numbers as in BuildKit v0.13's gateway.proto, and the calls."""

from __future__ import annotations

from typing import Any

import pytest
from depotci.core._gen.pb import ops_pb2
from depotci.core.commands.bake_gateway import (
    BUILD_ID_KEY,
    GatewayResult,
    bridge_return,
    bridge_solve,
    messages,
)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def _fields(data: bytes) -> list[tuple[int, Any]]:
    """Top-level (field number, value) pairs of a protobuf message (varints and length-delimited only)."""
    out: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.append((number, value))
    return out


DEF = ops_pb2.Definition(Source=ops_pb2.Source())
DEF.metadata["sha256:x"].description["k"] = "v"


def test_solve_request_field_numbers() -> None:
    req = messages()["SolveRequest"](Frontend="dockerfile.v0", allowResultReturn=True, allowResultArrayRef=True, Evaluate=True)
    req.FrontendOpt["filename"] = "Dockerfile"
    req.FrontendInputs["base"].CopyFrom(DEF)
    entry = req.CacheImports.add(Type="registry")
    entry.Attrs["ref"] = "r"
    req.Definition.CopyFrom(DEF)
    got = dict((n, v) for n, v in _fields(req.SerializeToString()))
    assert sorted(got) == [1, 2, 3, 5, 6, 12, 13, 14]
    assert got[2] == b"dockerfile.v0"
    assert (got[5], got[6], got[14]) == (1, 1, 1)
    assert _fields(got[3]) == [(1, b"filename"), (2, b"Dockerfile")]
    assert _fields(got[13]) == [(1, b"base"), (2, DEF.SerializeToString())]
    assert _fields(got[12]) == [(1, b"registry"), (2, b"\n\x03ref\x12\x01r")]
    assert got[1] == DEF.SerializeToString()


def _solve_response(single: bool) -> bytes:
    m = messages()
    resp = m["SolveResponse"]()
    if single:
        resp.result.ref.id = "ref1"
        getattr(resp.result.ref, "def").CopyFrom(DEF)
    else:
        for platform, rid in (("linux/amd64", "r1"), ("linux/arm64", "r2")):
            resp.result.refs.refs[platform].id = rid
            getattr(resp.result.refs.refs[platform], "def").CopyFrom(DEF)
    resp.result.metadata["containerimage.config"] = b"{}"
    return bytes(resp.SerializeToString())


class _Channel:
    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, bytes, Any]] = []

    def unary_unary(self, path: str, request_serializer: Any, response_deserializer: Any) -> Any:
        def call(request: Any, metadata: Any = None, timeout: Any = None) -> Any:
            self.calls.append((path, request_serializer(request), metadata))
            return response_deserializer(self.answers[path.rsplit("/", 1)[1]])

        return call


class _Conn:
    def __init__(self, answers: dict[str, bytes]) -> None:
        self.channel = _Channel(answers)


@pytest.mark.parametrize(("single", "keys"), [(True, [""]), (False, ["linux/amd64", "linux/arm64"])])
def test_bridge_solve_and_return(single: bool, keys: list[str]) -> None:
    conn = _Conn({"Solve": _solve_response(single), "Return": b""})
    result = bridge_solve(conn, "BUILD1", "dockerfile.v0", {"filename": "Dockerfile"}, {"base": DEF.SerializeToString()})
    assert sorted(result.definitions) == keys
    assert all(d == DEF.SerializeToString() for d in result.definitions.values())
    assert result.single is single
    assert result.metadata == {"containerimage.config": b"{}"}
    path, body, metadata = conn.channel.calls[0]
    assert path == "/moby.buildkit.v1.frontend.LLBBridge/Solve"
    assert metadata == [(BUILD_ID_KEY, "BUILD1")]
    assert dict(_fields(body))[2] == b"dockerfile.v0"

    bridge_return(conn, "BUILD1", result)
    path, body, metadata = conn.channel.calls[1]
    assert (path, metadata) == ("/moby.buildkit.v1.frontend.LLBBridge/Return", [(BUILD_ID_KEY, "BUILD1")])
    (number, value), = _fields(body)
    assert number == 1
    # the result goes back as the daemon sent it (compared parsed: map entries have no fixed byte order)
    assert type(result.raw).FromString(value) == result.raw


def test_return_keeps_fields_we_do_not_model() -> None:
    m = messages()
    raw = m["Result"](refDeprecated="x").SerializeToString() + b"\x62\x03\x0a\x01a"  # field 12 (attestations)
    result = GatewayResult(raw=m["Result"].FromString(raw))
    conn = _Conn({"Return": b""})
    bridge_return(conn, "B", result)
    (_, value), = _fields(conn.channel.calls[0][1])
    assert value.endswith(b"\x62\x03\x0a\x01a")


def test_return_error() -> None:
    conn = _Conn({"Return": b""})
    bridge_return(conn, "B", error="frontend failed")
    (number, value), = _fields(conn.channel.calls[0][1])
    assert number == 2
    assert _fields(value) == [(1, 2), (2, b"frontend failed")]
