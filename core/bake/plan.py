"""``plan_bake``: bake files (bytes) + requested names + overrides + environment -> BakePlan.

Pure: the caller reads the files and passes the environment; nothing here touches the process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from depotci.core.bake.entries import parse_entries
from depotci.core.bake.errors import BakeError
from depotci.core.bake.files import load_config
from depotci.core.bake.hcl.values import ConvertError
from depotci.core.bake.model import BakePlan, ResolvedGroup, ResolvedTarget
from depotci.core.bake.overrides import OverrideError, parse_overrides
from depotci.core.bake.resolve import Config, ResolveError
from depotci.core.bake.spec import TargetSpec

__all__ = ["PlanOptions", "plan_bake"]


@dataclass(frozen=True)
class PlanOptions:
    """The command-line shorthands and built-ins that shape a plan.

    ``pull``/``no_cache`` are the flags (the real CLI prints and builds with these, ignoring file values);
    ``sbom``/``provenance`` are the raw flag values (``None`` when not given).
    """

    pull: bool = False
    no_cache: bool = False
    push: bool = False
    sbom: str | None = None
    provenance: str | None = None
    cmd_context: str = "cwd://"
    local_platform: str = "linux/amd64"
    dotenv: Mapping[str, str] = field(default_factory=dict)


def _attest_flag(kind: str, value: str) -> str:
    low = value.lower()
    if low in ("1", "t", "true"):
        return f"*.attest=type={kind}"
    if low in ("0", "f", "false"):
        return f"*.attest=type={kind},disabled=true"
    return f"*.attest=type={kind},{value}"


def plan_bake(
    files: Sequence[tuple[str, bytes]],
    targets: Sequence[str],
    overrides: Sequence[str],
    env: Mapping[str, str],
    options: PlanOptions | None = None,
) -> BakePlan:
    """Resolve ``targets`` (default ``["default"]``) from ``files`` merged in order.

    Raises BakeError (with the real CLI's one-line message and, for HCL problems, a SourceLocation).
    """
    opts = options or PlanOptions()
    builtins = {"BAKE_CMD_CONTEXT": opts.cmd_context, "BAKE_LOCAL_PLATFORM": opts.local_platform}
    groups, target_specs = load_config(files, env, builtins, {**opts.dotenv, **env})
    cfg = Config(groups, target_specs)
    requested = [t.replace(".", "_") for t in targets] or ["default"]
    sets = list(overrides)
    if opts.push:
        sets.append("*.push=true")
    if opts.sbom is not None:
        sets.append(_attest_flag("sbom", opts.sbom))
    if opts.provenance is not None:
        sets.append(_attest_flag("provenance", opts.provenance))
    try:
        names = [t.name for t in cfg.targets]
        ov = parse_overrides(sets, names, env) if sets else {}
        if not names:  # the real CLI always adds "*.pull"/"*.no-cache" overrides, which then match nothing
            raise ResolveError("could not find any target matching '*'")
        resolved: dict[str, TargetSpec] = {}
        group_names: list[str] = []
        for name in requested:
            ts, gs = cfg.resolve_group(name)
            for tname in ts:
                resolved[tname] = cfg.resolve_target(tname, ov)
            group_names.extend(g for g in gs if g not in group_names)
        out_groups = {g: list(cfg.group_by[g].targets) for g in group_names}
        for name in requested:
            if name == "default" and "default" in out_groups:
                continue
            out_groups.setdefault("default", []).append(name)
        if "default" in out_groups:
            out_groups["default"] = sorted(set(out_groups["default"]))
        linked: set[str] = set()
        for name, t in list(resolved.items()):
            cfg.load_links(name, t, resolved, linked, ov, [])
    except (ResolveError, OverrideError) as e:
        raise BakeError(str(e)) from None
    epoch = env.get("SOURCE_DATE_EPOCH", "")
    plan_targets = {name: _freeze(t, opts, epoch, name in linked) for name, t in resolved.items()}
    plan_groups = {
        g: ResolvedGroup(g, tuple(ts), (cfg.group_by[g].description or "") if g in cfg.group_by else "")
        for g, ts in out_groups.items()
    }
    return BakePlan(plan_targets, plan_groups, tuple(requested))


def _freeze(t: TargetSpec, opts: PlanOptions, epoch: str, linked: bool) -> ResolvedTarget:
    args = {k: v for k, v in (t.args or {}).items() if v is not None}
    if epoch and "SOURCE_DATE_EPOCH" not in args:
        args["SOURCE_DATE_EPOCH"] = epoch
    labels = {k: v for k, v in (t.labels or {}).items() if v is not None}
    contexts = {k: v for k, v in (t.contexts or {}).items() if v != ""}
    try:
        entries = {
            k: tuple(parse_entries(k, t.get(k) or []))
            for k in ("cache-from", "cache-to", "output", "attest", "secret", "ssh")
        }
    except ConvertError as e:
        raise BakeError(str(e)) from None
    return ResolvedTarget(
        name=t.name,
        context=t.context or ".",
        dockerfile=t.dockerfile if t.dockerfile is not None else "Dockerfile",
        dockerfile_inline=t.dockerfile_inline,
        description=t.description or "",
        args={k: args[k] for k in sorted(args)},
        labels={k: labels[k] for k in sorted(labels)},
        contexts={k: contexts[k] for k in sorted(contexts)},
        tags=_uniq(t.tags),
        platforms=_uniq(t.platforms),
        cache_from=entries["cache-from"],
        cache_to=entries["cache-to"],
        outputs=entries["output"],
        attest=entries["attest"],
        secrets=entries["secret"],
        ssh=entries["ssh"],
        target=t.target,
        pull=opts.pull,
        no_cache=opts.no_cache,
        network=t.network,
        no_cache_filter=_uniq(t.no_cache_filter),
        shm_size=t.shm_size,
        project_id=t.project_id or "",
        linked=linked,
    )


def _uniq(items: list[str] | None) -> tuple[str, ...]:
    return tuple(x for x in dict.fromkeys(items or []) if x != "")
