"""HTTP/2 wire pieces for the session server (RFC 9113): frame headers, the few frames a gRPC server
sends, and header blocks encoded as HPACK literals (RFC 7541 §6.2.2, no dynamic table, no Huffman), so
blocks can be built by any thread in any order. Decoding the peer's blocks needs the real HPACK state
machine (the ``hpack`` package, in h2server).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "ACK",
    "CONTINUATION",
    "DATA",
    "END_HEADERS",
    "END_STREAM",
    "GOAWAY",
    "HEADERS",
    "PADDED",
    "PING",
    "PREFACE",
    "PRIORITY_FLAG",
    "RST_STREAM",
    "SETTINGS",
    "SETTINGS_INITIAL_WINDOW_SIZE",
    "SETTINGS_MAX_FRAME_SIZE",
    "WINDOW_UPDATE",
    "encode_headers",
    "frame",
    "frame_header",
    "grpc_message_encode",
    "header_block",
    "parse_settings",
    "payload_of",
    "response_headers",
    "settings",
    "trailers",
    "window_update",
]

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20

SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5

_HEAD = struct.Struct(">HBBBI")  # 24-bit length as 16 + 8 bits, type, flags, stream id
_SETTING = struct.Struct(">HI")


def frame_header(length: int, ftype: int, flags: int, sid: int) -> bytes:
    """The 9-byte frame header."""
    return _HEAD.pack(length >> 8, length & 0xFF, ftype, flags, sid)


def frame(ftype: int, flags: int, sid: int, payload: bytes = b"") -> bytes:
    """A whole frame (for small control frames)."""
    return frame_header(len(payload), ftype, flags, sid) + payload


def settings(values: Iterable[tuple[int, int]]) -> bytes:
    return frame(SETTINGS, 0, 0, b"".join(_SETTING.pack(k, v) for k, v in values))


def parse_settings(payload: bytes) -> Iterator[tuple[int, int]]:
    for pos in range(0, len(payload) - len(payload) % 6, 6):
        yield _SETTING.unpack_from(payload, pos)


def window_update(sid: int, increment: int) -> bytes:
    return frame(WINDOW_UPDATE, 0, sid, (increment & 0x7FFFFFFF).to_bytes(4, "big"))


def payload_of(flags: int, payload: bytes, *, headers: bool = False) -> bytes:
    """``payload`` without padding (and, for HEADERS, without the priority fields)."""
    start, end = 0, len(payload)
    if flags & PADDED and payload:
        start, end = 1, end - payload[0]
    if headers and flags & PRIORITY_FLAG:
        start += 5
    if end < start:
        raise ValueError("padding longer than the frame")
    return payload[start:end]


def header_block(ftype: int, flags: int, sid: int, payload: bytes, block: list[Any]) -> tuple[int, int, bytes] | None:
    """Assemble a header block from HEADERS + CONTINUATION frames (``block`` holds the partial state
    between calls). Returns ``(stream id, HEADERS flags, block bytes)`` once END_HEADERS arrives."""
    if ftype == HEADERS:
        block[:] = [sid, flags, bytearray(payload_of(flags, payload, headers=True))]
    elif not block or block[0] != sid:
        raise ValueError("unexpected CONTINUATION frame")
    else:
        block[2] += payload
    if not flags & END_HEADERS:
        return None
    hsid, hflags, data = block
    block.clear()
    return hsid, hflags, bytes(data)


def _int(value: int, prefix_bits: int, first: int = 0) -> bytes:
    """An HPACK integer with an N-bit prefix (RFC 7541 §5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes((first | value,))
    out = bytearray((first | limit,))
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_headers(headers: Iterable[tuple[str, str]]) -> bytes:
    """A header block of literal fields without indexing and with new names (never touches the
    peer's dynamic table); ``:status 200`` uses its static-table index."""
    out = bytearray()
    for name, value in headers:
        if name == ":status" and value == "200":
            out.append(0x88)
            continue
        n, v = name.encode("ascii"), value.encode("utf-8")
        out += b"\x00" + _int(len(n), 7) + n + _int(len(v), 7) + v
    return bytes(out)


_RESPONSE = encode_headers([(":status", "200"), ("content-type", "application/grpc")])


def response_headers() -> bytes:
    """The block of a gRPC response's leading HEADERS frame."""
    return _RESPONSE


def grpc_message_encode(text: str) -> str:
    """Percent-encode ``grpc-message`` as the gRPC HTTP/2 spec says (UTF-8, outside 0x20-0x7E and %)."""
    if all(" " <= c <= "~" and c != "%" for c in text):
        return text
    return "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x25 else f"%{b:02X}" for b in text.encode("utf-8"))


def trailers(code: int, message: str, *, trailers_only: bool) -> bytes:
    """The block of the final HEADERS frame; ``trailers_only`` when no response headers went before."""
    fields: list[tuple[str, str]] = [(":status", "200"), ("content-type", "application/grpc")] if trailers_only else []
    fields.append(("grpc-status", str(code)))
    if message:
        fields.append(("grpc-message", grpc_message_encode(message)))
    return encode_headers(fields)
