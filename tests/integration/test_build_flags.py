"""Every `depot build` flag of issue 2 item 4, proven on the real builder by what it changes: labels in
the image config, CACHED steps, files in the result, registry content, exporter metadata. Flags the
builder (or our client) cannot honour must be refused with one `error:` line and exit 1.

Already covered by test_build_images.py (not repeated): --load, --push, multi-platform, --build-arg,
--target, --secret, .dockerignore, -f -, type=local and type=tar outputs.
"""

from __future__ import annotations

import gzip
import io
import json
import platform
import re
import subprocess
import tarfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import DEPOT, Engine, Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

BUSYBOX = Path("/bin/busybox")
SHELL = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
ATTESTATION = "attestation-manifest"


# ---------------------------------------------------------------------------------------------- helpers


def build(builder_env: dict[str, str], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_depot(["build", *args], depot_env(builder_env, **env))


def ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def assert_refused(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 1 and exactly one `error:` line on stderr that names the problem."""
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 1, out.stderr
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0]


def step_cached(stderr: str) -> dict[str, bool]:
    """`--progress=plain` output → {step title: was it CACHED}."""
    titles: dict[str, str] = {}
    cached: set[str] = set()
    for line in stderr.splitlines():
        m = re.match(r"^#(\d+) (.+)$", line)
        if m is None:
            continue
        num, rest = m.groups()
        titles.setdefault(num, rest)
        if rest == "CACHED":
            cached.add(num)
    return {title: num in cached for num, title in titles.items() if title.startswith("[")}


def cached_state(stderr: str, needle: str) -> bool:
    matches = [v for title, v in step_cached(stderr).items() if needle in title]
    assert len(matches) == 1, (needle, step_cached(stderr))
    return matches[0]


def tar_files(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m) if m.isfile() else None
            if f is not None:
                out[m.name.removeprefix("./")] = f.read()
    return out


def layer_files(blobs: list[bytes]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for blob in blobs:
        files.update(tar_files(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob))
    return files


def registry_image(registry: Registry, repo: str, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(index or manifest at ref, every image/attestation manifest under it)."""
    _, top = registry.manifest(repo, ref)
    if "manifests" not in top:
        return top, [top]
    return top, [{**registry.manifest(repo, m["digest"])[1], "_desc": m} for m in top["manifests"]]


def registry_files(registry: Registry, repo: str, ref: str) -> dict[str, bytes]:
    _, manifests = registry_image(registry, repo, ref)
    image = next(m for m in manifests if m.get("_desc", {}).get("platform", {}).get("os") != "unknown")
    return layer_files([registry.blob(repo, layer["digest"]) for layer in image["layers"]])


def provenance_predicate(registry: Registry, repo: str, ref: str) -> dict[str, Any]:
    _, manifests = registry_image(registry, repo, ref)
    att = [m for m in manifests if m["_desc"].get("annotations", {}).get("vnd.docker.reference.type") == ATTESTATION]
    assert len(att) == 1, manifests
    statement = json.loads(registry.blob(repo, att[0]["layers"][0]["digest"]))
    assert statement["predicateType"].startswith("https://slsa.dev/provenance/")
    return dict(statement["predicate"])


def oci_manifests(path: Path) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """Every manifest reachable from an OCI tarball's index.json (with its descriptor), and its blobs."""
    files = tar_files(path.read_bytes())
    assert json.loads(files["oci-layout"])["imageLayoutVersion"] == "1.0.0"
    blobs = {f"sha256:{name.rsplit('/', 1)[1]}": data for name, data in files.items() if name.startswith("blobs/")}
    out: list[dict[str, Any]] = []
    todo = list(json.loads(files["index.json"])["manifests"])
    while todo:
        desc = todo.pop(0)
        doc = json.loads(blobs[desc["digest"]])
        if "manifests" in doc:
            todo += doc["manifests"]
        else:
            out.append({**doc, "_desc": desc})
    return out, blobs


def build_cache_ids(engine: Engine, needle: str) -> list[str]:
    r = engine.client.get("/system/df", params={"type": "build-cache"})
    r.raise_for_status()
    return [rec["ID"] for rec in r.json().get("BuildCache") or [] if needle in rec.get("Description", "")]


def prune_build_cache(engine: Engine, needle: str) -> None:
    """Prune only the build-cache records whose description holds `needle` (a unique token), so the
    cache of builds running concurrently on the same daemon is left alone."""
    ids = build_cache_ids(engine, needle)
    assert ids, f"no build cache record mentions {needle}"
    for rid in ids:
        filters = urllib.parse.quote(json.dumps({"id": [rid]}))
        engine.client.post(f"/build/prune?all=1&filters={filters}").raise_for_status()
    assert build_cache_ids(engine, needle) == []


def native_platform() -> str:
    return "linux/arm64" if platform.machine().lower() in ("aarch64", "arm64") else "linux/amd64"


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def base_image(builder_env: dict[str, str], registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A busybox image pushed to the local registry once per module (FROM / docker-image:// source)."""
    ctx = tmp_path_factory.mktemp("base")
    (ctx / "busybox").write_bytes(BUSYBOX.read_bytes())
    (ctx / "busybox").chmod(0o755)
    (ctx / "Dockerfile").write_text(SHELL + 'ENV PATH=/bin\n')
    ref = f"{registry.host}/depotci/{unique('flags-base')}:v1"
    ok(build(builder_env, "--network", "none", "--push", "--provenance=false", "-t", ref, str(ctx)))
    return ref


# ----------------------------------------------------------------------------------- image metadata


def test_label_lands_in_the_image_config(builder_env: dict[str, str], engine: Engine, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nLABEL from.dockerfile=1\nCOPY busybox /\n"})
    tag = f"depotci-test/{unique()}:latest"
    ok(build(builder_env, "--label", "org.depotci.a=one", "--label", "org.depotci.b=two words", "-t", tag, str(ctx)))
    image = engine.image(tag)
    assert image is not None
    assert image["Config"]["Labels"] == {"from.dockerfile": "1", "org.depotci.a": "one", "org.depotci.b": "two words"}


def test_annotations_land_in_the_pushed_manifest_and_index(builder_env: dict[str, str], registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /\n"})
    repo = f"depotci/{unique('annot')}"
    ok(build(builder_env, "--annotation", "org.depotci.m=on-manifest", "--annotation", "index:org.depotci.i=on-index",
             "--push", "-t", f"{registry.host}/{repo}:v1", str(ctx)))
    index, manifests = registry_image(registry, repo, "v1")
    assert index["annotations"]["org.depotci.i"] == "on-index"
    image = [m for m in manifests if m["_desc"]["platform"]["os"] == "linux"]
    assert len(image) == 1 and image[0]["annotations"]["org.depotci.m"] == "on-manifest"


# --------------------------------------------------------------------------------------- build cache


def test_no_cache_reruns_every_step(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": SHELL + f"RUN echo {unique()} > /t\n"})
    args = ("--progress=plain", "--network", "none", "-o", "type=cacheonly", str(ctx))
    ok(build(builder_env, *args))
    again = ok(build(builder_env, *args))
    assert cached_state(again.stderr, "RUN echo")  # control: a plain rebuild is served from the cache
    fresh = ok(build(builder_env, "--no-cache", *args))
    assert step_cached(fresh.stderr) and "CACHED" not in fresh.stderr


def test_no_cache_filter_reruns_only_that_stage(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    token = unique()
    dockerfile = (
        "FROM scratch AS base\nCOPY busybox /bin/busybox\n"
        f'RUN ["/bin/busybox", "sh", "-c", "echo base-{token} > /base"]\n'
        "FROM base AS app\n"
        f'RUN ["/bin/busybox", "sh", "-c", "echo app-{token} > /app"]\n'
    )
    ctx = make_context({"Dockerfile": dockerfile})
    args = ("--progress=plain", "--network", "none", "-o", "type=cacheonly", str(ctx))
    ok(build(builder_env, *args))
    out = ok(build(builder_env, "--no-cache-filter", "app", *args))
    assert cached_state(out.stderr, "echo base-")
    assert not cached_state(out.stderr, "echo app-")


def test_registry_cache_export_then_import_after_prune(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = unique("regcache")
    ctx = make_context({"Dockerfile": SHELL + f"RUN echo {token} > /t\n"})
    repo = f"depotci/{unique('cache')}"
    cache = f"{registry.host}/{repo}:buildcache"
    meta = tmp_path / "meta.json"
    ok(build(builder_env, "--network", "none", "-o", "type=cacheonly", "--metadata-file", str(meta),
             "--cache-to", f"type=registry,ref={cache},mode=max", str(ctx)))
    assert "containerimage.digest" not in json.loads(meta.read_text())  # cacheonly: no image was exported
    _, cache_manifest = registry.manifest(repo, "buildcache")
    descriptors = cache_manifest.get("manifests", []) + cache_manifest.get("layers", [])
    assert "application/vnd.buildkit.cacheconfig.v0" in [d["mediaType"] for d in descriptors]
    prune_build_cache(engine, token)
    out = ok(build(builder_env, "--progress=plain", "--network", "none", "-o", "type=cacheonly",
                   "--cache-from", f"type=registry,ref={cache}", str(ctx)))
    assert f"importing cache manifest from {cache}" in out.stderr
    assert cached_state(out.stderr, f"RUN echo {token}")


def test_inline_cache_is_in_the_image_config_and_imports(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context) -> None:  # type: ignore[no-untyped-def]
    token = unique("inline")
    ctx = make_context({"Dockerfile": SHELL + f"RUN echo {token} > /t\n"})
    repo = f"depotci/{unique('inline')}"
    ref = f"{registry.host}/{repo}:v1"
    ok(build(builder_env, "--network", "none", "--cache-to", "type=inline", "--provenance=false", "--push", "-t", ref, str(ctx)))
    _, manifest = registry.manifest(repo, "v1")
    config = json.loads(registry.blob(repo, manifest["config"]["digest"]))
    assert "moby.buildkit.cache.v0" in config
    engine.client.delete(f"/images/{ref}", params={"force": 1})
    prune_build_cache(engine, token)
    out = ok(build(builder_env, "--progress=plain", "--network", "none", "-o", "type=cacheonly", "--cache-from", ref, str(ctx)))
    assert cached_state(out.stderr, f"RUN echo {token}")


# --------------------------------------------------------------------------------------------- inputs


def test_pull_resolves_the_base_from_the_registry(builder_env: dict[str, str], engine: Engine, registry: Registry, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The engine holds version A of the base, the registry version B: a plain build uses A (the docker
    driver prefers local images), --pull uses B."""
    ref = f"{registry.host}/depotci/{unique('pull')}:base"
    keep = unique("keep-a")
    for marker in ("A", "B"):
        ctx = make_context({"Dockerfile": "FROM scratch\nCOPY m.txt /\n", "m.txt": marker}, name=f"base-{marker}")
        ok(build(builder_env, "--push", "--provenance=false", "-t", ref, str(ctx)))
        if marker == "A":
            engine.client.post(f"/images/{ref}/tag", params={"repo": keep, "tag": "x"}).raise_for_status()
    repo, _, tag = ref.rpartition(":")
    engine.client.post(f"/images/{keep}:x/tag", params={"repo": repo, "tag": tag}).raise_for_status()
    engine.client.delete(f"/images/{keep}:x")
    ctx = make_context({"Dockerfile": f"FROM {ref}\n"}, name="app")
    seen = {}
    for name, extra in (("local", []), ("pull", ["--pull"])):
        dest = tmp_path / name
        ok(build(builder_env, *extra, "-o", f"type=local,dest={dest}", str(ctx)))
        seen[name] = (dest / "m.txt").read_text()
    assert seen == {"local": "A", "pull": "B"}


def test_build_context_from_a_directory_and_a_registry_image(builder_env: dict[str, str], base_image: str, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "e.txt").write_text("from the named dir")
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY --from=extra e.txt /e.txt\nCOPY --from=tools /bin/busybox /bb\n"})
    dest = tmp_path / "out"
    ok(build(builder_env, "--build-context", f"extra={extra}", "--build-context", f"tools=docker-image://{base_image}",
             "-o", f"type=local,dest={dest}", str(ctx)))
    assert (dest / "e.txt").read_text() == "from the named dir"
    assert (dest / "bb").read_bytes() == BUSYBOX.read_bytes()


@pytest.fixture
def ssh_agent(tmp_path: Path) -> Iterator[str]:
    import shutil

    if shutil.which("ssh-agent") is None:
        pytest.fail("ssh-agent is missing: apt-get install openssh-client")
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            assert time.monotonic() < deadline, "ssh-agent did not create its socket"
            time.sleep(0.05)
        yield str(sock)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ssh_default_forwards_the_agent(builder_env: dict[str, str], ssh_agent: str, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dockerfile = SHELL + (
        f'RUN --mount=type=ssh mkdir /out && test -S "$SSH_AUTH_SOCK" && echo "{unique()} $SSH_AUTH_SOCK" > /out/ssh\n'
        "FROM scratch\nCOPY --from=0 /out /\n"
    )
    ctx = make_context({"Dockerfile": dockerfile})
    dest = tmp_path / "out"
    ok(build(builder_env, "--network", "none", "--ssh", "default", "-o", f"type=local,dest={dest}", str(ctx),
             SSH_AUTH_SOCK=ssh_agent))
    assert (dest / "ssh").read_text().split()[1].startswith("/run/buildkit/ssh_agent.")
    # control: without --ssh nothing is forwarded (the mount is optional), so `test -S` fails the step
    without = build(builder_env, "--network", "none", "--no-cache", "-o", f"type=local,dest={tmp_path / 'no'}", str(ctx))
    assert without.returncode == 1 and "did not complete successfully: exit code: 1" in without.stderr


# -------------------------------------------------------------------------------------------- outputs


@pytest.mark.parametrize(
    "output",
    ["type=image,name={ref},push=true", "type=registry,name={ref}", "type=registry"],
    ids=["image-push", "registry-name", "registry-tag"],
)
def test_image_outputs_push_to_the_registry(builder_env: dict[str, str], registry: Registry, make_context, output: str) -> None:  # type: ignore[no-untyped-def]
    marker = unique()
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY m.txt /\n", "m.txt": marker})
    repo = f"depotci/{unique('out')}"
    ref = f"{registry.host}/{repo}:v1"
    tag_args = ["-t", ref] if "{ref}" not in output else []
    ok(build(builder_env, *tag_args, "-o", output.format(ref=ref), str(ctx)))
    assert registry_files(registry, repo, "v1")["m.txt"] == marker.encode()


@pytest.mark.parametrize(("attest", "attestations"), [([], 0), (["--attest", "type=provenance"], 1)])
def test_oci_tarball_output_and_attest(builder_env: dict[str, str], make_context, tmp_path: Path, attest: list[str], attestations: int) -> None:  # type: ignore[no-untyped-def]
    """type=oci writes an OCI layout tarball; the default provenance is inline-only (not in tarballs),
    an explicit --attest type=provenance adds an attestation manifest to it."""
    marker = unique()
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY m.txt /\n", "m.txt": marker})
    dest = tmp_path / "image.tar"
    ok(build(builder_env, *attest, "-o", f"type=oci,dest={dest}", str(ctx)))
    manifests, blobs = oci_manifests(dest)
    kinds = [m["_desc"].get("annotations", {}).get("vnd.docker.reference.type") for m in manifests]
    assert kinds.count(ATTESTATION) == attestations
    image = next(m for m in manifests if m["_desc"].get("annotations", {}).get("vnd.docker.reference.type") is None)
    assert layer_files([blobs[layer["digest"]] for layer in image["layers"]])["m.txt"] == marker.encode()


def test_docker_tarball_output_loads_into_the_engine(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marker = unique()
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY m.txt /\n", "m.txt": marker})
    tag = f"depotci-test/{unique('dockertar')}:v1"
    dest = tmp_path / "image.tar"
    ok(build(builder_env, "-t", tag, "-o", f"type=docker,dest={dest}", str(ctx)))
    assert engine.image(tag) is None  # written to the file, not loaded by the build
    files = tar_files(dest.read_bytes())
    [entry] = json.loads(files["manifest.json"])
    assert any(t.endswith(tag) for t in entry["RepoTags"])
    r = engine.client.post("/images/load", content=dest.read_bytes(), headers={"Content-Type": "application/x-tar"})
    r.raise_for_status()
    assert engine.export_files(tag)["m.txt"] == marker.encode()


def test_tar_to_stdout(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    marker = unique()
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY m.txt /sub/\n", "m.txt": marker})
    out = subprocess.run([DEPOT, "build", "-o", "-", str(ctx)], env=depot_env(builder_env), capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    assert tar_files(out.stdout)["sub/m.txt"] == marker.encode()


def test_quiet_prints_only_the_image_id_which_iidfile_holds(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": f"FROM scratch\nCOPY busybox /\nLABEL t={unique()}\n"})
    tag = f"depotci-test/{unique()}:latest"
    iid = tmp_path / "iid"
    out = ok(build(builder_env, "--quiet", "--iidfile", str(iid), "-t", tag, str(ctx)))
    assert out.stderr == ""
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", out.stdout)
    image = engine.image(tag)
    assert image is not None
    assert iid.read_text() == out.stdout.strip() == image["Id"]


# --------------------------------------------------------------------------------------- attestations


@pytest.mark.parametrize(("flags", "max_mode"), [([], False), (["--provenance=mode=max"], True)])
def test_provenance_attestation_in_the_pushed_index(builder_env: dict[str, str], registry: Registry, make_context, flags: list[str], max_mode: bool) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": f"FROM scratch\nCOPY busybox /\nLABEL t={unique()}\n"})
    repo = f"depotci/{unique('prov')}"
    ok(build(builder_env, *flags, "--push", "-t", f"{registry.host}/{repo}:v1", str(ctx)))
    predicate = provenance_predicate(registry, repo, "v1")
    assert ("buildConfig" in predicate) is max_mode  # mode=max records the build steps, mode=min does not


def test_sbom_with_the_default_generator_fails_clearly(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    """The default scanner image lives on Docker Hub, which the builder cannot reach."""
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /\n"})
    out = build(builder_env, "--sbom=true", str(ctx))
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "docker/buildkit-syft-scanner" in last


# ------------------------------------------------------------------------------------ RUN environment


@dataclass(frozen=True)
class RunEnv:
    """Files a RUN step wrote with the runtime flags, without them, and the cgroup parent used."""

    flags: dict[str, str]
    control: dict[str, str]
    cgroup_parent: str


@pytest.fixture(scope="module")
def run_environment(builder_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunEnv]:
    """What a RUN step sees, built once with --ulimit/--shm-size/--add-host/--cgroup-parent and once
    without (the control); the cgroup parent is removed afterwards (best effort)."""
    ctx = tmp_path_factory.mktemp("runenv")
    (ctx / "busybox").write_bytes(BUSYBOX.read_bytes())
    (ctx / "busybox").chmod(0o755)
    (ctx / "Dockerfile").write_text(
        SHELL
        + f"RUN mkdir /out && echo {unique()} > /out/token && ulimit -Sn > /out/nofile && ulimit -Hn >> /out/nofile"
        " && df -k /dev/shm | tail -1 > /out/shm && cat /etc/hosts > /out/hosts && cat /proc/self/cgroup > /out/cgroup\n"
        "FROM scratch\nCOPY --from=0 /out /\n"
    )
    parent = unique("depotci-cg")
    flags = ["--ulimit", "nofile=1024:2048", "--shm-size", "128m", "--add-host", "depotci-host:10.11.12.13",
             "--cgroup-parent", parent]
    seen: dict[str, dict[str, str]] = {}
    for name, extra in (("flags", flags), ("control", [])):
        dest = ctx.parent / f"{ctx.name}-{name}"
        ok(build(builder_env, "--network", "none", *extra, "-o", f"type=local,dest={dest}", str(ctx)))
        seen[name] = {p.name: p.read_text() for p in dest.iterdir()}
    yield RunEnv(seen["flags"], seen["control"], parent)
    for pattern in (f"*/{parent}/buildkit", f"{parent}/buildkit", f"*/{parent}", parent):  # best effort
        for path in sorted(Path("/sys/fs/cgroup").glob(pattern), reverse=True):
            try:
                path.rmdir()
            except OSError:
                pass


@pytest.mark.parametrize(
    ("flag", "file", "expected"),
    [
        ("--ulimit nofile=1024:2048", "nofile", "1024\n2048\n"),
        ("--shm-size 128m", "shm", "131072"),  # 1K-blocks of /dev/shm
        ("--add-host depotci-host:10.11.12.13", "hosts", "10.11.12.13\tdepotci-host"),
        ("--cgroup-parent", "cgroup", "/{parent}/buildkit/"),
    ],
)
def test_run_environment_flag(run_environment: RunEnv, flag: str, file: str, expected: str) -> None:
    expected = expected.format(parent=run_environment.cgroup_parent)
    assert expected in run_environment.flags[file], (flag, run_environment.flags[file])
    assert expected not in run_environment.control[file], (flag, run_environment.control[file])


def test_network_host_reaches_the_hosts_loopback(builder_env: dict[str, str], make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With --network host a RUN step reaches the registry on the host's 127.0.0.1; with none it cannot.
    (busybox-static's wget crashes in the sandbox, so the request goes through nc.)"""
    host, _, port = builder_env["DEPOTCI_REGISTRY"].rpartition(":")
    request = r"GET /v2/ HTTP/1.0\r\n\r\n"
    ctx = make_context({"Dockerfile": SHELL + (
        f"RUN mkdir /out && echo {unique()} > /out/t && (printf '{request}' | nc -w 5 {host} {port} > /out/v2 || true)\n"
        "FROM scratch\nCOPY --from=0 /out /\n"
    )})
    seen = {}
    for mode in ("host", "none"):
        ok(build(builder_env, "--network", mode, "-o", f"type=local,dest={tmp_path / mode}", str(ctx)))
        seen[mode] = (tmp_path / mode / "v2").read_text()
    assert seen["host"].startswith("HTTP/1.0 200 OK") and "Docker-Distribution-Api-Version" in seen["host"]
    assert seen["none"] == ""


def test_add_host_gateway_without_a_gateway_is_refused(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /\n"})
    assert_refused(build(builder_env, "--add-host", "gw:host-gateway", str(ctx)), "--add-host gw:host-gateway")


def test_allow_security_insecure_is_refused_by_this_daemon_in_one_line(builder_env: dict[str, str], make_context) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": SHELL + "RUN --security=insecure echo hi\n"})
    out = build(builder_env, "--network", "none", "--allow", "security.insecure", str(ctx))
    assert_refused(out, "security.insecure", "not allowed")


@pytest.mark.parametrize("native", [True, False], ids=["native", "foreign"])
def test_build_platform(builder_env: dict[str, str], engine: Engine, make_context, native: bool) -> None:  # type: ignore[no-untyped-def]
    """The direct builder has one platform: --build-platform naming it works, any other is refused."""
    here = native_platform()
    wanted = here if native else {"linux/amd64": "linux/arm64", "linux/arm64": "linux/amd64"}[here]
    ctx = make_context({"Dockerfile": f"FROM scratch\nCOPY busybox /\nLABEL t={unique()}\n"})
    tag = f"depotci-test/{unique()}:latest"
    out = build(builder_env, "--build-platform", wanted, "-t", tag, str(ctx))
    if not native:
        assert_refused(out, f"--build-platform {wanted}", f"this builder runs {here}")
        return
    ok(out)
    image = engine.image(tag)
    assert image is not None and f"{image['Os']}/{image['Architecture']}" == here
