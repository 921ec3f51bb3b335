"""`depot bake` against the real builder: a ``target:`` dependency fed as a named context, pushes and the
per-target metadata map, one failing target among several, and ``--load`` of the requested targets only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import Engine, Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

BASE = """\
FROM scratch
COPY busybox /bin/busybox
RUN --network=none ["/bin/busybox", "--install", "-s", "/bin"]
ARG NONCE
RUN --network=none echo "base $NONCE" > /base.txt
ENV FROM_BASE=yes
"""
APP = """\
FROM base
RUN --network=none echo "app $FROM_BASE" > /app.txt && cat /base.txt >> /app.txt
CMD ["/bin/cat", "/app.txt"]
"""
OTHER = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo other > /other.txt"]
CMD ["/bin/busybox", "cat", "/other.txt"]
"""
BAD = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo going down; exit 3"]
"""


def _hcl(targets: dict[str, dict[str, str]], default: list[str]) -> str:
    out = [f"group \"default\" {{\n  targets = {json.dumps(default)}\n}}\n"]
    for name, attrs in targets.items():
        body = "".join(f"  {k} = {v}\n" for k, v in attrs.items())
        out.append(f'target "{name}" {{\n{body}}}\n')
    return "".join(out)


@pytest.fixture
def project(make_context):  # type: ignore[no-untyped-def]
    files = {"Dockerfile.base": BASE, "Dockerfile.app": APP, "Dockerfile.other": OTHER, "Dockerfile.bad": BAD}
    ctx: Path = make_context(files)
    return ctx


def test_three_targets_with_a_target_context_push_and_metadata(
    builder_env: dict[str, str], engine: Engine, registry: Registry, project: Path
) -> None:
    repo = f"depotci/{unique('bake')}"
    nonce = unique("n")
    tags = {name: f"{registry.host}/{repo}-{name}:v1" for name in ("base", "app", "other")}
    (project / "docker-bake.hcl").write_text(
        _hcl(
            {
                "base": {"dockerfile": '"Dockerfile.base"', "tags": json.dumps([tags["base"]]), "args": f'{{ NONCE = "{nonce}" }}'},
                "app": {"dockerfile": '"Dockerfile.app"', "contexts": '{ base = "target:base" }', "tags": json.dumps([tags["app"]])},
                "other": {"dockerfile": '"Dockerfile.other"', "network": '"none"', "tags": json.dumps([tags["other"]])},
            },
            ["base", "app", "other"],
        )
    )
    meta = project / "meta.json"
    out = run_depot(["bake", "--progress=plain", "--push", "--metadata-file", str(meta)], depot_env(builder_env), cwd=project)
    assert out.returncode == 0, out.stderr
    for name in ("base", "app", "other"):
        assert f"[{name} " in out.stderr  # progress lines carry the target name
    data = json.loads(meta.read_text())
    assert sorted(data) == ["app", "base", "other"]
    for name, tag in tags.items():
        digest, _ = registry.manifest(f"{repo}-{name}", "v1")
        assert data[name]["containerimage.digest"] == digest
        assert data[name]["image.name"] == tag
        assert data[name]["buildx.build.ref"].startswith("default/default/")
    code, logs = engine.run(tags["app"])
    assert (code, logs) == (0, f"app yes\nbase {nonce}\n".encode())


def test_a_failing_target_lets_the_other_finish(builder_env: dict[str, str], engine: Engine, project: Path) -> None:
    tag = f"depotci-test/{unique('good')}:v1"
    (project / "docker-bake.hcl").write_text(
        _hcl(
            {
                "bad": {"dockerfile": '"Dockerfile.bad"', "network": '"none"'},
                "good": {"dockerfile": '"Dockerfile.other"', "network": '"none"', "tags": json.dumps([tag])},
            },
            ["good", "bad"],
        )
    )
    meta = project / "meta.json"
    out = run_depot(["bake", "--progress=plain", "--metadata-file", str(meta)], depot_env(builder_env), cwd=project)
    assert out.returncode == 1
    assert out.stdout == ""
    last = out.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("error: Dockerfile.bad:3: ") and 'target "bad" failed' in last and "exit code: 3" in last
    assert "going down" in out.stderr
    assert engine.run(tag) == (0, b"other\n")  # the other target finished and was loaded
    assert sorted(json.loads(meta.read_text())) == ["good"]


def test_load_loads_only_the_requested_target(builder_env: dict[str, str], engine: Engine, project: Path) -> None:
    tags = {name: f"depotci-test/{unique(name)}:v1" for name in ("base", "app", "other")}
    (project / "docker-bake.hcl").write_text(
        _hcl(
            {
                "base": {"dockerfile": '"Dockerfile.base"', "tags": json.dumps([tags["base"]])},
                "app": {"dockerfile": '"Dockerfile.app"', "contexts": '{ base = "target:base" }', "tags": json.dumps([tags["app"]])},
                "other": {"dockerfile": '"Dockerfile.other"', "network": '"none"', "tags": json.dumps([tags["other"]])},
            },
            ["app", "other"],
        )
    )
    out = run_depot(["bake", "--progress=plain", "--load", "app"], depot_env(builder_env), cwd=project)
    assert out.returncode == 0, out.stderr
    assert engine.image(tags["app"]) is not None
    assert engine.image(tags["base"]) is None  # a dependency is not loaded
    assert engine.image(tags["other"]) is None  # not requested, not built
    assert engine.run(tags["app"])[1].startswith(b"app yes\n")


def test_single_target_progress_has_no_prefix(builder_env: dict[str, str], project: Path) -> None:
    (project / "docker-bake.hcl").write_text(
        _hcl({"one": {"dockerfile-inline": json.dumps(OTHER), "network": '"none"'}}, ["one"])
    )
    out = run_depot(["bake", "--progress=plain"], depot_env(builder_env), cwd=project)
    assert out.returncode == 0, out.stderr
    assert "[1/2] COPY busybox /bin/busybox" in out.stderr
    assert "[one " not in out.stderr


def test_multi_platform_dependency_feeds_each_platform(builder_env: dict[str, str], registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx: Path = make_context(
        {
            "Dockerfile.base": "FROM scratch\nARG TARGETARCH\nCOPY hello.txt /base-$TARGETARCH.txt\nENV FROM_BASE=yes\n",
            "Dockerfile.app": "FROM base\nARG TARGETARCH\nCOPY hello.txt /app-$TARGETARCH.txt\n",
            "hello.txt": "hi\n",
        }
    )
    repo = f"depotci/{unique('bakemp')}"
    platforms = '["linux/amd64", "linux/arm64"]'
    (ctx / "docker-bake.hcl").write_text(
        _hcl(
            {
                "base": {"dockerfile": '"Dockerfile.base"', "platforms": platforms},
                "app": {
                    "dockerfile": '"Dockerfile.app"',
                    "contexts": '{ base = "target:base" }',
                    "platforms": platforms,
                    "tags": json.dumps([f"{registry.host}/{repo}:v1"]),
                    "output": '["type=registry"]',
                },
            },
            ["app"],
        )
    )
    out = run_depot(["bake", "--progress=plain", "--provenance=false"], depot_env(builder_env), cwd=ctx)
    assert out.returncode == 0, out.stderr
    _, index = registry.manifest(repo, "v1")
    seen = {}
    for m in index["manifests"]:
        _, manifest = registry.manifest(repo, m["digest"])
        config = json.loads(registry.blob(repo, manifest["config"]["digest"]))
        seen[config["architecture"]] = (len(manifest["layers"]), "FROM_BASE=yes" in config["config"]["Env"])
    assert seen == {"amd64": (2, True), "arm64": (2, True)}
