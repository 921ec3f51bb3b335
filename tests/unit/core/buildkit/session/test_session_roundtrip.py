"""A real SessionServer, with this test playing the BuildKit daemon over a grpcio channel.

FileSync (we send the context), FileSend (exporter results come back), Secrets and Health.
"""

from __future__ import annotations

import gc
import os
import queue
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from depotci.core._gen.fsutil.types import stat_pb2, wire_pb2
from depotci.core._gen.moby.buildkit.secrets.v1 import secrets_pb2
from depotci.core._gen.moby.filesync.v1 import filesync_pb2
from depotci.core.buildkit.session import packets
from depotci.core.buildkit.session.filesend import FileSendService, OutputTarget
from depotci.core.buildkit.session.filesync import FileSyncService, TransferStats
from depotci.core.buildkit.session.gomode import MODE_DIR, MODE_SETGID, MODE_SETUID, MODE_STICKY, MODE_SYMLINK
from depotci.core.buildkit.session.secrets_provider import SecretsService
from depotci.core.buildkit.session.server import HEALTH_CHECK, SessionServer, SessionService
from depotci.core.errors import BuilderError

TIMEOUT = 10.0
SYNC = "/moby.filesync.v1.FileSync/DiffCopy"
SEND = "/moby.filesync.v1.FileSend/DiffCopy"
BIG = bytes(range(256)) * 9000  # 2.3 MB: three DATA chunks of at most 1 MiB


def _identity(b: bytes) -> bytes:
    return b


_CLOSE = object()


class Stream:
    """One bidirectional DiffCopy call, driven step by step like the daemon does."""

    def __init__(self, channel: grpc.Channel, method: str, metadata: Sequence[tuple[str, str]]) -> None:
        self._out: queue.Queue[Any] = queue.Queue()
        self.call = channel.stream_stream(method, request_serializer=_identity, response_deserializer=_identity)(
            self._requests(), metadata=metadata, timeout=TIMEOUT
        )

    def _requests(self) -> Iterator[bytes]:
        while True:
            item = self._out.get()
            if item is _CLOSE:
                return
            yield item

    def send(self, *raw: bytes) -> None:
        for r in raw:
            self._out.put(r)

    def close_send(self) -> None:
        self._out.put(_CLOSE)

    def recv(self) -> wire_pb2.Packet:
        return wire_pb2.Packet.FromString(next(self.call))

    def rest(self) -> list[bytes]:
        """Every remaining response until the server ends the stream."""
        return list(self.call)


@pytest.fixture
def session() -> Iterator[Callable[..., tuple[SessionServer, grpc.Channel]]]:
    opened: list[tuple[SessionServer, grpc.Channel]] = []

    def start(*services: SessionService) -> tuple[SessionServer, grpc.Channel]:
        server = SessionServer(services, shared_key="key-1")
        channel = grpc.insecure_channel(f"unix:{server.path}")
        opened.append((server, channel))
        return server, channel

    yield start
    for server, channel in opened:
        channel.close()
        server.close()
        assert not os.path.exists(server.path)


@pytest.fixture
def context_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    (root / "a").mkdir(parents=True)
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    (root / "a" / "b.txt").write_text("bee")
    (root / "big.bin").write_bytes(BIG)
    (root / "empty").write_bytes(b"")
    (root / "link").symlink_to("Dockerfile")
    return root


# --- session server basics -------------------------------------------------------------------


def test_health_check(session) -> None:  # type: ignore[no-untyped-def]
    _, channel = session()
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=_identity, response_deserializer=_identity)
    assert check(b"", timeout=TIMEOUT) == b"\x08\x01"


def test_headers_announce_methods(session) -> None:  # type: ignore[no-untyped-def]
    server, _ = session(FileSyncService({}), FileSendService({}), SecretsService({}))
    headers = list(server.headers())
    assert headers[:3] == [
        ("X-Docker-Expose-Session-Uuid", server.uuid),
        ("X-Docker-Expose-Session-Name", "depotci"),
        ("X-Docker-Expose-Session-Sharedkey", "key-1"),
    ]
    assert len(server.uuid) == 26 and int(server.uuid, 16) >= 0
    assert headers[3:] == [
        ("X-Docker-Expose-Session-Grpc-Method", m)
        for m in (HEALTH_CHECK, SYNC, SEND, "/moby.buildkit.secrets.v1.Secrets/GetSecret")
    ]


