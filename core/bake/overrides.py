"""``--set pattern.key[+]=value`` overrides: parsing against the known targets, then applying to one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from depotci.core.bake.spec import TargetSpec

__all__ = ["Override", "apply_overrides", "parse_overrides"]

_ARRAY_KEYS = frozenset(
    {
        "output",
        "cache-to",
        "cache-from",
        "tags",
        "platform",
        "secrets",
        "ssh",
        "attest",
        "entitlements",
        "annotations",
    }
)


class OverrideError(Exception):
    """A --set value is malformed or names nothing; the message is the real CLI's."""


@dataclass
class Override:
    """The accumulated value(s) of one key for one target."""

    value: str | None = None
    values: list[str] = field(default_factory=list)
    append: bool = False


def _expand(pattern: str, names: list[str]) -> list[str]:
    if pattern in names:
        return [pattern]
    out = [n for n in names if fnmatchcase(n, pattern)]
    if not out:
        raise OverrideError(f"could not find any target matching '{pattern}'")
    return out


def parse_overrides(
    sets: list[str], target_names: list[str], env: Mapping[str, str]
) -> dict[str, dict[str, Override]]:
    """Group ``--set`` values by target name and key, as buildx's ``newOverrides`` does."""
    m: dict[str, dict[str, Override]] = {}
    for v in sets:
        lhs, eq, rhs = v.partition("=")
        append = lhs.endswith("+")
        skey = lhs[:-1] if append else lhs
        keys = skey.split(".", 2)
        if len(keys) < 2:
            raise OverrideError(f"invalid override key {lhs}, expected target.name")
        if not eq and keys[1] != "args":
            raise OverrideError(f"invalid override {v}, expected target.name=value")
        names = _expand(keys[0], target_names)
        okey = ".".join(keys[1:])
        for name in names:
            t = m.setdefault(name, {})
            o = t.get(okey) or Override()
            if keys[1] in _ARRAY_KEYS:
                if eq:
                    o.append = append
                    o.values.append(rhs)
            elif keys[1] in ("args", "contexts"):
                if len(keys) != 3:
                    raise OverrideError(f"invalid key {lhs}, {keys[1]} requires name")
                if not eq:
                    envv = env.get(keys[2])
                    if envv is None:
                        continue
                    o.value = envv
                else:
                    o.value = rhs
            elif eq:
                o.value = rhs
            t[okey] = o
    return m


def _list(t: TargetSpec, key: str, o: Override) -> None:
    cur = t.get(key)
    t.set(key, (list(cur or []) + o.values) if o.append else list(o.values))


def apply_overrides(t: TargetSpec, overrides: Mapping[str, Override]) -> None:
    """Apply one target's overrides (buildx's ``Target.AddOverrides``)."""
    for key, o in overrides.items():
        value = o.value if o.value is not None else ""
        head, _, sub = key.partition(".")
        if head in ("context", "dockerfile", "target", "network"):
            t.set(head, value)
        elif head == "shm-size":
            t.shm_size = value
        elif head in ("args", "labels", "contexts"):
            if not sub:
                if head == "labels":
                    raise OverrideError("invalid format for labels, expecting labels.<name>=<value>")
                raise OverrideError(f"{head} require name")
            cur = t.get(head) or {}
            cur[sub] = value
            t.set(head, cur)
        elif head == "tags":
            _list(t, "tags", o)
        elif head == "platform":
            _list(t, "platforms", o)
        elif head in ("cache-from", "cache-to", "output", "ssh"):
            _list(t, head, o)
        elif head == "secrets":
            _list(t, "secret", o)
        elif head == "attest":
            t.attest = list(t.attest or []) + o.values
        elif head == "no-cache-filter":
            cur_f = list(t.no_cache_filter or []) if o.append else []
            t.no_cache_filter = [*cur_f, value]
        elif head in ("no-cache", "pull"):
            continue  # --print reports only the --no-cache/--pull flags
        elif head == "push":
            if not t.output:
                t.output = ["type=image,push=true"]
            else:
                t.output = [
                    (
                        f"{out},push={value}"
                        if isinstance(out, str) and _output_type(out) in ("image", "registry")
                        else out
                    )
                    for out in t.output
                ]
        else:
            raise OverrideError(f"unknown key: {head}")


def _output_type(s: str) -> str:
    for field_ in s.split(","):
        k, _, v = field_.partition("=")
        if k == "type":
            return v
    return ""
