"""``BuildOptions`` + ``BuilderInfo`` → ``SolvePlan``: a pure function reproducing buildx v0.13's
``toSolveOpt`` (build/build.go) for one node, with BuildKit's Go client ``cache-imports`` attr.

Refused with ``UnsupportedError`` (one line naming the flag and the reason) instead of being sent to a
builder that cannot honour them: Depot-API-only flags; a ``--build-platform`` other than the builder's
own; on a dockerd with the graph driver, several platforms, OCI/docker tarballs, non-inline cache
export, attestations and annotations. A ``--platform`` none of the workers lists is only a warning:
BuildKit builds stages without ``RUN`` for any platform, but ``RUN`` fails there (no emulation).
``--network default`` is mapped as buildx maps it (no attribute), even though a dockerd started with
``--bridge=none`` then fails ``RUN`` with "network bridge not found".
"""

from __future__ import annotations

import json

from depotci.core.buildopts.depot_only import refuse_depot_api_flags
from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.buildopts.model import BuildOptions, CacheEntry, Platform
from depotci.core.buildopts.plan_inputs import plan_inputs
from depotci.core.buildopts.plan_model import BuilderInfo, Exporter, SolvePlan
from depotci.core.buildopts.plan_outputs import graph_driver, plan_outputs
from depotci.core.buildopts.platforms import normalize_platform, parse_platform
from depotci.core.errors import UnsupportedError, UsageError

__all__ = [
    "DEFAULT_PROVENANCE",
    "BuilderInfo",
    "Exporter",
    "SolvePlan",
    "cache_imports_attr",
    "plan_solve",
]

DEFAULT_PROVENANCE = "mode=min,inline-only=true"


def cache_imports_attr(entries: tuple[CacheEntry, ...]) -> str:
    """The ``cache-imports`` frontend attr: Go's ``json.Marshal`` of ``[]CacheOptionsEntry``."""
    items = [{"Type": e.type, **({"Attrs": dict(sorted(e.attrs))} if e.attrs else {})} for e in entries]
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    for char, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, esc)
    return text


def _caches(
    opts: BuildOptions, builder: BuilderInfo, warnings: list[str]
) -> tuple[tuple[CacheEntry, ...], tuple[CacheEntry, ...]]:
    def drop_gha(flag: str, entries: tuple[CacheEntry, ...]) -> list[CacheEntry]:
        kept = [e for e in entries if e.type != "gha"]
        if len(kept) != len(entries):
            warnings.append(
                f"ignoring {flag} type=gha: the GitHub Actions cache is not supported (as in depot)"
            )
        return kept

    imports = drop_gha("--cache-from", opts.cache_from)
    exports = drop_gha("--cache-to", opts.cache_to)
    if parse_go_bool(opts.build_arg("BUILDKIT_INLINE_CACHE") or "") and all(
        e.type != "inline" for e in exports
    ):
        exports.append(CacheEntry("inline"))
    for e in exports:
        if e.type != "inline" and not builder.full_featured:
            raise UnsupportedError(f"--cache-to type={e.type}: {graph_driver('cache export is')}")
    return tuple(imports), tuple(exports)


def _platforms(opts: BuildOptions, builder: BuilderInfo, attrs: dict[str, str], warnings: list[str]) -> None:
    if not opts.platforms:
        return
    shown = ",".join(str(p) for p in opts.platforms)
    if len(opts.platforms) > 1 and not builder.full_featured:
        raise UnsupportedError(f"--platform {shown}: {graph_driver('multi-platform builds are')}")
    attrs["platform"] = shown
    workers: set[Platform] = set()
    for spec in builder.platforms:
        try:
            workers.add(normalize_platform(parse_platform(spec, host=Platform("linux", "amd64"))))
        except UsageError:
            continue  # a worker platform we cannot parse cannot match either
    missing = [str(p) for p in opts.platforms if workers and p not in workers]
    if missing:
        warnings.append(
            f"--platform {','.join(missing)}: the builder runs {', '.join(builder.platforms)} only; "
            "RUN steps for other platforms will fail (no emulation is available)"
        )


