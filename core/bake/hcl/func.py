"""The function-call machinery: arity checks, argument conversion and cty-shaped error messages."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from depotci.core.bake.hcl.diag import Diag
from depotci.core.bake.hcl.nodes import Call, Node, start_range
from depotci.core.bake.hcl.values import ConvertError, to_bool, to_number, to_str

__all__ = ["ArgError", "Func", "FuncError"]


class FuncError(Exception):
    """The call failed as a whole ("Error in function call")."""


class ArgError(Exception):
    """Argument ``index`` is unsuitable ("Invalid function argument")."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def _conv(kind: str, v: Any) -> Any:
    if kind == "str":
        return to_str(v)
    if kind == "num":
        return to_number(v)
    if kind == "int":
        n = to_number(v)
        if n != int(n):
            raise ConvertError("value must be a whole number")
        return int(n)
    if kind == "bool":
        return to_bool(v)
    if kind == "list":
        if type(v) is not list:
            raise ConvertError("list of any single type required" if type(v) is not dict else "list required")
        return _unify(v)
    if kind == "map":
        if type(v) is not dict:
            raise ConvertError("map of any single type required")
        return v
    return v


def _unify(v: list[Any]) -> list[Any]:
    """cty's tuple -> list conversion: one element type, primitives mixed with strings become strings."""
    kinds = {type(x) for x in v if x is not None}
    if len(kinds) <= 1 or kinds <= {int, Decimal}:
        return v
    if str in kinds and not kinds & {list, dict}:
        return [None if x is None else to_str(x) for x in v]
    raise ConvertError("all list elements must have the same type")


class Func:
    """A callable HCL function: named typed ``params`` plus an optional variadic parameter."""

    __slots__ = ("allow_null", "impl", "name", "params", "variadic")

    def __init__(
        self,
        name: str,
        params: list[tuple[str, str]],
        impl: Callable[..., Any],
        variadic: tuple[str, str] | None = None,
        allow_null: bool = False,
    ) -> None:
        self.name = name
        self.params = params
        self.variadic = variadic
        self.impl = impl
        self.allow_null = allow_null

    def param_name(self, i: int) -> str:
        if i < len(self.params):
            return self.params[i][0]
        return self.variadic[0] if self.variadic else "?"

    def call(self, node: Call, args: list[Any], nodes: list[Node]) -> Any:
        n = len(self.params)
        if len(args) < n:
            qual = " at least" if self.variadic else ""
            raise Diag(
                "Not enough function arguments",
                f'Function "{self.name}" expects{qual} {n} argument(s). Missing value for "{self.params[len(args)][0]}".',
                None,
                node.close,
                node.close + 1,
            )
        if len(args) > n and self.variadic is None:
            raise Diag(
                "Too many function arguments",
                f'Function "{self.name}" expects only {n} argument(s).',
                None,
                nodes[n].start,
                nodes[n].end,
            )
        conv = []
        for i, a in enumerate(args):
            kind = self.params[i][1] if i < n else self.variadic[1]  # type: ignore[index]
            if a is None and not self.allow_null:
                raise self._arg(i, nodes, "argument must not be null")
            try:
                conv.append(a if kind == "any" else _conv(kind, a))
            except ConvertError as e:
                raise self._arg(i, nodes, str(e)) from None
        try:
            return self.impl(*conv)
        except ArgError as e:
            raise self._arg(e.index, nodes, str(e)) from None
        except (FuncError, ConvertError) as e:
            raise Diag(
                "Error in function call",
                f'Call to function "{self.name}" failed: {e}.',
                None,
                node.start,
                node.open + 1,
            ) from None

    def _arg(self, i: int, nodes: list[Node], msg: str) -> Diag:
        node = nodes[i] if i < len(nodes) else nodes[-1]
        start, end = start_range(node)
        return Diag(
            "Invalid function argument",
            f'Invalid value for "{self.param_name(i)}" parameter: {msg}.',
            None,
            start,
            end,
        )
