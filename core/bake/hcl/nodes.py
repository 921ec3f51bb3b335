"""HCL expression nodes. Each node keeps its source offsets and evaluates itself against a ``Scope``.

Diagnostics raised here have no ``src``; whoever evaluates a whole attribute fills in its file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Protocol

from depotci.core.bake.hcl.diag import Diag
from depotci.core.bake.hcl.values import DEC, ConvertError, to_bool, to_number, to_str, type_name

__all__ = [
    "MISSING",
    "BinOp",
    "Call",
    "Cond",
    "For",
    "GetAttr",
    "Index",
    "Lit",
    "Node",
    "Obj",
    "Root",
    "Scope",
    "Splat",
    "SplatItem",
    "Template",
    "Tuple",
    "Unary",
    "Var",
    "start_range",
    "suggest",
]

MISSING: Any = object()


class Root(Protocol):
    """What a scope chain ends in: the functions and the lazy resolver of unknown names."""

    funcs: dict[str, Any]

    def resolve(self, name: str, node: Var) -> Any:
        """Value of a global ``name``; raise Diag if there is none."""


class Scope:
    """A chain of variable maps ending in a Root."""

    __slots__ = ("bound", "parent", "root")

    def __init__(self, bound: dict[str, Any], parent: Scope | None, root: Root) -> None:
        self.bound = bound
        self.parent = parent
        self.root = root

    def lookup(self, name: str, node: Var) -> Any:
        s: Scope | None = self
        while s is not None:
            v = s.bound.get(name, MISSING)
            if v is not MISSING:
                return v
            s = s.parent
        return self.root.resolve(name, node)

    def has(self, name: str) -> bool:
        s: Scope | None = self
        while s is not None:
            if name in s.bound:
                return True
            s = s.parent
        return False

    def child(self, bound: dict[str, Any]) -> Scope:
        return Scope(bound, self, self.root)


class Node:
    """Base of all expression nodes: a source range and ``ev``."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def ev(self, sc: Scope) -> Any:
        raise NotImplementedError

    def children(self) -> Iterator[Node]:
        return iter(())

    def walk(self) -> Iterator[Node]:
        """This node and every node below it."""
        yield self
        for c in self.children():
            yield from c.walk()


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def suggest(name: str, candidates: Iterable[str]) -> str:
    """HCL's " Did you mean ...?" for a close name (edit distance under 3), else ""."""
    best = min(((_levenshtein(name, c), c) for c in candidates), default=(99, ""))
    return f' Did you mean "{best[1]}"?' if best[0] < 3 else ""


def _diag(summary: str, detail: str, node: Node) -> Diag:
    return Diag(summary, detail, None, node.start, node.end)


class Lit(Node):
    __slots__ = ("srange", "value")

    def __init__(self, value: Any, start: int, end: int, srange: tuple[int, int] | None = None) -> None:
        super().__init__(start, end)
        self.value = value
        self.srange = srange

    def ev(self, sc: Scope) -> Any:
        return self.value


class Var(Node):
    __slots__ = ("name",)

    def __init__(self, name: str, start: int, end: int) -> None:
        super().__init__(start, end)
        self.name = name

    def ev(self, sc: Scope) -> Any:
        return sc.lookup(self.name, self)


class LazyObject:
    """A value whose attributes are computed on access (``target.<name>.<attr>``)."""

    def hcl_attr(self, name: str, start: int, end: int) -> Any:
        """Value of attribute ``name``; ``start``/``end`` locate the traversal step for errors."""
        raise NotImplementedError


class GetAttr(Node):
    __slots__ = ("name", "name_start", "obj")

    def __init__(self, obj: Node, name: str, name_start: int, end: int) -> None:
        super().__init__(obj.start, end)
        self.obj = obj
        self.name = name
        self.name_start = name_start

    def ev(self, sc: Scope) -> Any:
        return get_attr(self.obj.ev(sc), self.name, self)

    def children(self) -> Iterator[Node]:
        yield self.obj


def get_attr(o: Any, name: str, node: GetAttr) -> Any:
    if type(o) is dict:
        v = o.get(name, MISSING)
        if v is MISSING:
            raise Diag(
                "Unsupported attribute",
                f'This object does not have an attribute named "{name}".',
                None,
                node.name_start - 1,
                node.end,
            )
        return v
    if isinstance(o, LazyObject):
        return o.hcl_attr(name, node.name_start - 1, node.end)
    if o is None:
        raise Diag(
            "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes.",
            None,
            node.name_start - 1,
            node.end,
        )
    raise Diag(
        "Unsupported attribute",
        f"Can't access attributes on a primitive-typed value ({type_name(o)}).",
        None,
        node.name_start - 1,
        node.end,
    )


