"""Resolve requested names into targets: groups, inherits, overrides, ``target:`` links, defaults.

A straight port of buildx's ``ReadTargets``/``ResolveGroup``/``ResolveTarget``/``loadLinks``: cyclic and
self ``inherits`` are accepted (a target already being resolved contributes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping

from depotci.core.bake.overrides import Override, apply_overrides
from depotci.core.bake.spec import GroupSpec, TargetSpec

__all__ = ["Config", "ResolveError"]


class ResolveError(Exception):
    """A name cannot be resolved; the message is the real CLI's."""


class Config:
    """All groups and targets of the merged files, looked up by name (first definition wins)."""

    def __init__(self, groups: list[GroupSpec], targets: list[TargetSpec]) -> None:
        self.groups = groups
        self.targets = targets
        self.group_by: dict[str, GroupSpec] = {}
        for g in groups:
            self.group_by.setdefault(g.name, g)
        self.target_by: dict[str, TargetSpec] = {}
        for t in targets:
            self.target_by.setdefault(t.name, t)

    def resolve_group(self, name: str) -> tuple[list[str], list[str]]:
        """(targets, groups) reached from ``name``; a plain target name resolves to itself."""
        ts, gs = self._group(name, {})
        return _dedup(ts), _dedup(gs)

    def _group(
        self, name: str, visited: dict[str, tuple[list[str], list[str]]]
    ) -> tuple[list[str], list[str]]:
        if name in visited:
            return visited[name]
        g = self.group_by.get(name)
        if g is None:
            return [name], []
        visited[name] = ([], [])
        targets: list[str] = []
        groups = [name]
        for t in g.targets:
            tt, tg = self._group(t, visited)
            targets.extend(tt if tt else [t])
            groups.extend(tg)
        visited[name] = (targets, groups)
        return targets, groups

    def resolve_target(self, name: str, overrides: Mapping[str, Mapping[str, Override]]) -> TargetSpec:
        """The merged target (defaults, inherits, own fields, overrides); raise ResolveError if missing."""
        t = self._target(name, {}, overrides)
        assert t is not None
        t.inherits = None
        if t.context is None:
            t.context = "."
        if t.dockerfile is None:
            t.dockerfile = "Dockerfile"
        return t

    def _target(
        self,
        name: str,
        visited: dict[str, TargetSpec | None],
        overrides: Mapping[str, Mapping[str, Override]],
    ) -> TargetSpec | None:
        if name in visited:
            return visited[name]
        visited[name] = None
        own = self.target_by.get(name)
        if own is None:
            raise ResolveError(f"failed to find target {name}")
        base = TargetSpec(name)
        for parent in own.inherits or []:
            pt = self._target(parent, visited, overrides)
            if pt is not None:
                base.merge(pt)
        result = TargetSpec(name)
        result.merge(base)
        result.merge(own)
        result.name = name
        ov = overrides.get(name)
        if ov:
            apply_overrides(result, ov)
        visited[name] = result
        return result

    def load_links(
        self,
        name: str,
        t: TargetSpec,
        m: dict[str, TargetSpec],
        linked: set[str],
        overrides: Mapping[str, Mapping[str, Override]],
        visited: list[str],
    ) -> None:
        """Pull targets used as ``target:`` contexts into ``m`` (outputs cleared), checking loops."""
        visited = [*visited, name]
        for v in (t.contexts or {}).values():
            if not v.startswith("target:"):
                continue
            dep = v[7:]
            if dep == t.name:
                raise ResolveError(f"target {dep} cannot link to itself")
            if dep in visited:
                raise ResolveError(f"infinite loop from {name} to {dep}")
            t2 = m.get(dep)
            if t2 is None:
                t2 = self.resolve_target(dep, overrides)
                t2.output = None
                linked.add(dep)
                m[dep] = t2
            self.load_links(dep, t2, m, linked, overrides, visited)
            p1, p2 = t.platforms or [], t2.platforms or []
            if len(p1) > 1 and len(p2) > 1 and sorted(p1) != sorted(p2):
                raise ResolveError(
                    f"target {dep} can't be used by {name} because it is defined for different platforms "
                    f"[{' '.join(sorted(p2))}] and [{' '.join(sorted(p1))}]"
                )


def _dedup(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
