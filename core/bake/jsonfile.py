"""HCL's JSON syntax for bake files: a small positional JSON reader that yields the same ``Body``.

Strings become templates (``${...}`` interpolates), so JSON files share the HCL evaluator. Top-level
``variable``/``target``/``group``/``function`` keys hold blocks (an object of label -> body, or a list of
such objects); other top-level keys are global attributes.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol, cast

from depotci.core.bake.hcl.body import Attr, Block, Body
from depotci.core.bake.hcl.diag import Diag, Source
from depotci.core.bake.hcl.nodes import Lit, Node, Obj, Tuple
from depotci.core.bake.hcl.template import parse_template_text

__all__ = ["parse_json"]


class _Always(Protocol):
    def match(self, string: str, pos: int = ...) -> re.Match[str]: ...


_WS = cast(_Always, re.compile(r"[ \t\r\n]*"))
_STR = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_NUM = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BLOCKS = ("variable", "target", "group", "function")


class _J:
    """A JSON value with its offsets: kind in str/num/lit/arr/obj."""

    __slots__ = ("end", "kind", "start", "value")

    def __init__(self, kind: str, value: Any, start: int, end: int) -> None:
        self.kind, self.value, self.start, self.end = kind, value, start, end


class _Reader:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.s = src.text
        self.p = 0
        self.comma = 0

    def err(self, msg: str) -> Diag:
        return Diag("Syntax error", msg, self.src, self.p, self.p + 1)

    def value(self) -> _J:
        s = self.s
        self.p = _WS.match(s, self.p).end()
        p = self.p
        c = s[p : p + 1]
        if c == "{":
            self.p += 1
            items: list[tuple[_J, _J]] = []
            self.p = _WS.match(s, self.p).end()
            if s[self.p : self.p + 1] == "}":
                self.p += 1
                return _J("obj", items, p, self.p)
            while True:
                self.p = _WS.match(s, self.p).end()
                if s[self.p : self.p + 1] == "}" and items:
                    raise Diag(
                        "Trailing comma in object",
                        "JSON does not permit a trailing comma after the final property in an object.",
                        self.src,
                        self.comma,
                        self.comma + 1,
                    )
                k = self.value()
                if k.kind != "str":
                    raise Diag(
                        "Invalid JSON object property name",
                        "A JSON object property name must be a string",
                        self.src,
                        k.start,
                        k.end,
                    )
                self.p = _WS.match(s, self.p).end()
                if s[self.p : self.p + 1] != ":":
                    raise self.err('Expected a colon (":") after the property name.')
                self.p += 1
                items.append((k, self.value()))
                self.p = _WS.match(s, self.p).end()
                c = s[self.p : self.p + 1]
                self.p += 1
                if c == "}":
                    return _J("obj", items, p, self.p)
                self.comma = self.p - 1
                if c != ",":
                    self.p -= 1
                    raise self.err("Expected a comma to mark the beginning of the next item.")
        if c == "[":
            self.p += 1
            vals: list[_J] = []
            self.p = _WS.match(s, self.p).end()
            if s[self.p : self.p + 1] == "]":
                self.p += 1
                return _J("arr", vals, p, self.p)
            while True:
                self.p = _WS.match(s, self.p).end()
                if s[self.p : self.p + 1] == "]" and vals:
                    raise Diag(
                        "Trailing comma in array",
                        "JSON does not permit a trailing comma after the final value in an array.",
                        self.src,
                        self.comma,
                        self.comma + 1,
                    )
                vals.append(self.value())
                self.p = _WS.match(s, self.p).end()
                c = s[self.p : self.p + 1]
                self.p += 1
                if c == "]":
                    return _J("arr", vals, p, self.p)
                self.comma = self.p - 1
                if c != ",":
                    self.p -= 1
                    raise self.err("Expected a comma to mark the beginning of the next item.")
        if c == '"':
            m = _STR.match(s, p)
            if m is None:
                raise self.err("The JSON string is not terminated.")
            self.p = m.end()
            return _J("str", m.group(), p, self.p)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if s.startswith(word, p):
                self.p = p + len(word)
                return _J("lit", val, p, self.p)
        m = _NUM.match(s, p)
        if m is not None:
            self.p = m.end()
            return _J("num", m.group(), p, self.p)
        raise self.err("Invalid JSON value.")


def _expr(j: _J, src: Source) -> Node:
    if j.kind == "str":
        raw: str = j.value
        if "\\" not in raw:
            return parse_template_text(src, j.start + 1, j.end - 1)
        text = json.loads(raw)
        sub = Source(src.name, text)
        node = parse_template_text(sub, 0, len(text))
        for n in node.walk():
            n.start, n.end = j.start, j.end
        return node
    if j.kind == "num":
        t = j.value
        from decimal import Decimal

        d = Decimal(t)
        return Lit(int(d) if d == d.to_integral_value() else d, j.start, j.end)
    if j.kind == "lit":
        return Lit(j.value, j.start, j.end)
    if j.kind == "arr":
        return Tuple([_expr(x, src) for x in j.value], j.start, j.end)
    return Obj(
        [(Lit(json.loads(k.value), k.start, k.end), _expr(v, src)) for k, v in j.value], j.start, j.end
    )


def _body(j: _J, src: Source, nested: tuple[str, ...] = ()) -> Body:
    body = Body()
    if j.kind != "obj":
        raise Diag(
            "Incorrect JSON value type",
            "A JSON object is required here, setting the arguments for this block.",
            src,
            j.start,
            j.end,
        )
    for k, v in j.value:
        name = json.loads(k.value)
        if name in nested:
            for item in v.value if v.kind == "arr" else [v]:
                body.blocks.append(Block(name, [], [], _body(item, src), src, k.start, item.start))
            continue
        body.attrs[name] = Attr(name, _expr(v, src), src, k.start, v.end)
    return body


def parse_json(name: str, text: str) -> Body:
    """Parse a JSON bake file into a Body; raise Diag on malformed JSON."""
    src = Source(name, text)
    r = _Reader(src)
    root = r.value()
    r.p = _WS.match(text, r.p).end()
    if r.p < len(text):
        raise r.err("Extra characters after the JSON value.")
    if root.kind != "obj":
        raise Diag("Incorrect JSON value type", "A JSON object is required here.", src, root.start, root.end)
    out = Body()
    for k, v in root.value:
        key = json.loads(k.value)
        if key not in _BLOCKS:
            out.attrs[key] = Attr(key, _expr(v, src), src, k.start, v.end)
            continue
        for group in v.value if v.kind == "arr" else [v]:
            if group.kind != "obj":
                raise Diag(
                    "Incorrect JSON value type",
                    "A JSON object is required here.",
                    src,
                    group.start,
                    group.end,
                )
            for lk, lv in group.value:
                label = json.loads(lk.value)
                for item in lv.value if lv.kind == "arr" else [lv]:
                    nested = ("validation",) if key == "variable" else ()
                    out.blocks.append(
                        Block(
                            key,
                            [label],
                            [(lk.start, lk.end)],
                            _body(item, src, nested),
                            src,
                            k.start,
                            item.start,
                        )
                    )
    return out
