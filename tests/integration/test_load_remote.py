"""``--load`` from a builder that is not the local Docker Engine (a buildkitd endpoint, or a build through
our depot-server's gateway): the docker tarball streams back through the session into the Engine of
``DOCKER_HOST``; an unreachable Engine fails before the build with one line."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration.test_server_support import serving
from support import depot_env, run_depot, unique
from tls_relay import docker_engine

pytestmark = pytest.mark.integration

DOCKERFILE = 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY data.txt /data.txt\n'


@pytest.fixture
def buildkitd(builder_env: dict[str, str]) -> Iterator[str]:
    """A buildkitd-style ``unix://`` endpoint: a relay to the daemon's ``/grpc`` (so the daemon's own
    image store is never the exporter's target: only our load can put the image there)."""
    from depotci.core.buildkit.bridge import UnixRelay

    engine = docker_engine(builder_env)
    relay = UnixRelay(lambda: engine.upgrade("/grpc"), name="buildkitd")
    yield f"unix://{relay.path}"
    relay.close()


def _check_loaded(engine: Any, tag: str, meta: Path, payload: str) -> None:
    image = engine.image(tag)
    assert image is not None, f"{tag} is not in the engine"
    data = json.loads(meta.read_text())
    # the containerd image store (the builder environment's) names an image by its manifest digest
    assert image["Id"] == data["containerimage.digest"]
    assert data["containerimage.config.digest"].startswith("sha256:")
    assert engine.export_files(tag)["data.txt"].decode() == payload


def test_load_from_a_buildkitd_endpoint(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], engine, buildkitd: str, make_context, tmp_path: Path
) -> None:
    payload = f"loaded-{unique()}\n"
    ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": payload})
    tag = f"depotci-test/{unique('load')}:v1"
    meta = tmp_path / "meta.json"
    out = run_depot(["build", "--progress=plain", "--buildkit-host", buildkitd, "--load", "-t", tag,
                     "--metadata-file", str(meta), str(ctx)], depot_env(builder_env))
    assert out.returncode == 0, out.stderr
    assert "sending tarball" in out.stderr  # the docker exporter, not the daemon's image store
    _check_loaded(engine, tag, meta, payload)


def test_load_through_the_server(builder_env: dict[str, str], engine, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with serving(builder_env, tmp_path, capacity=2) as server:
        payload = f"via-server-{unique()}\n"
        ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": payload})
        tag = f"depotci-test/{unique('load-api')}:v1"
        meta = tmp_path / "meta.json"
        out = run_depot(["build", "--progress=plain", "--load", "-t", tag, "--metadata-file", str(meta), str(ctx)],
                        server.env(depot_env(builder_env)))
        assert out.returncode == 0, out.stderr
        _check_loaded(engine, tag, meta, payload)


def test_unreachable_engine_fails_before_the_build(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], buildkitd: str, make_context, tmp_path: Path
) -> None:
    ctx = make_context({"Dockerfile": DOCKERFILE, "data.txt": "x\n"})
    env = depot_env(builder_env, DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    started = time.monotonic()
    out = run_depot(["build", "--progress=plain", "--buildkit-host", buildkitd, "--load", "-t", "x/y:z", str(ctx)], env)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert lines[-1].startswith("error: --load: cannot reach the local Docker Engine"), out.stderr
    assert "no-docker.sock" in lines[-1] and "Traceback" not in out.stderr
    assert time.monotonic() - started < 10
