"""Evaluate parsed HCL/JSON bake bodies into groups and targets (buildx's ``hclparser.Parse``).

Variables are resolved lazily (defaults, environment overrides, types, validation), user functions are
built from ``function`` blocks, ``target``/``group`` blocks are expanded by ``matrix``/``name``, and
``target.<name>.<attr>`` references evaluate the other block's attribute on demand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from depotci.core.bake.decode import decode_value
from depotci.core.bake.hcl.body import Attr, Block, Body
from depotci.core.bake.hcl.diag import Diag, Source
from depotci.core.bake.hcl.func import Func
from depotci.core.bake.hcl.nodes import Call, For, LazyObject, Lit, Node, Scope, Tuple, Var, suggest
from depotci.core.bake.hcl.stdlib import stdlib
from depotci.core.bake.hcl.values import ConvertError, parse_number, type_name
from depotci.core.bake.spec import FIELDS, GroupSpec, TargetSpec
from depotci.core.bake.types import convert, parse_bool, parse_env, parse_type, type_label

__all__ = ["HclConfig", "evaluate_bodies"]

_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+\Z")
_BLOCK_TYPES = ("target", "group")


class HclConfig:
    """The result of evaluating HCL/JSON bodies: groups and targets in file order, plus matrix renames."""

    def __init__(self) -> None:
        self.groups: list[GroupSpec] = []
        self.targets: list[TargetSpec] = []
        self.renamed: dict[str, list[str]] = {}


class _BlockScope:
    __slots__ = ("block", "cache", "name", "progress", "scope")

    def __init__(self, block: Block, scope: Scope, name: str) -> None:
        self.block = block
        self.scope = scope
        self.name = name
        self.cache: dict[str, Any] = {}
        self.progress: set[str] = set()


class _LazyBlocks(LazyObject):
    def __init__(self, ev: _Evaluator, btype: str) -> None:
        self.ev = ev
        self.btype = btype

    def hcl_attr(self, name: str, start: int, end: int) -> Any:
        scopes = self.ev.by_name[self.btype].get(name)
        if not scopes:
            raise Diag(
                "Missing map element",
                f'This map does not have an element with the key "{name}".',
                None,
                start,
                end,
            )
        return _LazyBlock(self.ev, scopes)


class _LazyBlock(LazyObject):
    def __init__(self, ev: _Evaluator, scopes: list[_BlockScope]) -> None:
        self.ev = ev
        self.scopes = scopes

    def hcl_attr(self, name: str, start: int, end: int) -> Any:
        if name not in FIELDS and name not in ("name", "targets"):
            raise Diag(
                "Unsupported attribute",
                f'This object does not have an attribute named "{name}".',
                None,
                start,
                end,
            )
        value = None
        for bs in self.scopes:
            if name in bs.block.body.attrs:
                value = self.ev.block_attr(bs, name, mark=True)
        if name == "name" and value is None:
            return self.scopes[-1].name
        return value


class _Evaluator:
    """Implements the scope Root: lazy globals, functions, blocks."""

    def __init__(self, bodies: list[Body], env: Mapping[str, str], builtins: Mapping[str, str]) -> None:
        self.env = env
        self.builtins = dict(builtins)
        self.funcs: dict[str, Any] = stdlib(env)
        self.values: dict[str, Any] = {}
        self.attrs: dict[str, Attr] = {}
        self.vardefs: dict[str, Block] = {}
        self.funcdefs: dict[str, Block] = {}
        self.blocks: list[Block] = []
        self.progress: set[str] = set()
        self.stack: list[tuple[Source, Node]] = []
        self.by_name: dict[str, dict[str, list[_BlockScope]]] = {t: {} for t in _BLOCK_TYPES}
        self.lazy = {t: _LazyBlocks(self, t) for t in _BLOCK_TYPES}
        reserved = set(self.builtins) | set(_BLOCK_TYPES)
        for body in bodies:
            for b in body.blocks:
                _check_labels(b)
        for body in bodies:
            for name, attr in body.attrs.items():
                if name not in reserved:
                    self.attrs[name] = attr
            for b in body.blocks:
                if b.type == "variable" and b.labels:
                    if b.labels[0] not in reserved:
                        self.vardefs[b.labels[0]] = b
                elif b.type == "function" and b.labels:
                    self.funcdefs[b.labels[0]] = b
                elif b.type in _BLOCK_TYPES:
                    self.blocks.append(b)
        self.attrs.pop("function", None)
        self.scope = Scope(self.values, None, self)

    # ------------------------------------------------------------------ Root protocol
    def resolve(self, name: str, node: Var) -> Any:
        if name in self.values:
            return self.values[name]
        lazy = self.lazy.get(name)
        if lazy is not None:
            return lazy
        if name in self.builtins:
            return self.builtins[name]
        if name not in self.attrs and name not in self.vardefs:
            names = [*self.vardefs, *self.attrs, *self.builtins, *self.lazy]
            detail = f'There is no variable named "{name}".{suggest(name, names)}'
            raise Diag("Unknown variable", detail, None, node.start, node.end)
        if name in self.progress:
            src, expr = self.stack[-1]
            raise Diag(
                "Invalid expression", f"variable cycle not allowed for {name}", src, expr.start, expr.end
            )
        self.progress.add(name)
        try:
            value = self.compute_var(name)
        finally:
            self.progress.discard(name)
        self.values[name] = value
        return value

    def known(self, name: str) -> bool:
        return (
            name in self.values
            or name in self.lazy
            or name in self.builtins
            or name in self.attrs
            or name in self.vardefs
        )

    # ------------------------------------------------------------------ evaluation helpers
    def eval(self, expr: Node, src: Source, scope: Scope) -> Any:
        self.stack.append((src, expr))
        try:
            return expr.ev(scope)
        except Diag as d:
            if d.src is None:
                d.src = src
            raise
        finally:
            self.stack.pop()

    def compute_var(self, name: str) -> Any:
        attr = self.attrs.get(name)
        if attr is not None:
            return self.eval(attr.expr, attr.src, self.scope)
        block = self.vardefs[name]
        body = block.body
        src = block.src

        def invalid(msg: str) -> Diag:
            return Diag("Invalid value", msg, src, block.open, block.open)

        tspec = None
        if "type" in body.attrs:
            try:
                tspec = parse_type(body.attrs["type"].expr)
            except ConvertError as e:
                texpr = body.attrs["type"].expr
                raise Diag("Invalid type specification", str(e), src, texpr.start, texpr.end) from None
        default = body.attrs.get("default")
        envv = self.env.get(name)
        try:
            if default is None:
                if tspec is not None:
                    value = parse_env(envv, tspec, name) if envv is not None else None
                else:
                    value = envv if envv is not None else ""
            else:
                value = self.eval(default.expr, src, self.scope)
                if tspec is not None:
                    try:
                        value = convert(value, tspec)
                    except ConvertError as e:
                        raise invalid(
                            f"invalid type {type_label(tspec)} for variable {name} default value: {e}"
                        ) from None
                    if envv is not None:
                        value = parse_env(envv, tspec, name)
                elif envv is not None:
                    value = _untyped_env(name, value, envv)
        except ConvertError as e:
            raise invalid(str(e)) from None
        self.values[name] = value
        for vb in body.blocks:
            if vb.type == "validation":
                self.validate(vb)
        return value

    def validate(self, vb: Block) -> None:
        cond = vb.body.attrs.get("condition")
        if cond is None:
            return
        ok = self.eval(cond.expr, vb.src, self.scope)
        if ok is True:
            return
        if ok is not False:
            raise Diag(
                "Invalid condition result",
                "Invalid validation condition result value: a bool is required.",
                vb.src,
                cond.expr.start,
                cond.expr.end,
            )
        msg_attr = vb.body.attrs.get("error_message")
        msg = self.eval(msg_attr.expr, vb.src, self.scope) if msg_attr else "Validation failed"
        raise Diag("Validation failed", str(msg), vb.src, cond.expr.start, cond.expr.end)

    def make_function(self, block: Block) -> Func:
        body = block.body
        src = block.src
        params_attr = body.attrs.get("params")
        result = body.attrs.get("result")
        fname = block.labels[0]
        if params_attr is None or result is None:
            missing = "result" if result is None else "params"
            if params_attr is not None:
                start, end = params_attr.start, params_attr.end
            else:
                start, end = block.label_ranges[0]
            raise Diag("Invalid function", f"empty {missing} not allowed for {fname}", src, start, end)
        names = _param_names(params_attr.expr, src)
        variadic = None
        if "variadic_params" in body.attrs:
            vn = _param_names(body.attrs["variadic_params"].expr, src)
            variadic = (vn[0], "any") if vn else None
        result_expr = result.expr
        params = {*names, *([variadic[0]] if variadic else [])}
        self.check_deps(result_expr, src, params)

        def impl(*args: Any) -> Any:
            vmap = dict(zip(names, args, strict=False))
            if variadic is not None:
                vmap[variadic[0]] = list(args[len(names) :])
            return self.eval(result_expr, src, self.scope.child(vmap))

        return Func(block.labels[0], [(n, "any") for n in names], impl, variadic=variadic, allow_null=True)

    # ------------------------------------------------------------------ blocks
    def block_attr(self, bs: _BlockScope, name: str, mark: bool = False) -> Any:
        """Decoded value of one block attribute; ``mark`` tracks references (to detect cycles)."""
        if name in bs.cache:
            return bs.cache[name]
        attr = bs.block.body.attrs[name]
        if name in bs.progress:
            src, expr = self.stack[-1]
            raise Diag(
                "Invalid expression",
                f"reference cycle not allowed for {bs.block.type}.{bs.name}.{name}",
                src,
                expr.start,
                expr.end,
            )
        if mark:
            bs.progress.add(name)
        try:
            raw = self.eval(attr.expr, attr.src, bs.scope)
        finally:
            if mark:
                bs.progress.discard(name)
        kind = "list" if name == "targets" else FIELDS.get(name, "any")
        value = decode_value(kind, name, raw, attr)
        bs.cache[name] = value
        return value

    def expand(self, block: Block) -> list[_BlockScope]:
        src = block.src
        if len(block.labels) != 1:
            r = block.label_ranges[0] if block.label_ranges else (block.start, block.open)
            raise Diag("Invalid block", f"invalid block label: [{' '.join(block.labels)}]", src, r[0], r[1])
        label = block.labels[0]
        lr = block.label_ranges[0]

        def bad_name(msg: str) -> Diag:
            return Diag("Invalid name", msg, src, lr[0], lr[1])

        if not _NAME_RE.match(label):
            raise bad_name(f'only "{_NAME_RE.pattern[:-2]}" are allowed')
        attrs = block.body.attrs
        matrix = attrs.get("matrix")
        name_attr = attrs.get("name")
        if block.type == "group" and (matrix or name_attr):
            raise bad_name(f"{'matrix' if matrix else 'name'} is not supported for groups")
        if matrix is None:
            if name_attr is not None:
                raise bad_name("name requires matrix")
            return [_BlockScope(block, self.scope, label)]
        mval = self.eval(matrix.expr, src, self.scope)
        if type(mval) is not dict:
            raise bad_name("matrix must be a map")
        scopes: list[dict[str, Any]] = [{}]
        for key in sorted(mval):
            vals = mval[key]
            if type(vals) is not list:
                raise bad_name("matrix values must be a list")
            scopes = [{**e, key: v} for v in vals for e in scopes]
        out = []
        for vmap in scopes:
            sc = self.scope.child(vmap)
            name = label
            if name_attr is not None:
                nv = self.eval(name_attr.expr, src, sc)
                try:
                    name = decode_value("str", "name", nv, name_attr)
                except Diag:
                    raise
                if not _NAME_RE.match(name):
                    raise bad_name(f'only "{_NAME_RE.pattern[:-2]}" are allowed')
            out.append(_BlockScope(block, sc, name))
        seen: set[str] = set()
        for bs in out:
            if bs.name in seen:
                raise bad_name(f'duplicate name "{bs.name}"')
            seen.add(bs.name)
        return out

    def check_deps(self, expr: Node, src: Source, exclude: set[str]) -> None:
        """buildx's strict ``loadDeps``: every function and free variable must exist."""
        bound = set(exclude)
        for n in expr.walk():
            if isinstance(n, For):
                bound.add(n.vname)
                if n.kname:
                    bound.add(n.kname)
        for n in expr.walk():
            if isinstance(n, Call) and n.name not in self.funcs and n.name not in self.funcdefs:
                raise Diag(
                    "Invalid expression",
                    f'function "{n.name}" does not exist: undefined',
                    src,
                    expr.start,
                    expr.end,
                )
        for n in expr.walk():
            if isinstance(n, Var) and n.name not in bound and not self.known(n.name):
                raise Diag(
                    "Invalid expression",
                    f'variable "{n.name}" does not exist: undefined',
                    src,
                    expr.start,
                    expr.end,
                )

    def count_unknown(self, expr: Node, scope: Scope) -> int:
        bound: set[str] = set()
        for n in expr.walk():
            if isinstance(n, For):
                bound.add(n.vname)
                if n.kname:
                    bound.add(n.kname)
        count = 0
        for n in expr.walk():
            if (
                isinstance(n, Var)
                and n.name not in bound
                and not scope.has(n.name)
                and not self.known(n.name)
            ) or (isinstance(n, Call) and n.name not in self.funcs):
                count += 1
        return count

    def run(self) -> HclConfig:
        for name in list(self.vardefs):
            self.resolve(name, Var(name, 0, 0))
        for name, fb in self.funcdefs.items():
            self.funcs[name] = self.make_function(fb)
        expanded: list[list[_BlockScope]] = []
        cfg = HclConfig()
        for block in self.blocks:
            scopes = self.expand(block)
            expanded.append(scopes)
            for bs in scopes:
                self.by_name[block.type].setdefault(bs.name, []).append(bs)
            if block.body.attrs.get("matrix") is not None:
                cfg.renamed.setdefault(block.labels[0], []).extend(bs.name for bs in scopes)
        first: Diag | None = None
        total = 0
        targets: dict[str, TargetSpec] = {}
        groups: dict[str, GroupSpec] = {}
        for scopes in expanded:
            for bs in scopes:
                diags = self.decode_block(bs, targets, groups)
                for d in diags:
                    if first is None:
                        first = d
                    total += d.count
                if diags and diags[0].detail.startswith("reference cycle"):
                    break
            if first is not None and first.detail.startswith("reference cycle"):
                break
        if first is not None:
            first.count = total
            raise first
        for name in list(self.attrs):
            self.resolve(name, Var(name, 0, 0))
        cfg.targets = list(targets.values())
        cfg.groups = list(groups.values())
        return cfg

    def decode_block(
        self, bs: _BlockScope, targets: dict[str, TargetSpec], groups: dict[str, GroupSpec]
    ) -> list[Diag]:
        diags: list[Diag] = []
        attrs = bs.block.body.attrs
        if bs.block.type == "group":
            vals: dict[str, Any] = {}
            for key in ("targets", "description"):
                if key in attrs:
                    try:
                        vals[key] = self.block_attr(bs, key)
                    except Diag as d:
                        diags.append(self._counted(d, attrs[key], bs.scope))
            if not diags:
                groups[bs.name] = GroupSpec(bs.name, list(vals.get("targets") or []), vals.get("description"))
            return diags
        t = TargetSpec(bs.name)
        for key in attrs:
            if key not in FIELDS:
                continue
            try:
                t.set(key, self.block_attr(bs, key))
            except Diag as d:
                diags.append(self._counted(d, attrs[key], bs.scope))
        if not diags:
            prev = targets.get(bs.name)
            if prev is None:
                targets[bs.name] = t
            else:
                prev.merge(t)
        return diags

    def _counted(self, d: Diag, attr: Attr, scope: Scope) -> Diag:
        # The real CLI reports each evaluation problem of a target attribute twice (once while loading
        # dependencies, once while decoding), and counts the rest after the first.
        if d.summary in ("Unknown variable", "Call to unknown function"):
            d.count = self.count_unknown(attr.expr, scope) + 1
        elif d.summary != "Unsuitable value type" and d.count == 1:
            d.count = 2
        return d