class Index(Node):
    __slots__ = ("key", "obj")

    def __init__(self, obj: Node, key: Node, end: int) -> None:
        super().__init__(obj.start, end)
        self.obj = obj
        self.key = key

    def ev(self, sc: Scope) -> Any:
        o = self.obj.ev(sc)
        k = self.key.ev(sc)
        if type(o) is list:
            try:
                i = to_number(k)
            except ConvertError:
                raise _diag(
                    "Invalid index",
                    "The given key does not identify an element in this collection value: a number is required.",
                    self.key,
                ) from None
            if i != int(i) or not 0 <= int(i) < len(o):
                raise _diag(
                    "Invalid index",
                    "The given key does not identify an element in this collection value.",
                    self.key,
                )
            return o[int(i)]
        if type(o) is dict:
            try:
                v = o.get(to_str(k), MISSING)
            except ConvertError:
                v = MISSING
            if v is MISSING:
                raise _diag(
                    "Invalid index",
                    "The given key does not identify an element in this collection value.",
                    self.key,
                )
            return v
        if isinstance(o, LazyObject):
            return o.hcl_attr(to_str(k), self.key.start - 1, self.end)
        raise _diag("Invalid index", "This value does not have any indices.", self.key)

    def children(self) -> Iterator[Node]:
        yield self.obj
        yield self.key


class SplatItem(Node):
    """Placeholder for the current element inside a splat chain."""

    __slots__ = ()

    def ev(self, sc: Scope) -> Any:
        return sc.bound["\x00splat"]


class Splat(Node):
    __slots__ = ("each", "source")

    def __init__(self, source: Node, each: Node, end: int) -> None:
        super().__init__(source.start, end)
        self.source = source
        self.each = each

    def ev(self, sc: Scope) -> Any:
        src = self.source.ev(sc)
        if src is None:
            return []
        items = src if type(src) is list else [src]
        out = []
        for it in items:
            out.append(self.each.ev(sc.child({"\x00splat": it})))
        return out

    def children(self) -> Iterator[Node]:
        yield self.source
        yield self.each


class Template(Node):
    __slots__ = ("parts", "srange")

    def __init__(self, parts: list[Any], start: int, end: int, srange: tuple[int, int] | None = None) -> None:
        super().__init__(start, end)
        self.parts = parts
        self.srange = srange

    def ev(self, sc: Scope) -> Any:
        parts = self.parts
        if len(parts) == 1 and type(parts[0]) is not str:
            return parts[0].ev(sc)
        out = []
        for p in parts:
            if type(p) is str:
                out.append(p)
                continue
            v = p.ev(sc)
            if type(v) is str:
                out.append(v)
                continue
            if v is None:
                raise _diag(
                    "Invalid template interpolation value",
                    "The expression result is null. Cannot include a null value in a string template.",
                    p,
                )
            try:
                out.append(to_str(v))
            except ConvertError:
                raise _diag(
                    "Invalid template interpolation value",
                    "Cannot include the given value in a string template: string required.",
                    p,
                ) from None
        return "".join(out)

    def children(self) -> Iterator[Node]:
        for p in self.parts:
            if type(p) is not str:
                yield p


class TemplateIf(Node):
    __slots__ = ("cond", "no", "yes")

    def __init__(self, cond: Node, yes: Template, no: Template | None, start: int, end: int) -> None:
        super().__init__(start, end)
        self.cond, self.yes, self.no = cond, yes, no

    def ev(self, sc: Scope) -> Any:
        if to_bool_op(self.cond.ev(sc), self.cond):
            return to_str(self.yes.ev(sc))
        return to_str(self.no.ev(sc)) if self.no is not None else ""

    def children(self) -> Iterator[Node]:
        yield self.cond
        yield self.yes
        if self.no is not None:
            yield self.no


class TemplateFor(Node):
    __slots__ = ("body", "coll", "kname", "vname")

    def __init__(
        self, kname: str | None, vname: str, coll: Node, body: Template, start: int, end: int
    ) -> None:
        super().__init__(start, end)
        self.kname, self.vname, self.coll, self.body = kname, vname, coll, body

    def ev(self, sc: Scope) -> Any:
        out = []
        for k, v in iterate(self.coll.ev(sc), self.coll):
            bound = {self.vname: v}
            if self.kname:
                bound[self.kname] = k
            out.append(to_str(self.body.ev(sc.child(bound))))
        return "".join(out)

    def children(self) -> Iterator[Node]:
        yield self.coll
        yield self.body


