"""ResolvedTarget → BuildOptions: every field, exactly (``depotci.core.bake.to_build``)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from depotci.core.bake.model import BakePlan, ResolvedTarget
from depotci.core.bake.to_build import TargetBuild, plan_builds, target_build
from depotci.core.buildopts.model import (
    AttestSpec,
    BuildOptions,
    CacheEntry,
    ExportSpec,
    NamedContext,
    Platform,
    SecretSpec,
    SSHSpec,
)
from depotci.core.errors import UsageError

CWD = "/work/proj"
HOST = Platform("linux", "amd64")
DEFAULTS = {f.name: f.default for f in fields(BuildOptions) if f.name != "context"}


def _build(target: ResolvedTarget, env: dict[str, str] | None = None, load: bool = False) -> TargetBuild:
    return target_build(target, cwd=CWD, env=env or {}, load=load, host=HOST)


def _changed(opts: BuildOptions) -> dict[str, Any]:
    """The fields that differ from BuildOptions' defaults (context always included)."""
    out: dict[str, Any] = {"context": opts.context}
    for f in fields(BuildOptions):
        if f.name != "context" and getattr(opts, f.name) != DEFAULTS[f.name]:
            out[f.name] = getattr(opts, f.name)
    return out


CASES: list[tuple[str, ResolvedTarget, dict[str, str], bool, dict[str, Any]]] = [
    (
        "defaults",
        ResolvedTarget("web"),
        {},
        False,
        {"context": CWD, "dockerfile": f"{CWD}/Dockerfile"},
    ),
    (
        "relative context and dockerfile, args labels tags target platforms",
        ResolvedTarget(
            "web",
            context="app/../svc",
            dockerfile="docker/Dockerfile.web",
            args={"A": "1", "B": "x=y"},
            labels={"z": "1", "a": "2"},
            tags=("acme/web:1", "localhost:5000/web"),
            target="prod",
            platforms=("linux/arm64", "linux/amd64,local"),
        ),
        {},
        False,
        {
            "context": f"{CWD}/svc",
            "dockerfile": f"{CWD}/svc/docker/Dockerfile.web",
            "build_args": (("A", "1"), ("B", "x=y")),
            "labels": (("a", "2"), ("z", "1")),
            "tags": ("acme/web:1", "localhost:5000/web"),
            "target": "prod",
            "platforms": (Platform("linux", "arm64"), Platform("linux", "amd64")),
        },
    ),
    (
        "cwd:// and absolute paths",
        ResolvedTarget("web", context="cwd://sub", dockerfile="cwd://files/Dockerfile"),
        {},
        False,
        {"context": f"{CWD}/sub", "dockerfile": f"{CWD}/files/Dockerfile"},
    ),
    (
        "absolute dockerfile is kept",
        ResolvedTarget("web", context="/abs/ctx", dockerfile="/other//Dockerfile"),
        {},
        False,
        {"context": "/abs/ctx", "dockerfile": "/other/Dockerfile"},
    ),
    (
        "remote context keeps the dockerfile as a path in the repository",
        ResolvedTarget("web", context="https://github.com/acme/app.git#main", dockerfile="build/Dockerfile"),
        {},
        False,
        {"context": "https://github.com/acme/app.git#main", "dockerfile": "build/Dockerfile"},
    ),
    (
        "inline dockerfile reads as stdin",
        ResolvedTarget("web", dockerfile_inline="FROM scratch\n"),
        {},
        False,
        {"context": CWD, "dockerfile": "-"},
    ),
    (
        "outputs, registry becomes image push",
        ResolvedTarget(
            "web",
            outputs=(
                {"push": "true", "type": "registry"},
                {"dest": "out dir", "type": "local"},
                {"dest": "img.tar", "type": "oci", "name": "a,b"},
            ),
        ),
        {},
        False,
        {
            "context": CWD,
            "dockerfile": f"{CWD}/Dockerfile",
            "outputs": (
                ExportSpec("image", (("push", "true"),)),
                ExportSpec("local", (), f"{CWD}/out dir"),
                ExportSpec("oci", (("name", "a,b"),), f"{CWD}/img.tar"),
            ),
        },
    ),
    (
        "caches, attestations, secrets, ssh",
        ResolvedTarget(
            "web",
            cache_from=({"ref": "acme/cache", "type": "registry"}, {"src": "c", "type": "local"}),
            cache_to=({"mode": "max", "ref": "acme/cache", "type": "registry"},),
            attest=({"mode": "max", "type": "provenance"}, {"disabled": True, "type": "sbom"}),
            secrets=({"id": "tok", "src": "secret.txt"}, {"env": "GH", "id": "gh"}, {"id": "BARE"}),
            ssh=({"id": "default", "paths": ["agent.sock"]}, {"id": "key2", "paths": ["/k1", "k2"]}),
        ),
        {"BARE": "1"},
        False,
        {
            "context": CWD,
            "dockerfile": f"{CWD}/Dockerfile",
            "cache_from": (
                CacheEntry("registry", (("ref", "acme/cache"),)),
                CacheEntry("local", (("src", f"{CWD}/c"),)),
            ),
            "cache_to": (CacheEntry("registry", (("mode", "max"), ("ref", "acme/cache"))),),
            "attests": (
                AttestSpec("provenance", "type=provenance,mode=max"),
                AttestSpec("sbom", "type=sbom,disabled=true", disabled=True),
            ),
            "secrets": (
                SecretSpec("tok", src=f"{CWD}/secret.txt"),
                SecretSpec("gh", env="GH"),
                SecretSpec("BARE", env="BARE"),
            ),
            "ssh": (SSHSpec("default", (f"{CWD}/agent.sock",)), SSHSpec("key2", ("/k1", f"{CWD}/k2"))),
        },
    ),
    (
        "named contexts, target: contexts go beside the options",
        ResolvedTarget(
            "web",
            contexts={
                "docker.io/library/alpine": "docker-image://alpine:3",
                "src": "../shared",
                "tools": "cwd://tools",
                "base": "target:base",
                "git": "https://github.com/acme/x.git",
            },
        ),
        {},
        False,
        {
            "context": CWD,
            "dockerfile": f"{CWD}/Dockerfile",
            "build_contexts": (
                NamedContext("alpine", "docker-image://alpine:3"),
                NamedContext("git", "https://github.com/acme/x.git"),
                NamedContext("src", "/work/shared"),
                NamedContext("tools", f"{CWD}/tools"),
            ),
        },
    ),
    (
        "runtime: network, shm, no-cache, pull, filters, project",
        ResolvedTarget(
            "web",
            network="none",
            shm_size="128m",
            no_cache=True,
            pull=True,
            no_cache_filter=("build",),
            project_id="proj123",
        ),
        {},
        False,
        {
            "context": CWD,
            "dockerfile": f"{CWD}/Dockerfile",
            "network": "none",
            "shm_size": 128 << 20,
            "no_cache": True,
            "pull": True,
            "no_cache_filter": ("build",),
            "project": "proj123",
        },
    ),
    (
        "--load for a requested target; environment switches",
        ResolvedTarget("web"),
        {"BUILDX_NO_DEFAULT_LOAD": "1", "BUILDX_NO_DEFAULT_ATTESTATIONS": "true", "DEPOT_BUILD_PLATFORM": "linux/arm64"},
        True,
        {
            "context": CWD,
            "dockerfile": f"{CWD}/Dockerfile",
            "load": True,
            "no_default_load": True,
            "no_default_attestations": True,
            "build_platform": "linux/arm64",
        },
    ),
    (
        "a linked target is neither loaded nor default-exported",
        ResolvedTarget("base", linked=True),
        {},
        True,
        {"context": CWD, "dockerfile": f"{CWD}/Dockerfile", "no_default_load": True},
    ),
    (
        "a cacheonly target is not loaded",
        ResolvedTarget("web", outputs=({"type": "cacheonly"},)),
        {},
        True,
        {"context": CWD, "dockerfile": f"{CWD}/Dockerfile", "outputs": (ExportSpec("cacheonly"),)},
    ),
]


