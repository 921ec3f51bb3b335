"""A hand-written parser for HCL native syntax: text in, ``Body`` out, errors as HCL diagnostics.

It reads the text directly with anchored regular expressions (no separate token list), which keeps
large bake files fast, and produces the same messages and ranges as HashiCorp's parser for the common
mistakes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Protocol, cast

from depotci.core.bake.hcl.body import Attr, Block, Body
from depotci.core.bake.hcl.diag import Diag, Source
from depotci.core.bake.hcl.nodes import (
    BinOp,
    Call,
    Cond,
    For,
    GetAttr,
    Index,
    Lit,
    Node,
    Obj,
    Splat,
    SplatItem,
    Tuple,
    Unary,
    Var,
)
from depotci.core.bake.hcl.template import TemplateParser

__all__ = ["parse_hcl"]

_WS_RE = re.compile(r"(?:[ \t\r]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
_WSNL_RE = re.compile(r"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)


class _Always(Protocol):
    def match(self, string: str, pos: int = ...) -> re.Match[str]: ...


# these patterns match (possibly empty) at every position
_WS = cast(_Always, _WS_RE)
_WSNL = cast(_Always, _WSNL_RE)
_IDENT = re.compile(r"[^\W\d][\w-]*")
_NUM = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_OP = re.compile(r"\|\||&&|==|!=|<=|>=|[<>+\-*/%]")
_PREC = {
    "||": 1,
    "&&": 2,
    "==": 3,
    "!=": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
}
_KEYWORDS = {"true": True, "false": False, "null": None}
_END = r"[ \t]*(?=[\n,\]})]|=[^=]|\Z)"
_FAST_STR = re.compile(r'"([^"\\$%\n]*)"' + _END)
_FAST_IDENT = re.compile(r"([^\W\d][\w-]*)" + _END)
_FAST_INT = re.compile(r"([0-9]+)" + _END)
_WS_START = frozenset(" \t\r\n#/")


def parse_hcl(name: str, text: str) -> Body:
    """Parse HCL native syntax; raise Diag on the first syntax error."""
    return Parser(Source(name, text)).file()


class Parser(TemplateParser):
    """Recursive descent over ``src.text``; ``self.nl`` says whether newlines are plain whitespace."""

    def file(self) -> Body:
        body = self.body(top=True)
        return body

    # ----------------------------------------------------------------- structure
    def body(self, top: bool) -> Body:
        s = self.s
        n = len(s)
        out = Body()
        while True:
            self.p = _WSNL.match(s, self.p).end()
            p = self.p
            if p >= n:
                if top:
                    return out
                raise self.err(
                    "Unclosed configuration block",
                    "There is no closing brace for this block before the end of the file. This may be caused "
                    "by incorrect brace nesting elsewhere in this file.",
                    self.block_open,
                    self.block_open + 1,
                )
            if s[p] == "}":
                if top:
                    raise self.err(
                        "Argument or block definition required",
                        "An argument or block definition is required here.",
                        p,
                        p + 1,
                    )
                return out
            m = _IDENT.match(s, p)
            if m is None:
                raise self.err(
                    "Argument or block definition required",
                    "An argument or block definition is required here.",
                    p,
                    p + 1,
                )
            name = m.group()
            self.p = _WS.match(s, m.end()).end()
            c = s[self.p : self.p + 1]
            if c == "=" and s[self.p : self.p + 2] != "==":
                self.p += 1
                attr = self.attribute(name, p)
                self.end_of_line(
                    "Missing newline after argument", "An argument definition must end with a newline."
                )
                self.add_attr(out, attr)
            else:
                out.blocks.append(self.block(name, p))

    def add_attr(self, body: Body, attr: Attr) -> None:
        prev = body.attrs.get(attr.name)
        if prev is not None:
            l1, c1 = self.src.line_col(prev.start)
            _, c2 = self.src.line_col(prev.start + len(prev.name))
            raise self.err(
                "Attribute redefined",
                f'The argument "{attr.name}" was already set at {self.src.name}:{l1},{c1}-{c2}. Each argument '
                "may be set only once.",
                attr.start,
                attr.start + len(attr.name),
            )
        body.attrs[attr.name] = attr

    def attribute(self, name: str, start: int) -> Attr:
        saved = self.nl
        self.nl = False
        expr = self.expr()
        self.nl = saved
        return Attr(name, expr, self.src, start, expr.end)

    def enclosed(self, close: str, summary: str, detail: str) -> Node:
        """An expression between the opening character at ``self.p`` and ``close``; newlines allowed."""
        saved = self.nl
        self.nl = True
        self.p += 1
        self.ws()
        e = self.expr()
        self.ws()
        if self.s[self.p : self.p + 1] != close:
            raise self.err(summary, detail, self.p, self.p + 1)
        self.p += 1
        self.nl = saved
        return e

    def end_of_line(self, summary: str, detail: str) -> None:
        s = self.s
        self.p = _WS.match(s, self.p).end()
        p = self.p
        if p < len(s) and s[p] != "\n":
            raise self.err(summary, detail, p, p + 1)

    def block(self, btype: str, start: int) -> Block:
        s = self.s
        labels: list[str] = []
        ranges: list[tuple[int, int]] = []
        while True:
            p = self.p
            c = s[p : p + 1]
            if c == "{":
                break
            if c == '"':
                lstart = p
                lit = self.string_literal()
                labels.append(lit)
                ranges.append((lstart, self.p))
            else:
                m = _IDENT.match(s, p)
                if m is None:
                    if c == "=" or not c or c == "\n":
                        raise self.err(
                            "Invalid block definition",
                            'Either a quoted string block label or an opening brace ("{") is expected here.',
                            p,
                            p + 1 if c else p,
                        )
                    raise self.err(
                        "Invalid block definition",
                        'Either a quoted string block label or an opening brace ("{") is expected here.',
                        p,
                        p + 1,
                    )
                labels.append(m.group())
                ranges.append((p, m.end()))
                self.p = m.end()
            self.p = _WS.match(s, self.p).end()
        open_pos = self.p
        self.p += 1
        self.p = _WS.match(s, self.p).end()
        saved_open = self.block_open
        self.block_open = open_pos
        if s[self.p : self.p + 1] not in ("\n", ""):
            body = self.single_line_body()
        else:
            body = self.body(top=False)
            self.p += 1  # the closing brace
        self.block_open = saved_open
        self.end_of_line(
            "Missing newline after block definition", "A block definition must end with a newline."
        )
        return Block(btype, labels, ranges, body, self.src, start, open_pos)

    def single_line_body(self) -> Body:
        s = self.s
        out = Body()
        p = self.p
        if s[p] == "}":
            self.p += 1
            return out
        m = _IDENT.match(s, p)
        if m is None:
            raise self.err(
                "Argument or block definition required",
                "An argument or block definition is required here.",
                p,
                p + 1,
            )
        self.p = _WS.match(s, m.end()).end()
        if s[self.p : self.p + 1] != "=":
            raise self.err(
                "Invalid single-argument block definition",
                "A single-line block definition can contain only a single argument. If you meant to define "
                "argument, use an equals sign to assign it a value. To define a nested block, place it on a "
                "line of its own within its parent block.",
                self.p,
                self.p + 1,
            )
        self.p += 1
        attr = self.attribute(m.group(), p)
        out.attrs[attr.name] = attr
        self.p = _WS.match(s, self.p).end()
        if s[self.p : self.p + 1] != "}":
            raise self.err(
                "Invalid single-argument block definition",
                "A single-line block definition must end with a closing brace immediately after its single "
                "argument definition.",
                self.p,
                self.p + 1,
            )
        self.p += 1
        return out

    # ----------------------------------------------------------------- expressions
    def ws(self) -> None:
        if self.s[self.p : self.p + 1] in _WS_START:
            self.p = (_WSNL if self.nl else _WS).match(self.s, self.p).end()

    def expr(self) -> Node:
        s = self.s
        p = self.p
        c = s[p : p + 1]
        # fast paths for the common "value then end of item" shapes
        if c == '"':
            m = _FAST_STR.match(s, p)
            if m is not None:
                self.p = m.end()
                return Lit(m.group(1), p, m.end(1) + 1, (p + 1, m.end(1)))
        elif c.isdigit():
            m = _FAST_INT.match(s, p)
            if m is not None:
                self.p = m.end()
                return Lit(int(m.group(1)), p, m.end(1))
        elif c:
            m = _FAST_IDENT.match(s, p)
            if m is not None:
                name = m.group(1)
                self.p = m.end()
                if name in _KEYWORDS:
                    return Lit(_KEYWORDS[name], p, m.end(1))
                if name != "for":
                    return Var(name, p, m.end(1))
                self.p = p
        cond = self.binop(1)
        self.ws()
        if self.s[self.p : self.p + 1] == "?":
            self.p += 1
            self.ws()
            yes = self.expr()
            self.ws()
            if self.s[self.p : self.p + 1] != ":":
                raise self.err(
                    "Missing false expression in conditional",
                    "The conditional operator (...?...:...) requires a false expression, delimited by a colon.",
                    self.p,
                    self.p + 1,
                )
            self.p += 1
            self.ws()
            no = self.expr()
            return Cond(cond, yes, no)
        return cond

    def binop(self, minprec: int) -> Node:
        left = self.unary()
        s = self.s
        while True:
            save = self.p
            self.ws()
            m = _OP.match(s, self.p)
            if m is None:
                self.p = save
                return left
            op = m.group()
            prec = _PREC[op]
            if prec < minprec or (op == ">" and s[m.end() : m.end() + 1] == ">"):
                self.p = save
                return left
            self.p = m.end()
            self.ws()
            right = self.binop(prec + 1)
            left = BinOp(op, left, right)

    def unary(self) -> Node:
        s = self.s
        self.ws()
        c = s[self.p : self.p + 1]
        if c == "!" or (c == "-" and s[self.p + 1 : self.p + 2] != "-"):
            start = self.p
            self.p += 1
            self.ws()
            operand = self.unary()
            if c == "-" and type(operand) is Lit and type(operand.value) in (int, Decimal):
                return Lit(-operand.value, start, operand.end)
            return Unary(c, operand, start)
        return self.postfix(self.term())

    def term(self) -> Node:
        s = self.s
        p = self.p
        c = s[p : p + 1]
        if c == '"':
            return self.template()
        if c == "[":
            return self.tuple_or_for()
        if c == "{":
            return self.object_or_for()
        if c == "(":
            return self.enclosed(
                ")", "Unbalanced parentheses", "Expected a closing parenthesis to terminate the expression."
            )
        if c == "<" and s[p : p + 2] == "<<":
            return self.heredoc()
        m = _NUM.match(s, p)
        if m is not None:
            self.p = m.end()
            txt = m.group()
            val: int | Decimal = Decimal(txt) if (m.group(1) or m.group(2)) else int(txt)
            if type(val) is Decimal and val == val.to_integral_value():
                val = int(val)
            return Lit(val, p, m.end())
        m = _IDENT.match(s, p)
        if m is not None:
            name = m.group()
            self.p = m.end()
            if name in _KEYWORDS:
                return Lit(_KEYWORDS[name], p, m.end())
            q = _WS.match(s, self.p).end()
            if s[q : q + 1] == "(":
                return self.call(name, p, m.end(), q)
            return Var(name, p, m.end())
        raise self.invalid_expr(p)

    def invalid_expr(self, p: int) -> Diag:
        s = self.s
        if p >= len(s):
            return self.err(
                "Missing expression",
                "Expected the start of an expression, but found the end of the file.",
                p,
                p,
            )
        return self.err(
            "Invalid expression",
            "Expected the start of an expression, but found an invalid expression token.",
            p,
            p + 1,
        )

    def postfix(self, node: Node) -> Node:
        s = self.s
        while True:
            p = self.p
            c = s[p : p + 1]
            if c == "." and s[p : p + 3] != "...":
                if s[p + 1 : p + 2] == "*":
                    self.p = p + 2
                    return Splat(node, self.splat_chain(SplatItem(p, p + 2), attrs_only=True), self.p)
                m = _IDENT.match(s, p + 1)
                if m is not None:
                    self.p = m.end()
                    node = GetAttr(node, m.group(), p + 1, m.end())
                    continue
                m = _NUM.match(s, p + 1)
                if m is not None and m.group(1) is None:
                    self.p = m.end()
                    node = Index(node, Lit(int(m.group()), p + 1, m.end()), m.end())
                    continue
                raise self.err(
                    "Invalid attribute name", "An attribute name is required after a dot.", p + 1, p + 2
                )
            if c == "[":
                if s[p : p + 3] == "[*]":
                    self.p = p + 3
                    return Splat(node, self.splat_chain(SplatItem(p, p + 3), attrs_only=False), self.p)
                key = self.enclosed(
                    "]", "Missing close bracket on index", 'The index operator must end with a closing bracket ("]").'
                )
                node = Index(node, key, self.p)
                continue
            return node

    def splat_chain(self, item: Node, attrs_only: bool) -> Node:
        s = self.s
        node = item
        while True:
            p = self.p
            c = s[p : p + 1]
            if c == "." and s[p + 1 : p + 2] != "*":
                m = _IDENT.match(s, p + 1)
                if m is None:
                    return node
                self.p = m.end()
                node = GetAttr(node, m.group(), p + 1, m.end())
            elif c == "[" and not attrs_only and s[p : p + 3] != "[*]":
                self.p += 1
                saved = self.nl
                self.nl = True
                self.ws()
                key = self.expr()
                self.ws()
                self.p += 1
                self.nl = saved
                node = Index(node, key, self.p)
            else:
                return node

    def call(self, name: str, start: int, name_end: int, open_pos: int) -> Node:
        s = self.s
        saved = self.nl
        self.nl = True
        self.p = open_pos + 1
        args: list[Node] = []
        expand = False
        self.ws()
        while s[self.p : self.p + 1] != ")":
            if expand:
                raise self.err(
                    "Missing close parenthesis",
                    "An expanded function argument (with ...) must be immediately followed by closing parentheses.",
                    self.p,
                    self.p + 1,
                )
            args.append(self.expr())
            self.ws()
            if s[self.p : self.p + 3] == "...":
                expand = True
                self.p += 3
                self.ws()
            c = s[self.p : self.p + 1]
            if c == ",":
                self.p += 1
                self.ws()
            elif c != ")":
                raise self.err(
                    "Missing argument separator",
                    "A comma is required to separate each function argument from the next.",
                    self.p,
                    self.p + 1,
                )
        close = self.p
        self.p += 1
        self.nl = saved
        return Call(name, args, expand, start, name_end, open_pos, close)

    def tuple_or_for(self) -> Node:
        s = self.s
        start = self.p
        saved = self.nl
        self.nl = True
        self.p += 1
        self.ws()
        if self.at_for():
            node = self.for_expr(start, "]")
            self.nl = saved
            return node
        items: list[Node] = []
        while s[self.p : self.p + 1] != "]":
            if self.p >= len(s):
                raise self.unterminated("tuple", start)
            items.append(self.expr())
            self.ws()
            c = s[self.p : self.p + 1]
            if c == ",":
                self.p += 1
                self.ws()
            elif not c:
                raise self.unterminated("tuple", start)
            elif c != "]":
                raise self.err(
                    "Missing item separator",
                    "Expected a comma to mark the beginning of the next item.",
                    self.p,
                    self.p + 1,
                )
        self.p += 1
        self.nl = saved
        return Tuple(items, start, self.p)

    def unterminated(self, what: str, start: int) -> Diag:
        kind, word = ("bracket", "bracket") if what == "tuple" else ("brace", "brace")
        return self.err(
            f"Unterminated {what} constructor expression",
            f"There is no corresponding closing {kind} before the end of the file. This may be caused by incorrect "
            f"{word} nesting elsewhere in this file.",
            start,
            start + 1,
        )

    def at_for(self) -> bool:
        s = self.s
        return s.startswith("for", self.p) and s[self.p + 3 : self.p + 4] in (" ", "\t", "\n", "\r")

    def object_or_for(self) -> Node:
        s = self.s
        start = self.p
        saved = self.nl
        self.p += 1
        self.nl = True
        self.ws()
        if self.at_for():
            node = self.for_expr(start, "}")
            self.nl = saved
            return node
        self.nl = False
        items: list[tuple[Node, Node]] = []
        while True:
            self.p = _WSNL.match(s, self.p).end()
            if s[self.p : self.p + 1] == "}":
                break
            if self.p >= len(s):
                raise self.err(
                    "Missing expression",
                    "Expected the start of an expression, but found the end of the file.",
                    self.p,
                    self.p,
                )
            kstart = self.p
            m = _IDENT.match(s, kstart)
            if m is not None and m.group() not in _KEYWORDS:
                q = _WS.match(s, m.end()).end()
                if s[q : q + 1] in ("=", ":") and s[q : q + 2] != "==":
                    key: Node = Lit(m.group(), kstart, m.end())
                    self.p = m.end()
                else:
                    key = self.expr()
            else:
                key = self.expr()
            self.ws()
            c = s[self.p : self.p + 1]
            if c not in ("=", ":") or s[self.p : self.p + 2] == "==":
                raise self.err(
                    "Missing key/value separator",
                    'Expected an equals sign ("=") to mark the beginning of the attribute value.',
                    self.p,
                    self.p + 1,
                )
            self.p += 1
            self.ws()
            val = self.expr()
            items.append((key, val))
            self.ws()
            c = s[self.p : self.p + 1]
            if c == ",":
                self.p += 1
            elif c == "\n":
                continue
            elif c != "}":
                raise self.err(
                    "Missing attribute separator",
                    "Expected a newline or comma to mark the beginning of the next attribute.",
                    self.p,
                    self.p + 1,
                )
        self.p += 1
        self.nl = saved
        return Obj(items, start, self.p)

    def for_expr(self, start: int, close: str) -> Node:
        s = self.s
        self.p += 3
        self.ws()
        m = _IDENT.match(s, self.p)
        if m is None:
            raise self.err(
                "Invalid 'for' expression",
                "For expression requires variable name after 'for'.",
                self.p,
                self.p + 1,
            )
        kname: str | None = None
        vname = m.group()
        self.p = m.end()
        self.ws()
        if s[self.p : self.p + 1] == ",":
            self.p += 1
            self.ws()
            m = _IDENT.match(s, self.p)
            if m is None:
                raise self.err(
                    "Invalid 'for' expression",
                    "For expression requires value variable name after comma.",
                    self.p,
                    self.p + 1,
                )
            kname, vname = vname, m.group()
            self.p = m.end()
            self.ws()
        if not s.startswith("in", self.p):
            raise self.err(
                "Invalid 'for' expression",
                "For expression requires the 'in' keyword after its name declarations.",
                self.p,
                self.p + 1,
            )
        self.p += 2
        self.ws()
        coll = self.expr()
        self.ws()
        if s[self.p : self.p + 1] != ":":
            raise self.err(
                "Invalid 'for' expression",
                "For expression requires a colon after the collection expression.",
                self.p,
                self.p + 1,
            )
        self.p += 1
        self.ws()
        kexpr: Node | None = None
        vexpr = self.expr()
        self.ws()
        group = False
        if close == "}":
            if s[self.p : self.p + 2] != "=>":
                raise self.err(
                    "Invalid 'for' expression",
                    "Key expression is required when building an object.",
                    self.p,
                    self.p + 1,
                )
            self.p += 2
            self.ws()
            kexpr = vexpr
            vexpr = self.expr()
            self.ws()
            if s[self.p : self.p + 3] == "...":
                group = True
                self.p += 3
                self.ws()
        cond: Node | None = None
        mif = _IDENT.match(s, self.p)
        if mif is not None and mif.group() == "if":
            self.p += 2
            self.ws()
            cond = self.expr()
            self.ws()
        if s[self.p : self.p + 1] != close:
            raise self.err(
                "Invalid 'for' expression",
                f"Extra characters after the end of the 'for' expression; expected \"{close}\".",
                self.p,
                self.p + 1,
            )
        self.p += 1
        return For(kname, vname, coll, kexpr, vexpr, cond, group, start, self.p)
