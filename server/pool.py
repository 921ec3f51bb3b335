"""The builder pool: leases of pooled BuildKits to builds, per architecture, bounded by capacity.

In memory: a lease lives as long as the server process (on restart, running builds are failed)."""

from __future__ import annotations

from collections.abc import Sequence

from depotci.server.settings import BuilderSpec

__all__ = ["Pool"]


class Pool:
    """``acquire`` gives a build a builder of its architecture, or None while all are full."""

    def __init__(self, builders: Sequence[BuilderSpec]) -> None:
        self._builders = list(builders)
        self._leases: dict[tuple[str, str], BuilderSpec] = {}
        self._down: set[str] = set()

    def platforms(self) -> set[str]:
        return {b.platform for b in self._builders}

    def _load(self, builder: BuilderSpec) -> int:
        return sum(1 for b in self._leases.values() if b.name == builder.name)

    def acquire(self, build_id: str, platform: str) -> BuilderSpec | None:
        """The build's builder for ``platform``: its existing lease, else the least loaded free one."""
        held = self._leases.get((build_id, platform))
        if held is not None:
            return held
        free = [
            b for b in self._builders
            if b.platform == platform and b.name not in self._down and self._load(b) < b.capacity
        ]
        if not free:
            return None
        chosen = min(free, key=self._load)
        self._leases[(build_id, platform)] = chosen
        return chosen

    def lease(self, build_id: str, platform: str) -> BuilderSpec | None:
        return self._leases.get((build_id, platform))

    def release(self, build_id: str) -> int:
        """Drop every lease of ``build_id``; returns how many there were."""
        keys = [k for k in self._leases if k[0] == build_id]
        for k in keys:
            del self._leases[k]
        return len(keys)

    def in_use(self) -> int:
        return len(self._leases)
