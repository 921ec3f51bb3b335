"""Decode an evaluated attribute value into a target field (gohcl's conversions and messages)."""

from __future__ import annotations

from typing import Any

from depotci.core.bake.hcl.body import Attr
from depotci.core.bake.hcl.diag import Diag
from depotci.core.bake.hcl.nodes import start_range
from depotci.core.bake.hcl.values import ConvertError, to_bool, to_str

__all__ = ["decode_value"]

_WANT = {"str": "string required", "bool": "bool required", "list": "list of string required"}


def _bad(name: str, attr: Attr, msg: str) -> Diag:
    start, end = start_range(attr.expr)
    return Diag("Unsuitable value type", f"Unsuitable value: {msg}", attr.src, start, end)


def decode_value(kind: str, name: str, v: Any, attr: Attr) -> Any:
    """Convert ``v`` for a field of ``kind`` (str, bool, list, smap, nmap, entries, any)."""
    if v is None or kind == "any":
        return v
    try:
        if kind == "str":
            return v if type(v) is str else to_str(v)
        if kind == "bool":
            return to_bool(v)
        if kind == "list":
            if type(v) is not list:
                raise ConvertError("list of string required")
            out = []
            for i, x in enumerate(v):
                if x is None:
                    raise ConvertError(f"element {i}: string required")
                try:
                    out.append(x if type(x) is str else to_str(x))
                except ConvertError as e:
                    raise ConvertError(f"element {i}: {e}") from None
            return out
        if kind in ("smap", "nmap"):
            if type(v) is not dict:
                raise ConvertError("map of string required")
            res: dict[str, Any] = {}
            for k, x in v.items():
                if x is None:
                    if kind == "nmap":
                        res[k] = None
                    continue
                try:
                    res[k] = x if type(x) is str else to_str(x)
                except ConvertError as e:
                    raise ConvertError(f'element "{k}": {e}') from None
            return res
        if kind == "entries":
            items = v if type(v) is list else [v]
            ents: list[Any] = []
            for x in items:
                if x is None:
                    continue
                if type(x) is dict:
                    ents.append({k: to_str(y) for k, y in x.items() if y is not None})
                else:
                    ents.append(to_str(x))
            return ents
    except ConvertError as e:
        raise _bad(name, attr, str(e)) from None
    return v