def _runtime(opts: BuildOptions, builder: BuilderInfo, attrs: dict[str, str]) -> tuple[str, ...]:
    entitlements = list(opts.allow)
    if opts.network in ("host", "none"):
        attrs["force-network-mode"] = opts.network
        if opts.network == "host" and "network.host" not in entitlements:
            entitlements.append("network.host")
    hosts: list[str] = []
    for h in opts.add_hosts:
        ip = h.ip
        if ip == "host-gateway":
            if not builder.host_gateway_ip:
                raise UnsupportedError(
                    f"--add-host {h.host}:host-gateway: the builder reports no host-gateway IP"
                )
            ip = builder.host_gateway_ip
        hosts.append(f"{h.host}={ip}")
    if hosts:
        attrs["add-hosts"] = ",".join(hosts)
    if opts.shm_size > 0:
        attrs["shm-size"] = str(opts.shm_size)
    if opts.ulimits:
        attrs["ulimit"] = ",".join(str(u) for u in opts.ulimits)
    if opts.cgroup_parent:
        attrs["cgroup-parent"] = opts.cgroup_parent
    return tuple(entitlements)


def _build_platform(opts: BuildOptions, builder: BuilderInfo) -> None:
    """Depot's ``--build-platform`` picks the builder machine; a direct builder has one native platform
    (its first worker platform), so any other value is refused rather than ignored."""
    if opts.build_platform == "dynamic":
        return
    native = builder.platforms[0] if builder.platforms else builder.host_platform
    native_os_arch = "/".join(native.split("/")[:2])
    if native_os_arch != opts.build_platform:
        raise UnsupportedError(
            f"--build-platform {opts.build_platform}: this builder runs {native_os_arch}; "
            "picking a builder by platform needs the Depot API (not yet supported)"
        )


def _attests(opts: BuildOptions, builder: BuilderInfo, attrs: dict[str, str]) -> bool:
    wanted = [a for a in opts.attests if not a.disabled]
    if wanted and not builder.full_featured:
        raise UnsupportedError(f"--attest '{wanted[0].value}': {graph_driver('attestations are')}")
    for a in wanted:
        attrs[f"attest:{a.type}"] = a.value
    asked = any(a.type == "provenance" for a in opts.attests)
    if not asked and builder.full_featured and not opts.no_default_attestations:
        attrs["attest:provenance"] = DEFAULT_PROVENANCE
    return bool(wanted)


def _frontend(opts: BuildOptions, builder: BuilderInfo, attrs: dict[str, str]) -> None:
    if parse_go_bool(opts.build_arg("BUILDKIT_MULTI_PLATFORM") or ""):
        attrs["multi-platform"] = "true"
    if opts.pull:
        attrs["image-resolve-mode"] = "pull"
    elif builder.kind == "dockerd":
        attrs["image-resolve-mode"] = "local"  # the docker driver prefers images in the engine
    if opts.target:
        attrs["target"] = opts.target
    if opts.no_cache_filter:
        attrs["no-cache"] = ",".join(opts.no_cache_filter)
    if opts.no_cache:
        attrs["no-cache"] = ""
    for key, value in opts.build_args:
        attrs[f"build-arg:{key}"] = value
    for key, value in opts.labels:
        attrs[f"label:{key}"] = value


def plan_solve(opts: BuildOptions, builder: BuilderInfo) -> SolvePlan:
    """Plan the solve of ``opts`` on ``builder``: frontend attrs, exporters, caches, entitlements and
    session inputs, exactly as buildx v0.13 would send them (see ``SolvePlan`` for what the caller
    still fills in). Raises ``UnsupportedError`` or ``UsageError``; performs no I/O."""
    refuse_depot_api_flags(opts)
    _build_platform(opts, builder)
    warnings: list[str] = []
    inputs = plan_inputs(opts)
    attrs: dict[str, str] = {}
    cache_imports, cache_exports = _caches(opts, builder, warnings)
    user_attests = _attests(opts, builder, attrs)
    outputs = plan_outputs(opts, builder, user_attests)
    _frontend(opts, builder, attrs)
    _platforms(opts, builder, attrs, warnings)
    entitlements = _runtime(opts, builder, attrs)
    attrs.update(inputs.attrs)
    if cache_imports:
        attrs["cache-imports"] = cache_imports_attr(cache_imports)
    return SolvePlan(
        frontend="dockerfile.v0",
        frontend_attrs=attrs,
        exporters=outputs.exporters,
        cache_imports=cache_imports,
        cache_exports=cache_exports,
        entitlements=entitlements,
        local_dirs=inputs.local_dirs,
        secrets=opts.secrets,
        ssh=opts.ssh,
        dockerfile_stdin=inputs.dockerfile_stdin,
        context_stdin=inputs.context_stdin,
        engine_push=outputs.engine_push,
        warnings=(*warnings, *outputs.warnings),
    )
