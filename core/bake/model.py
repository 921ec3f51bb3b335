"""The resolved bake plan: frozen values that ``--print`` renders and execution consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BakePlan", "ResolvedGroup", "ResolvedTarget"]


@dataclass(frozen=True)
class ResolvedTarget:
    """One target after inherits, overrides and defaults. Entry lists hold parsed key/value maps.

    ``None`` means "not set" for the optional strings (``target``, ``network``, ``shm_size``,
    ``dockerfile_inline``); ``project_id`` is ``""`` when the target names no project (the CLI's
    ``--project`` default then applies). ``linked`` marks a target pulled in only through a
    ``target:`` context.
    """

    name: str
    context: str = "."
    dockerfile: str = "Dockerfile"
    dockerfile_inline: str | None = None
    description: str = ""
    args: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    contexts: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    cache_from: tuple[Mapping[str, Any], ...] = ()
    cache_to: tuple[Mapping[str, Any], ...] = ()
    outputs: tuple[Mapping[str, Any], ...] = ()
    attest: tuple[Mapping[str, Any], ...] = ()
    secrets: tuple[Mapping[str, Any], ...] = ()
    ssh: tuple[Mapping[str, Any], ...] = ()
    target: str | None = None
    pull: bool = False
    no_cache: bool = False
    network: str | None = None
    no_cache_filter: tuple[str, ...] = ()
    shm_size: str | None = None
    project_id: str = ""
    linked: bool = False

    def target_dependencies(self) -> tuple[str, ...]:
        """Names of targets this one uses through ``target:`` contexts, in context-name order."""
        return tuple(v[7:] for _, v in sorted(self.contexts.items()) if v.startswith("target:"))


@dataclass(frozen=True)
class ResolvedGroup:
    """A group as printed: its member names (targets or groups) and description."""

    name: str
    targets: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class BakePlan:
    """What ``depot bake`` will build: every resolved target, the groups, and what was asked for."""

    targets: Mapping[str, ResolvedTarget]
    groups: Mapping[str, ResolvedGroup]
    requested: tuple[str, ...]

    def project_ids(self, default: str = "") -> dict[str, tuple[str, ...]]:
        """Target names grouped by project id (``default`` for targets without one), sorted."""
        out: dict[str, list[str]] = {}
        for name in sorted(self.targets):
            pid = self.targets[name].project_id or default
            out.setdefault(pid, []).append(name)
        return {k: tuple(v) for k, v in out.items()}