@pytest.mark.parametrize(("target", "env", "load", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_options_fields(target: ResolvedTarget, env: dict[str, str], load: bool, expected: dict[str, Any]) -> None:
    assert _changed(_build(target, env, load).options) == expected


@pytest.mark.parametrize(
    ("target", "inline", "contexts", "deps", "linked"),
    [
        (ResolvedTarget("a"), None, (), (), False),
        (ResolvedTarget("a", dockerfile_inline="FROM x\n"), "FROM x\n", (), (), False),
        (
            ResolvedTarget("a", contexts={"z": "target:base", "m": "target:base", "n": "target:tools"}, linked=True),
            None,
            (("m", "base"), ("n", "tools"), ("z", "base")),
            ("base", "tools"),
            True,
        ),
    ],
)
def test_beside_the_options(
    target: ResolvedTarget, inline: str | None, contexts: tuple[tuple[str, str], ...], deps: tuple[str, ...], linked: bool
) -> None:
    b = _build(target)
    assert (b.name, b.dockerfile_inline, b.target_contexts, b.dependencies, b.linked) == (
        target.name,
        inline,
        contexts,
        deps,
        linked,
    )
    assert all(not c.value.startswith("target:") for c in b.options.build_contexts)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (ResolvedTarget("web", context="-"), 'target "web": context from stdin is not allowed in bake'),
        (ResolvedTarget("web", dockerfile="-"), 'target "web": dockerfile from stdin is not allowed in bake'),
        (ResolvedTarget("web", tags=("acme/UPPER",)), "target \"web\": invalid tags value 'acme/UPPER'"),
        (ResolvedTarget("web", platforms=("linux/amd64,",)), "target \"web\": invalid platforms value"),
        (ResolvedTarget("web", network="bridge"), "target \"web\": invalid network value 'bridge'"),
        (ResolvedTarget("web", shm_size="lots"), "target \"web\": invalid shm-size value 'lots'"),
        (ResolvedTarget("web", outputs=({"type": "local"},)), "target \"web\": invalid output value 'type=local'"),
        (
            ResolvedTarget("web", outputs=({"type": "tar"}, {"type": "oci"})),
            'target "web": invalid output values: more than one output writes to stdout',
        ),
        (ResolvedTarget("web", ssh=({"id": "default"},)), "target \"web\": invalid ssh value 'default'"),
        (
            ResolvedTarget("web", contexts={"Bad Name": "target:x"}),
            "target \"web\": invalid contexts value 'Bad Name=target:x'",
        ),
    ],
)
def test_errors_name_the_target_and_attribute(target: ResolvedTarget, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        _build(target)
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        ("dynamic", {}, "dynamic"),
        ("linux/arm64", {"DEPOT_BUILD_PLATFORM": "linux/amd64"}, "linux/arm64"),
        ("dynamic", {"DEPOT_BUILD_PLATFORM": "linux/amd64"}, "linux/amd64"),
        ("windows/amd64", {}, ""),
    ],
)
def test_build_platform(flag: str, env: dict[str, str], expected: str) -> None:
    if not expected:
        with pytest.raises(UsageError, match="invalid --build-platform value 'windows/amd64'"):
            target_build(ResolvedTarget("web"), cwd=CWD, env=env, host=HOST, build_platform=flag)
        return
    assert target_build(ResolvedTarget("web"), cwd=CWD, env=env, host=HOST, build_platform=flag).options.build_platform == expected


def test_quoted_csv_values_survive() -> None:
    t = ResolvedTarget("web", outputs=({"type": "image", "name": 'a,"b"', "push": True},))
    assert _build(t).options.outputs == (ExportSpec("image", (("name", 'a,"b"'), ("push", "true"))),)


@pytest.mark.parametrize(
    ("targets", "error"),
    [
        ({"a": ResolvedTarget("a", contexts={"b": "target:b"}), "b": ResolvedTarget("b", linked=True)}, ""),
        ({"a": ResolvedTarget("a", contexts={"b": "target:b"})}, 'target "a": context "b" uses target "b"'),
    ],
)
def test_plan_builds(targets: dict[str, ResolvedTarget], error: str) -> None:
    plan = BakePlan(targets, {}, ("a",))
    if error:
        with pytest.raises(UsageError, match=error):
            plan_builds(plan, cwd=CWD, env={}, host=HOST)
        return
    builds = plan_builds(plan, cwd=CWD, env={}, load=True, host=HOST)
    assert list(builds) == sorted(targets)
    assert (builds["a"].options.load, builds["b"].options.load) == (True, False)
