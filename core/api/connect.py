"""The Connect protocol's wire pieces, pure: envelopes, error bodies, content types.

Shared by the client (``depotci.core.api.client``) and the self-hosted server. Unary calls carry one
bare message (``application/proto`` or ``application/json``); streams carry envelopes (flag byte +
4-byte big-endian length + payload); the last frame of a stream response has flag 0x02 and a JSON
end-of-stream object ``{"error": {...}, "metadata": {...}}``.
"""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from depotci.core.api.codes import Code

__all__ = [
    "FLAG_COMPRESSED",
    "FLAG_END_STREAM",
    "EnvelopeReader",
    "WireError",
    "encode_envelope",
    "end_stream_body",
    "error_body",
    "parse_end_stream",
    "parse_error_body",
]

FLAG_COMPRESSED = 0x01
FLAG_END_STREAM = 0x02
MAX_MESSAGE = 64 << 20


@dataclass(frozen=True)
class WireError:
    """A Connect error as carried on the wire."""

    code: Code
    message: str = ""


def encode_envelope(payload: bytes, flags: int = 0) -> bytes:
    """One stream frame."""
    return struct.pack(">BI", flags, len(payload)) + payload


class EnvelopeReader:
    """Incremental envelope parser: ``feed`` bytes as they arrive, iterate complete frames."""

    def __init__(self, compression: str = "") -> None:
        self._buf = bytearray()
        self._compression = compression

    def feed(self, data: bytes) -> Iterator[tuple[int, bytes]]:
        """Append ``data``; yield every complete ``(flags, payload)`` frame, decompressed."""
        self._buf += data
        while len(self._buf) >= 5:
            flags, size = struct.unpack(">BI", self._buf[:5])
            if size > MAX_MESSAGE:
                raise ValueError(f"stream message of {size} bytes exceeds the {MAX_MESSAGE} byte limit")
            if len(self._buf) < 5 + size:
                return
            payload = bytes(self._buf[5 : 5 + size])
            del self._buf[: 5 + size]
            if flags & FLAG_COMPRESSED:
                if self._compression != "gzip":
                    raise ValueError(f"compressed frame with unsupported encoding '{self._compression}'")
                payload = gzip.decompress(payload)
            yield flags, payload

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame still buffered (non-zero at the end means a truncated stream)."""
        return len(self._buf)


def error_body(err: WireError) -> bytes:
    """The JSON body of a failed unary call."""
    body: dict[str, Any] = {"code": err.code.value}
    if err.message:
        body["message"] = err.message
    return json.dumps(body).encode()


def end_stream_body(err: WireError | None) -> bytes:
    """The JSON payload of the end-of-stream frame."""
    if err is None:
        return b"{}"
    return json.dumps({"error": json.loads(error_body(err))}).encode()


def parse_error_body(status: int, body: bytes, reason: str = "") -> WireError:
    """A unary error from its HTTP status and body; non-Connect bodies map by status like connect-go."""
    from depotci.core.api.codes import code_from_http_status

    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        return WireError(Code.parse(data["code"]), str(data.get("message", "")))
    return WireError(code_from_http_status(status), f"{status} {reason}".strip())


def parse_end_stream(payload: bytes) -> WireError | None:
    """The error carried by an end-of-stream frame, or None for a clean end."""
    try:
        data = json.loads(payload or b"{}")
    except ValueError:
        return WireError(Code.INTERNAL, "malformed end-of-stream frame")
    err = data.get("error") if isinstance(data, dict) else None
    if not err:
        return None
    return WireError(Code.parse(str(err.get("code", "unknown"))), str(err.get("message", "")))
