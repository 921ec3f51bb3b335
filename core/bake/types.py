"""Typed bake variables: HCL type expressions, converting defaults, parsing environment overrides."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from depotci.core.bake.hcl.nodes import Call, Node, Obj, Tuple, Var
from depotci.core.bake.hcl.values import ConvertError, parse_number, to_bool, to_number, to_str

__all__ = ["TypeSpec", "convert", "parse_env", "parse_type", "type_label"]

# ("string",) ("number",) ("bool",) ("any",) ("list", T) ("set", T) ("map", T) ("tuple", [T...]) ("object", {k: T})
TypeSpec = tuple[Any, ...]


def parse_type(node: Node) -> TypeSpec:
    """Read a type expression such as ``list(string)`` or ``object({a = number})``."""
    if isinstance(node, Var) and node.name in ("string", "number", "bool", "any"):
        return (node.name,)
    if isinstance(node, Call) and len(node.args) == 1:
        arg = node.args[0]
        if node.name in ("list", "set", "map"):
            return (node.name, parse_type(arg))
        if node.name == "tuple" and isinstance(arg, Tuple):
            return ("tuple", [parse_type(a) for a in arg.items])
        if node.name == "object" and isinstance(arg, Obj):
            fields = {}
            for k, v in arg.items:
                key = getattr(k, "value", None) or getattr(k, "name", "")
                fields[str(key)] = parse_type(v)
            return ("object", fields)
    raise ConvertError("invalid type specification")


def type_label(t: TypeSpec) -> str:
    """cty's friendly name for a type."""
    if t[0] in ("list", "set", "map"):
        return f"{t[0]} of {type_label(t[1])}"
    return str(t[0])


def convert(v: Any, t: TypeSpec) -> Any:
    """Convert a value to type ``t`` (cty's safe and unsafe conversions that bake files rely on)."""
    kind = t[0]
    if v is None or kind == "any":
        return v
    if kind == "string":
        return to_str(v)
    if kind == "number":
        return to_number(v)
    if kind == "bool":
        return to_bool(v)
    if kind in ("list", "set"):
        if type(v) is not list:
            raise ConvertError(f"{kind} of {type_label(t[1])} required")
        out = [convert(x, t[1]) for x in v]
        if kind == "set":
            uniq: list[Any] = []
            for x in out:
                if x not in uniq:
                    uniq.append(x)
            out = sorted(uniq, key=lambda x: (str(type(x)), x)) if all(type(x) is str for x in uniq) else uniq
        return out
    if kind == "tuple":
        if type(v) is not list or len(v) != len(t[1]):
            raise ConvertError(f"tuple required with {len(t[1])} elements")
        return [convert(x, et) for x, et in zip(v, t[1], strict=True)]
    if kind == "map":
        if type(v) is not dict:
            raise ConvertError(f"map of {type_label(t[1])} required")
        return {k: convert(x, t[1]) for k, x in v.items()}
    if kind == "object":
        if type(v) is not dict:
            raise ConvertError("object required")
        out_o: dict[str, Any] = {}
        for k, ft in t[1].items():
            if k not in v:
                raise ConvertError(f'attribute "{k}" is required')
            out_o[k] = convert(v[k], ft)
        return out_o
    raise ConvertError("unsupported type")


def _primitive(kind: str, s: str, name: str) -> Any:
    if kind == "number":
        n = parse_number(s)
        if n is None:
            raise ConvertError(
                f'failed to parse {name} as number: strconv.ParseFloat: parsing "{s}": invalid syntax'
            )
        return n
    if kind == "bool":
        b = parse_bool(s)
        if b is None:
            raise ConvertError(
                f'failed to parse {name} as bool: strconv.ParseBool: parsing "{s}": invalid syntax'
            )
        return b
    return s


def parse_bool(s: str) -> bool | None:
    """Go's strconv.ParseBool."""
    if s in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if s in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def parse_env(s: str, t: TypeSpec, name: str) -> Any:
    """Parse an environment override of a typed variable: primitives as-is, lists as CSV, others JSON."""
    kind = t[0]
    if kind in ("string", "number", "bool"):
        return _primitive(kind, s, name)
    if kind == "any":
        return s
    if kind in ("list", "set", "map", "tuple") and (
        t[1][0] in ("string", "number", "bool") if kind != "tuple" else True
    ):
        fields = next(csv.reader(io.StringIO(s)), []) if s else []
        if kind == "map":
            return {fields[i]: _primitive(t[1][0], fields[i + 1], name) for i in range(0, len(fields) - 1, 2)}
        if kind == "tuple":
            return convert(fields, t)
        return convert([_primitive(t[1][0], f.strip(), name) for f in fields], t)
    try:
        return convert(json.loads(s), t)
    except ValueError:
        raise ConvertError(f"failed to parse {name} as {type_label(t)}") from None
