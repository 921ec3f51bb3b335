"""Connect wire pieces: envelopes, error bodies, end-of-stream frames."""

from __future__ import annotations

import gzip

import pytest
from depotci.core.api.codes import Code
from depotci.core.api.connect import (
    FLAG_COMPRESSED,
    FLAG_END_STREAM,
    EnvelopeReader,
    WireError,
    encode_envelope,
    end_stream_body,
    error_body,
    parse_end_stream,
    parse_error_body,
)


@pytest.mark.parametrize("chunk", [1, 2, 5, 7, 1000])
def test_reader_reassembles_frames_split_anywhere(chunk: int) -> None:
    data = encode_envelope(b"abc") + encode_envelope(b"") + encode_envelope(b"{}", FLAG_END_STREAM)
    reader = EnvelopeReader()
    frames = [f for i in range(0, len(data), chunk) for f in reader.feed(data[i : i + chunk])]
    assert frames == [(0, b"abc"), (0, b""), (FLAG_END_STREAM, b"{}")]
    assert reader.pending == 0


@pytest.mark.parametrize(
    ("encoding", "error"),
    [("gzip", None), ("", "unsupported encoding ''"), ("br", "unsupported encoding 'br'")],
)
def test_compressed_frames_need_a_known_encoding(encoding: str, error: str | None) -> None:
    frame = encode_envelope(gzip.compress(b"payload"), FLAG_COMPRESSED)
    reader = EnvelopeReader(encoding)
    if error is None:
        assert list(reader.feed(frame)) == [(FLAG_COMPRESSED, b"payload")]
    else:
        with pytest.raises(ValueError, match=error):
            list(reader.feed(frame))


def test_encode_envelope_is_flag_then_big_endian_length() -> None:
    assert encode_envelope(b"xy", 2) == b"\x02\x00\x00\x00\x02xy"


@pytest.mark.parametrize(
    ("status", "body", "reason", "expected"),
    [
        (404, b'{"code":"not_found","message":"project \'x\' not found"}', "", WireError(Code.NOT_FOUND, "project 'x' not found")),
        (401, b'{"code":"unauthenticated"}', "", WireError(Code.UNAUTHENTICATED, "")),
        (400, b'{"code":"brand_new_code","message":"m"}', "", WireError(Code.UNKNOWN, "m")),
        # a plain HTTP server answered: the Go CLI prints "unimplemented: 404 Not Found" / "unknown: 501 ..."
        (404, b"404 page not found", "Not Found", WireError(Code.UNIMPLEMENTED, "404 Not Found")),
        (501, b"", "Not Implemented", WireError(Code.UNKNOWN, "501 Not Implemented")),
        (503, b"<html>", "Service Unavailable", WireError(Code.UNAVAILABLE, "503 Service Unavailable")),
    ],
)
def test_parse_error_body(status: int, body: bytes, reason: str, expected: WireError) -> None:
    assert parse_error_body(status, body, reason) == expected


@pytest.mark.parametrize(
    "err", [None, WireError(Code.CANCELED, "stop"), WireError(Code.INTERNAL, "")],
)
def test_end_stream_round_trip(err: WireError | None) -> None:
    assert parse_end_stream(end_stream_body(err)) == err


def test_error_body_round_trips_through_the_status_mapping() -> None:
    err = WireError(Code.PERMISSION_DENIED, "no")
    assert parse_error_body(Code.PERMISSION_DENIED.http_status, error_body(err)) == err
    assert Code.PERMISSION_DENIED.http_status == 403
