"""The Connect app's protocol edges: codecs, routing, content types, stream errors."""

from __future__ import annotations

import json

import httpx
import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core.api.connect import FLAG_END_STREAM, EnvelopeReader, encode_envelope

PATH = "/depot.cli.v1.BuildService/"


def _post(server_env, path: str, body: bytes, ctype: str, token: str = "") -> httpx.Response:  # type: ignore[no-untyped-def]
    headers = {"content-type": ctype}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return server_env.transport.handle_request(httpx.Request("POST", f"http://api.test{path}", headers=headers, content=body))


def test_unary_json_codec(server_env) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"projectId": server_env.project, "options": [{"command": "COMMAND_BUILD"}]}).encode()
    resp = _post(server_env, PATH + "CreateBuild", body, "application/json", server_env.token)
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    data = resp.json()
    assert data["projectId"] == server_env.project and data["buildToken"].startswith("dsb_")


@pytest.mark.parametrize(
    ("path", "ctype", "status", "code"),
    [
        (PATH + "Nope", "application/proto", 404, "unimplemented"),
        (PATH + "CreateBuild", "text/plain", 415, None),
        (PATH + "CreateBuild", "application/proto", 401, "unauthenticated"),
        (PATH + "ReportStatusStream", "application/proto", 415, None),
    ],
)
def test_protocol_errors(server_env, path: str, ctype: str, status: int, code: str | None) -> None:  # type: ignore[no-untyped-def]
    resp = _post(server_env, path, b"", ctype)
    assert resp.status_code == status
    if code is not None:
        assert resp.json()["code"] == code


def test_malformed_proto_is_invalid_argument(server_env) -> None:  # type: ignore[no-untyped-def]
    resp = _post(server_env, PATH + "CreateBuild", b"\xff\xff\xff", "application/proto", server_env.token)
    assert resp.status_code == 400 and resp.json()["code"] == "invalid_argument"


def test_stream_errors_arrive_in_the_end_of_stream_frame(server_env) -> None:  # type: ignore[no-untyped-def]
    frame = encode_envelope(pb.ReportStatusStreamRequest(build_id="nope").SerializeToString())
    resp = _post(server_env, PATH + "ReportStatusStream", frame, "application/connect+proto", server_env.token)
    assert resp.status_code == 200
    frames = list(EnvelopeReader().feed(resp.content))
    assert frames[-1][0] == FLAG_END_STREAM
    assert json.loads(frames[-1][1])["error"]["code"] == "permission_denied"