def _check_labels(b: Block) -> None:
    if b.type not in _BLOCK_TYPES and b.type not in ("variable", "function"):
        return
    if not b.labels:
        raise Diag(
            f"Missing name for {b.type}",
            f"All {b.type} blocks must have 1 labels (name).",
            b.src,
            b.open,
            b.open + 1,
        )
    if len(b.labels) > 1:
        start, end = b.label_ranges[1]
        raise Diag(
            f"Extraneous label for {b.type}",
            f"Only 1 labels (name) are expected for {b.type} blocks.",
            b.src,
            start,
            end,
        )


def _untyped_env(name: str, default: Any, envv: str) -> Any:
    t = type(default)
    if t is bool:
        b = parse_bool(envv)
        if b is None:
            raise ConvertError(
                f'failed to parse {name} as bool: strconv.ParseBool: parsing "{envv}": invalid syntax'
            )
        return b
    if t is str or default is None:
        return envv
    if type_name(default) == "number":
        n = parse_number(envv)
        if n is None:
            raise ConvertError(
                f'failed to parse {name} as number: strconv.ParseFloat: parsing "{envv}": invalid syntax'
            )
        return n
    raise ConvertError(f"unsupported type {type_name(default)} for variable {name}")


def _param_names(expr: Node, src: Source) -> list[str]:
    items = expr.items if isinstance(expr, Tuple) else [expr]
    names = []
    for it in items:
        if isinstance(it, Var):
            names.append(it.name)
        elif isinstance(it, Lit) and type(it.value) is str:
            names.append(it.value)
        else:
            raise Diag(
                "Invalid param element", "Each parameter name must be an identifier.", src, it.start, it.end
            )
    return names


def evaluate_bodies(bodies: list[Body], env: Mapping[str, str], builtins: Mapping[str, str]) -> HclConfig:
    """Evaluate the merged bodies of every HCL/JSON file; raise Diag on the first problem."""
    return _Evaluator(bodies, env, builtins).run()
