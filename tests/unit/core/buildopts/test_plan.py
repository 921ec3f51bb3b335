"""``plan_solve``: the exact frontend attrs, exporters, caches, entitlements and refusals buildx v0.13's
``toSolveOpt`` gives for each flag, on a containerd-store dockerd, a graph-driver dockerd and a buildkitd."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import pytest
from depotci.core.buildopts import (
    BuilderInfo,
    BuildOptions,
    CacheEntry,
    Exporter,
    Platform,
    SolvePlan,
    add_build_flags,
    cache_imports_attr,
    options_from_args,
    plan_solve,
)
from depotci.core.errors import UnsupportedError, UsageError

CWD = "/work/app"
CTD = BuilderInfo("dockerd", True, ("linux/amd64", "linux/amd64/v2", "linux/386"), "linux/amd64")
GRAPH = BuilderInfo("dockerd", False, ("linux/amd64", "linux/386"), "linux/amd64")
BK = BuilderInfo("buildkitd", False, ("linux/amd64", "linux/arm64"), "linux/amd64")
GW = BuilderInfo("dockerd", True, ("linux/amd64",), "linux/amd64", host_gateway_ip="172.17.0.1")
PROV = "mode=min,inline-only=true"
BASE = {
    "ctd": {"filename": "Dockerfile", "image-resolve-mode": "local", "attest:provenance": PROV},
    "graph": {"filename": "Dockerfile", "image-resolve-mode": "local"},
    "bk": {"filename": "Dockerfile", "attest:provenance": PROV},
}
BUILDERS = {"ctd": CTD, "graph": GRAPH, "bk": BK}


def opts(*argv: str, env: Mapping[str, str] | None = None, context: str = ".") -> BuildOptions:
    p = argparse.ArgumentParser()
    add_build_flags(p)
    return options_from_args(p.parse_args([*argv, context]), env or {}, CWD, host=Platform("linux", "amd64"))


def plan(
    *argv: str, builder: BuilderInfo = CTD, env: Mapping[str, str] | None = None, context: str = "."
) -> SolvePlan:
    return plan_solve(opts(*argv, env=env, context=context), builder)


@pytest.mark.parametrize(
    ("argv", "added", "removed"),
    [
        ([], {}, ()),
        (["--target", "final"], {"target": "final"}, ()),
        (["--build-arg", "A=1", "--build-arg", "B="], {"build-arg:A": "1", "build-arg:B": ""}, ()),
        (["--label", "org.x=y", "--label", "flag"], {"label:org.x": "y", "label:flag": ""}, ()),
        (["--platform", "linux/amd64"], {"platform": "linux/amd64"}, ()),
        (["--platform", "amd64,linux/arm64/v8"], {"platform": "linux/amd64,linux/arm64"}, ()),
        (["--no-cache"], {"no-cache": ""}, ()),
        (["--no-cache-filter", "deps", "--no-cache-filter", "base"], {"no-cache": "deps,base"}, ()),
        (["--pull"], {"image-resolve-mode": "pull"}, ()),
        (["--add-host", "a:1.2.3.4,b=[::1]"], {"add-hosts": "a=1.2.3.4,b=::1"}, ()),
        (["--shm-size", "64m"], {"shm-size": "67108864"}, ()),
        (["--ulimit", "nofile=1024:2048", "--ulimit", "core=0"], {"ulimit": "core=0:0,nofile=1024:2048"}, ()),
        (["--cgroup-parent", "/ci"], {"cgroup-parent": "/ci"}, ()),
        (["--network", "host"], {"force-network-mode": "host"}, ()),
        (["--network", "none"], {"force-network-mode": "none"}, ()),
        (["--network", "default"], {}, ()),
        (["--provenance", "mode=max"], {"attest:provenance": "type=provenance,mode=max"}, ()),
        (["--provenance", "true"], {"attest:provenance": "type=provenance,disabled=false"}, ()),
        (["--provenance", "false"], {}, ("attest:provenance",)),
        (["--sbom", "true"], {"attest:sbom": "type=sbom,disabled=false"}, ()),
        (["--attest", "type=sbom,generator=reg/scan"], {"attest:sbom": "type=sbom,generator=reg/scan"}, ()),
        (
            ["--build-arg", "BUILDKIT_MULTI_PLATFORM=1"],
            {"multi-platform": "true", "build-arg:BUILDKIT_MULTI_PLATFORM": "1"},
            (),
        ),
        (["-f", "docker/Dockerfile.prod"], {"filename": "Dockerfile.prod"}, ()),
        (["-f", "-"], {"dockerfilekey": "dockerfile"}, ()),
        (
            ["--build-context", "alpine=docker-image://alpine:3"],
            {
                "context:alpine": "docker-image://alpine:3",
                "frontend.caps": "moby.buildkit.frontend.contexts+forward",
            },
            (),
        ),
        (
            ["--build-context", "src=../src", "--build-context", "context=../c"],
            {
                "context:src": "local:src",
                "context:context": "local:_context",
                "frontend.caps": "moby.buildkit.frontend.contexts+forward",
            },
            (),
        ),
        (
            ["--build-context", "lib=https://github.com/o/lib.git"],
            {
                "context:lib": "https://github.com/o/lib.git",
                "frontend.caps": "moby.buildkit.frontend.contexts+forward",
            },
            (),
        ),
        (
            ["--cache-from", "reg/app:cache"],
            {"cache-imports": '[{"Type":"registry","Attrs":{"ref":"reg/app:cache"}}]'},
            (),
        ),
        (
            ["--cache-from", "type=local,src=c,tag=v1", "--cache-from", "type=gha"],
            {"cache-imports": '[{"Type":"local","Attrs":{"src":"/work/app/c","tag":"v1"}}]'},
            (),
        ),
    ],
)
def test_frontend_attrs_on_containerd_dockerd(
    argv: list[str], added: dict[str, str], removed: tuple[str, ...]
) -> None:
    want = {k: v for k, v in {**BASE["ctd"], **added}.items() if k not in removed}
    assert plan(*argv).frontend_attrs == want


@pytest.mark.parametrize("name", ["ctd", "graph", "bk"])
def test_base_attrs_per_builder(name: str) -> None:
    assert plan(builder=BUILDERS[name]).frontend_attrs == BASE[name]


@pytest.mark.parametrize(
    ("env", "builder", "want"),
    [
        (
            {"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"},
            CTD,
            {"filename": "Dockerfile", "image-resolve-mode": "local"},
        ),
        ({"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}, BK, {"filename": "Dockerfile"}),
        (
            {"SOURCE_DATE_EPOCH": "1700000000"},
            GRAPH,
            {**BASE["graph"], "build-arg:SOURCE_DATE_EPOCH": "1700000000"},
        ),
    ],
)
def test_environment_switches(env: dict[str, str], builder: BuilderInfo, want: dict[str, str]) -> None:
    assert plan(builder=builder, env=env).frontend_attrs == want


def test_remote_context() -> None:
    got = plan("-f", "/abs/Dockerfile", context="https://github.com/o/r.git#main")
    assert got.frontend_attrs == {
        **BASE["ctd"],
        "context": "https://github.com/o/r.git#main",
        "dockerfilekey": "dockerfile",
    }
    assert got.local_dirs == {"dockerfile": "/abs"}
    relative = plan("-f", "build/Dockerfile", context="https://github.com/o/r.git")
    assert (relative.frontend_attrs["filename"], relative.local_dirs) == ("build/Dockerfile", {})


@pytest.mark.parametrize(
    ("argv", "context", "dirs", "stdin"),
    [
        ([], ".", {"context": CWD, "dockerfile": CWD}, (False, False)),
        (
            ["-f", "docker/Dockerfile.prod"],
            ".",
            {"context": CWD, "dockerfile": f"{CWD}/docker"},
            (False, False),
        ),
        (["-f", "-"], "sub", {"context": f"{CWD}/sub"}, (True, False)),
        ([], "-", {}, (False, True)),
        (
            ["--build-context", "src=../src"],
            ".",
            {"context": CWD, "dockerfile": CWD, "src": "/work/src"},
            (False, False),
        ),
    ],
)
def test_local_dirs(argv: list[str], context: str, dirs: dict[str, str], stdin: tuple[bool, bool]) -> None:
    got = plan(*argv, context=context)
    assert got.local_dirs == dirs
    assert (got.dockerfile_stdin, got.context_stdin) == stdin


def E(type_: str, output: str = "none", dest: str = "", **attrs: str) -> Exporter:
    return Exporter(type_, {k.replace("_", "-"): v for k, v in attrs.items()}, output, dest)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argv", "builder", "env", "exporters", "engine_push"),
    [
        ([], CTD, {}, (E("moby"),), ()),
        (["-t", "a:1"], CTD, {}, (E("moby", name="a:1"),), ()),
        (["-t", "a:1", "-t", "b"], GRAPH, {}, (E("moby", name="a:1,b"),), ()),
        (["-t", "a:1", "--push"], CTD, {}, (E("moby", name="a:1", push="true"),), ()),
        (["-t", "a:1", "--push"], GRAPH, {}, (E("moby", name="a:1", push="true"),), ("a:1",)),
        (["-t", "a:1", "--load"], CTD, {}, (E("moby", name="a:1"),), ()),
        (["-t", "a:1", "--load", "--push"], CTD, {}, (E("moby", name="a:1", push="true"),), ()),
        (
            ["-t", "a:1", "-t", "b:2", "--load", "--push"],
            GRAPH,
            {},
            (E("moby", name="a:1,b:2", push="true"),),
            ("a:1", "b:2"),
        ),
        (["-t", "a", "--load", "--platform", "linux/amd64,linux/arm64"], CTD, {}, (E("moby", name="a"),), ()),
        (["-o", "out"], CTD, {}, (E("local", "dir", f"{CWD}/out"),), ()),
        (["-o", "-"], CTD, {}, (E("tar", "stdout"),), ()),
        (["-o", "type=tar,dest=x.tar"], GRAPH, {}, (E("tar", "file", f"{CWD}/x.tar"),), ()),
        (
            ["-o", "type=oci,dest=i.tar", "-t", "a:1"],
            CTD,
            {},
            (E("oci", "file", f"{CWD}/i.tar", name="a:1"),),
            (),
        ),
        (["-o", "type=oci,dest=d,tar=false"], BK, {}, (E("oci", "dir", f"{CWD}/d", tar="false"),), ()),
        (
            ["-o", "type=docker,dest=i.tar", "-t", "a"],
            CTD,
            {},
            (E("docker", "file", f"{CWD}/i.tar", name="a"),),
            (),
        ),
        (["-o", "type=cacheonly"], CTD, {}, (), ()),
        (["-o", "type=image,name=r/x,push=true"], CTD, {}, (E("moby", name="r/x", push="true"),), ()),
        (["-o", "type=registry", "-t", "r/x"], GRAPH, {}, (E("moby", name="r/x", push="true"),), ("r/x",)),
        (
            ["-o", "out", "--push", "-t", "a"],
            CTD,
            {},
            (E("local", "dir", f"{CWD}/out"), E("moby", name="a", push="true")),
            (),
        ),
        ([], CTD, {"BUILDX_NO_DEFAULT_LOAD": "1"}, (), ()),
        ([], BK, {}, (), ()),
        (["--load", "-t", "a"], BK, {}, (E("docker", "load", name="a"),), ()),
        (["--push", "-t", "a"], BK, {}, (E("image", name="a", push="true"),), ()),
        (
            ["--load", "--push", "-t", "a"],
            BK,
            {},
            # the load first: the image exporter's response (the pushed digest) is the one BuildKit keeps
            (E("docker", "load", name="a"), E("image", name="a", push="true")),
            (),
        ),
        (
            ["--output", "type=local,dest=out", "--load", "-t", "a"],
            BK,
            {},
            (E("docker", "load", name="a"), E("local", "dir", "/work/app/out")),
            (),
        ),
        (
            ["-t", "a", "--annotation", "index:k=v", "--annotation", "manifest[linux/amd64]:m=n"],
            CTD,
            {},
            (
                E(
                    "moby",
                    **{"name": "a", "annotation-index.k": "v", "annotation-manifest[linux/amd64].m": "n"},
                ),
            ),
            (),
        ),
        (
            ["-t", "a", "--build-arg", "BUILDKIT_INLINE_BUILDINFO_ATTRS=1"],
            CTD,
            {},
            (E("moby", name="a", buildinfo_attrs="1"),),
            (),
        ),
    ],
)
def test_exporters(
    argv: list[str],
    builder: BuilderInfo,
    env: dict[str, str],
    exporters: tuple[Exporter, ...],
    engine_push: tuple[str, ...],
) -> None:
    got = plan(*argv, builder=builder, env=env)
    assert got.exporters == exporters
    assert got.engine_push == engine_push


def test_buildkitd_without_output_warns() -> None:
    assert plan(builder=BK).warnings == (
        "no output specified: the build result will only remain in the build cache; use --push to push the "
        "image or --load to load it into docker",
    )


@pytest.mark.parametrize(
    ("argv", "imports", "exports", "inline"),
    [
        (
            ["--cache-to", "type=registry,ref=r/c,mode=max"],
            (),
            (CacheEntry("registry", (("mode", "max"), ("ref", "r/c"))),),
            False,
        ),
        (["--cache-to", "type=local,dest=c"], (), (CacheEntry("local", (("dest", f"{CWD}/c"),)),), False),
        (["--cache-to", "type=inline"], (), (CacheEntry("inline"),), True),
        (["--build-arg", "BUILDKIT_INLINE_CACHE=1"], (), (CacheEntry("inline"),), True),
        (
            ["--build-arg", "BUILDKIT_INLINE_CACHE=1", "--cache-to", "type=inline"],
            (),
            (CacheEntry("inline"),),
            True,
        ),
        (["--build-arg", "BUILDKIT_INLINE_CACHE=0"], (), (), False),
        (
            ["--cache-from", "a:c,b:c"],
            (CacheEntry("registry", (("ref", "a:c"),)), CacheEntry("registry", (("ref", "b:c"),))),
            (),
            False,
        ),
    ],
)
def test_caches(
    argv: list[str], imports: tuple[CacheEntry, ...], exports: tuple[CacheEntry, ...], inline: bool
) -> None:
    got = plan(*argv)
    assert (got.cache_imports, got.cache_exports, got.inline_cache) == (imports, exports, inline)


def test_gha_cache_is_dropped_with_a_warning() -> None:
    got = plan(
        "--cache-from",
        "type=gha",
        "--cache-to",
        "type=gha,mode=max",
        "--cache-to",
        "type=inline",
        builder=GRAPH,
    )
    assert (got.cache_imports, got.cache_exports) == ((), (CacheEntry("inline"),))
    assert "cache-imports" not in got.frontend_attrs
    assert got.warnings == (
        "ignoring --cache-from type=gha: the GitHub Actions cache is not supported (as in depot)",
        "ignoring --cache-to type=gha: the GitHub Actions cache is not supported (as in depot)",
    )


@pytest.mark.parametrize(
    ("argv", "want"),
    [
        ([], ()),
        (["--network", "host"], ("network.host",)),
        (["--allow", "security.insecure", "--network", "host"], ("security.insecure", "network.host")),
        (["--allow", "network.host", "--network", "host"], ("network.host",)),
        (["--network", "none", "--allow", "security.insecure"], ("security.insecure",)),
    ],
)
def test_entitlements(argv: list[str], want: tuple[str, ...]) -> None:
    assert plan(*argv).entitlements == want


def test_secrets_and_ssh_pass_through() -> None:
    got = plan("--secret", "id=a,src=s", "--ssh", "k=/key")
    assert [s.id for s in got.secrets] == ["a"] and got.ssh[0].paths == ("/key",)


@pytest.mark.parametrize(
    ("argv", "builder", "want"),
    [
        (
            ["--platform", "linux/arm64"],
            CTD,
            (
                "--platform linux/arm64: the builder runs linux/amd64, linux/amd64/v2, linux/386 only; RUN steps for "
                "other platforms will fail (no emulation is available)",
            ),
        ),
        (["--platform", "linux/amd64/v2,linux/386"], CTD, ()),
        (["--platform", "linux/amd64,linux/arm64", "-o", "type=cacheonly"], BK, ()),
    ],
)
def test_platform_warnings(argv: list[str], builder: BuilderInfo, want: tuple[str, ...]) -> None:
    assert plan(*argv, builder=builder).warnings == want


def test_host_gateway() -> None:
    assert plan("--add-host", "h:host-gateway", builder=GW).frontend_attrs["add-hosts"] == "h=172.17.0.1"


GRAPH_WHY = "not supported by this dockerd (it uses the graph driver; turn on the containerd image store)"
MANIFESTS = "the docker exporter cannot export manifest lists (several platforms or attestations)"


@pytest.mark.parametrize(
    ("argv", "builder", "message"),
    [
        (
            ["--platform", "linux/amd64,linux/386"],
            GRAPH,
            f"--platform linux/amd64,linux/386: multi-platform builds are {GRAPH_WHY}",
        ),
        (["-o", "type=oci,dest=x"], GRAPH, f"--output type=oci: oci tarballs are {GRAPH_WHY}"),
        (["-o", "type=docker,dest=x"], GRAPH, f"--output type=docker: docker tarballs are {GRAPH_WHY}"),
        (
            ["--cache-to", "type=registry,ref=r/c"],
            GRAPH,
            f"--cache-to type=registry: cache export is {GRAPH_WHY}",
        ),
        (["--cache-to", "type=local,dest=c"], GRAPH, f"--cache-to type=local: cache export is {GRAPH_WHY}"),
        (["--attest", "type=sbom"], GRAPH, f"--attest 'type=sbom': attestations are {GRAPH_WHY}"),
        (
            ["--provenance", "mode=max"],
            GRAPH,
            f"--attest 'type=provenance,mode=max': attestations are {GRAPH_WHY}",
        ),
        (["--annotation", "k=v"], GRAPH, f"--annotation: annotations are {GRAPH_WHY}"),
        (["--load", "--platform", "linux/amd64,linux/386"], GRAPH, f"--load: {MANIFESTS}"),
        (["--load", "--platform", "linux/amd64,linux/arm64"], BK, f"--load: {MANIFESTS}"),
        (
            ["-o", "type=docker,dest=x", "--platform", "linux/amd64,linux/386"],
            CTD,
            f"--output type=docker: {MANIFESTS}; use type=oci",
        ),
        (
            ["-o", "type=docker,dest=x", "--sbom", "true"],
            CTD,
            f"--output type=docker: {MANIFESTS}; use type=oci",
        ),
        (
            ["--add-host", "h:host-gateway"],
            CTD,
            "--add-host h:host-gateway: the builder reports no host-gateway IP",
        ),
        (
            ["--build-context", "l=oci-layout://./l"],
            CTD,
            "--build-context 'l=oci-layout://./l': oci-layout:// contexts are not supported yet",
        ),
        (
            ["-f", "https://example.com/Dockerfile"],
            CTD,
            "-f 'https://example.com/Dockerfile': a Dockerfile from an http(s) URL is not supported yet",
        ),
        (
            ["-o", "type=image,name=a,push=true,push-by-digest=true"],
            CTD,
            "--output push-by-digest=true is not supported by a dockerd builder",
        ),
        (["-o", "type=image,name=a,compression=zstd", "-o", "type=image,name=b"], CTD, ""),
        (
            ["-o", "type=image,name=a,compression=zstd", "-o", "type=image,name=b,compression=gzip"],
            CTD,
            "image outputs with different compression= values cannot go to one dockerd",
        ),
        (["--lint"], CTD, "--lint needs the Depot API (not yet supported)"),
        (["--save"], CTD, "--save needs the Depot API (not yet supported)"),
        (["--save-tag", "x"], CTD, "--save-tag needs the Depot API (not yet supported)"),
        (["--project", "p1"], CTD, "--project needs the Depot API (not yet supported)"),
        (["--token", "t"], CTD, "--token needs the Depot API (not yet supported)"),
        (["--sbom-dir", "d"], CTD, "--sbom-dir needs the Depot API (not yet supported)"),
    ],
)
def test_unsupported(argv: list[str], builder: BuilderInfo, message: str) -> None:
    if not message:  # control case: compatible image outputs are merged, not refused
        assert plan(*argv, builder=builder).exporters == (E("moby", name="a,b", compression="zstd"),)
        return
    with pytest.raises(UnsupportedError) as exc:
        plan(*argv, builder=builder)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--push"], "pushing needs an image name: add -t/--tag (or name= to the image --output)"),
        (
            ["-o", "type=registry"],
            "pushing needs an image name: add -t/--tag (or name= to the image --output)",
        ),
        (
            ["--build-context", "base=target:base"],
            "invalid --build-context value 'base=target:base': target 'base' does not exist (target: contexts "
            "refer to bake targets)",
        ),
    ],
)
def test_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as exc:
        plan(*argv)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("entries", "want"),
    [
        ((CacheEntry("registry", (("ref", "r/a:c"),)),), '[{"Type":"registry","Attrs":{"ref":"r/a:c"}}]'),
        ((CacheEntry("inline"),), '[{"Type":"inline"}]'),
        (
            (CacheEntry("registry", (("ref", "a<&>"), ("mode", "max"))),),
            '[{"Type":"registry","Attrs":{"mode":"max","ref":"a\\u003c\\u0026\\u003e"}}]',
        ),
    ],
)
def test_cache_imports_attr_matches_go_json(entries: tuple[CacheEntry, ...], want: str) -> None:
    assert cache_imports_attr(entries) == want
