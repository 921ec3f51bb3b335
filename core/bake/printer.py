"""Render a BakePlan as the real CLI's ``--print`` JSON, byte for byte.

Go's ``json.MarshalIndent(v, "", "  ")``: two-space indent, map keys sorted, HTML-sensitive characters and
U+2028/U+2029 escaped, a trailing newline. Written by hand (rather than ``json.dumps(indent=2)``) because
the pure-Python indenting encoder is the slowest step on big files.
"""

from __future__ import annotations

from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from depotci.core.bake.model import BakePlan, ResolvedTarget

__all__ = ["render_plan"]

_TRANS = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _s(v: str) -> str:
    return encode_basestring(v).translate(_TRANS)


def _value(v: Any, ind: str) -> str:
    if type(v) is str:
        return _s(v)
    if type(v) is bool:
        return "true" if v else "false"
    if isinstance(v, Mapping):
        return _map(v, ind, sort=True)
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        inner = ind + "  "
        return "[\n" + ",\n".join(inner + _value(x, inner) for x in v) + "\n" + ind + "]"
    return _s(str(v))


def _map(m: Mapping[str, Any], ind: str, sort: bool) -> str:
    if not m:
        return "{}"
    inner = ind + "  "
    keys = sorted(m) if sort else list(m)
    return "{\n" + ",\n".join(f"{inner}{_s(k)}: {_value(m[k], inner)}" for k in keys) + "\n" + ind + "}"


def _target_fields(t: ResolvedTarget) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if t.description:
        f["description"] = t.description
    if t.attest:
        f["attest"] = t.attest
    f["context"] = t.context
    if t.contexts:
        f["contexts"] = t.contexts
    f["dockerfile"] = t.dockerfile
    if t.dockerfile_inline is not None:
        f["dockerfile-inline"] = t.dockerfile_inline
    if t.args:
        f["args"] = t.args
    if t.labels:
        f["labels"] = t.labels
    if t.tags:
        f["tags"] = t.tags
    if t.cache_from:
        f["cache-from"] = t.cache_from
    if t.cache_to:
        f["cache-to"] = t.cache_to
    if t.target is not None:
        f["target"] = t.target
    if t.secrets:
        f["secret"] = t.secrets
    if t.ssh:
        f["ssh"] = t.ssh
    if t.platforms:
        f["platforms"] = t.platforms
    if t.outputs:
        f["output"] = t.outputs
    f["pull"] = t.pull
    f["no-cache"] = t.no_cache
    if t.network is not None:
        f["network"] = t.network
    if t.no_cache_filter:
        f["no-cache-filter"] = t.no_cache_filter
    if t.shm_size is not None:
        f["shm-size"] = t.shm_size
    if t.project_id:
        f["project_id"] = t.project_id
    return f


def render_plan(plan: BakePlan) -> str:
    """The exact ``depot bake --print`` text for ``plan`` (with the trailing newline)."""
    parts = []
    if plan.groups:
        groups = []
        for name in sorted(plan.groups):
            g = plan.groups[name]
            body: dict[str, Any] = {}
            if g.description:
                body["description"] = g.description
            body["targets"] = g.targets
            groups.append(f"    {_s(name)}: {_map(body, '    ', sort=False)}")
        parts.append('  "group": {\n' + ",\n".join(groups) + "\n  }")
    targets = [
        f"    {_s(name)}: {_map(_target_fields(plan.targets[name]), '    ', sort=False)}"
        for name in sorted(plan.targets)
    ]
    parts.append('  "target": ' + ("{\n" + ",\n".join(targets) + "\n  }" if targets else "{}"))
    return "{\n" + ",\n".join(parts) + "\n}\n"
