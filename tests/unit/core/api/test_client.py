"""ConnectClient against httpx.MockTransport: codecs, error mapping, retries, streams, token hygiene."""

from __future__ import annotations

import httpx
import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.api.build_service import BuildAPI
from depotci.core.api.client import ConnectClient, RetryPolicy
from depotci.core.api.connect import FLAG_END_STREAM, EnvelopeReader, encode_envelope
from depotci.core.errors import ApiError

TOKEN = "secret-token-value"


def _client(handler, sleeps: list[float] | None = None) -> ConnectClient:  # type: ignore[no-untyped-def]
    sleeps = sleeps if sleeps is not None else []
    return ConnectClient(
        "http://api.test", transport=httpx.MockTransport(handler), retry=RetryPolicy(attempts=3, sleep=sleeps.append)
    )


def test_unary_sends_binary_proto_with_connect_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, content=build_pb2.CreateBuildResponse(build_id="b1").SerializeToString())

    resp = BuildAPI(_client(handler)).create_build(TOKEN, "dummy", [build_pb2.BuildOptions(command=1)])
    assert resp.build_id == "b1"
    req = seen[0]
    assert req.url.path == "/depot.cli.v1.BuildService/CreateBuild"
    assert req.headers["content-type"] == "application/proto"
    assert req.headers["connect-protocol-version"] == "1"
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    # the exact bytes the Go CLI sends for `depot build` (conformance/api-requests 01)
    assert req.content == bytes.fromhex("0a0564756d6d7912020801")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, b'{"code":"not_found","message":"project \'p\' not found"}', "not_found: project 'p' not found"),
        (401, b'{"code":"unauthenticated","message":"invalid token"}', "unauthenticated: invalid token"),
        (404, b"nope", "unimplemented: 404 Not Found"),
    ],
)
def test_unary_errors_become_api_errors(status: int, body: bytes, expected: str) -> None:
    client = _client(lambda req: httpx.Response(status, content=body))
    with pytest.raises(ApiError) as exc:
        BuildAPI(client).create_build(TOKEN, "p", [])
    assert str(exc.value) == expected


@pytest.mark.parametrize(
    ("idempotent_call", "attempts", "sleeps"),
    [(True, 3, [0.2, 0.4]), (False, 1, [])],
)
def test_only_idempotent_calls_retry_when_unavailable(idempotent_call: bool, attempts: int, sleeps: list[float]) -> None:
    calls: list[int] = []
    slept: list[float] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, content=b'{"code":"unavailable","message":"busy"}')

    api = BuildAPI(_client(handler, slept))
    with pytest.raises(ApiError, match="unavailable: busy"):
        if idempotent_call:
            api.list_builds(TOKEN, "p")
        else:
            api.create_build(TOKEN, "p", [])
    assert len(calls) == attempts
    assert slept == sleeps


def test_retry_succeeds_after_a_transient_failure() -> None:
    answers = [httpx.Response(503), httpx.Response(200, content=b"")]
    client = _client(lambda req: answers.pop(0))
    BuildAPI(client).finish_build(TOKEN, "b1", error="boom")
    assert answers == []


def test_unreachable_api_names_the_url_but_never_the_token() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"[Errno 111] Connection refused {req.headers['authorization']!r}"[:30])

    with pytest.raises(ApiError) as exc:
        BuildAPI(_client(handler)).create_build(TOKEN, "p", [])
    assert str(exc.value) == "unavailable: cannot reach the Depot API at http://api.test: connection refused"
    assert TOKEN not in str(exc.value)


@pytest.mark.parametrize(
    ("end", "expected"),
    [(b"{}", None), (b'{"error":{"code":"permission_denied","message":"no"}}', "permission_denied: no")],
)
def test_client_stream_frames_messages_and_reads_the_end(end: bytes, expected: str | None) -> None:
    got: list[bytes] = []

    def handler(req: httpx.Request) -> httpx.Response:
        assert req.headers["content-type"] == "application/connect+proto"
        got.extend(payload for _, payload in EnvelopeReader().feed(req.read()))
        body = encode_envelope(b"") + encode_envelope(end, FLAG_END_STREAM)
        return httpx.Response(200, content=body)

    msgs = [build_pb2.ReportStatusStreamRequest(build_id=f"b{i}") for i in range(3)]
    call = lambda: _client(handler).client_stream(  # noqa: E731
        "/depot.cli.v1.BuildService/ReportStatusStream", iter(msgs), build_pb2.ReportStatusStreamResponse
    )
    if expected is None:
        call()
    else:
        with pytest.raises(ApiError, match=expected):
            call()
    assert [build_pb2.ReportStatusStreamRequest.FromString(p).build_id for p in got] == ["b0", "b1", "b2"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({}, "success"), ({"error": "boom"}, "error"), ({"canceled": True}, "canceled")],
)
def test_finish_build_sets_one_result(kwargs: dict[str, object], field: str) -> None:
    bodies: list[bytes] = []

    def handler(req: httpx.Request) -> httpx.Response:
        bodies.append(req.content)
        return httpx.Response(200)

    BuildAPI(_client(handler)).finish_build(TOKEN, "b1", **kwargs)  # type: ignore[arg-type]
    assert build_pb2.FinishBuildRequest.FromString(bodies[0]).WhichOneof("result") == field
