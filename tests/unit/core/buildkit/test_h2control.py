"""Our HTTP/2 Control client against a grpcio server on a unix socket (and against dead peers)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core._gen.rpc import status_pb2
from depotci.core.buildkit.h2client import H2ClientConnection
from depotci.core.buildkit.h2control import ControlStub, H2Channel
from depotci.core.buildkit.rpc_status import H2RpcError, StatusCode, code_name, rpc_errors
from depotci.core.buildkit.solve_errors import is_builder_gone, parse_solve_error

RELEASED = threading.Event()


def _list_workers(req: Any, ctx: Any) -> Any:
    resp = control_pb2.ListWorkersResponse()
    rec = resp.record.add(ID="w1")
    rec.platforms.add(OS="linux", Architecture="amd64")
    return resp


def _status(req: Any, ctx: Any) -> Iterator[Any]:
    if req.Ref == "forever":
        while ctx.is_active() and not RELEASED.wait(0.05):
            pass
        return
    for i in range(3):
        yield control_pb2.StatusResponse(vertexes=[control_pb2.Vertex(name=f"{req.Ref}-{i}")])


def _solve(req: Any, ctx: Any) -> Any:
    if req.Ref == "slow":
        time.sleep(2)
        return control_pb2.SolveResponse()
    st = status_pb2.Status(code=3, message="bad thing \u2713 100%")
    detail = st.details.add()
    detail.type_url = "github.com/moby/buildkit/errdefs.Vertex+json"
    detail.value = b'{"digest": "sha256:abc"}'
    ctx.set_trailing_metadata((("grpc-status-details-bin", st.SerializeToString()),))
    ctx.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad thing \u2713 100%")


def _echo(req: bytes, ctx: Any) -> bytes:
    return req[::-1]


@pytest.fixture(scope="module")
def server_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from concurrent import futures

    path = str(tmp_path_factory.mktemp("h2c") / "ctl.sock")
    server = grpc.server(futures.ThreadPoolExecutor(8), options=[("grpc.max_receive_message_length", 64 << 20)])
    ident = {"request_deserializer": None, "response_serializer": None}
    methods = {
        "ListWorkers": grpc.unary_unary_rpc_method_handler(
            _list_workers, control_pb2.ListWorkersRequest.FromString, control_pb2.ListWorkersResponse.SerializeToString),
        "Status": grpc.unary_stream_rpc_method_handler(
            _status, control_pb2.StatusRequest.FromString, control_pb2.StatusResponse.SerializeToString),
        "Solve": grpc.unary_unary_rpc_method_handler(
            _solve, control_pb2.SolveRequest.FromString, control_pb2.SolveResponse.SerializeToString),
    }
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("moby.buildkit.v1.Control", methods),
        grpc.method_handlers_generic_handler("test.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(_echo, **ident)}),
    ))
    server.add_insecure_port(f"unix:{path}")
    server.start()
    yield path
    RELEASED.set()
    server.stop(None)


@pytest.fixture
def channel(server_path: str) -> Iterator[H2Channel]:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(server_path)
    ch = H2Channel(H2ClientConnection(sock))
    yield ch
    ch.close()


def test_unary(channel: H2Channel) -> None:
    resp = ControlStub(channel).ListWorkers(control_pb2.ListWorkersRequest(), timeout=5)
    assert [(p.OS, p.Architecture) for p in resp.record[0].platforms] == [("linux", "amd64")]


@pytest.mark.parametrize("size", [0, 10, 70_000, 3 << 20])
def test_flow_control_both_ways(channel: H2Channel, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert channel.unary_unary("/test.Echo/Echo")(data, timeout=10) == data[::-1]


@pytest.mark.parametrize("ref", ["a", "other"])
def test_server_stream(channel: H2Channel, ref: str) -> None:
    names = [m.vertexes[0].name for m in ControlStub(channel).Status(control_pb2.StatusRequest(Ref=ref))]
    assert names == [f"{ref}-0", f"{ref}-1", f"{ref}-2"]


def test_error_with_details(channel: H2Channel) -> None:
    with pytest.raises(rpc_errors()) as info:
        ControlStub(channel).Solve(control_pb2.SolveRequest(Ref="x"))
    err = info.value
    assert err.code() is StatusCode.INVALID_ARGUMENT
    assert err.details() == "bad thing \u2713 100%"
    parsed = parse_solve_error(err)
    assert (parsed.vertex, code_name(err), parsed.message) == ("sha256:abc", "INVALID_ARGUMENT", err.details())
    assert is_builder_gone(err, "x") is None


def test_cancel_stream(channel: H2Channel) -> None:
    call = ControlStub(channel).Status(control_pb2.StatusRequest(Ref="forever"))
    threading.Timer(0.2, call.cancel).start()
    with pytest.raises(H2RpcError) as info:
        list(call)
    assert info.value.code() is StatusCode.CANCELLED
    # the connection stays usable
    assert ControlStub(channel).ListWorkers(control_pb2.ListWorkersRequest(), timeout=5).record[0].ID == "w1"


def test_deadline(channel: H2Channel) -> None:
    with pytest.raises(H2RpcError) as info:
        ControlStub(channel).Solve(control_pb2.SolveRequest(Ref="slow"), timeout=0.2)
    assert info.value.code() is StatusCode.DEADLINE_EXCEEDED


@pytest.mark.parametrize("how", ["eof", "keepalive"])
def test_dead_peer_fails_open_calls(how: str) -> None:
    ours, theirs = socket.socketpair()
    conn = H2ClientConnection(ours, keepalive=0.1 if how == "keepalive" else 0, keepalive_timeout=0.2)
    call = ControlStub(H2Channel(conn)).Status(control_pb2.StatusRequest(Ref="x"))
    if how == "eof":
        threading.Timer(0.1, theirs.close).start()
    start = time.monotonic()
    with pytest.raises(H2RpcError) as info:
        next(iter(call))
    assert info.value.code() is StatusCode.UNAVAILABLE
    assert time.monotonic() - start < 5
    gone = is_builder_gone(info.value, "docker (unix:///x)")
    assert gone is not None and "lost the connection to the builder (docker (unix:///x))" in str(gone)
    with pytest.raises(H2RpcError):
        conn.start("/x/y", b"")
    theirs.close()
    conn.close()
