"""The session content store (containerd ``Content`` service) on a real SessionServer, with this test
playing the BuildKit daemon over a grpcio channel, as BuildKit's local cache exporter/importer does."""

from __future__ import annotations

import hashlib
import os
import queue
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from depotci.core._gen.containerd.services.content.v1 import content_pb2 as pb
from depotci.core.buildkit.session.content_store import ContentStoreService
from depotci.core.buildkit.session.oci_store import LocalStore
from depotci.core.buildkit.session.server import SessionServer
from google.protobuf import empty_pb2

TIMEOUT = 10.0
SVC = "/containerd.services.content.v1.Content/"
STORE = "local:/cache"
MD = (("buildkit-attachable-store-id", STORE),)
BIG = bytes(range(256)) * 9000  # 2.3 MB: three Read messages of at most 1 MiB


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Client:
    """The daemon side: typed calls on one channel."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel

    def unary(self, name: str, req: Any, resp: Any, md: Any = MD) -> Any:
        call = self.channel.unary_unary(SVC + name, request_serializer=type(req).SerializeToString, response_deserializer=resp.FromString)
        return call(req, metadata=md, timeout=TIMEOUT)

    def stream(self, name: str, req: Any, resp: Any, md: Any = MD) -> list[Any]:
        call = self.channel.unary_stream(SVC + name, request_serializer=type(req).SerializeToString, response_deserializer=resp.FromString)
        return list(call(req, metadata=md, timeout=TIMEOUT))

    def info(self, digest: str, md: Any = MD) -> Any:
        return self.unary("Info", pb.InfoRequest(digest=digest), pb.InfoResponse, md).info

    def read(self, digest: str, offset: int = 0, size: int = 0) -> list[Any]:
        return self.stream("Read", pb.ReadContentRequest(digest=digest, offset=offset, size=size), pb.ReadContentResponse)

    def write(self) -> Writer:
        return Writer(self.channel)


_CLOSE = object()


class Writer:
    """One Write stream driven message by message, like containerd's remote writer."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._out: queue.Queue[Any] = queue.Queue()
        method = channel.stream_stream(
            SVC + "Write", request_serializer=pb.WriteContentRequest.SerializeToString, response_deserializer=pb.WriteContentResponse.FromString
        )
        self.call = method(self._requests(), metadata=MD, timeout=TIMEOUT)

    def _requests(self) -> Iterator[Any]:
        while (item := self._out.get()) is not _CLOSE:
            yield item

    def send(self, **fields: Any) -> Any:
        self._out.put(pb.WriteContentRequest(**fields))
        return next(self.call)

    def close(self) -> None:
        self._out.put(_CLOSE)
        assert list(self.call) == []


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(params=["h2", "grpcio"])
def client(request: pytest.FixtureRequest, store_dir: Path) -> Iterator[Client]:
    server = SessionServer([ContentStoreService({STORE: LocalStore(str(store_dir))})], shared_key="k", backend=request.param)
    channel = grpc.insecure_channel(f"unix:{server.path}")
    yield Client(channel)
    channel.close()
    server.close()