class Tuple(Node):
    __slots__ = ("items",)

    def __init__(self, items: list[Node], start: int, end: int) -> None:
        super().__init__(start, end)
        self.items = items

    def ev(self, sc: Scope) -> Any:
        return [i.ev(sc) for i in self.items]

    def children(self) -> Iterator[Node]:
        return iter(self.items)


class Obj(Node):
    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Node, Node]], start: int, end: int) -> None:
        super().__init__(start, end)
        self.items = items

    def ev(self, sc: Scope) -> Any:
        out: dict[str, Any] = {}
        for k, v in self.items:
            kv = k.ev(sc)
            if type(kv) is not str:
                if kv is None:
                    raise _diag("Null value as key", "Can't use a null value as a key.", k)
                try:
                    kv = to_str(kv)
                except ConvertError:
                    raise _diag(
                        "Incorrect key type", "Can't use this value as a key: string required.", k
                    ) from None
            out[kv] = v.ev(sc)
        return out

    def children(self) -> Iterator[Node]:
        for k, v in self.items:
            yield k
            yield v


def to_bool_op(v: Any, node: Node) -> bool:
    if v is None:
        raise _diag(
            "Null condition", "The condition value is null. Conditions must either be true or false.", node
        )
    try:
        return to_bool(v)
    except ConvertError:
        raise _diag(
            "Incorrect condition type", "The condition expression must be of type bool.", node
        ) from None


class Cond(Node):
    __slots__ = ("cond", "no", "yes")

    def __init__(self, cond: Node, yes: Node, no: Node) -> None:
        super().__init__(cond.start, no.end)
        self.cond, self.yes, self.no = cond, yes, no

    def ev(self, sc: Scope) -> Any:
        if to_bool_op(self.cond.ev(sc), self.cond):
            return self.yes.ev(sc)
        return self.no.ev(sc)

    def children(self) -> Iterator[Node]:
        yield self.cond
        yield self.yes
        yield self.no


def _num(v: Any, node: Node, side: str) -> Any:
    try:
        return to_number(v)
    except ConvertError as e:
        raise _diag("Invalid operand", f"Unsuitable value for {side} operand: {e}.", node) from None


def _bool(v: Any, node: Node, side: str) -> bool:
    try:
        return to_bool(v)
    except ConvertError as e:
        raise _diag("Invalid operand", f"Unsuitable value for {side} operand: {e}.", node) from None


