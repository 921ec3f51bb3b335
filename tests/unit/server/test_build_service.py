"""BuildService through the Connect app, in process: the lifecycle, the pool, auth, listing, health."""

from __future__ import annotations

import time

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core.errors import ApiError

AMD64 = pb.BUILDER_PLATFORM_AMD64


def test_lifecycle_hands_out_a_per_build_certificate_and_releases_the_builder(server_env) -> None:  # type: ignore[no-untyped-def]
    api, token, project = server_env.api, server_env.token, server_env.project
    first = api.create_build(token, project, [pb.BuildOptions(command=pb.COMMAND_BUILD)])
    assert first.project_id == project
    assert first.build_url.endswith(f"/projects/{project}/builds/{first.build_id}")
    conn = api.get_buildkit_connection(first.build_token, first.build_id, AMD64)
    assert conn.WhichOneof("connection") == "active"
    active = conn.active
    assert active.endpoint == "tcp://127.0.0.1:4443" and active.server_name == "depotci-gateway"
    assert active.WhichOneof("compressor") == "identity" and active.ca_cert.key == ""
    cert = x509.load_pem_x509_certificate(active.cert.cert.encode())
    ca = x509.load_pem_x509_certificate(active.ca_cert.cert.encode())
    cert.verify_directly_issued_by(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == first.build_id
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "amd64"
    # capacity 1: the next build waits until the first finishes
    second = api.create_build(token, project, [])
    pending = api.get_buildkit_connection(second.build_token, second.build_id, AMD64)
    assert pending.WhichOneof("connection") == "pending" and pending.pending.wait_ms == 500
    api.finish_build(first.build_token, first.build_id)
    api.finish_build(first.build_token, first.build_id, error="late")  # idempotent: the first end wins
    assert server_env.store.get_build(first.build_id).status == "finished"
    assert api.get_buildkit_connection(second.build_token, second.build_id, AMD64).WhichOneof("connection") == "active"
    with pytest.raises(ApiError, match=r"failed_precondition: build '\w+' has already ended \(finished\)"):
        api.get_buildkit_connection(first.build_token, first.build_id, AMD64)


@pytest.mark.parametrize(
    ("result", "status", "error"),
    [({}, "finished", ""), ({"error": "step failed"}, "failed", "step failed"), ({"canceled": True}, "canceled", "")],
)
def test_finish_build_records_the_result(server_env, result: dict[str, object], status: str, error: str) -> None:  # type: ignore[no-untyped-def]
    b = server_env.api.create_build(server_env.token, server_env.project, [])
    server_env.api.finish_build(b.build_token, b.build_id, **result)
    rec = server_env.store.get_build(b.build_id)
    assert (rec.status, rec.error) == (status, error)
    assert rec.finished_at is not None


def test_token_checks_give_clear_messages(server_env) -> None:  # type: ignore[no-untyped-def]
    api, store = server_env.api, server_env.store
    a = api.create_build(server_env.token, server_env.project, [])
    b = api.create_build(server_env.token, server_env.project, [])
    org = store.get_project(server_env.project).org_id
    expired = store.create_token("build", org, project_id=server_env.project, build_id=a.build_id, ttl=-1)
    cases = [
        (lambda: api.create_build("nope", server_env.project, []), "unauthenticated: invalid token"),
        (lambda: api.create_build("", server_env.project, []), "unauthenticated: missing bearer token"),
        (lambda: api.create_build(a.build_token, server_env.project, []), "permission_denied: a build token cannot"),
        (lambda: api.report_build_health(a.build_token, b.build_id, AMD64),
         f"permission_denied: the token is not valid for build '{b.build_id}'"),
        (lambda: api.finish_build(server_env.token, a.build_id), f"permission_denied: build '{a.build_id}' needs its build token"),
        (lambda: api.report_build_health(expired, a.build_id, AMD64), "unauthenticated: build token expired"),
    ]
    for call, message in cases:
        with pytest.raises(ApiError) as exc:
            call()
        assert str(exc.value).startswith(message)


def test_project_resolution(server_env) -> None:  # type: ignore[no-untyped-def]
    api, store = server_env.api, server_env.store
    org = store.get_project(server_env.project).org_id
    other = store.create_project(org, "other").id
    project_token = store.create_token("project", org, project_id=server_env.project)
    assert api.create_build(project_token, "", []).project_id == server_env.project  # substituted
    with pytest.raises(ApiError, match=f"not_found: project '{other}' not found"):
        api.create_build(project_token, other, [])
    with pytest.raises(ApiError, match="not_found: missing project ID"):
        api.create_build(server_env.token, "", [])
    with pytest.raises(ApiError, match="not_found: project 'nope' not found"):
        api.list_builds(server_env.token, "nope")


def test_list_builds_newest_first_with_pages(server_env) -> None:  # type: ignore[no-untyped-def]
    api = server_env.api
    ids = [api.create_build(server_env.token, server_env.project, []).build_id for _ in range(5)]
    page1 = api.list_builds(server_env.token, server_env.project, page_size=3)
    page2 = api.list_builds(server_env.token, server_env.project, page_size=3, page_token=page1.next_page_token)
    assert [b.id for b in page1.builds] + [b.id for b in page2.builds] == ids[::-1]
    assert page2.next_page_token == ""
    assert {b.status for b in page1.builds} == {pb.BUILD_STATUS_RUNNING}


def test_silent_builds_are_canceled_and_health_says_so(server_env) -> None:  # type: ignore[no-untyped-def]
    api, service = server_env.api, server_env.service
    b = api.create_build(server_env.token, server_env.project, [])
    assert api.get_buildkit_connection(b.build_token, b.build_id, AMD64).WhichOneof("connection") == "active"
    assert not api.report_build_health(b.build_token, b.build_id, AMD64).HasField("cancels_at")
    assert service.sweep(now=time.time() + 10) == []
    assert service.sweep(now=time.time() + 31) == [b.build_id]
    health = api.report_build_health(b.build_token, b.build_id, AMD64)
    assert health.HasField("cancels_at") and health.cancels_at.ToSeconds() <= time.time()
    rec = server_env.store.get_build(b.build_id)
    assert (rec.status, rec.error) == ("failed", "no health report for 30s: build canceled")
    assert server_env.pool.in_use() == 0


def test_status_stream_counts_frames_for_its_build(server_env) -> None:  # type: ignore[no-untyped-def]
    from depotci.core.api.build_service import StatusStream

    b = server_env.api.create_build(server_env.token, server_env.project, [])
    stream = StatusStream(server_env.api, b.build_token, b.build_id, interval=60)
    stream.add(control_pb2.StatusResponse())
    stream.close()
    assert stream.errors == []
    assert server_env.store.get_build(b.build_id).status_frames == 1
