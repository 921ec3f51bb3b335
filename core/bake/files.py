"""Turn the bake files (name, bytes) into one set of groups and targets, whatever their formats.

Compose files (``.yml``/``.yaml``, or content that reads as Compose) are mapped first, then HCL and JSON
files are evaluated together and overlaid by target name, as buildx's ``ParseFiles`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from depotci.core.bake.errors import BakeError, from_diag
from depotci.core.bake.hcl.body import Body
from depotci.core.bake.hcl.diag import Diag
from depotci.core.bake.hcl.parser import parse_hcl
from depotci.core.bake.hclconfig import evaluate_bodies
from depotci.core.bake.jsonfile import parse_json
from depotci.core.bake.spec import GroupSpec, TargetSpec

__all__ = ["load_config"]


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def load_config(
    files: Sequence[tuple[str, bytes]],
    env: Mapping[str, str],
    builtins: Mapping[str, str],
    compose_env: Mapping[str, str] | None = None,
) -> tuple[list[GroupSpec], list[TargetSpec]]:
    """Parse and evaluate every file; return groups and targets merged by name in file order.

    ``compose_env`` (environment plus ``.env``) interpolates Compose files; HCL sees only ``env``.
    """
    bodies: list[Body] = []
    compose: list[tuple[str, str]] = []
    for name, data in files:
        text = _decode(name, data)
        low = name.lower()
        try:
            if low.endswith((".yml", ".yaml")):
                compose.append((name, text))
            elif low.endswith(".json"):
                bodies.append(parse_json(name, text))
            elif low.endswith(".hcl"):
                bodies.append(parse_hcl(name, text))
            else:
                bodies_or_compose = _sniff(name, text)
                if isinstance(bodies_or_compose, Body):
                    bodies.append(bodies_or_compose)
                else:
                    compose.append((name, text))
        except Diag as d:
            raise from_diag(d) from None
    groups: list[GroupSpec] = []
    targets: dict[str, TargetSpec] = {}
    if compose:
        from depotci.core.bake.compose import parse_compose_files

        cgroups, ctargets = parse_compose_files(compose, env if compose_env is None else compose_env)
        groups.extend(cgroups)
        for t in ctargets:
            _add(targets, t)
    if bodies:
        try:
            cfg = evaluate_bodies(bodies, env, builtins)
        except Diag as d:
            raise from_diag(d) from None
        by_name = {g.name: i for i, g in enumerate(groups)}
        for g in cfg.groups:
            if g.name in by_name:
                groups[by_name[g.name]] = g
            else:
                by_name[g.name] = len(groups)
                groups.append(g)
        for t in cfg.targets:
            _add(targets, t)
        for old, new in cfg.renamed.items():
            new = list(dict.fromkeys(new))
            if len(new) == 1 and new[0] == old:
                continue
            groups.append(GroupSpec(old, new))
    for g in groups:
        g.targets = list(dict.fromkeys(g.targets))
    return groups, list(targets.values())


def _add(targets: dict[str, TargetSpec], t: TargetSpec) -> None:
    prev = targets.get(t.name)
    if prev is None:
        targets[t.name] = t
    else:
        prev.merge(t)


def _sniff(name: str, text: str) -> Body | None:
    """A file without a telling extension (stdin): HCL, else Compose, else JSON, like buildx."""
    try:
        return parse_hcl(name + ".hcl", text)
    except Diag as hcl_err:
        from depotci.core.bake.compose import looks_like_compose

        yaml_err = looks_like_compose(text)
        if yaml_err is None:
            return None
        try:
            return parse_json(name, text)
        except Diag:
            raise BakeError(
                f"failed to parse {name}: parsing yaml: {yaml_err}, parsing hcl: {hcl_err}"
            ) from None