def hcl_equal(a: Any, b: Any) -> bool:
    """cty equality: values of different types are never equal (bool is not a number)."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta is list and tb is list:
        return len(a) == len(b) and all(hcl_equal(x, y) for x, y in zip(a, b, strict=True))
    if ta is dict and tb is dict:
        return a.keys() == b.keys() and all(hcl_equal(a[k], b[k]) for k in a)
    return a == b  # type: ignore[no-any-return]


def _div(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b != 0 and a % b == 0:
        return a // b
    return DEC.divide(Decimal(a), Decimal(b))


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "%": lambda a, b: a % b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


class BinOp(Node):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Node, right: Node) -> None:
        super().__init__(left.start, right.end)
        self.op, self.left, self.right = op, left, right

    def ev(self, sc: Scope) -> Any:
        op = self.op
        a = self.left.ev(sc)
        if op == "&&":
            if not _bool(a, self.left, "left"):
                _bool(self.right.ev(sc), self.right, "right")
                return False
            return _bool(self.right.ev(sc), self.right, "right")
        if op == "||":
            if _bool(a, self.left, "left"):
                _bool(self.right.ev(sc), self.right, "right")
                return True
            return _bool(self.right.ev(sc), self.right, "right")
        b = self.right.ev(sc)
        if op == "==":
            return hcl_equal(a, b)
        if op == "!=":
            return not hcl_equal(a, b)
        x = _num(a, self.left, "left")
        y = _num(b, self.right, "right")
        try:
            r = _ARITH[op](x, y)
        except ArithmeticError:
            raise _diag("Operation failed", f"Error during operation: can't {op} by zero.", self) from None
        if type(r) is Decimal and r == r.to_integral_value() and r.is_finite():
            return int(r)
        return r

    def children(self) -> Iterator[Node]:
        yield self.left
        yield self.right


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Node, start: int) -> None:
        super().__init__(start, operand.end)
        self.op, self.operand = op, operand

    def ev(self, sc: Scope) -> Any:
        v = self.operand.ev(sc)
        if self.op == "!":
            return not _bool(v, self.operand, "right")
        return -_num(v, self.operand, "right")

    def children(self) -> Iterator[Node]:
        yield self.operand


def iterate(coll: Any, node: Node) -> list[tuple[Any, Any]]:
    """(key, value) pairs of a collection in cty order: lists by index, maps by sorted key."""
    if type(coll) is list:
        return list(enumerate(coll))
    if type(coll) is dict:
        return [(k, coll[k]) for k in sorted(coll)]
    if coll is None:
        raise _diag(
            "Iteration over null value",
            "A null value cannot be used as the collection in a 'for' expression.",
            node,
        )
    raise _diag(
        "Iteration over non-iterable value",
        f"A value of type {type_name(coll)} cannot be used as the collection in a 'for' expression.",
        node,
    )


class For(Node):
    __slots__ = ("coll", "cond", "group", "is_obj", "kexpr", "kname", "vexpr", "vname")

    def __init__(
        self,
        kname: str | None,
        vname: str,
        coll: Node,
        kexpr: Node | None,
        vexpr: Node,
        cond: Node | None,
        group: bool,
        start: int,
        end: int,
    ) -> None:
        super().__init__(start, end)
        self.kname, self.vname, self.coll = kname, vname, coll
        self.kexpr, self.vexpr, self.cond, self.group = kexpr, vexpr, cond, group
        self.is_obj = kexpr is not None

    def ev(self, sc: Scope) -> Any:
        pairs = iterate(self.coll.ev(sc), self.coll)
        lst: list[Any] = []
        obj: dict[str, Any] = {}
        for k, v in pairs:
            bound = {self.vname: v}
            if self.kname:
                bound[self.kname] = k
            inner = sc.child(bound)
            if self.cond is not None and not to_bool_op(self.cond.ev(inner), self.cond):
                continue
            if self.kexpr is None:
                lst.append(self.vexpr.ev(inner))
                continue
            key = to_str(self.kexpr.ev(inner))
            val = self.vexpr.ev(inner)
            if self.group:
                obj.setdefault(key, []).append(val)
            elif key in obj:
                raise _diag(
                    "Duplicate object key",
                    f"Two different items produced the key \"{key}\" in this 'for' expression. If duplicates "
                    "are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                    self.kexpr,
                )
            else:
                obj[key] = val
        return obj if self.is_obj else lst

    def children(self) -> Iterator[Node]:
        yield self.coll
        if self.kexpr is not None:
            yield self.kexpr
        yield self.vexpr
        if self.cond is not None:
            yield self.cond


class Call(Node):
    __slots__ = ("args", "close", "expand", "name", "name_end", "open")

    def __init__(
        self, name: str, args: list[Node], expand: bool, start: int, name_end: int, open_: int, close: int
    ) -> None:
        super().__init__(start, close + 1)
        self.name, self.args, self.expand = name, args, expand
        self.name_end = name_end
        self.open = open_
        self.close = close

    def ev(self, sc: Scope) -> Any:
        f = sc.root.funcs.get(self.name)
        if f is None:
            raise Diag(
                "Call to unknown function",
                f'There is no function named "{self.name}".{suggest(self.name, sc.root.funcs)}',
                None,
                self.start,
                self.name_end,
            )
        args = [a.ev(sc) for a in self.args]
        nodes = list(self.args)
        if self.expand:
            last = args.pop()
            lastn = nodes.pop()
            if type(last) is not list:
                raise _diag(
                    "Invalid expanding argument value",
                    "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                    lastn,
                )
            args.extend(last)
            nodes.extend([lastn] * len(last))
        return f.call(self, args, nodes)

    def children(self) -> Iterator[Node]:
        return iter(self.args)


def start_range(node: Node) -> tuple[int, int]:
    """HCL's ``Expression.StartRange()``: where a decode error about the whole value points."""
    if isinstance(node, (Lit, Template)) and node.srange is not None:
        return node.srange
    if isinstance(node, (Tuple, Obj, For)):
        return node.start, node.start + 1
    if isinstance(node, Call):
        return node.start, node.open + 1
    if isinstance(node, BinOp):
        return start_range(node.left)
    if isinstance(node, Cond):
        return start_range(node.cond)
    return node.start, node.end
