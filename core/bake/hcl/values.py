"""HCL values as plain Python: str, int/Decimal (numbers), bool, None (null), list, dict.

Conversions follow cty's rules where bake files meet them: numbers and bools convert to strings, strings
that spell a number or a bool convert back.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "DEC",
    "ConvertError",
    "fmt_number",
    "is_number",
    "parse_number",
    "to_bool",
    "to_number",
    "to_str",
    "type_name",
]

DEC = Context(prec=150)


class ConvertError(Exception):
    """A value cannot be converted to the wanted type; the message reads like cty's."""


def is_number(v: Any) -> bool:
    """True for HCL numbers (int or Decimal, never bool)."""
    t = type(v)
    return t is int or t is Decimal


def fmt_number(v: int | Decimal) -> str:
    """Format a number the way cty does (shortest exact decimal, no exponent)."""
    if type(v) is int:
        return str(v)
    assert isinstance(v, Decimal)
    if v == v.to_integral_value():
        if v.is_signed() and v == 0:
            return "-0"
        return str(int(v))
    return format(v.normalize(DEC), "f")


def parse_number(s: str) -> int | Decimal | None:
    """Parse a decimal number as HCL/cty accept it, or None."""
    t = s.strip()
    if t != s or not t:
        return None
    try:
        if t.lstrip("+-").isdigit():
            return int(t)
        d = Decimal(t)
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    return d


def type_name(v: Any) -> str:
    """cty's friendly type name of a value."""
    if v is None:
        return "dynamic"
    t = type(v)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if t is int or t is Decimal:
        return "number"
    if t is list:
        return "tuple"
    if t is dict:
        return "object"
    return t.__name__


def to_str(v: Any) -> str:
    """Convert a primitive to a string; raise ConvertError for null and collections."""
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if t is bool:
        return "true" if v else "false"
    if t is int or t is Decimal:
        return fmt_number(v)
    if v is None:
        raise ConvertError("a string is required")
    raise ConvertError("string required")


def to_number(v: Any) -> int | Decimal:
    """Convert to a number (strings are parsed); raise ConvertError otherwise."""
    t = type(v)
    if t is int or t is Decimal:
        return v  # type: ignore[no-any-return]
    if t is str:
        n = parse_number(v)
        if n is not None:
            return n
    raise ConvertError("a number is required")


def to_bool(v: Any) -> bool:
    """Convert to a bool ("true"/"false" strings accepted); raise ConvertError otherwise."""
    if type(v) is bool:
        return v  # type: ignore[no-any-return]
    if v == "true":
        return True
    if v == "false":
        return False
    raise ConvertError("a bool is required")
