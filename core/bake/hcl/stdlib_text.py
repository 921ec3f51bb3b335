"""String functions of the bake standard library (cty stdlib semantics)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from depotci.core.bake.hcl.func import Func, FuncError
from depotci.core.bake.hcl.values import ConvertError, fmt_number, to_number, to_str

__all__ = ["TEXT_FUNCS", "go_regex", "to_json"]

_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def to_json(v: Any) -> str:
    """Compact JSON as cty's jsonencode writes it (object keys sorted, no spaces)."""
    if v is None:
        return "null"
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int or t is Decimal:
        return fmt_number(v)
    if t is str:
        return (
            json.dumps(v, ensure_ascii=False)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
        )
    if t is list:
        return "[" + ",".join(to_json(x) for x in v) + "]"
    if t is dict:
        return "{" + ",".join(to_json(k) + ":" + to_json(v[k]) for k in sorted(v)) + "}"
    raise ConvertError("value cannot be encoded")


def _format(fmt: str, *args: Any) -> str:
    out: list[str] = []
    pos = 0
    argi = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            raise FuncError(
                f'not enough arguments for "%{verb}" at {m.start()}: need index {argi + 1} but have {len(args)} total'
            )
        v = args[argi]
        argi += 1
        spec = flags.replace("#", "") + (width or "") + (f".{prec}" if prec else "")
        if verb in "sv" and (verb == "s" or (type(v) is not dict and type(v) is not list)):
            text = "null" if v is None else to_str(v)
            if prec:
                text = text[: int(prec)]
            out.append(format(text, ("<" if "-" in flags else ">") + (width or "")))
        elif verb == "v":
            out.append(to_json(v))
        elif verb == "q":
            out.append(
                format(
                    json.dumps(to_str(v), ensure_ascii=False), ("<" if "-" in flags else ">") + (width or "")
                )
            )
        elif verb == "t":
            out.append("true" if v is True else "false")
        elif verb in "dbox":
            n = to_number(v)
            if n != int(n):
                raise FuncError(f'unsupported value for "%{verb}" at {m.start()}: an integer is required')
            out.append(format(int(n), spec.replace("-", "<") + verb))
        elif verb == "X":
            out.append(format(int(to_number(v)), spec.replace("-", "<") + "X"))
        elif verb in "eEfgG":
            num = to_number(v)
            py = spec.replace("-", "<")
            if verb in "fF" and not prec:
                py += ".6"
            out.append(format(float(num), py + verb))
        else:
            raise FuncError(f"unsupported format verb %{verb!r}")
    out.append(fmt[pos:])
    return "".join(out)


def _formatlist(fmt: str, *args: Any) -> list[str]:
    n = None
    for a in args:
        if type(a) is list:
            if n is not None and n != len(a):
                raise FuncError("all list arguments must have the same length")
            n = len(a)
    if n is None:
        return [_format(fmt, *args)]
    return [_format(fmt, *[a[i] if type(a) is list else a for a in args]) for i in range(n)]


def go_regex(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern with Python's engine (named groups translated)."""
    try:
        return re.compile(pattern.replace("(?P<", "(?P<"))
    except re.error as e:
        raise ConvertError(f"invalid regexp pattern: {e}") from None


def _go_repl(repl: str) -> str:
    out = repl.replace("\\", "\\\\")
    out = re.sub(r"\$\{(\w+)\}", lambda m: f"\\g<{m.group(1)}>", out)
    return re.sub(r"\$(\d+)", lambda m: f"\\g<{m.group(1)}>", out)


def _substr(s: str, offset: int, length: int) -> str:
    if offset < 0:
        offset = max(0, len(s) + offset)
    if offset > len(s):
        return ""
    if length < 0:
        return s[offset:]
    return s[offset : offset + length]


def _regex(pattern: str, s: str) -> Any:
    r = go_regex(pattern)
    m = r.search(s)
    if m is None:
        raise FuncError("pattern did not match any part of the given string")
    if r.groupindex:
        return {k: m.group(k) for k in r.groupindex}
    if r.groups:
        return list(m.groups())
    return m.group()


def _regexall(pattern: str, s: str) -> list[Any]:
    r = go_regex(pattern)
    out: list[Any] = []
    for m in r.finditer(s):
        if r.groupindex:
            out.append({k: m.group(k) for k in r.groupindex})
        elif r.groups:
            out.append(list(m.groups()))
        else:
            out.append(m.group())
    return out


def _indent(n: int, s: str) -> str:
    return s.replace("\n", "\n" + " " * n)


def _title(s: str) -> str:
    return re.sub(r"(^|(?<=[^\w']))(\w)", lambda m: m.group(1) + m.group(2).upper(), s)


def _sanitize(s: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", s)


S = "str"
TEXT_FUNCS = [
    Func("upper", [("str", S)], str.upper),
    Func("lower", [("str", S)], str.lower),
    Func("title", [("str", S)], _title),
    Func("trimspace", [("str", S)], str.strip),
    Func("trimprefix", [("str", S), ("prefix", S)], lambda s, p: s[len(p) :] if p and s.startswith(p) else s),
    Func("trimsuffix", [("str", S), ("suffix", S)], lambda s, p: s[: -len(p)] if p and s.endswith(p) else s),
    Func("trim", [("str", S), ("cutset", S)], lambda s, c: s.strip(c)),
    Func("chomp", [("str", S)], lambda s: re.sub(r"(\r\n|\n|\r)+$", "", s)),
    Func("strlen", [("str", S)], len),
    Func("substr", [("str", S), ("offset", "int"), ("length", "int")], _substr),
    Func("indent", [("spaces", "int"), ("str", S)], _indent),
    Func("replace", [("str", S), ("substr", S), ("replace", S)], lambda s, a, b: s.replace(a, b)),
    Func(
        "regex_replace",
        [("str", S), ("substr", S), ("replace", S)],
        lambda s, p, r: go_regex(p).sub(_go_repl(r), s),
    ),
    Func("regex", [("pattern", S), ("string", S)], _regex),
    Func("regexall", [("pattern", S), ("string", S)], _regexall),
    Func("split", [("separator", S), ("str", S)], lambda sep, s: s.split(sep) if sep else list(s)),
    Func("format", [("format", S)], _format, variadic=("args", "any"), allow_null=True),
    Func("formatlist", [("format", S)], _formatlist, variadic=("args", "any"), allow_null=True),
    Func("sanitize", [("str", S)], _sanitize),
    Func("reverse", [("str", S)], lambda s: s[::-1]),
]
