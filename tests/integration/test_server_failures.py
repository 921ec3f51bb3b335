"""Builds through depot-server when things break: the server restarts mid-build, the builder dies
mid-build, the client stops reporting health."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from integration.test_server_support import ServerProc, SpareBuilder
from support import DEPOT, depot_env

pytestmark = pytest.mark.integration

SLOW = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "60"]\n'


@pytest.fixture
def spare() -> Iterator[SpareBuilder]:
    b = SpareBuilder()
    yield b
    b.close()


def _wait_for(what: str, cond: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _start_slow_build(server: ServerProc, env: dict[str, str], ctx: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([DEPOT, "build", "--progress=plain", "--network", "none", str(ctx)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for("the lease", lambda: "leased builder" in server.log())
    time.sleep(2.0)  # into the RUN step
    return proc


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:") or "Traceback" in line]


def _only_build(server: ServerProc) -> object:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    with ConnectClient(server.url) as client:
        builds = BuildAPI(client).list_builds(server.token, server.project).builds
    assert len(builds) == 1
    return builds[0]


def test_server_restart_mid_build_fails_the_build_with_one_line(
    builder_env: dict[str, str], tmp_path: Path, make_context
) -> None:  # type: ignore[no-untyped-def]
    from depotci.core._gen.depot.cli.v1 import build_pb2

    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    server = ServerProc(tmp_path / "server", [f"amd64=docker://unix://{sock}"])
    server.start()
    try:
        proc = _start_slow_build(server, server.env(depot_env(builder_env)), make_context({"Dockerfile": SLOW}))
        server.stop()
        server.start()
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 1
        errors = _error_lines(stderr)
        assert len(errors) == 1 and "builder" in errors[0], stderr[-1500:]
        build = _only_build(server)
        assert build.status in (build_pb2.BUILD_STATUS_FAILED, build_pb2.BUILD_STATUS_CANCELED)  # type: ignore[attr-defined]
    finally:
        server.stop()


def test_builder_killed_mid_build_errors_within_30s(
    builder_env: dict[str, str], spare: SpareBuilder, tmp_path: Path, make_context
) -> None:  # type: ignore[no-untyped-def]
    from depotci.core._gen.depot.cli.v1 import build_pb2

    server = ServerProc(tmp_path / "server", [f"amd64={spare.endpoint}"])
    server.start()
    try:
        proc = _start_slow_build(server, server.env(depot_env(builder_env)), make_context({"Dockerfile": SLOW}))
        killed = time.monotonic()
        spare.kill()
        _, stderr = proc.communicate(timeout=60)
        assert time.monotonic() - killed < 30
        assert proc.returncode == 1
        errors = _error_lines(stderr)
        assert len(errors) == 1 and "builder" in errors[0], stderr[-1500:]
        build = _only_build(server)
        assert build.status == build_pb2.BUILD_STATUS_FAILED  # type: ignore[attr-defined]
    finally:
        server.stop()


def test_silent_builds_are_canceled_and_told_so(builder_env: dict[str, str], tmp_path: Path) -> None:
    from depotci.core._gen.depot.cli.v1 import build_pb2
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    server = ServerProc(tmp_path / "server", [f"amd64=docker://unix://{sock}"], health_timeout=1.0)
    server.start()
    try:
        with ConnectClient(server.url) as client:
            api = BuildAPI(client)
            created = api.create_build(server.token, server.project, [])
            time.sleep(3.0)
            health = api.report_build_health(created.build_token, created.build_id, build_pb2.BUILDER_PLATFORM_AMD64)
            assert health.HasField("cancels_at") and health.cancels_at.ToSeconds() <= time.time()
            build = _only_build(server)
            assert build.status == build_pb2.BUILD_STATUS_FAILED  # type: ignore[attr-defined]
            assert "no health report" in server.log()
    finally:
        server.stop()
