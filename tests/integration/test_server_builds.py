"""Builds through our depot-server and its mTLS gateway onto the real builder: the real Go depot CLI and
our `depot`, concurrency, and token checks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from integration.test_server_support import ServerProc, real_depot_cli, serving
from support import Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch\nCOPY hello.txt /\n"


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProc]:
    with serving(builder_env, tmp_path) as srv:
        yield srv


def _ctx(tmp_path: Path, text: str = "hi\n") -> Path:
    ctx = tmp_path / unique("ctx")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "hello.txt").write_text(text)
    return ctx


def _real(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([real_depot_cli(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _assert_no_tokens(server: ServerProc, client_output: str) -> None:
    """Neither the org token nor any minted token (prefixes dso_/dsp_/dsb_) is in a log."""
    for text in (server.log(), client_output):
        assert server.token not in text
        assert not any(prefix in text for prefix in ("dso_", "dsp_", "dsb_"))


def _list_builds(server: ServerProc, env: dict[str, str]) -> list[dict[str, object]]:
    out = _real(["list", "builds", "--output", "json"], env)
    assert out.returncode == 0, out.stderr
    data: list[dict[str, object]] = json.loads(out.stdout)
    return data


def test_real_cli_builds_and_pushes_through_the_gateway(
    server: ServerProc, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    repo = f"depotci/{unique('real')}"
    env = server.env(depot_env(builder_env))
    out = _real(["build", "--progress", "plain", "--push", "-t", f"{registry.host}/{repo}:v1", str(_ctx(tmp_path))], env)
    assert out.returncode == 0, out.stderr
    assert "[depot] build: http://127.0.0.1" in out.stderr
    assert out.stderr.rstrip().splitlines()[-1].startswith("Build Summary: ")
    digest, _ = registry.manifest(repo, "v1")
    assert digest.startswith("sha256:")
    builds = _list_builds(server, env)
    assert [b["status"] for b in builds] == ["finished"]
    _assert_no_tokens(server, out.stdout + out.stderr)


def test_our_depot_builds_through_the_server(
    server: ServerProc, builder_env: dict[str, str], registry: Registry, tmp_path: Path
) -> None:
    repo = f"depotci/{unique('ours')}"
    meta = tmp_path / "meta.json"
    env = server.env(depot_env(builder_env))
    out = run_depot(
        ["build", "--progress=plain", "--push", "-t", f"{registry.host}/{repo}:v1", "--metadata-file", str(meta),
         str(_ctx(tmp_path))], env,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stderr.rstrip().splitlines()
    assert lines[0].startswith("[depot] build: http://127.0.0.1")
    assert lines[-1] == lines[0].replace("[depot] build: ", "Build Summary: ")
    data = json.loads(meta.read_text())
    assert data["depot.build"]["projectID"] == server.project
    digest, _ = registry.manifest(repo, "v1")
    assert data["containerimage.digest"] == digest
    builds = _list_builds(server, env)
    assert builds[0]["id"] == data["depot.build"]["buildID"] and builds[0]["status"] == "finished"
    _assert_no_tokens(server, out.stdout + out.stderr)


def test_twenty_concurrent_builds_all_finish(server: ServerProc, builder_env: dict[str, str], tmp_path: Path) -> None:
    env = server.env(depot_env(builder_env))
    contexts = [_ctx(tmp_path, f"build {i}\n") for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda c: run_depot(["build", "--progress=plain", str(c)], env), contexts))
    failed = [r.stderr[-800:] for r in results if r.returncode != 0]
    assert failed == []
    builds = _list_builds(server, env)
    assert len(builds) == 20
    assert {b["status"] for b in builds} == {"finished"}


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("not-a-token", "unauthenticated: invalid token"),
        ("", "missing API token, please run `depot login`"),
    ],
)
def test_bad_tokens_are_rejected_with_one_clear_line(
    server: ServerProc, builder_env: dict[str, str], tmp_path: Path, token: str, expected: str
) -> None:
    # --project asks for the API explicitly: without a token our depot must not fall back to a direct build
    env = server.env(depot_env(builder_env), DEPOT_TOKEN=token)
    env.pop("DEPOT_PROJECT_ID")
    args = ["build", "--project", server.project, str(_ctx(tmp_path))]
    for run in (lambda: run_depot(args, env), lambda: _real(args, env)):
        out = run()
        assert out.returncode == 1
        assert expected in out.stderr.strip().splitlines()[-1]


def test_build_tokens_are_scoped_and_expire(server: ServerProc, builder_env: dict[str, str]) -> None:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient
    from depotci.core.errors import ApiError

    with ConnectClient(server.url) as client:
        api = BuildAPI(client)
        first = api.create_build(server.token, server.project, [])
        second = api.create_build(server.token, server.project, [])
        with pytest.raises(ApiError) as other:
            api.get_buildkit_connection(first.build_token, second.build_id, 1)
        assert str(other.value) == f"permission_denied: the token is not valid for build '{second.build_id}'"
        with pytest.raises(ApiError) as account:
            api.create_build(first.build_token, server.project, [])
        assert account.value.code == "permission_denied"
        expired = server.admin("token", "create", "--ttl", "0.001")
        with pytest.raises(ApiError) as old:
            api.list_builds(expired, server.project)
        assert str(old.value) == "unauthenticated: token expired"
        for b in (first, second):
            api.finish_build(b.build_token, b.build_id, canceled=True)
    assert server.token not in server.log() and first.build_token not in server.log()


@pytest.mark.parametrize("http_version", ["1.1", "2"])
def test_server_speaks_http1_and_h2c(server: ServerProc, http_version: str) -> None:
    import httpx
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    with ConnectClient(server.url, http_version=http_version) as client:  # type: ignore[arg-type]
        assert list(BuildAPI(client).list_builds(server.token, server.project).builds) == []
    # the JSON codec, on a plain HTTP/1.1 client
    resp = httpx.post(
        f"{server.url}/depot.cli.v1.BuildService/ListBuilds", json={"projectId": server.project},
        headers={"Authorization": f"Bearer {server.token}", "Connect-Protocol-Version": "1"},
    )
    assert (resp.status_code, resp.http_version, resp.json()) == (200, "HTTP/1.1", {})