def test_unknown_method_unimplemented(session) -> None:  # type: ignore[no-untyped-def]
    _, channel = session()
    call = channel.unary_unary("/moby.filesync.v1.Auth/FetchToken", request_serializer=_identity)
    with pytest.raises(grpc.RpcError) as info:
        call(b"", timeout=TIMEOUT)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


# --- FileSync: we send a local directory ------------------------------------------------------


def _listing(stream: Stream) -> list[stat_pb2.Stat]:
    out = []
    while True:
        pkt = stream.recv()
        assert pkt.type == packets.STAT
        if not pkt.HasField("stat"):
            return out
        out.append(pkt.stat)


def _pull(stream: Stream, ids: Sequence[int]) -> dict[int, bytes]:
    """REQ every id, read DATA until each has its empty end packet."""
    stream.send(*(packets.req_packet(i) for i in ids))
    got: dict[int, bytearray] = {}
    open_ids = set(ids)
    while open_ids:
        pkt = stream.recv()
        assert pkt.type == packets.DATA
        if pkt.data:
            assert pkt.ID in open_ids
            got.setdefault(pkt.ID, bytearray()).extend(pkt.data)
        else:
            got.setdefault(pkt.ID, bytearray())
            open_ids.discard(pkt.ID)
    return {k: bytes(v) for k, v in got.items()}


def _finish(stream: Stream) -> None:
    stream.send(packets.fin_packet())
    assert stream.recv().type == packets.FIN
    stream.close_send()
    assert stream.rest() == []
    assert stream.call.code() == grpc.StatusCode.OK


