"""A resolved bake target → the ``BuildOptions`` of ``depot build`` (buildx v0.13 ``bake.toBuildOpt``).

Pure: paths are made absolute against ``cwd`` without touching the disk, the environment is passed in.
Relative paths follow buildx: ``context`` and named contexts are relative to the working directory,
``dockerfile`` to the context (``cwd://`` makes either relative to the working directory).

What ``BuildOptions`` cannot say travels beside it in ``TargetBuild``: an inline Dockerfile (the options then
read ``dockerfile="-"``, served from a temp dir by the executor) and ``target:`` contexts (built from
another target's result). The target's ``project_id`` stays in ``options.project`` for the Depot API path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from depotci.core.bake.model import BakePlan, ResolvedTarget
from depotci.core.buildopts.fields import absolute, env_flag
from depotci.core.buildopts.model import BuildOptions, ExportSpec, NamedContext, Platform, attrs_of
from depotci.core.buildopts.parse import (
    parse_network,
    parse_platforms,
    parse_secret,
    parse_shm_size,
    parse_ssh,
    parse_tag,
)
from depotci.core.buildopts.parse_images import parse_build_context
from depotci.core.buildopts.parse_outputs import parse_attests, parse_cache_entry, parse_output
from depotci.core.buildopts.platforms import host_platform
from depotci.core.buildopts.reference import InvalidReference, familiar_name
from depotci.core.buildopts.remote import is_remote_url
from depotci.core.errors import UsageError

__all__ = ["TargetBuild", "plan_builds", "target_build"]

# flag names in the build parsers' messages -> the bake attribute the value came from
_ATTRS = {
    "--output": "output",
    "--cache-from": "cache-from",
    "--cache-to": "cache-to",
    "--secret": "secret",
    "--ssh": "ssh",
    "--tag": "tags",
    "--platform": "platforms",
    "--attest": "attest",
    "--build-context": "contexts",
    "--shm-size": "shm-size",
    "--network": "network",
}
_FLAG = re.compile(r"--[a-z-]+")
_LOADABLE_SKIP = ("cacheonly",)
_BUILD_PLATFORMS = ("dynamic", "linux/amd64", "linux/arm64")


@dataclass(frozen=True)
class TargetBuild:
    """One bake target ready for the build path.

    ``target_contexts`` pairs a named context with the target whose result feeds it (sorted by context
    name); ``linked`` marks a target built only because another one uses it.
    """

    name: str
    options: BuildOptions
    dockerfile_inline: str | None = None
    target_contexts: tuple[tuple[str, str], ...] = ()
    linked: bool = False

    @property
    def project_id(self) -> str:
        """The target's Depot project (``""``: the command's default)."""
        return self.options.project

    @property
    def dependencies(self) -> tuple[str, ...]:
        """Targets this one waits for, each once, in context-name order."""
        return tuple(dict.fromkeys(dep for _, dep in self.target_contexts))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(pairs: Iterable[tuple[str, Any]]) -> str:
    """One Go-style CSV record of ``key=value`` fields, quoting the fields that need it."""
    out = []
    for key, value in pairs:
        text = f"{key}={_scalar(value)}"
        if any(c in text for c in ',"') or text[:1].isspace():
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out)


def _typed(entry: Mapping[str, Any]) -> str:
    """An entry map as CSV with ``type`` first (as a user writes it)."""
    rest = [(k, v) for k, v in entry.items() if k != "type"]
    return _csv(([("type", entry["type"])] if "type" in entry else []) + rest)


def _strip_cwd(path: str) -> str:
    return path[len("cwd://") :] if path.startswith("cwd://") else path


def _context(t: ResolvedTarget, cwd: str) -> tuple[str, str]:
    ctx, df = t.context, t.dockerfile
    if ctx == "-":
        raise UsageError("context from stdin is not allowed in bake")
    if df == "-":
        raise UsageError("dockerfile from stdin is not allowed in bake")
    remote = is_remote_url(ctx)
    if not remote:
        ctx = absolute(_strip_cwd(ctx), cwd)
    if t.dockerfile_inline is not None:
        return ctx, "-"
    if df.startswith("cwd://"):
        return ctx, absolute(df[len("cwd://") :], cwd)
    if remote or os.path.isabs(df):
        return ctx, os.path.normpath(df) if os.path.isabs(df) else df
    return ctx, absolute(df, ctx)


def _contexts(t: ResolvedTarget, cwd: str) -> tuple[tuple[NamedContext, ...], tuple[tuple[str, str], ...]]:
    named: list[NamedContext] = []
    linked: list[tuple[str, str]] = []
    for name, value in sorted(t.contexts.items()):
        if value.startswith("target:"):
            try:
                linked.append((familiar_name(name), value[len("target:") :]))
            except InvalidReference as exc:
                raise UsageError(f"invalid contexts value '{name}={value}': invalid context name: {exc}") from None
            continue
        named.append(parse_build_context(f"{name}={_strip_cwd(value)}", cwd))
    return tuple(named), tuple(linked)


def _outputs(t: ResolvedTarget, cwd: str) -> tuple[ExportSpec, ...]:
    outputs = tuple(parse_output(_typed(o), cwd) for o in t.outputs)
    if sum(1 for o in outputs if o.dest == "-") > 1:
        raise UsageError("invalid output values: more than one output writes to stdout")
    return outputs


def _build_platform(flag: str, env: Mapping[str, str]) -> str:
    value = (flag if flag not in ("", "dynamic") else "") or env.get("DEPOT_BUILD_PLATFORM") or "dynamic"
    if value not in _BUILD_PLATFORMS:
        raise UsageError(f"invalid --build-platform value '{value}': expected dynamic, linux/amd64 or linux/arm64")
    return value


def _build(
    t: ResolvedTarget, cwd: str, env: Mapping[str, str], load: bool, host: Platform, build_platform: str
) -> TargetBuild:
    context, dockerfile = _context(t, cwd)
    named, linked = _contexts(t, cwd)
    attests = [_typed(a) for a in t.attest]
    secrets = {s.id: s for s in (parse_secret(_csv(e.items()), env, cwd) for e in t.secrets)}
    ssh = tuple(
        parse_ssh(str(e.get("id") or "default") + ("=" + ",".join(e["paths"]) if e.get("paths") else ""), env, cwd)
        for e in t.ssh
    )
    opts = BuildOptions(
        context=context,
        dockerfile=dockerfile,
        tags=tuple(parse_tag(tag) for tag in t.tags),
        target=t.target or "",
        platforms=parse_platforms(t.platforms, host=host),
        build_args=tuple(t.args.items()),
        labels=attrs_of(dict(t.labels)),
        secrets=tuple(secrets.values()),
        ssh=ssh,
        outputs=_outputs(t, cwd),
        load=load and not t.linked and not any(o.get("type") in _LOADABLE_SKIP for o in t.outputs),
        cache_from=tuple(e for c in t.cache_from for e in parse_cache_entry("--cache-from", _typed(c), cwd)),
        cache_to=tuple(e for c in t.cache_to for e in parse_cache_entry("--cache-to", _typed(c), cwd)),
        no_cache=t.no_cache,
        no_cache_filter=t.no_cache_filter,
        pull=t.pull,
        build_contexts=named,
        attests=parse_attests(attests, ["--attest"] * len(attests)),
        network=parse_network(t.network or "default"),
        shm_size=parse_shm_size(t.shm_size) if t.shm_size else 0,
        no_default_load=t.linked or env_flag(env, "BUILDX_NO_DEFAULT_LOAD"),
        no_default_attestations=env_flag(env, "BUILDX_NO_DEFAULT_ATTESTATIONS"),
        project=t.project_id,
        build_platform=_build_platform(build_platform, env),
    )
    return TargetBuild(t.name, opts, t.dockerfile_inline, linked, t.linked)


def target_build(
    target: ResolvedTarget,
    *,
    cwd: str,
    env: Mapping[str, str],
    load: bool = False,
    host: Platform | None = None,
    build_platform: str = "dynamic",
) -> TargetBuild:
    """Map one resolved target. ``load`` is ``--load`` (ignored for linked targets and ``cacheonly``
    outputs); ``host`` is the platform for ``local`` and one-word platforms (default: this machine);
    ``build_platform`` is ``--build-platform`` (``DEPOT_BUILD_PLATFORM`` when ``dynamic``).

    Raises ``UsageError`` naming the target and the bake attribute of a malformed value.
    """
    try:
        return _build(target, cwd, env, load, host or host_platform(), build_platform)
    except UsageError as exc:
        text = _FLAG.sub(lambda m: _ATTRS.get(m.group(0), m.group(0)), exc.message, count=1)
        raise UsageError(f'target "{target.name}": {text}') from None


def plan_builds(
    plan: BakePlan,
    *,
    cwd: str,
    env: Mapping[str, str],
    load: bool = False,
    host: Platform | None = None,
    build_platform: str = "dynamic",
) -> dict[str, TargetBuild]:
    """Every target of ``plan`` mapped (sorted by name, see ``target_build``); a ``target:`` context naming
    a target outside the plan is refused."""
    builds = {
        name: target_build(
            plan.targets[name], cwd=cwd, env=env, load=load, host=host, build_platform=build_platform
        )
        for name in sorted(plan.targets)
    }
    for b in builds.values():
        for ctx, dep in b.target_contexts:
            if dep not in builds:
                raise UsageError(f'target "{b.name}": context "{ctx}" uses target "{dep}", which is not in the plan')
    return builds
