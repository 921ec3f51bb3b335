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
    """One target as decoded from a file; a field reads ``None`` until set.

    Fields live in the instance ``__dict__`` only once set (class attributes supply ``None``), which keeps
    creating and merging the thousands of targets of a big file cheap.
    """

    name: str
    description: str | None = None
    inherits: list[str] | None = None
    attest: list[Any] | None = None
    context: str | None = None
    contexts: dict[str, str] | None = None
    dockerfile: str | None = None
    dockerfile_inline: str | None = None
    args: dict[str, str | None] | None = None
    labels: dict[str, str | None] | None = None
    tags: list[str] | None = None
    cache_from: list[Any] | None = None
    cache_to: list[Any] | None = None
    target: str | None = None
    secret: list[Any] | None = None
    ssh: list[Any] | None = None
    platforms: list[str] | None = None
    output: list[Any] | None = None
    pull: bool | None = None
    no_cache: bool | None = None
    network: str | None = None
    no_cache_filter: list[str] | None = None
    shm_size: str | None = None
    project_id: str | None = None

    def __init__(self, name: str) -> None:
        self.name = name

    def get(self, key: str) -> Any:
        return getattr(self, _ATTR[key])

    def set(self, key: str, value: Any) -> None:
        setattr(self, _ATTR[key], value)

    def merge(self, o: TargetSpec) -> None:
        """Overlay ``o`` onto this target the way buildx's ``Target.Merge`` does."""
        d = self.__dict__
        for key, v in o.__dict__.items():
            if v is None or key == "name":
                continue
            kind = _MERGE[key]
            if kind == "set":
                d[key] = v
            elif kind == "project":
                if v:
                    d[key] = v
            elif kind == "nmap":
                if v:
                    dst = d.get(key)
                    if dst is None:
                        dst = d[key] = {}
                    for k, x in v.items():
                        if x is not None:
                            dst[k] = x
            elif kind == "map":
                if v:
                    dst = d.get(key)
                    if dst is None:
                        dst = d[key] = {}
                    dst.update(v)
            elif kind == "replace":
                d[key] = list(v)
            else:  # append
                cur = d.get(key)
                d[key] = (cur + list(v)) if cur else list(v)


_MERGE = {
    "context": "set",
    "dockerfile": "set",
    "dockerfile_inline": "set",
    "target": "set",
    "pull": "set",
    "no_cache": "set",
    "network": "set",
    "shm_size": "set",
    "description": "set",
    "project_id": "project",
    "args": "nmap",
    "labels": "nmap",
    "contexts": "map",
    "tags": "replace",
    "platforms": "replace",
    "cache_to": "replace",
    "output": "replace",
    "attest": "append",
    "secret": "append",
    "ssh": "append",
    "cache_from": "append",
    "no_cache_filter": "append",
    "inherits": "append",
}