def test_filesync_full_transfer(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    stats = TransferStats()
    _, channel = session(FileSyncService({"context": str(context_dir)}, stats))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    listing = _listing(stream)
    assert [s.path for s in listing] == ["Dockerfile", "a", "a/b.txt", "big.bin", "empty", "link"]
    by_path = {s.path: (i, s) for i, s in enumerate(listing)}
    assert by_path["a"][1].mode == MODE_DIR | stat.S_IMODE((context_dir / "a").stat().st_mode)
    assert (by_path["link"][1].mode, by_path["link"][1].linkname) == (MODE_SYMLINK | 0o777, "Dockerfile")
    assert by_path["big.bin"][1].size == len(BIG)
    assert all(s.uid == 0 and s.gid == 0 for s in listing)
    assert by_path["Dockerfile"][1].modTime == (context_dir / "Dockerfile").stat().st_mtime_ns
    wanted = [by_path[p][0] for p in ("big.bin", "a/b.txt", "empty")]
    data = _pull(stream, wanted)
    assert data == {wanted[0]: BIG, wanted[1]: b"bee", wanted[2]: b""}
    _finish(stream)
    assert (stats.entries_listed, stats.files_sent, stats.bytes_sent) == (6, 3, len(BIG) + 3)
    assert stats.dirs == {"context": len(BIG) + 3}


def test_filesync_data_chunks(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    index = [s.path for s in _listing(stream)].index("big.bin")
    stream.send(packets.req_packet(index))
    sizes = []
    while True:
        pkt = stream.recv()
        assert (pkt.type, pkt.ID) == (packets.DATA, index)
        sizes.append(len(pkt.data))
        if not pkt.data:
            break
    assert sizes == [1 << 20, 1 << 20, len(BIG) - (2 << 20), 0]
    _finish(stream)


def test_filesync_no_requests_sends_nothing(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    stats = TransferStats()
    _, channel = session(FileSyncService({"context": str(context_dir)}, stats))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    assert len(_listing(stream)) == 6
    _finish(stream)
    assert (stats.entries_listed, stats.files_sent, stats.bytes_sent, stats.dirs) == (6, 0, 0, {})


@pytest.mark.parametrize(
    ("metadata", "paths"),
    [
        ([("include-patterns", "a")], ["a", "a/b.txt"]),
        ([("include-patterns", "Dockerfile"), ("include-patterns", "empty")], ["Dockerfile", "empty"]),
        ([("exclude-patterns", "big.bin"), ("exclude-patterns", "a")], ["Dockerfile", "empty", "link"]),
        ([("exclude-patterns", "*"), ("exclude-patterns", "!a/b.txt")], ["a", "a/b.txt"]),
        ([("followpaths", "link")], ["Dockerfile", "link"]),
        ([("Dir-Name", "other")], ["x"]),  # keys are case-insensitive; the last dir-name is not used
    ],
)
def test_filesync_filters(session, context_dir: Path, tmp_path: Path, metadata: list[tuple[str, str]], paths: list[str]) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    other.mkdir()
    (other / "x").write_text("x")
    _, channel = session(FileSyncService({"context": str(context_dir), "other": str(other)}))
    md = metadata if any(k.lower() == "dir-name" for k, _ in metadata) else [("dir-name", "context"), *metadata]
    md = [(k.lower(), v) for k, v in md]
    stream = Stream(channel, SYNC, md)
    assert [s.path for s in _listing(stream)] == paths
    _finish(stream)


@pytest.mark.parametrize(("metadata", "name"), [([("dir-name", "nope")], "nope"), ([], "")])
def test_filesync_unknown_dir(session, context_dir: Path, metadata: list[tuple[str, str]], name: str) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, metadata)
    with pytest.raises(grpc.RpcError) as info:
        stream.recv()
    stream.close_send()
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert info.value.details() == f"no access allowed to dir {name!r}"


@pytest.mark.parametrize("what", ["out of range", "a directory"])
def test_filesync_invalid_request(session, context_dir: Path, what: str) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    listing = [s.path for s in _listing(stream)]
    bad = 99 if what == "out of range" else listing.index("a")
    stream.send(packets.req_packet(bad))
    with pytest.raises(grpc.RpcError) as info:
        stream.recv()
    stream.close_send()
    assert (info.value.code(), info.value.details()) == (grpc.StatusCode.INVALID_ARGUMENT, f"invalid file request {bad}")


def test_filesync_error_from_receiver(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    _listing(stream)
    stream.send(wire_pb2.Packet(type=packets.ERR, data=b"disk full").SerializeToString())
    with pytest.raises(grpc.RpcError) as info:
        stream.recv()
    stream.close_send()
    assert (info.value.code(), info.value.details()) == (grpc.StatusCode.UNKNOWN, "error from receiver: disk full")


def test_filesync_missing_root_sends_err(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "gone"
    _, channel = session(FileSyncService({"context": str(missing)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    pkt = stream.recv()
    stream.close_send()
    assert (pkt.type, pkt.data.decode()) == (
        packets.ERR,
        f"cannot read local directory {str(missing)!r}: no such file or directory",
    )
    assert stream.rest() == []


def test_filesync_vanished_file_is_empty(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    stats = TransferStats()
    _, channel = session(FileSyncService({"context": str(context_dir)}, stats))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    index = [s.path for s in _listing(stream)].index("a/b.txt")
    (context_dir / "a" / "b.txt").unlink()  # gone between the listing and the request: like fsutil, no data
    assert _pull(stream, [index]) == {index: b""}
    _finish(stream)
    assert (stats.files_sent, stats.bytes_sent) == (1, 0)


def test_filesync_unreadable_file_fails(session, context_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from depotci.core.buildkit.session import filesync

    def denied(path: str, *args: object, **kwargs: object) -> Any:
        raise PermissionError(13, "Permission denied", path)

    # running as root reads every file: the permission error is faked at filesync's open()
    monkeypatch.setattr(filesync, "open", denied, raising=False)
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    index = [s.path for s in _listing(stream)].index("a/b.txt")
    stream.send(packets.req_packet(index))
    pkt = stream.recv()
    stream.close_send()
    assert (pkt.type, pkt.data.decode()) == (
        packets.ERR,
        f"cannot read file 'a/b.txt' in the local directory {str(context_dir)!r}: permission denied",
    )
    assert stream.rest() == []


def test_filesync_receiver_hangs_up(session, context_dir: Path) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSyncService({"context": str(context_dir)}))
    stream = Stream(channel, SYNC, [("dir-name", "context")])
    _listing(stream)
    stream.close_send()  # no FIN: the server ends the stream when the requests end
    assert stream.rest() == []
    assert stream.call.code() == grpc.StatusCode.OK


# --- FileSend: exporter results come back ---------------------------------------------------


def _bytes_messages(*chunks: bytes) -> list[bytes]:
    return [filesync_pb2.BytesMessage(data=c).SerializeToString() for c in chunks]


@pytest.mark.parametrize(
    ("exporter_md", "chunks"),
    [
        ([("buildkit-attachable-exporter-id", "1")], [b"tar-part-1|", b"", b"part-2|", BIG]),
        ([("buildkit-attachable-exporter-id", "1")], []),
    ],
)
def test_filesend_file(session, tmp_path: Path, exporter_md: list[tuple[str, str]], chunks: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    zero, one = tmp_path / "zero.tar", tmp_path / "out" / "one.tar"
    targets = {0: OutputTarget("file", str(zero)), 1: OutputTarget("file", str(one))}
    _, channel = session(FileSendService(targets))
    stream = Stream(channel, SEND, exporter_md)
    stream.send(*_bytes_messages(*chunks))
    stream.close_send()
    assert stream.rest() == []
    assert stream.call.code() == grpc.StatusCode.OK
    assert one.read_bytes() == b"".join(chunks)
    assert not zero.exists()
    assert sorted(p.name for p in one.parent.iterdir()) == ["one.tar"]


@pytest.mark.parametrize(("metadata", "written"), [([], 0), ([("buildkit-attachable-exporter-id", "x")], 0)])
def test_filesend_default_exporter(session, tmp_path: Path, metadata: list[tuple[str, str]], written: int) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / f"{written}.tar"
    _, channel = session(FileSendService({written: OutputTarget("file", str(target))}))
    stream = Stream(channel, SEND, metadata)
    stream.send(*_bytes_messages(b"abc"))
    stream.close_send()
    assert stream.rest() == []
    assert target.read_bytes() == b"abc"


def test_filesend_stdout(session, capsysbinary: pytest.CaptureFixture[bytes]) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSendService({0: OutputTarget("file", "-")}))
    stream = Stream(channel, SEND, [("buildkit-attachable-exporter-id", "0")])
    stream.send(*_bytes_messages(b"to ", b"stdout"))
    stream.close_send()
    assert stream.rest() == []
    assert capsysbinary.readouterr().out == b"to stdout"


@pytest.mark.parametrize("fail", [False, True])
def test_filesend_load_streams_into_the_sink(session, fail: bool) -> None:  # type: ignore[no-untyped-def]
    got: list[bytes] = []

    def sink(chunks: Iterable[bytes]) -> None:
        got.extend(chunks)
        if fail:
            raise BuilderError("docker: POST /images/load: unexpected EOF")

    _, channel = session(FileSendService({0: OutputTarget("load", sink=sink)}))
    stream = Stream(channel, SEND, [("buildkit-attachable-exporter-id", "0")])
    stream.send(*_bytes_messages(b"tar-1|", b"", b"tar-2"))
    stream.close_send()
    if fail:
        with pytest.raises(grpc.RpcError) as info:
            stream.rest()
        assert (info.value.code(), info.value.details()) == (
            grpc.StatusCode.UNKNOWN, "docker: POST /images/load: unexpected EOF")
    else:
        assert stream.rest() == []
        assert stream.call.code() == grpc.StatusCode.OK
    assert b"".join(got) == b"tar-1|tar-2"


def test_filesend_unknown_exporter(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(FileSendService({0: OutputTarget("file", str(tmp_path / "x"))}))
    stream = Stream(channel, SEND, [("buildkit-attachable-exporter-id", "7")])
    stream.close_send()
    with pytest.raises(grpc.RpcError) as info:
        stream.rest()
    assert (info.value.code(), info.value.details()) == (grpc.StatusCode.NOT_FOUND, "exporter 7 not found")


def _wait_for(cond: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_filesend_file_cancelled_leaves_no_partial(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.tar"
    partial = tmp_path / "out.tar.partial"
    _, channel = session(FileSendService({0: OutputTarget("file", str(target))}))
    stream = Stream(channel, SEND, [])
    stream.send(*_bytes_messages(b"x" * 1000))
    assert _wait_for(partial.exists)  # the handler is consuming the stream
    stream.call.cancel()
    assert _wait_for(lambda: not partial.exists())
    # grpcio may end the request iterator normally on a cancel, then the file is committed: see
    # test_filesend_file_cancel_seen_as_end_is_not_committed
    assert [p.name for p in tmp_path.iterdir()] in ([], ["out.tar"])


class FakeContext:
    """The parts of grpc.ServicerContext the FileSend handler uses."""

    def __init__(self, metadata: Sequence[tuple[str, str]] = (), active: bool = True) -> None:
        self.metadata = list(metadata)
        self.active = active

    def invocation_metadata(self) -> list[tuple[str, str]]:
        return self.metadata

    def is_active(self) -> bool:
        return self.active

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise RuntimeError(f"abort {code}: {details}")


def _broken_stream(*messages: bytes) -> Iterator[bytes]:
    yield from messages
    raise RuntimeError("stream broke")


def test_filesend_file_stream_error_removes_partial(tmp_path: Path) -> None:
    target = tmp_path / "out.tar"
    svc = FileSendService({0: OutputTarget("file", str(target))})
    with pytest.raises(RuntimeError, match="stream broke"):
        svc._diffcopy(_broken_stream(*_bytes_messages(b"abc")), FakeContext())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_filesend_file_cancel_seen_as_end_is_not_committed(tmp_path: Path) -> None:
    target = tmp_path / "out.tar"
    svc = FileSendService({0: OutputTarget("file", str(target))})
    svc._diffcopy(iter(_bytes_messages(b"trunc")), FakeContext(active=False))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def _stat(path: str, mode: int, size: int = 0, mtime: int = 0, linkname: str = "") -> bytes:
    return packets.stat_packet(stat_pb2.Stat(path=path, mode=mode, size=size, modTime=mtime, linkname=linkname))


def _data(file_id: int, *chunks: bytes) -> list[bytes]:
    return [packets.data_packet(file_id, c) for c in (*chunks, b"")]


MTIME_F = 1_600_000_000_123_456_789
MTIME_X = 1_500_000_000_000_000_001


def test_filesend_dir(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "out"
    _, channel = session(FileSendService({0: OutputTarget("dir", str(dest))}))
    stream = Stream(channel, SEND, [("buildkit-attachable-exporter-id", "0")])
    stream.send(
        _stat("d", MODE_DIR | 0o750),
        _stat("d/f.txt", 0o640, 11, MTIME_F),
        _stat("d/empty", 0o600, 0, MTIME_F),
        _stat("link", MODE_SYMLINK | 0o777, 7, linkname="d/f.txt"),
        _stat("x.sh", 0o755, 3, MTIME_X),
        packets.stat_packet(None),
    )
    reqs = [stream.recv() for _ in range(3)]
    assert [(p.type, p.ID) for p in reqs] == [(packets.REQ, 1), (packets.REQ, 2), (packets.REQ, 4)]
    stream.send(*_data(1, b"hello ", b"world"), *_data(4, b"#!x"), *_data(2))
    assert stream.recv().type == packets.FIN
    stream.send(packets.fin_packet())
    stream.close_send()
    assert stream.rest() == []
    assert stream.call.code() == grpc.StatusCode.OK

    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == ["d", "d/empty", "d/f.txt", "link", "x.sh"]
    assert stat.S_IMODE((dest / "d").stat().st_mode) == 0o750
    f = (dest / "d" / "f.txt").stat()
    assert ((dest / "d" / "f.txt").read_bytes(), stat.S_IMODE(f.st_mode), f.st_mtime_ns) == (b"hello world", 0o640, MTIME_F)
    e = (dest / "d" / "empty").stat()
    assert ((dest / "d" / "empty").read_bytes(), stat.S_IMODE(e.st_mode), e.st_mtime_ns) == (b"", 0o600, MTIME_F)
    x = (dest / "x.sh").stat()
    assert ((dest / "x.sh").read_bytes(), stat.S_IMODE(x.st_mode), x.st_mtime_ns) == (b"#!x", 0o755, MTIME_X)
    assert os.readlink(dest / "link") == "d/f.txt"


def test_filesend_dir_without_files(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "link").symlink_to("old-target")  # replaced
    _, channel = session(FileSendService({0: OutputTarget("dir", str(dest))}))
    stream = Stream(channel, SEND, [])
    stream.send(_stat("e", MODE_DIR | 0o700), _stat("link", MODE_SYMLINK | 0o777, linkname="e"), b"")
    assert stream.recv().type == packets.FIN  # nothing to request
    stream.send(packets.fin_packet())
    stream.close_send()
    assert stream.rest() == []
    assert os.readlink(dest / "link") == "e"
    assert stat.S_IMODE((dest / "e").stat().st_mode) == 0o700


def _export_dir(session, dest: Path, stats: list[bytes], files: dict[int, bytes]) -> None:  # type: ignore[no-untyped-def]
    """Send ``stats`` (then the empty STAT), expect REQs for exactly ``files``, answer them, finish."""
    _, channel = session(FileSendService({0: OutputTarget("dir", str(dest))}))
    stream = Stream(channel, SEND, [])
    stream.send(*stats, b"")
    reqs = [stream.recv() for _ in files]
    assert [(p.type, p.ID) for p in reqs] == [(packets.REQ, i) for i in files]
    for i, content in files.items():
        stream.send(*_data(i, content))
    assert stream.recv().type == packets.FIN
    stream.send(packets.fin_packet())
    stream.close_send()
    assert stream.rest() == []


@pytest.mark.parametrize(("go_bit", "perm"), [(MODE_SETUID, 0o4755), (MODE_SETGID, 0o2755), (MODE_STICKY, 0o1755)])
def test_filesend_dir_special_file(session, tmp_path: Path, go_bit: int, perm: int) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "out"
    _export_dir(session, dest, [_stat("bin", go_bit | 0o755, 1)], {0: b"x"})
    assert ((dest / "bin").read_bytes(), stat.S_IMODE((dest / "bin").stat().st_mode)) == (b"x", perm)


def test_filesend_dir_special_dir_bits(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "out"
    _export_dir(session, dest, [_stat("shared", MODE_DIR | MODE_SETGID | 0o775), _stat("tmp", MODE_DIR | MODE_STICKY | 0o777)], {})
    assert (stat.S_IMODE((dest / "shared").stat().st_mode), stat.S_IMODE((dest / "tmp").stat().st_mode)) == (0o2775, 0o1777)


@pytest.mark.parametrize(
    ("sent", "code", "details"),
    [
        ([_stat("../evil", 0o644)], grpc.StatusCode.INVALID_ARGUMENT, "path escapes the destination: ../evil"),
        ([_stat("a/../../evil", 0o644)], grpc.StatusCode.INVALID_ARGUMENT, "path escapes the destination: a/../../evil"),
        ([packets.req_packet(0)], grpc.StatusCode.INVALID_ARGUMENT, "unexpected packet 1 while listing"),
    ],
)
def test_filesend_dir_errors(session, tmp_path: Path, sent: list[bytes], code: grpc.StatusCode, details: str) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "out"
    _, channel = session(FileSendService({0: OutputTarget("dir", str(dest))}))
    stream = Stream(channel, SEND, [])
    stream.send(*sent)
    with pytest.raises(grpc.RpcError) as info:
        stream.rest()
    stream.close_send()
    assert (info.value.code(), info.value.details()) == (code, details)
    assert not (tmp_path / "evil").exists()


# --- Secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret_id", "value", "code", "details"),
    [
        ("npmrc", b"//registry/:_authToken=abc\n", None, ""),
        ("empty", b"", None, ""),
        ("nope", None, grpc.StatusCode.NOT_FOUND, "secret nope not found"),
    ],
)
def test_get_secret(session, secret_id: str, value: bytes | None, code: grpc.StatusCode | None, details: str) -> None:  # type: ignore[no-untyped-def]
    _, channel = session(SecretsService({"npmrc": b"//registry/:_authToken=abc\n", "empty": b""}))
    get = channel.unary_unary(
        "/moby.buildkit.secrets.v1.Secrets/GetSecret",
        request_serializer=secrets_pb2.GetSecretRequest.SerializeToString,
        response_deserializer=secrets_pb2.GetSecretResponse.FromString,
    )
    req = secrets_pb2.GetSecretRequest(ID=secret_id, annotations={"a": "b"})
    if code is None:
        assert get(req, timeout=TIMEOUT).data == value
    else:
        with pytest.raises(grpc.RpcError) as info:
            get(req, timeout=TIMEOUT)
        assert (info.value.code(), info.value.details()) == (code, details)


def _abort_mid_file(session, tmp_path: Path) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    """The sender fails after the first chunk of a file; the status the daemon side sees."""
    _, channel = session(FileSendService({0: OutputTarget("dir", str(tmp_path / "out"))}))
    stream = Stream(channel, SEND, [])
    stream.send(_stat("f", 0o644, 2), b"")
    assert stream.recv().ID == 0
    stream.send(packets.data_packet(0, b"x"), b"\x08\x04\x22\x04oops")
    with pytest.raises(grpc.RpcError) as info:
        stream.rest()
    stream.close_send()
    time.sleep(0.1)  # the handler's generator is released right after it aborts
    gc.collect()
    return info.value.code(), info.value.details()


def test_filesend_dir_error_from_sender(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the handler leaks the half-written file's handle (see the xfail below): keep its warning quiet here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        got = _abort_mid_file(session, tmp_path)
    assert got == (grpc.StatusCode.UNKNOWN, "error from sender: oops")


def test_filesend_dir_error_closes_files(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _abort_mid_file(session, tmp_path)
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
