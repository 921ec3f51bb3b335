"""`--cache-to type=local,dest=DIR` / `--cache-from type=local,src=DIR` on the real builder, with buildx 0.13.1
(`$DEPOTCI_BUILDX`, docker driver on the containerd image store) as the peer: what one tool exports the
other imports, after the build cache records of the test's RUN step are pruned (`POST /build/prune?all=1`
filtered to them, so concurrent test runs keep their cache)."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from support import Engine, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

SIMPLE = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo {token} > /out"]\n'
STAGES = (
    "FROM scratch AS build\nCOPY busybox /bin/busybox\n"
    'RUN ["/bin/busybox", "sh", "-c", "echo {token} > /built"]\n'
    "FROM scratch\nCOPY --from=build /built /built\n"
)
REF_NAME = "org.opencontainers.image.ref.name"


def run(tool: str, builder_env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = depot_env(builder_env)
    if tool == "buildx":
        cmd = [builder_env["DEPOTCI_BUILDX"], "build", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=cwd)
    return run_depot(["build", *args], env, cwd=cwd)


def ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def run_cached(stderr: str, token: str) -> bool:
    """Was the (single) RUN step holding `token` CACHED, in `--progress=plain` output?"""
    titles: dict[str, str] = {}
    cached: set[str] = set()
    for line in stderr.splitlines():
        m = re.match(r"^#(\d+) (.+)$", line)
        if m:
            titles.setdefault(m.group(1), m.group(2))
            if m.group(2) == "CACHED":
                cached.add(m.group(1))
    steps = [num for num, title in titles.items() if title.startswith("[") and "RUN" in title and token in title]
    assert len(steps) == 1, stderr[-3000:]
    return steps[0] in cached


def prune(engine: Engine, token: str) -> None:
    r = engine.client.get("/system/df", params={"type": "build-cache"})
    r.raise_for_status()
    ids = [rec["ID"] for rec in r.json().get("BuildCache") or [] if token in rec.get("Description", "")]
    assert ids, f"no build cache record mentions {token}"
    for rid in ids:
        filters = urllib.parse.quote(json.dumps({"id": [rid]}))
        engine.client.post(f"/build/prune?all=1&filters={filters}").raise_for_status()


def check_layout(cache: Path, tag: str = "latest") -> dict[str, object]:
    """The OCI layout BuildKit's Go client writes; returns the manifest descriptor tagged `tag`."""
    assert (cache / "oci-layout").read_text() == '{"imageLayoutVersion":"1.0.0"}'
    index = json.loads((cache / "index.json").read_text())
    assert list(index) == ["schemaVersion", "manifests"] and index["schemaVersion"] == 2
    for blob in (cache / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
        assert stat.S_IMODE(blob.stat().st_mode) == 0o444
    (desc,) = [m for m in index["manifests"] if m.get("annotations", {}).get(REF_NAME) == tag]
    assert list(desc) == ["mediaType", "digest", "size", "annotations"]
    manifest = json.loads((cache / "blobs" / "sha256" / desc["digest"].split(":")[1]).read_bytes())
    for layer in manifest["manifests"]:
        assert (cache / "blobs" / "sha256" / layer["digest"].split(":")[1]).stat().st_size == layer["size"]
    assert sorted(p.name for p in cache.iterdir()) == ["blobs", "index.json", "ingest", "oci-layout"]
    return dict(desc)


@pytest.mark.parametrize(("exporter", "importer"), [("depot", "depot"), ("buildx", "depot"), ("depot", "buildx")])
def test_export_prune_import_is_cached(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path, exporter: str, importer: str) -> None:  # type: ignore[no-untyped-def]
    token = unique("lc")
    ctx = make_context({"Dockerfile": SIMPLE.format(token=token)})
    cache = tmp_path / "cache"
    common = ["--progress=plain", "--network", "none"]
    ok(run(exporter, builder_env, *common, "--cache-to", f"type=local,dest={cache}", str(ctx)))
    check_layout(cache)
    prune(engine, token)
    if exporter == importer:  # the control: without the import the step runs again
        assert not run_cached(ok(run(importer, builder_env, *common, str(ctx))).stderr, token)
        prune(engine, token)
    out = ok(run(importer, builder_env, *common, "--cache-from", f"type=local,src={cache}", str(ctx)))
    assert run_cached(out.stderr, token)


@pytest.mark.parametrize(("mode", "cached"), [("max", True), ("min", False)])
def test_mode_max_exports_the_intermediate_stage(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path, mode: str, cached: bool) -> None:  # type: ignore[no-untyped-def]
    token = unique("lcmode")
    ctx = make_context({"Dockerfile": STAGES.format(token=token)})
    cache = tmp_path / "cache"
    common = ["--progress=plain", "--network", "none"]
    ok(run("depot", builder_env, *common, "--cache-to", f"type=local,dest={cache},mode={mode}", str(ctx)))
    check_layout(cache)
    prune(engine, token)
    out = ok(run("depot", builder_env, *common, "--target", "build", "--cache-from", f"type=local,src={cache}", str(ctx)))
    assert run_cached(out.stderr, token) is cached


def test_tags_share_one_directory(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tokens = {"a": unique("lctag"), "b": unique("lctag")}
    ctxs = {t: make_context({"Dockerfile": SIMPLE.format(token=tok)}, name=f"ctx-{t}") for t, tok in tokens.items()}
    cache = tmp_path / "cache"
    common = ["--progress=plain", "--network", "none"]
    for tag, ctx in ctxs.items():
        ok(run("depot", builder_env, *common, "--cache-to", f"type=local,dest={cache},tag={tag}", str(ctx)))
    descs = {tag: check_layout(cache, tag) for tag in ctxs}
    assert descs["a"]["digest"] != descs["b"]["digest"]
    ok(run("depot", builder_env, *common, "--cache-to", f"type=local,dest={cache},tag=a", str(ctxs["a"])))
    index = json.loads((cache / "index.json").read_text())
    assert sorted(m["annotations"][REF_NAME] for m in index["manifests"]) == ["a", "b"]  # re-export replaced "a"
    for token in tokens.values():
        prune(engine, token)
    out = ok(run("depot", builder_env, *common, "--cache-from", f"type=local,src={cache},tag=b", str(ctxs["b"])))
    assert run_cached(out.stderr, tokens["b"])
    missing = run("depot", builder_env, *common, "--cache-from", f"type=local,src={cache},tag=nope", str(ctxs["b"]))
    lines = missing.stderr.strip().splitlines()
    assert missing.returncode == 1 and len(lines) == 1, missing.stderr
    assert lines[0].startswith("error: --cache-from type=local") and "'nope'" in lines[0]


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_an_unreadable_source_warns_like_buildx(builder_env: dict[str, str], make_context, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /\n"})
    src = tmp_path / kind
    if kind == "empty":
        src.mkdir()
    outs = {tool: ok(run(tool, builder_env, "--progress=plain", "--cache-from", f"type=local,src={src}", str(ctx))) for tool in ("buildx", "depot")}
    warnings = {tool: [ln for ln in out.stderr.splitlines() if ln.startswith("WARNING: local cache import")] for tool, out in outs.items()}
    assert len(warnings["buildx"]) == 1
    assert warnings["depot"] == warnings["buildx"]
    assert src.exists() == (kind == "empty")


def test_a_dest_that_is_a_file_is_one_error_line(builder_env: dict[str, str], make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_context({"Dockerfile": "FROM scratch\nCOPY busybox /\n"})
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = run("depot", builder_env, "--cache-to", f"type=local,dest={afile}", str(ctx))
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 1 and len(lines) == 1, out.stderr
    assert lines[0] == f"error: --cache-to type=local,dest={afile}: '{afile}' is not a directory"
    assert afile.read_text() == "x"


def test_bake_exports_and_imports(builder_env: dict[str, str], engine: Engine, make_context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = unique("lcbake")
    ctx = make_context({"Dockerfile": SIMPLE.format(token=token)})
    cache = tmp_path / "cache"
    hcl = 'target "default" {{\n  network = "none"\n  {key} = ["type=local,{attr}={cache}"]\n}}\n'
    (ctx / "docker-bake.hcl").write_text(hcl.format(key="cache-to", attr="dest", cache=cache))
    out = run_depot(["bake", "--progress=plain"], depot_env(builder_env), cwd=ctx)
    assert out.returncode == 0, out.stderr[-3000:]
    check_layout(cache)
    prune(engine, token)
    (ctx / "docker-bake.hcl").write_text(hcl.format(key="cache-from", attr="src", cache=cache))
    out = run_depot(["bake", "--progress=plain"], depot_env(builder_env), cwd=ctx)
    assert out.returncode == 0, out.stderr[-3000:]
    assert run_cached(out.stderr, token)
