"""fsutil wire packets, encoded by hand on the hot path.

DiffCopy streams are declared as BytesMessage but carry ``fsutil.types.Packet``s. DATA packets are
built directly as bytes (type=1, ID=3, data=4) so a file chunk is copied once, not twice.
"""

from __future__ import annotations

from depotci.core._gen.fsutil.types import stat_pb2, wire_pb2

__all__ = [
    "DATA",
    "ERR",
    "FIN",
    "REQ",
    "STAT",
    "Packet",
    "data_packet",
    "fin_packet",
    "req_packet",
    "stat_packet",
]

Packet = wire_pb2.Packet
STAT = wire_pb2.Packet.PACKET_STAT
REQ = wire_pb2.Packet.PACKET_REQ
DATA = wire_pb2.Packet.PACKET_DATA
FIN = wire_pb2.Packet.PACKET_FIN
ERR = wire_pb2.Packet.PACKET_ERR


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def data_packet(file_id: int, chunk: bytes | memoryview) -> bytes:
    """PACKET_DATA for ``file_id``; an empty chunk marks the end of the file."""
    head = b"\x08\x02\x18" + _varint(file_id)
    if not chunk:
        return head
    return b"".join((head, b"\x22", _varint(len(chunk)), chunk))


def stat_packet(stat: stat_pb2.Stat | None) -> bytes:
    """PACKET_STAT carrying ``stat``; ``None`` is the empty STAT that ends the listing."""
    if stat is None:
        return b""  # type=STAT(0) and no other field: the empty message
    body = stat.SerializeToString()
    return b"\x12" + _varint(len(body)) + body


def req_packet(file_id: int) -> bytes:
    return b"\x08\x01\x18" + _varint(file_id)


def fin_packet() -> bytes:
    return b"\x08\x03"
