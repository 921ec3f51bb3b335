"""``INPUT_*`` → frozen per-action records, read exactly once (``read_build_push_inputs``,
``read_bake_inputs``). The input names and parse modes are the union of depot/build-push-action and
docker/build-push-action (bake: depot/bake-action and docker/bake-action), specs/ci-plugins.md §1.2-§1.3.

A composite action does not export its inputs; ``action.yml`` maps each one to ``INPUT_<NAME>`` with
``-`` turned into ``_``. The runner's own form (hyphens kept, as JavaScript actions see it) is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from depotci.core.ci_lists import parse_bool_input, parse_list

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


class _Reader:
    """Reads inputs from one environment mapping by name and parse mode."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def s(self, name: str) -> str:
        return input_value(self.env, name)

    def b(self, name: str) -> bool:
        return parse_bool_input(name, input_value(self.env, name))

    def csv(self, name: str) -> tuple[str, ...]:
        return tuple(parse_list(self.s(name)))

    def lines(self, name: str, *, quote: bool = True) -> tuple[str, ...]:
        return tuple(parse_list(self.s(name), ignore_comma=True, quote=quote))


def _common(r: _Reader) -> _Common:
    return _Common(
        token=r.s("token"), project=r.s("project"), buildkit_host=r.s("buildkit-host"),
        build_platform=r.s("build-platform"), builder=r.s("builder"), buildx_fallback=r.b("buildx-fallback"),
        github_token=r.s("github-token"), load=r.b("load"), push=r.b("push"), pull=r.b("pull"),
        no_cache=r.b("no-cache"), provenance=r.s("provenance"), sbom=r.s("sbom"), sbom_dir=r.s("sbom-dir"),
        lint=r.b("lint"), lint_fail_on=r.s("lint-fail-on"), save=r.b("save"),
        save_tags=r.csv("save-tags") + r.csv("save-tag"), allow=r.csv("allow"), call=r.s("call"),
    )


def read_build_push_inputs(env: Mapping[str, str]) -> BuildPushInputs:
    """Read the build-push inputs from ``env`` (``INPUT_*``); raises ``UsageError`` for a bad boolean."""
    r = _Reader(env)
    return BuildPushInputs(
        **vars(_common(r)),
        context=r.s("context"), file=r.s("file"), tags=r.csv("tags"), target=r.s("target"),
        platforms=r.csv("platforms"), build_args=r.lines("build-args"), build_contexts=r.lines("build-contexts"),
        labels=r.lines("labels"), annotations=r.lines("annotations"), attests=r.lines("attests"),
        add_hosts=r.csv("add-hosts"), cache_from=r.lines("cache-from"), cache_to=r.lines("cache-to"),
        cgroup_parent=r.s("cgroup-parent"), network=r.s("network"), no_cache_filters=r.csv("no-cache-filters"),
        outputs=r.lines("outputs", quote=False),
        secrets=tuple(parse_list(input_value(env, "secrets", trim=False), ignore_comma=True)),
        secret_envs=r.csv("secret-envs"), secret_files=r.lines("secret-files"), shm_size=r.s("shm-size"),
        ssh=r.lines("ssh"), ulimit=r.lines("ulimit"),
    )


def read_bake_inputs(env: Mapping[str, str]) -> BakeInputs:
    """Read the bake inputs from ``env`` (``INPUT_*``); raises ``UsageError`` for a bad boolean."""
    r = _Reader(env)
    return BakeInputs(
        **vars(_common(r)),
        files=r.csv("files"), targets=r.csv("targets"), set=r.lines("set", quote=False),
        vars=r.lines("vars", quote=False), source=r.s("source"), workdir=r.s("workdir") or ".",
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
