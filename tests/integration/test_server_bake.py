"""`depot bake` through our depot-server: one build per project, run concurrently on the pooled builder
through the mTLS gateway; a failing target fails its own build only. Ours and the real Go depot CLI."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.test_server_support import ServerProc, real_depot_cli, serving
from support import Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

GOOD = "FROM scratch\nCOPY hello.txt /{name}.txt\n"
BAD = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo going down; exit 3"]
"""


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path) -> Iterator[ServerProc]:
    with serving(builder_env, tmp_path) as srv:
        yield srv


def _bake_file(ctx: Path, targets: dict[str, dict[str, str]]) -> None:
    out = [f"group \"default\" {{\n  targets = {json.dumps(sorted(targets))}\n}}\n"]
    for name, attrs in targets.items():
        body = "".join(f"  {k} = {json.dumps(v)}\n" for k, v in attrs.items())
        out.append(f'target "{name}" {{\n{body}}}\n')
    (ctx / "docker-bake.hcl").write_text("".join(out))


def _project(make_context, registry: Registry, second: str, bad: bool = False) -> tuple[Path, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A context with targets `app` (the default project) and `other` (project ``second``); with ``bad``
    `app` fails. Returns the context and each target's pushed tag."""
    files = {f"Dockerfile.{n}": GOOD.format(name=n) for n in ("app", "other")}
    files.update({"Dockerfile.bad": BAD, "hello.txt": f"{unique('hi')}\n"})
    ctx: Path = make_context(files)
    repo = unique("bake")
    tags = {name: f"{registry.host}/depotci/{repo}-{name}:v1" for name in ("app", "other")}
    _bake_file(
        ctx,
        {
            "app": {"dockerfile": "Dockerfile.bad" if bad else "Dockerfile.app", "tags": [tags["app"]], "network": "none"},  # type: ignore[dict-item]
            "other": {"dockerfile": "Dockerfile.other", "tags": [tags["other"]], "project_id": second},  # type: ignore[dict-item]
        },
    )
    return ctx, tags


def _builds(server: ServerProc, project: str) -> list[tuple[str, int]]:
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.api.client import ConnectClient

    with ConnectClient(server.url) as client:
        return [(b.id, b.status) for b in BuildAPI(client).list_builds(server.token, project).builds]


def _links(stderr: str) -> tuple[list[str], list[str]]:
    lines = [line for line in stderr.splitlines() if line]
    starts = [line.removeprefix("[depot] build: ") for line in lines if line.startswith("[depot] build: ")]
    ends = [line.removeprefix("Build Summary: ") for line in lines if line.startswith("Build Summary: ")]
    return starts, ends


def _assert_no_tokens(server: ServerProc, output: str) -> None:
    for text in (server.log(), output):
        assert server.token not in text
        assert not any(prefix in text for prefix in ("dso_", "dsp_", "dsb_"))


FINISHED, FAILED = 2, 3  # depot.cli.v1.BuildStatus


def test_two_projects_bake_as_two_concurrent_builds(
    server: ServerProc, builder_env: dict[str, str], registry: Registry, make_context, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    second = server.admin("project", "create", "second")
    ctx, tags = _project(make_context, registry, second)
    meta = tmp_path / "meta.json"
    out = run_depot(["bake", "--progress=plain", "--push", "--metadata-file", str(meta)], server.env(depot_env(builder_env)), cwd=ctx)
    assert out.returncode == 0, out.stderr
    lines = out.stderr.rstrip().splitlines()
    assert lines[0].startswith("[depot] build: ") and lines[1].startswith("[depot] build: ")
    assert lines[-1].startswith("Build Summary: ")
    starts, ends = _links(out.stderr)
    assert len(starts) == 2 and sorted(starts) == sorted(ends)
    data = json.loads(meta.read_text())
    first_builds, second_builds = _builds(server, server.project), _builds(server, second)
    assert [s for _, s in first_builds] == [FINISHED] and [s for _, s in second_builds] == [FINISHED]
    assert data["app"]["depot.build"] == {"buildID": first_builds[0][0], "projectID": server.project}
    assert data["other"]["depot.build"] == {"buildID": second_builds[0][0], "projectID": second}
    for name, tag in tags.items():
        repo, _, ref = tag.removeprefix(f"{registry.host}/").rpartition(":")
        digest, _ = registry.manifest(repo, ref)
        assert data[name]["containerimage.digest"] == digest
    assert data["depot.build"]["buildID"] in (first_builds[0][0], second_builds[0][0])
    for url in starts:
        assert url.rsplit("/", 1)[-1] in (first_builds[0][0], second_builds[0][0])
    _assert_no_tokens(server, out.stdout + out.stderr)


def test_a_failing_target_fails_its_build_and_the_other_succeeds(
    server: ServerProc, builder_env: dict[str, str], registry: Registry, make_context, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    second = server.admin("project", "create", "second")
    ctx, tags = _project(make_context, registry, second, bad=True)
    meta = tmp_path / "meta.json"
    out = run_depot(["bake", "--progress=plain", "--push", "--metadata-file", str(meta)], server.env(depot_env(builder_env)), cwd=ctx)
    assert out.returncode == 1
    last = out.stderr.rstrip().splitlines()[-1]
    assert 'target "app" failed' in last and "exit code: 3" in last
    assert "going down" in out.stderr
    starts, ends = _links(out.stderr)
    assert len(starts) == 2 and sorted(starts) == sorted(ends)
    assert [s for _, s in _builds(server, server.project)] == [FAILED]
    assert [s for _, s in _builds(server, second)] == [FINISHED]
    data = json.loads(meta.read_text())
    assert sorted(data) == ["depot.build", "other"]
    repo, _, ref = tags["other"].removeprefix(f"{registry.host}/").rpartition(":")
    assert data["other"]["containerimage.digest"] == registry.manifest(repo, ref)[0]
    assert data["depot.build"]["projectID"] == second and data["depot.build"]["targets"] == ["other"]


def test_real_cli_bakes_two_projects_through_our_server(
    server: ServerProc, builder_env: dict[str, str], registry: Registry, make_context, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    second = server.admin("project", "create", "second")
    ctx, tags = _project(make_context, registry, second)
    meta = tmp_path / "meta.json"
    out = subprocess.run(
        [real_depot_cli(), "bake", "--progress", "plain", "--push", "--metadata-file", str(meta)],
        env=server.env(depot_env(builder_env)), cwd=ctx, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    _, ends = _links(out.stderr)  # the real CLI draws `[depot] build:` as a progress step
    assert len(ends) == 2
    assert [s for _, s in _builds(server, server.project)] == [FINISHED]
    assert [s for _, s in _builds(server, second)] == [FINISHED]
    for tag in tags.values():
        repo, _, ref = tag.removeprefix(f"{registry.host}/").rpartition(":")
        assert registry.manifest(repo, ref)[0].startswith("sha256:")
    _assert_no_tokens(server, out.stdout + out.stderr)
