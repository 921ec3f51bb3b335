"""Hand-encoded fsutil packets decode, with the generated ``Packet``, to the intended fields."""

from __future__ import annotations

import pytest
from depotci.core._gen.fsutil.types import stat_pb2, wire_pb2
from depotci.core.buildkit.session import packets


def test_packet_type_numbers() -> None:
    assert (packets.STAT, packets.REQ, packets.DATA, packets.FIN, packets.ERR) == (0, 1, 2, 3, 4)
    assert packets.Packet is wire_pb2.Packet


IDS = [0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**31, 2**32 - 1]


@pytest.mark.parametrize("file_id", IDS)
@pytest.mark.parametrize("chunk", [b"", b"x", b"\x00\xff" * 100, bytes(range(256)) * 600])
def test_data_packet(file_id: int, chunk: bytes) -> None:
    raw = packets.data_packet(file_id, chunk)
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.ID, pkt.data, pkt.HasField("stat")) == (packets.DATA, file_id, chunk, False)
    # byte-identical to protobuf's own encoding, except that ID 0 is written explicitly
    expected = wire_pb2.Packet(type=packets.DATA, ID=file_id, data=chunk).SerializeToString()
    if file_id == 0:
        expected = expected[:2] + b"\x18\x00" + expected[2:]
    assert raw == expected


def test_data_packet_memoryview() -> None:
    buf = bytearray(b"0123456789")
    raw = packets.data_packet(5, memoryview(buf)[2:6])
    assert raw == b"\x08\x02\x18\x05\x22\x042345"
    assert wire_pb2.Packet.FromString(raw).data == b"2345"


@pytest.mark.parametrize(
    ("raw", "file_id"),
    [
        (b"\x08\x01\x18\x00", 0),
        (b"\x08\x01\x18\x01", 1),
        (b"\x08\x01\x18\x80\x01", 128),
        (b"\x08\x01\x18\xff\xff\xff\xff\x0f", 2**32 - 1),
    ],
)
def test_req_packet(raw: bytes, file_id: int) -> None:
    assert packets.req_packet(file_id) == raw
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.ID, pkt.data, pkt.HasField("stat")) == (packets.REQ, file_id, b"", False)


@pytest.mark.parametrize(
    ("raw", "file_id", "data"),
    [
        (b"\x08\x02\x18\x00", 0, b""),
        (b"\x08\x02\x18\x00\x22\x03abc", 0, b"abc"),
        (b"\x08\x02\x18\xac\x02\x22\x00", 300, b""),
        (b"\x08\x02\x18\x80\x80\x80\x80\x08\x22\x01z", 2**31, b"z"),
    ],
)
def test_hand_encoded_data_decodes(raw: bytes, file_id: int, data: bytes) -> None:
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.ID, pkt.data) == (packets.DATA, file_id, data)


def test_fin_packet() -> None:
    raw = packets.fin_packet()
    assert raw == b"\x08\x03"
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.ID, pkt.data, pkt.HasField("stat")) == (packets.FIN, 0, b"", False)


def test_empty_stat_packet() -> None:
    raw = packets.stat_packet(None)
    assert raw == b""
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.HasField("stat")) == (packets.STAT, False)


@pytest.mark.parametrize(
    "stat",
    [
        stat_pb2.Stat(),  # an all-default Stat is still present (the listing does not end)
        stat_pb2.Stat(path="Dockerfile", mode=0o644, size=12, modTime=1_700_000_000_123_456_789),
        stat_pb2.Stat(path="dir", mode=(1 << 31) | 0o755, uid=1000, gid=1000),
        stat_pb2.Stat(path="ln", mode=(1 << 27) | 0o777, linkname="target/" * 40, size=280),
        stat_pb2.Stat(path="x", mode=0o600, xattrs={"user.a": b"1", "security.b": b"\x00"}),
    ],
)
def test_stat_packet(stat: stat_pb2.Stat) -> None:
    raw = packets.stat_packet(stat)
    pkt = wire_pb2.Packet.FromString(raw)
    assert (pkt.type, pkt.ID, pkt.data, pkt.HasField("stat")) == (packets.STAT, 0, b"", True)
    assert pkt.stat == stat
    # bytes equal the generated encoder's, except that map entries (xattrs) have no fixed order
    expected = wire_pb2.Packet(type=packets.STAT, stat=stat).SerializeToString(deterministic=True)
    assert wire_pb2.Packet.FromString(raw).SerializeToString(deterministic=True) == expected
    if not stat.xattrs:
        assert raw == expected


def test_hand_encoded_stat_decodes() -> None:
    # Stat{path="a", mode=0o644 (420 = 0xa4 0x03), size=5}: fields 1, 2, 5
    body = b"\x0a\x01a\x10\xa4\x03\x28\x05"
    pkt = wire_pb2.Packet.FromString(b"\x12" + bytes([len(body)]) + body)
    assert (pkt.type, pkt.stat.path, pkt.stat.mode, pkt.stat.size) == (packets.STAT, "a", 0o644, 5)


def test_err_packet_decodes() -> None:
    pkt = wire_pb2.Packet.FromString(b"\x08\x04\x22\x04oops")
    assert (pkt.type, pkt.data) == (packets.ERR, b"oops")
