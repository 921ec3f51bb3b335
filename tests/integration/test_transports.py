"""The buildkitd transports against the real builder: ``tcp://`` with mTLS (through a test TLS front on
dockerd's ``/grpc``), whose sessions go through the ``Control.Session`` tunnel; ``unix://`` through a plain
unix relay; and TLS refusals reported as one line, fast."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import depot_env, run_depot, unique
from tls_relay import CertSet, TLSRelay, docker_engine, make_certs

pytestmark = pytest.mark.integration

DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
COPY data.txt /in/data.txt
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox cat /in/data.txt /in/data.txt > /out.txt && /bin/busybox echo ran > /ran.txt"]
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertSet:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def tls_relay(builder_env: dict[str, str], certs: CertSet) -> Iterator[TLSRelay]:
    engine = docker_engine(builder_env)
    relay = TLSRelay(lambda: engine.upgrade("/grpc"), certs)
    yield relay
    relay.close()


def _host(port: int, ca: Path, cert: Path | None, key: Path | None, server_name: str) -> str:
    query = f"cacert={ca}&servername={server_name}"
    if cert is not None and key is not None:
        query += f"&cert={cert}&key={key}"
    return f"tcp://127.0.0.1:{port}?{query}"


def _build_with_output(builder_env: dict[str, str], host: str, ctx: Path, dest: Path):  # type: ignore[no-untyped-def]
    # no DOCKER_HOST/DEPOTCI_BUILDER_DIR fallback can be picked up: the flag decides
    env = depot_env(builder_env, DEPOTCI_BUILDER_DIR="/nonexistent")
    env.pop("DOCKER_HOST", None)
    return run_depot(
        ["build", "--progress=plain", "--network", "none", "--buildkit-host", host,
         "--output", f"type=local,dest={dest}", str(ctx)],
        env,
        timeout=180,
    )


def test_mtls_tcp_endpoint_builds_through_the_session_tunnel(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], certs: CertSet, tls_relay: TLSRelay, make_context, tmp_path: Path
) -> None:
    payload = f"payload-{unique()}\n"
    ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": payload})
    dest = tmp_path / "out"
    host = _host(tls_relay.port, certs.ca, certs.client_cert, certs.client_key, certs.server_name)
    out = _build_with_output(builder_env, host, ctx, dest)
    assert out.returncode == 0, out.stderr
    assert "remote driver (tcp://127.0.0.1:" in out.stderr  # treated as a buildkitd, not the engine
    assert (dest / "out.txt").read_text() == payload * 2  # the context came through the session tunnel
    assert (dest / "ran.txt").read_text() == "ran\n"
    assert tls_relay.accepted >= 1
    assert not [e for e in tls_relay.errors if e.startswith("upstream")]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no client certificate", "certificate required"),
        ("client certificate from another CA", "unknown ca"),
        ("server not signed by the trusted CA", "server certificate is not trusted"),
    ],
)
def test_mtls_refusal_is_one_line_within_10s(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], certs: CertSet, tls_relay: TLSRelay, make_context, tmp_path: Path,
    case: str, expected: str,
) -> None:
    ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": "x"})
    ca, cert, key = {
        "no client certificate": (certs.ca, None, None),
        "client certificate from another CA": (certs.ca, certs.other_client_cert, certs.other_client_key),
        "server not signed by the trusted CA": (certs.other_ca, certs.client_cert, certs.client_key),
    }[case]
    host = _host(tls_relay.port, ca, cert, key, certs.server_name)
    dest = tmp_path / "out"
    started = time.monotonic()
    out = _build_with_output(builder_env, host, ctx, dest)
    elapsed = time.monotonic() - started
    assert out.returncode == 1, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: cannot reach the builder (buildkitd at tcp://127.0.0.1:"), lines[0]
    assert expected in lines[0]
    assert elapsed < 10, f"refusal took {elapsed:.1f}s"
    assert not dest.exists()
    assert tls_relay.accepted == 0  # nothing reached dockerd


def test_unix_endpoint_through_a_relay_to_grpc(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], make_context, tmp_path: Path
) -> None:
    from depotci.core.buildkit.bridge import UnixRelay

    engine = docker_engine(builder_env)
    relay = UnixRelay(lambda: engine.upgrade("/grpc"), name="buildkitd")
    try:
        payload = f"unix-{unique()}\n"
        ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": payload})
        dest = tmp_path / "out"
        out = _build_with_output(builder_env, f"unix://{relay.path}", ctx, dest)
        assert out.returncode == 0, out.stderr
        assert f"remote driver (unix://{relay.path})" in out.stderr
        assert (dest / "out.txt").read_text() == payload * 2
        assert relay.errors == []
    finally:
        relay.close()
