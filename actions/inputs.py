"""``INPUT_*`` → frozen per-action records, read exactly once (``read_build_push_inputs``,
``read_bake_inputs``). The input names and parse modes are the union of depot/build-push-action and
docker/build-push-action (bake: depot/bake-action and docker/bake-action), specs/ci-plugins.md §1.2–§1.3.

A composite action does not export its inputs; ``action.yml`` maps each one to ``INPUT_<NAME>`` with
``-`` turned into ``_``. The runner's own form (hyphens kept, as JavaScript actions see it) is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from depotci.actions.lists import parse_bool_input, parse_list

__all__ = [
    "BakeInputs",
    "BuildPushInputs",
    "deprecations",
    "input_value",
    "read_bake_inputs",
    "read_build_push_inputs",
]


def input_value(env: Mapping[str, str], name: str, *, trim: bool = True) -> str:
    """The raw value of input ``name`` (``""`` when unset)."""
    upper = name.upper().replace(" ", "_")
    value = env.get(f"INPUT_{upper.replace('-', '_')}")
    if value is None:
        value = env.get(f"INPUT_{upper}", "")
    return value.strip() if trim else value


@dataclass(frozen=True)
class _Common:
    """Inputs both actions take: Depot auth/project, builder choice and the shared switches."""

    token: str = field(default="", repr=False)
    project: str = ""
    buildkit_host: str = ""
    build_platform: str = ""
    builder: str = ""
    buildx_fallback: bool = False
    github_token: str = field(default="", repr=False)
    load: bool = False
    push: bool = False
    pull: bool = False
    no_cache: bool = False
    provenance: str = ""
    sbom: str = ""
    sbom_dir: str = ""
    lint: bool = False
    lint_fail_on: str = ""
    save: bool = False
    save_tags: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    call: str = ""


@dataclass(frozen=True)
class BuildPushInputs(_Common):
    """Every build-push input; list inputs already split by their mode."""

    context: str = ""
    file: str = ""
    tags: tuple[str, ...] = ()
    target: str = ""
    platforms: tuple[str, ...] = ()
    build_args: tuple[str, ...] = ()
    build_contexts: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()
    attests: tuple[str, ...] = ()
    add_hosts: tuple[str, ...] = ()
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    cgroup_parent: str = ""
    network: str = ""
    no_cache_filters: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)
    secret_envs: tuple[str, ...] = ()
    secret_files: tuple[str, ...] = ()
    shm_size: str = ""
    ssh: tuple[str, ...] = ()
    ulimit: tuple[str, ...] = ()


@dataclass(frozen=True)
class BakeInputs(_Common):
    """Every bake input; ``workdir`` is depot's (docker v7 folded it into ``source``)."""

    files: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    set: tuple[str, ...] = ()
    vars: tuple[str, ...] = ()
    source: str = ""
    workdir: str = "."


def _common(env: Mapping[str, str]) -> dict[str, object]:
    s = lambda n: input_value(env, n)  # noqa: E731
    b = lambda n: parse_bool_input(n, input_value(env, n))  # noqa: E731
    save_tags = parse_list(s("save-tags")) + parse_list(s("save-tag"))
    return dict(
        token=s("token"), project=s("project"), buildkit_host=s("buildkit-host"),
        build_platform=s("build-platform"), builder=s("builder"), buildx_fallback=b("buildx-fallback"),
        github_token=s("github-token"), load=b("load"), push=b("push"), pull=b("pull"), no_cache=b("no-cache"),
        provenance=s("provenance"), sbom=s("sbom"), sbom_dir=s("sbom-dir"), lint=b("lint"),
        lint_fail_on=s("lint-fail-on"), save=b("save"), save_tags=tuple(save_tags),
        allow=tuple(parse_list(s("allow"))), call=s("call"),
    )


def read_build_push_inputs(env: Mapping[str, str]) -> BuildPushInputs:
    """Read the build-push inputs from ``env`` (``INPUT_*``); raises ``UsageError`` for a bad boolean."""
    s = lambda n: input_value(env, n)  # noqa: E731
    csv = lambda n: tuple(parse_list(s(n)))  # noqa: E731
    lines = lambda n: tuple(parse_list(s(n), ignore_comma=True))  # noqa: E731
    return BuildPushInputs(
        **_common(env),  # type: ignore[arg-type]
        context=s("context"), file=s("file"), tags=csv("tags"), target=s("target"),
        platforms=csv("platforms"), build_args=lines("build-args"), build_contexts=lines("build-contexts"),
        labels=lines("labels"), annotations=lines("annotations"), attests=lines("attests"),
        add_hosts=csv("add-hosts"), cache_from=lines("cache-from"), cache_to=lines("cache-to"),
        cgroup_parent=s("cgroup-parent"), network=s("network"), no_cache_filters=csv("no-cache-filters"),
        outputs=tuple(parse_list(s("outputs"), ignore_comma=True, quote=False)),
        secrets=tuple(parse_list(input_value(env, "secrets", trim=False), ignore_comma=True)),
        secret_envs=csv("secret-envs"), secret_files=lines("secret-files"), shm_size=s("shm-size"),
        ssh=lines("ssh"), ulimit=lines("ulimit"),
    )


def read_bake_inputs(env: Mapping[str, str]) -> BakeInputs:
    """Read the bake inputs from ``env`` (``INPUT_*``); raises ``UsageError`` for a bad boolean."""
    s = lambda n: input_value(env, n)  # noqa: E731
    return BakeInputs(
        **_common(env),  # type: ignore[arg-type]
        files=tuple(parse_list(s("files"))), targets=tuple(parse_list(s("targets"))),
        set=tuple(parse_list(s("set"), ignore_comma=True, quote=False)),
        vars=tuple(parse_list(s("vars"), ignore_comma=True, quote=False)),
        source=s("source"), workdir=s("workdir") or ".",
    )


def deprecations(inputs: BuildPushInputs | BakeInputs) -> list[str]:
    """Warnings for inputs that are accepted for compatibility but do nothing here."""
    out: list[str] = []
    if inputs.builder:
        out.append(f"input 'builder' ('{inputs.builder}') is ignored: builds run on Depot or on 'buildkit-host'")
    if inputs.buildx_fallback:
        out.append("input 'buildx-fallback' is ignored: there is no buildx to fall back to")
    if isinstance(inputs, BakeInputs) and inputs.workdir not in ("", ".") and inputs.source:
        out.append("input 'workdir' is deprecated: use 'source' (docker/bake-action v7)")
    return out
