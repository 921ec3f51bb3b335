"""`depot build` against the real builder: images loaded and run, pushed, multi-platform, args,
target, secrets and .dockerignore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import Engine, Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

RUN_DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN echo "built with $(busybox | head -1 | cut -c1-7)" > /built.txt
CMD ["/bin/cat", "/built.txt"]
"""


def test_run_step_load_and_run(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx: Path = make_context({"Dockerfile": RUN_DOCKERFILE})
    tag = f"depotci-test/{unique()}:latest"
    env = depot_env(builder_env)
    out = run_depot(["build", "--progress=plain", "--network", "none", "--load", "-t", tag, str(ctx)], env)
    assert out.returncode == 0, out.stderr
    assert "RUN echo" in out.stderr and "DONE" in out.stderr
    code, logs = engine.run(tag)
    assert code == 0
    assert logs == b"built with BusyBox\n"


def test_network_host_needs_and_gets_the_entitlement(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": RUN_DOCKERFILE})
    out = run_depot(["build", "--progress=plain", "--network", "host", str(ctx)], depot_env(builder_env))
    assert out.returncode == 0, out.stderr


def test_push_to_local_registry(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /bin/busybox\nCOPY hello.txt /\n", "hello.txt": "hi\n"})
    reg = registry
    repo = f"depotci/{unique('push')}"
    meta = tmp_path / "meta.json"
    out = run_depot(
        ["build", "--progress=plain", "--push", "-t", f"{reg.host}/{repo}:v1", "--metadata-file", str(meta), str(ctx)],
        depot_env(builder_env),
    )
    assert out.returncode == 0, out.stderr
    digest, manifest = reg.manifest(repo, "v1")
    data = json.loads(meta.read_text())
    assert data["containerimage.digest"] == digest
    assert data["image.name"] == f"{reg.host}/{repo}:v1"
    assert manifest["mediaType"] in ("application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json")


def test_multi_platform_push_gives_an_index_with_two_manifests(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nARG TARGETARCH\nCOPY hello.txt /$TARGETARCH.txt\n", "hello.txt": "x"})
    reg = registry
    repo = f"depotci/{unique('multi')}"
    out = run_depot(
        ["build", "--progress=plain", "--platform", "linux/amd64,linux/arm64", "--provenance=false", "--push",
         "-t", f"{reg.host}/{repo}:v1", str(ctx)],
        depot_env(builder_env),
    )
    assert out.returncode == 0, out.stderr
    _, index = reg.manifest(repo, "v1")
    platforms = sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"])
    assert platforms == ["linux/amd64", "linux/arm64"]
    for m in index["manifests"]:
        _, manifest = reg.manifest(repo, m["digest"])
        config = json.loads(reg.blob(repo, manifest["config"]["digest"]))
        assert config["architecture"] == m["platform"]["architecture"]


def test_build_args_target_and_secret(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret_value = f"s3cr3t-{unique()}"
    secret_file = tmp_path / "token.txt"
    secret_file.write_text(secret_value)
    dockerfile = """\
FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ARG GREETING=unset
RUN echo "greeting=$GREETING" > /greeting.txt
RUN --mount=type=secret,id=token sh -c 'wc -c < /run/secrets/token > /secret-length.txt; cat /run/secrets/token | md5sum > /secret-md5.txt'

FROM base AS other
RUN echo other > /other.txt
"""
    ctx = make_context({"Dockerfile": dockerfile})
    tag = f"depotci-test/{unique()}:latest"
    out = run_depot(
        ["build", "--progress=plain", "--network", "none", "--build-arg", "GREETING=hola", "--target", "base",
         "--secret", f"id=token,src={secret_file}", "--load", "-t", tag, str(ctx)],
        depot_env(builder_env),
    )
    assert out.returncode == 0, out.stderr
    assert secret_value not in out.stderr and secret_value not in out.stdout
    files = engine.export_files(tag)
    assert files["greeting.txt"] == b"greeting=hola\n"
    assert files["secret-length.txt"].strip() == str(len(secret_value)).encode()
    assert "other.txt" not in files  # --target base stops before the other stage
    assert not any(secret_value.encode() in content for content in files.values())
    assert "run/secrets/token" not in files


def test_secret_from_env(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    dockerfile = (
        "FROM scratch\nCOPY busybox /bin/busybox\n"
        'RUN --mount=type=secret,id=tok,required=true ["/bin/busybox", "sh", "-c", "/bin/busybox wc -c < /run/secrets/tok > /n"]\n'
    )
    ctx = make_context({"Dockerfile": dockerfile})
    tag = f"depotci-test/{unique()}:latest"
    env = depot_env(builder_env, MY_TOKEN="abcdef")
    out = run_depot(["build", "--network", "none", "--secret", "id=tok,env=MY_TOKEN", "--load", "-t", tag, str(ctx)], env)
    assert out.returncode == 0, out.stderr
    assert engine.export_files(tag)["n"].strip() == b"6"


def test_dockerignored_file_is_absent(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(
        {
            "Dockerfile": "FROM scratch\nCOPY . /ctx/\n",
            ".dockerignore": "secret.env\nlogs/\n!logs/keep.log\n",
            "secret.env": "PASSWORD=x",
            "logs/a.log": "a",
            "logs/keep.log": "k",
            "app.txt": "app",
        }
    )
    tag = f"depotci-test/{unique()}:latest"
    out = run_depot(["build", "--load", "-t", tag, str(ctx)], depot_env(builder_env))
    assert out.returncode == 0, out.stderr
    files = engine.export_files(tag)
    assert "ctx/app.txt" in files and "ctx/logs/keep.log" in files
    assert "ctx/secret.env" not in files and "ctx/logs/a.log" not in files


def test_dockerfile_specific_dockerignore(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context(
        {
            "build/app.Dockerfile": "FROM scratch\nCOPY . /ctx/\n",
            "build/app.Dockerfile.dockerignore": "skip.txt\n",
            ".dockerignore": "",
            "skip.txt": "no",
            "keep.txt": "yes",
        }
    )
    tag = f"depotci-test/{unique()}:latest"
    out = run_depot(["build", "-f", str(ctx / "build/app.Dockerfile"), "--load", "-t", tag, str(ctx)], depot_env(builder_env))
    assert out.returncode == 0, out.stderr
    files = engine.export_files(tag)
    assert "ctx/keep.txt" in files and "ctx/skip.txt" not in files


def test_dockerfile_from_stdin_and_local_output(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"data.txt": "payload"})
    dest = tmp_path / "out"
    out = run_depot(
        ["build", "-f", "-", "--output", f"type=local,dest={dest}", str(ctx)],
        depot_env(builder_env),
        stdin=b"FROM scratch\nCOPY data.txt /sub/data.txt\n",
    )
    assert out.returncode == 0, out.stderr
    assert (dest / "sub" / "data.txt").read_text() == "payload"


def test_tar_output(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import tarfile

    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY data.txt /\n", "data.txt": "tarred"})
    dest = tmp_path / "out.tar"
    out = run_depot(["build", "--output", f"type=tar,dest={dest}", str(ctx)], depot_env(builder_env))
    assert out.returncode == 0, out.stderr
    with tarfile.open(dest) as tar:
        member = tar.extractfile("data.txt")
        assert member is not None and member.read() == b"tarred"
