"""The working form of a bake target while files are decoded and merged (buildx's ``Target``).

Unset fields are ``None`` so that merging can tell "not given" from "given as empty". Entries of
cache-from/cache-to/output/attest/secret/ssh stay as written (a string or a mapping) until the plan is built.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIELDS", "GroupSpec", "TargetSpec"]

# target attribute -> kind; the order is the order of the printed JSON
FIELDS: dict[str, str] = {
    "description": "str",
    "inherits": "list",
    "attest": "entries",
    "context": "str",
    "contexts": "smap",
    "dockerfile": "str",
    "dockerfile-inline": "str",
    "args": "nmap",
    "labels": "nmap",
    "tags": "list",
    "cache-from": "entries",
    "cache-to": "entries",
    "target": "str",
    "secret": "entries",
    "ssh": "entries",
    "platforms": "list",
    "output": "entries",
    "pull": "bool",
    "no-cache": "bool",
    "network": "str",
    "no-cache-filter": "list",
    "shm-size": "str",
    "project_id": "str",
}

_ATTR = {k: k.replace("-", "_") for k in FIELDS}


class GroupSpec:
    """A group: its targets (names of targets or groups) and an optional description."""

    __slots__ = ("description", "name", "targets")

    def __init__(self, name: str, targets: list[str], description: str | None = None) -> None:
        self.name = name
        self.targets = targets
        self.description = description


class TargetSpec:
    """One target as decoded from a file; every field ``None`` until set."""

    __slots__ = ("name", *_ATTR.values())

    def __init__(self, name: str) -> None:
        self.name = name
        for a in _ATTR.values():
            setattr(self, a, None)

    def get(self, key: str) -> Any:
        return getattr(self, _ATTR[key])

    def set(self, key: str, value: Any) -> None:
        setattr(self, _ATTR[key], value)

    def copy(self) -> TargetSpec:
        t = TargetSpec(self.name)
        for a in _ATTR.values():
            v = getattr(self, a)
            if type(v) is list:
                v = list(v)
            elif type(v) is dict:
                v = dict(v)
            setattr(t, a, v)
        return t

    def merge(self, o: TargetSpec) -> None:
        """Overlay ``o`` onto this target the way buildx's ``Target.Merge`` does."""
        for key in ("context", "dockerfile", "dockerfile_inline", "target", "pull", "no_cache", "network", "shm_size", "description"):
            v = getattr(o, key)
            if v is not None:
                setattr(self, key, v)
        if o.project_id:
            self.project_id = o.project_id
        for key in ("args", "labels"):
            src = getattr(o, key)
            if src:
                dst = getattr(self, key)
                if dst is None:
                    dst = {}
                    setattr(self, key, dst)
                for k, v in src.items():
                    if v is not None:
                        dst[k] = v
        if o.contexts:
            if self.contexts is None:
                self.contexts = {}
            self.contexts.update(o.contexts)
        for key in ("tags", "platforms", "cache_to", "output"):
            v = getattr(o, key)
            if v is not None:
                setattr(self, key, list(v))
        for key in ("attest", "secret", "ssh", "cache_from", "no_cache_filter"):
            v = getattr(o, key)
            if v is not None:
                cur = getattr(self, key) or []
                setattr(self, key, cur + list(v))
        if o.inherits:
            self.inherits = (self.inherits or []) + list(o.inherits)
