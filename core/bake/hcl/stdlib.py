"""The bake standard library: collection, number, encoding, hash and time functions, plus the table."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from depotci.core.bake.hcl.func import ArgError, Func, FuncError
from depotci.core.bake.hcl.nodes import hcl_equal
from depotci.core.bake.hcl.stdlib_text import TEXT_FUNCS, to_json
from depotci.core.bake.hcl.values import DEC, ConvertError, to_number, to_str

__all__ = ["stdlib"]


def _length(v: Any) -> int:
    # object values (every {...} literal) are not collections for cty's length()
    if type(v) is list:
        return len(v)
    raise FuncError("collection must be a list, a map or a tuple")


def _hasindex(c: Any, k: Any) -> bool:
    if type(c) is not list:
        raise FuncError("collection must be a list, a map or a tuple")
    try:
        i = to_number(k)
    except ConvertError:
        return False
    return i == int(i) and 0 <= int(i) < len(c)


def _index_fn(c: Any, k: Any) -> Any:
    if type(c) is list:
        try:
            i = to_number(k)
        except ConvertError:
            raise FuncError("key for tuple must be number") from None
        if i != int(i) or not 0 <= int(i) < len(c):
            raise FuncError("the given index is out of range")
        return c[int(i)]
    if type(c) is dict:
        key = to_str(k)
        if key not in c:
            raise FuncError(f'the given object has no attribute "{key}"')
        return c[key]
    raise FuncError("collection must be a list, a map or a tuple")


def _setproduct(*lists: list[Any]) -> list[Any]:
    out: list[list[Any]] = [[]]
    for lst in lists:
        out = [[*o, x] for o in out for x in _distinct(lst)]
    return out if lists else []


def _bytes(_: Any) -> int:
    raise ArgError(0, "bytes required")


def _element(lst: list[Any], i: int) -> Any:
    if not lst:
        raise FuncError("cannot use element function with an empty list")
    if i < 0:
        raise ArgError(1, "cannot use element function with a negative index")
    return lst[i % len(lst)]


def _distinct(lst: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in lst:
        if not any(hcl_equal(x, y) for y in out):
            out.append(x)
    return out


def _sort(lst: list[Any]) -> list[str]:
    return sorted(to_str(x) for x in lst)


def _lookup(m: Any, key: str, default: Any) -> Any:
    if type(m) is not dict:
        raise ArgError(0, "the given value is not a map or object")
    return m.get(key, default)


def _coalesce(*vals: Any) -> Any:
    for v in vals:
        if v is not None:
            return v
    raise FuncError("no non-null arguments")


def _coalescelist(*lists: Any) -> Any:
    for v in lists:
        if type(v) is list and v:
            return v
    raise FuncError("no non-null arguments")


def _flatten(lst: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in lst:
        if type(x) is list:
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if type(m) is not dict:
            raise FuncError("arguments must be maps or objects")
        out.update(m)
    return out


def _num(v: Any) -> Any:
    if type(v) is Decimal and v == v.to_integral_value():
        return int(v)
    return v


def _minmax(pick: Any) -> Any:
    def f(*nums: Any) -> Any:
        if not nums:
            raise FuncError("must pass at least one number")
        return pick(nums)

    return f


def _range(*args: Any) -> list[Any]:
    nums: list[Any] = [to_number(a) for a in args]
    start: Any
    stop: Any
    step: Any
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], (1 if nums[1] >= nums[0] else -1)
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise FuncError("must have one, two, or three arguments")
    out: list[Any] = []
    x = start
    while (step > 0 and x < stop) or (step < 0 and x > stop):
        out.append(_num(x))
        x += step
        if len(out) > 1024:
            raise FuncError(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step"
            )
    return out


def _parseint(s: str, base: int) -> int:
    try:
        return int(s, base)
    except ValueError:
        raise ArgError(0, f"cannot parse {json.dumps(s)} as a base {base} integer") from None


def _jsondecode(s: str) -> Any:
    def conv(v: Any) -> Any:
        if type(v) is float:
            d = Decimal(repr(v))
            return int(d) if d == d.to_integral_value() else d
        if type(v) is list:
            return [conv(x) for x in v]
        if type(v) is dict:
            return {k: conv(x) for k, x in v.items()}
        return v

    try:
        return conv(json.loads(s))
    except ValueError as e:
        raise FuncError(str(e)) from None


def _csvdecode(s: str) -> list[dict[str, str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(s)))
    if not rows:
        raise FuncError("missing header line")
    head = rows[0]
    return [dict(zip(head, r, strict=False)) for r in rows[1:]]


def _keys(m: Any) -> list[str]:
    if type(m) is not dict:
        raise ArgError(0, "must have map or object type")
    return sorted(m)


def _values(m: Any) -> list[Any]:
    if type(m) is not dict:
        raise ArgError(0, "must have map or object type")
    return [m[k] for k in sorted(m)]


def _contains(lst: list[Any], v: Any) -> bool:
    return any(hcl_equal(x, v) for x in lst)


def _index(lst: list[Any], v: Any) -> int:
    for i, x in enumerate(lst):
        if hcl_equal(x, v):
            return i
    raise FuncError("item not found")


def _slice(lst: list[Any], a: int, b: int) -> list[Any]:
    if a < 0 or b > len(lst) or a > b:
        raise FuncError("index out of range")
    return lst[a:b]


def _chunklist(lst: list[Any], n: int) -> list[Any]:
    if n <= 0:
        return [lst]
    return [lst[i : i + n] for i in range(0, len(lst), n)]


def _setop(op: str) -> Any:
    def f(first: list[Any], *rest: list[Any]) -> list[Any]:
        out = _distinct(first)
        for r in rest:
            if op == "union":
                out = _distinct(out + r)
            elif op == "intersection":
                out = [x for x in out if _contains(r, x)]
            elif op == "subtract":
                out = [x for x in out if not _contains(r, x)]
            else:
                out = [x for x in out if not _contains(r, x)] + [
                    x for x in _distinct(r) if not _contains(out, x)
                ]
        return out

    return f


def _timestamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash(name: str) -> Any:
    def digest(s: str) -> str:
        import hashlib

        return hashlib.new(name, s.encode()).hexdigest()

    return digest


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        raise FuncError("can't divide by zero")
    if type(a) is int and type(b) is int and a % b == 0:
        return a // b
    return _num(DEC.divide(Decimal(a), Decimal(b)))


def _b64encode(s: str) -> str:
    import base64

    return base64.b64encode(s.encode()).decode()


def _b64decode(s: str) -> str:
    import base64

    try:
        return base64.b64decode(s, validate=True).decode()
    except ValueError:
        raise FuncError("failed to decode base64 data") from None


def _parse_time(ts: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        raise FuncError(f'not a valid RFC3339 timestamp: "{ts}"') from None


def _fmt_time(t: Any) -> str:
    out: str = t.isoformat()
    return out.replace("+00:00", "Z")


def _timeadd(ts: str, dur: str) -> str:
    import re
    from datetime import timedelta

    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    parts = re.findall(r"([0-9.]+)(ns|us|µs|ms|h|m|s)", dur.lstrip("+-"))
    if not parts:
        raise FuncError(f'time: invalid duration "{dur}"')
    secs = sum(float(n) * units[u] for n, u in parts) * (-1 if dur.startswith("-") else 1)
    return _fmt_time(_parse_time(ts) + timedelta(seconds=secs))


def _formatdate(fmt: str, ts: str) -> str:
    import re

    t = _parse_time(ts)
    table = {
        "YYYY": f"{t.year:04d}",
        "YY": f"{t.year % 100:02d}",
        "MMMM": t.strftime("%B"),
        "MMM": t.strftime("%b"),
        "MM": f"{t.month:02d}",
        "M": str(t.month),
        "DD": f"{t.day:02d}",
        "D": str(t.day),
        "EEEE": t.strftime("%A"),
        "EEE": t.strftime("%a"),
        "hh": f"{t.hour:02d}",
        "h": str(t.hour),
        "HH": f"{(t.hour % 12) or 12:02d}",
        "H": str((t.hour % 12) or 12),
        "AA": t.strftime("%p"),
        "aa": t.strftime("%p").lower(),
        "mm": f"{t.minute:02d}",
        "m": str(t.minute),
        "ss": f"{t.second:02d}",
        "s": str(t.second),
        "ZZZZZ": "+00:00",
        "ZZZZ": "+0000",
        "ZZZ": "UTC",
        "Z": "Z",
    }
    pat = re.compile("'[^']*'|" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    return pat.sub(lambda m: m.group()[1:-1] if m.group().startswith("'") else table[m.group()], fmt)


def _urlencode(s: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(s)


def _try(*vals: Any) -> Any:
    for v in vals:
        return v
    raise FuncError("no expression succeeded")


N = "num"
L = "list"
A = "any"


def stdlib(env: Mapping[str, str]) -> dict[str, Func]:
    """All standard functions by name; ``env`` serves homedir() without reading the process."""
    funcs = [
        *TEXT_FUNCS,
        Func("length", [("value", A)], _length),
        Func("element", [("list", L), ("index", "int")], _element),
        Func("distinct", [("list", L)], _distinct),
        Func("sort", [("list", L)], _sort),
        Func("reverselist", [("list", L)], lambda x: x[::-1]),
        Func("concat", [], lambda *ls: [x for lst in ls for x in lst], variadic=("seqs", L)),
        Func(
            "join",
            [("separator", "str")],
            lambda sep, *ls: sep.join(to_str(x) for lst in ls for x in lst),
            variadic=("lists", L),
        ),
        Func("lookup", [("inputMap", A), ("key", "str"), ("default", A)], _lookup, allow_null=True),
        Func("coalesce", [], _coalesce, variadic=("vals", A), allow_null=True),
        Func("coalescelist", [], _coalescelist, variadic=("vals", A), allow_null=True),
        Func("compact", [("list", L)], lambda lst: [to_str(x) for x in lst if x is not None and x != ""]),
        Func("contains", [("list", L), ("value", A)], _contains, allow_null=True),
        Func("index", [("collection", A), ("key", A)], _index_fn),
        Func("indexof", [("list", L), ("value", A)], _index),
        Func("flatten", [("list", L)], _flatten),
        Func("keys", [("inputMap", A)], _keys),
        Func("values", [("values", A)], _values),
        Func("merge", [], _merge, variadic=("maps", A), allow_null=True),
        Func(
            "zipmap",
            [("keys", L), ("values", L)],
            lambda k, v: dict(zip([to_str(x) for x in k], v, strict=False)),
        ),
        Func("slice", [("list", L), ("start_index", "int"), ("end_index", "int")], _slice),
        Func("chunklist", [("list", L), ("size", "int")], _chunklist),
        Func("range", [], _range, variadic=("params", N)),
        Func("setunion", [("first_set", L)], _setop("union"), variadic=("other_sets", L)),
        Func("setintersection", [("first_set", L)], _setop("intersection"), variadic=("other_sets", L)),
        Func("setsubtract", [("a", L), ("b", L)], _setop("subtract")),
        Func("setsymmetricdifference", [("first_set", L)], _setop("symdiff"), variadic=("other_sets", L)),
        Func("sethaselement", [("set", L), ("elem", A)], _contains),
        Func("hasindex", [("collection", A), ("key", A)], _hasindex),
        Func("setproduct", [], _setproduct, variadic=("sets", L)),
        Func("timeadd", [("timestamp", "str"), ("duration", "str")], _timeadd),
        Func("formatdate", [("format", "str"), ("time", "str")], _formatdate),
        Func("max", [], _minmax(max), variadic=("numbers", N)),
        Func("min", [], _minmax(min), variadic=("numbers", N)),
        Func("abs", [("num", N)], abs),
        Func("absolute", [("num", N)], abs),
        Func("ceil", [("num", N)], lambda x: math.ceil(x)),
        Func("floor", [("num", N)], lambda x: math.floor(x)),
        Func("signum", [("num", N)], lambda x: (x > 0) - (x < 0)),
        Func("pow", [("num", N), ("power", N)], lambda a, b: _num(DEC.power(Decimal(a), Decimal(b)))),
        Func("log", [("num", N), ("base", N)], lambda a, b: _num(Decimal(math.log(a, b)))),
        Func("int", [("num", N)], lambda x: int(x)),
        Func("parseint", [("number", "str"), ("base", "int")], _parseint),
        Func("add", [("a", N), ("b", N)], lambda a, b: _num(a + b)),
        Func("subtract", [("a", N), ("b", N)], lambda a, b: _num(a - b)),
        Func("multiply", [("a", N), ("b", N)], lambda a, b: _num(a * b)),
        Func("divide", [("a", N), ("b", N)], _divide),
        Func("modulo", [("a", N), ("b", N)], lambda a, b: _num(a % b)),
        Func("negate", [("num", N)], lambda a: -a),
        Func("equal", [("a", A), ("b", A)], hcl_equal, allow_null=True),
        Func("notequal", [("a", A), ("b", A)], lambda a, b: not hcl_equal(a, b), allow_null=True),
        Func("greaterthan", [("a", N), ("b", N)], lambda a, b: a > b),
        Func("greaterthanorequalto", [("a", N), ("b", N)], lambda a, b: a >= b),
        Func("lessthan", [("a", N), ("b", N)], lambda a, b: a < b),
        Func("lessthanorequalto", [("a", N), ("b", N)], lambda a, b: a <= b),
        Func("and", [("a", "bool"), ("b", "bool")], lambda a, b: a and b),
        Func("or", [("a", "bool"), ("b", "bool")], lambda a, b: a or b),
        Func("not", [("val", "bool")], lambda a: not a),
        Func("jsonencode", [("val", A)], to_json, allow_null=True),
        Func("jsondecode", [("str", "str")], _jsondecode),
        Func("csvdecode", [("str", "str")], _csvdecode),
        Func("base64encode", [("str", "str")], _b64encode),
        Func("base64decode", [("str", "str")], _b64decode),
        Func("urlencode", [("str", "str")], _urlencode),
        Func("md5", [("str", "str")], _hash("md5")),
        Func("sha1", [("str", "str")], _hash("sha1")),
        Func("sha256", [("str", "str")], _hash("sha256")),
        Func("sha512", [("str", "str")], _hash("sha512")),
        Func("uuidv4", [], _uuidv4),
        Func("uuidv5", [("namespace", "str"), ("name", "str")], _uuidv5),
        Func("timestamp", [], _timestamp),
        Func("homedir", [], lambda: env.get("HOME", "")),
        Func(
            "basename", [("path", "str")], lambda p: p.rstrip("/").rsplit("/", 1)[-1] or ("/" if p else ".")
        ),
        Func("dirname", [("path", "str")], lambda p: (p.rsplit("/", 1)[0] or "/") if "/" in p else "."),
        Func("byteslen", [("buf", A)], _bytes),
        Func("try", [], _try, variadic=("expressions", A), allow_null=True),
        Func("can", [("expression", A)], lambda v: True, allow_null=True),
    ]
    return {f.name: f for f in funcs}


def _uuidv4() -> str:
    import uuid

    return str(uuid.uuid4())


def _uuidv5(ns: str, name: str) -> str:
    import uuid

    named = {
        "dns": uuid.NAMESPACE_DNS,
        "url": uuid.NAMESPACE_URL,
        "oid": uuid.NAMESPACE_OID,
        "x500": uuid.NAMESPACE_X500,
    }
    if ns in named:
        space = named[ns]
    else:
        try:
            space = uuid.UUID(ns)
        except ValueError:
            raise ConvertError("uuidv5() doesn't support namespace " + ns) from None
    return str(uuid.uuid5(space, name))