def put_blob(store_dir: Path, data: bytes) -> str:
    dgst = digest_of(data)
    path = store_dir / "blobs" / "sha256" / dgst.split(":")[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return dgst


def code_of(fn: Callable[[], Any]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        fn()
    return info.value.code()  # type: ignore[no-any-return]


# --- store selection, Info, Read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("md", "code"),
    [((), grpc.StatusCode.INVALID_ARGUMENT), ((("buildkit-attachable-store-id", "local:/other"),), grpc.StatusCode.NOT_FOUND)],
)
def test_the_store_is_chosen_by_metadata(client: Client, store_dir: Path, md: Any, code: grpc.StatusCode) -> None:
    dgst = put_blob(store_dir, b"x")
    assert client.info(dgst).size == 1
    assert code_of(lambda: client.info(dgst, md)) == code


@pytest.mark.parametrize(
    ("digest", "code"),
    [
        (digest_of(b"missing"), grpc.StatusCode.NOT_FOUND),
        ("sha256:abc", grpc.StatusCode.INVALID_ARGUMENT),
        ("md5:" + "0" * 32, grpc.StatusCode.INVALID_ARGUMENT),
        ("sha256:../../etc/passwd", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
def test_info_and_read_of_a_missing_or_invalid_digest(client: Client, digest: str, code: grpc.StatusCode) -> None:
    assert code_of(lambda: client.info(digest)) == code
    assert code_of(lambda: client.read(digest)) == code


def test_info_reports_size_and_times(client: Client, store_dir: Path) -> None:
    dgst = put_blob(store_dir, b"hello")
    info = client.info(dgst)
    assert (info.digest, info.size) == (dgst, 5)
    assert info.created_at.seconds > 0


@pytest.mark.parametrize(
    ("offset", "size", "want"),
    [
        (0, 0, BIG),
        (-5, 0, BIG),
        (10, 0, BIG[10:]),
        (10, 100, BIG[10:110]),
        ((1 << 20) - 3, 6, BIG[(1 << 20) - 3 : (1 << 20) + 3]),
        (len(BIG) - 4, 1000, BIG[-4:]),
        (len(BIG), 0, b""),
    ],
)
def test_read_ranges(client: Client, store_dir: Path, offset: int, size: int, want: bytes) -> None:
    dgst = put_blob(store_dir, BIG)
    msgs = client.read(dgst, offset, size)
    assert b"".join(m.data for m in msgs) == want
    assert all(len(m.data) <= 1 << 20 for m in msgs)
    start = max(offset, 0)
    assert [m.offset for m in msgs] == [start + sum(len(p.data) for p in msgs[:i]) for i in range(len(msgs))]


def test_read_past_the_end_is_out_of_range(client: Client, store_dir: Path) -> None:
    dgst = put_blob(store_dir, b"abc")
    assert code_of(lambda: client.read(dgst, 4)) == grpc.StatusCode.OUT_OF_RANGE


# --- Write -------------------------------------------------------------------------------------------


def blob(store_dir: Path, dgst: str) -> Path:
    return store_dir / "blobs" / "sha256" / dgst.split(":")[1]


@pytest.mark.parametrize("with_expected", [True, False])
def test_write_commit_in_one_message(client: Client, store_dir: Path, with_expected: bool) -> None:
    data = b"layer bytes"
    dgst = digest_of(data)
    w = client.write()
    expected = dgst if with_expected else ""
    resp = w.send(action=pb.COMMIT, ref="r1", total=len(data), expected=expected, data=data)
    w.close()
    assert (resp.action, resp.offset, resp.digest) == (pb.COMMIT, len(data), dgst)
    assert blob(store_dir, dgst).read_bytes() == data
    assert stat.S_IMODE(blob(store_dir, dgst).stat().st_mode) == 0o444
    assert os.listdir(store_dir / "ingest") == []
    assert client.info(dgst).size == len(data)


def test_partial_write_is_not_a_blob_and_resumes(client: Client, store_dir: Path) -> None:
    data = b"0123456789" * 100
    dgst = digest_of(data)
    w = client.write()
    stat0 = w.send(action=pb.STAT, ref="r2", total=len(data), expected=dgst)
    assert (stat0.offset, stat0.total) == (0, len(data))
    assert w.send(action=pb.WRITE, offset=0, data=data[:300]).offset == 300
    w.close()  # the stream breaks off before COMMIT
    assert not (store_dir / "blobs").exists()
    assert code_of(lambda: client.info(dgst)) == grpc.StatusCode.NOT_FOUND
    status = client.unary("Status", pb.StatusRequest(ref="r2"), pb.StatusResponse).status
    assert (status.ref, status.offset, status.total) == ("r2", 300, len(data))
    listed = client.unary("ListStatuses", pb.ListStatusesRequest(), pb.ListStatusesResponse).statuses
    assert [(s.ref, s.offset) for s in listed] == [("r2", 300)]

    w = client.write()
    resumed = w.send(action=pb.STAT, ref="r2", total=len(data), expected=dgst)
    assert (resumed.offset, resumed.digest) == (300, digest_of(data[:300]))
    assert w.send(action=pb.WRITE, offset=300, data=data[300:]).offset == len(data)
    done = w.send(action=pb.COMMIT, offset=len(data), total=len(data), expected=dgst)
    w.close()
    assert done.digest == dgst
    assert blob(store_dir, dgst).read_bytes() == data
    assert code_of(lambda: client.unary("Status", pb.StatusRequest(ref="r2"), pb.StatusResponse)) == grpc.StatusCode.NOT_FOUND


def test_write_at_offset_zero_restarts(client: Client, store_dir: Path) -> None:
    w = client.write()
    w.send(action=pb.WRITE, ref="r3", data=b"garbage")
    assert w.send(action=pb.WRITE, offset=0, data=b"good").offset == 4
    assert w.send(action=pb.COMMIT, offset=4, total=4, expected=digest_of(b"good")).digest == digest_of(b"good")
    w.close()
    assert blob(store_dir, digest_of(b"good")).read_bytes() == b"good"


@pytest.mark.parametrize("offset", [1, 5])
def test_write_at_another_offset_is_out_of_range(client: Client, offset: int) -> None:
    w = client.write()
    w.send(action=pb.WRITE, ref="r4", data=b"abc")
    assert code_of(lambda: w.send(action=pb.WRITE, offset=offset, data=b"x")) == grpc.StatusCode.OUT_OF_RANGE


@pytest.mark.parametrize(
    ("total", "expected"),
    [(3, digest_of(b"something else")), (99, "")],
)
def test_commit_verifies_size_and_digest(client: Client, store_dir: Path, total: int, expected: str) -> None:
    w = client.write()
    assert code_of(lambda: w.send(action=pb.COMMIT, ref="r5", total=total, expected=expected, data=b"abc")) == grpc.StatusCode.FAILED_PRECONDITION
    assert not (store_dir / "blobs" / "sha256").exists()
    assert os.listdir(store_dir / "ingest") == []


def test_expected_blob_that_exists_is_already_exists(client: Client, store_dir: Path) -> None:
    dgst = put_blob(store_dir, b"have it")
    w = client.write()
    assert code_of(lambda: w.send(action=pb.STAT, ref="r6", expected=dgst)) == grpc.StatusCode.ALREADY_EXISTS


def test_one_writer_per_ref(client: Client) -> None:
    first = client.write()
    first.send(action=pb.WRITE, ref="r7", data=b"a")
    second = client.write()
    assert code_of(lambda: second.send(action=pb.STAT, ref="r7")) == grpc.StatusCode.UNAVAILABLE
    first.close()
    again = client.write()
    assert again.send(action=pb.STAT, ref="r7").offset == 1


def test_first_write_message_needs_a_ref(client: Client) -> None:
    w = client.write()
    assert code_of(lambda: w.send(action=pb.WRITE, data=b"a")) == grpc.StatusCode.INVALID_ARGUMENT


# --- List, Delete, Update, Status, Abort ------------------------------------------------------------


def test_list_delete_update(client: Client, store_dir: Path) -> None:
    digests = sorted(put_blob(store_dir, bytes([i])) for i in range(3))
    listed = client.stream("List", pb.ListContentRequest(), pb.ListContentResponse)
    assert sorted(i.digest for m in listed for i in m.info) == digests
    client.unary("Delete", pb.DeleteContentRequest(digest=digests[0]), empty_pb2.Empty)
    assert code_of(lambda: client.info(digests[0])) == grpc.StatusCode.NOT_FOUND
    delete_again = pb.DeleteContentRequest(digest=digests[0])
    assert code_of(lambda: client.unary("Delete", delete_again, empty_pb2.Empty)) == grpc.StatusCode.NOT_FOUND
    update = pb.UpdateRequest(info=pb.Info(digest=digests[1], labels={"a": "b"}))
    assert code_of(lambda: client.unary("Update", update, pb.UpdateResponse)) == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize("method", ["Status", "Abort"])
def test_status_and_abort_of_an_unknown_ref(client: Client, method: str) -> None:
    req: Any = pb.StatusRequest(ref="nope") if method == "Status" else pb.AbortRequest(ref="nope")
    resp = pb.StatusResponse if method == "Status" else empty_pb2.Empty
    assert code_of(lambda: client.unary(method, req, resp)) == grpc.StatusCode.NOT_FOUND


def test_abort_drops_the_ingest(client: Client, store_dir: Path) -> None:
    w = client.write()
    w.send(action=pb.WRITE, ref="r8", data=b"partial")
    w.close()
    client.unary("Abort", pb.AbortRequest(ref="r8"), empty_pb2.Empty)
    assert os.listdir(store_dir / "ingest") == []
    assert client.write().send(action=pb.STAT, ref="r8").offset == 0
