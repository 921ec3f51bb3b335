"""Quoted strings, heredocs and template interpolation/directives for the HCL parser."""

from __future__ import annotations

import re

from depotci.core.bake.hcl.diag import Diag, Source
from depotci.core.bake.hcl.nodes import Lit, Node, Template, TemplateFor, TemplateIf

__all__ = ["TemplateParser", "parse_template_text"]

_PLAIN = re.compile(r'"([^"\\$%\n]*)"')
_RUN = re.compile(r'[^"\\$%\n]+')
_HRUN = re.compile(r"[^$%]+")
_ESC = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_DIRECTIVE = re.compile(r"%\{(~?)\s*(if|else|endif|for|endfor)\b")
_HEREDOC = re.compile(r"<<(-?)([^\W\d][\w-]*)\n")


class TemplateParser:
    """Template-related parsing; the subclass provides ``expr`` and ``ws``."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.s = src.text
        self.p = 0
        self.nl = False
        self.block_open = 0
        self.first_end = -1

    def expr(self) -> Node:
        raise NotImplementedError

    def ws(self) -> None:
        raise NotImplementedError

    def err(self, summary: str, detail: str, start: int, end: int) -> Diag:
        return Diag(summary, detail, self.src, start, end)

    def string_literal(self) -> str:
        """A quoted string without interpolation (block labels)."""
        start = self.p
        node = self.template()
        if isinstance(node, Lit) and type(node.value) is str:
            return node.value
        if isinstance(node, Template) and all(type(p) is str for p in node.parts):
            return "".join(node.parts)
        raise self.err(
            "Invalid string literal", "Template sequences are not allowed in this string.", start, self.p
        )

    def template(self) -> Node:
        s = self.s
        start = self.p
        m = _PLAIN.match(s, start)
        if m is not None:
            self.p = m.end()
            return Lit(m.group(1), start, self.p, (start + 1, self.p - 1))
        self.p += 1
        parts = self.template_parts('"')
        c = s[self.p : self.p + 1]
        if c == "\n":
            d = self.err(
                "Invalid multi-line string",
                "Quoted strings may not be split over multiple lines. To produce a multi-line string, either use "
                'the \\n escape to represent a newline character or use the "heredoc" multi-line template syntax.',
                self.p,
                self.p + 1,
            )
            d.count = 3
            raise d
        if c != '"':
            raise self.err(
                "Unterminated template string", "No closing marker was found for the string.", start, self.p
            )
        self.p += 1
        return self.build(parts, start, self.p, self.first_end)

    def template_parts(self, close: str | None, end: int = -1) -> list[object]:
        """Literal strings, expression nodes and directive markers up to ``close`` (or ``end``)."""
        s = self.s
        limit = len(s) if end < 0 else end
        run = _RUN if close else _HRUN
        parts: list[object] = []
        buf: list[str] = []
        self.first_end = -1
        while self.p < limit:
            p = self.p
            c = s[p]
            if close is not None and (c == close or c == "\n"):
                break
            m = run.match(s, p, limit)
            if m is not None:
                buf.append(m.group())
                self.p = m.end()
                continue
            if c == "\\" and close is not None:
                nxt = s[p + 1 : p + 2]
                if nxt in _ESC:
                    buf.append(_ESC[nxt])
                    self.p += 2
                elif nxt in ("u", "U"):
                    n = 4 if nxt == "u" else 8
                    hexs = s[p + 2 : p + 2 + n]
                    try:
                        buf.append(chr(int(hexs, 16)))
                    except ValueError:
                        raise self.err(
                            "Invalid escape sequence",
                            "The \\" + nxt + " escape must be followed by " + str(n) + " hexadecimal digits.",
                            p,
                            p + 2,
                        ) from None
                    self.p += 2 + n
                else:
                    raise self.err(
                        "Invalid escape sequence",
                        f'The symbol "{nxt}" is not a valid escape sequence selector.',
                        p + 1,
                        p + 2,
                    )
                continue
            two = s[p : p + 2]
            if two in ("$$", "%%") and s[p + 2 : p + 3] == "{":
                buf.append(c + "{")
                self.p += 3
                continue
            if two == "${":
                if buf:
                    parts.append("".join(buf))
                    buf = []
                    if self.first_end < 0:
                        self.first_end = p
                parts.append(self.interpolation())
                continue
            if two == "%{":
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(self.directive())
                continue
            buf.append(c)
            self.p += 1
        if buf:
            parts.append("".join(buf))
            if self.first_end < 0:
                self.first_end = self.p
        return parts

    def interpolation(self) -> Node:
        s = self.s
        self.p += 2
        if s[self.p : self.p + 1] == "~":
            self.p += 1
        saved = self.nl
        self.nl = True
        self.ws()
        e = self.expr()
        self.ws()
        if s[self.p : self.p + 1] == "~":
            self.p += 1
        if s[self.p : self.p + 1] != "}":
            raise self.err(
                "Extra characters after interpolation expression",
                "Expected a closing brace to end the interpolation expression, but found extra characters.",
                self.p,
                self.p + 1,
            )
        self.p += 1
        self.nl = saved
        return e

    def directive(self) -> tuple[str, object, int]:
        s = self.s
        start = self.p
        m = _DIRECTIVE.match(s, self.p)
        if m is None:
            raise self.err(
                "Invalid template directive",
                'A template directive keyword ("if", "for", etc) is expected at the beginning of a %{ sequence.',
                self.p,
                self.p + 2,
            )
        kw = m.group(2)
        self.p = m.end()
        saved = self.nl
        self.nl = True
        self.ws()
        payload: object = None
        if kw == "if":
            payload = self.expr()
        elif kw == "for":
            names = []
            while True:
                self.ws()
                mm = re.compile(r"[^\W\d][\w-]*").match(s, self.p)
                if mm is None:
                    raise self.err(
                        "Invalid template directive", "Invalid 'for' directive.", self.p, self.p + 1
                    )
                self.p = mm.end()
                if mm.group() == "in":
                    break
                names.append(mm.group())
                self.ws()
                if s[self.p : self.p + 1] == ",":
                    self.p += 1
            self.ws()
            payload = (names, self.expr())
        self.ws()
        if s[self.p : self.p + 1] == "~":
            self.p += 1
        if s[self.p : self.p + 1] != "}":
            raise self.err(
                "Invalid template directive",
                "Expected a closing brace to end the directive.",
                self.p,
                self.p + 1,
            )
        self.p += 1
        self.nl = saved
        return (kw, payload, start)

    def build(
        self, parts: list[object], start: int, end: int, first_end: int = -1, body_start: int = -1
    ) -> Node:
        """Turn literal/expr/directive parts into a Template node (directives become nested nodes)."""
        pos = [0]

        def seq(stop: tuple[str, ...]) -> tuple[list[object], str | None]:
            out: list[object] = []
            while pos[0] < len(parts):
                p = parts[pos[0]]
                pos[0] += 1
                if type(p) is tuple:
                    kw, payload, dstart = p
                    if kw in stop:
                        return out, kw
                    if kw == "if":
                        yes, k = seq(("else", "endif"))
                        no: list[object] | None = None
                        if k == "else":
                            no, k = seq(("endif",))
                        if k != "endif":
                            raise self.err(
                                "Unterminated template directive", "Missing %{ endif }.", dstart, dstart + 2
                            )
                        assert isinstance(payload, Node)
                        out.append(
                            TemplateIf(
                                payload,
                                Template(yes, dstart, end),
                                Template(no, dstart, end) if no is not None else None,
                                dstart,
                                end,
                            )
                        )
                    elif kw == "for":
                        body, k = seq(("endfor",))
                        if k != "endfor":
                            raise self.err(
                                "Unterminated template directive", "Missing %{ endfor }.", dstart, dstart + 2
                            )
                        names, coll = payload  # type: ignore[misc]
                        kname = names[0] if len(names) == 2 else None
                        out.append(
                            TemplateFor(kname, names[-1], coll, Template(body, dstart, end), dstart, end)
                        )
                    else:
                        raise self.err(
                            "Unexpected template directive",
                            f"No matching directive for %{{ {kw} }}.",
                            dstart,
                            dstart + 2,
                        )
                else:
                    out.append(p)
            return out, None

        items, _ = seq(())
        inner = start + 1 if body_start < 0 else body_start
        srange: tuple[int, int] | None = None
        if items and type(items[0]) is str and first_end >= 0:
            srange = (inner, first_end)
        elif len(items) == 1 and isinstance(items[0], Node) and body_start < 0:
            srange = (start, end)
        elif items and isinstance(items[0], Node):
            from depotci.core.bake.hcl.nodes import start_range

            srange = start_range(items[0])
        if not items:
            return Lit("", start, end, (inner, inner))
        if len(items) == 1 and type(items[0]) is str:
            return Lit(items[0], start, end, srange)
        return Template(items, start, end, srange)

    def heredoc(self) -> Node:
        s = self.s
        start = self.p
        m = _HEREDOC.match(s, start)
        if m is None:
            raise self.err(
                "Invalid heredoc", "Expected an identifier and a newline after <<.", start, start + 2
            )
        strip, marker = m.group(1) == "-", m.group(2)
        body_start = m.end()
        term = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.M)
        t = term.search(s, body_start)
        if t is None:
            raise self.err(
                "Unterminated template string",
                f'No closing marker "{marker}" was found for the heredoc.',
                start,
                body_start,
            )
        self.p = body_start
        parts = self.template_parts(None, t.start())
        self.p = t.end()
        first_end = self.first_end
        if strip:
            parts = _dedent(parts)
        return self.build(parts, start, self.p, first_end, body_start)


def _dedent(parts: list[object]) -> list[object]:
    text = "".join(p if type(p) is str else "\x00" for p in parts)
    lines = [ln for ln in text.split("\n") if ln.strip(" \t")]
    indent = min((len(ln) - len(ln.lstrip(" \t")) for ln in lines), default=0)
    out: list[object] = []
    at_line_start = True
    for p in parts:
        if type(p) is str:
            segs = p.split("\n")
            fixed = []
            for i, seg in enumerate(segs):
                if (i > 0 or at_line_start) and seg[:indent].strip(" \t") == "":
                    seg = seg[indent:]
                fixed.append(seg)
            out.append("\n".join(fixed))
            at_line_start = p.endswith("\n")
        else:
            out.append(p)
            at_line_start = False
    return out


def parse_template_text(src: Source, start: int, end: int) -> Node:
    """Parse ``src.text[start:end]`` (the inside of a JSON string, already unescaped) as a template."""
    from depotci.core.bake.hcl.parser import Parser

    p = Parser(src)
    p.p = start
    parts = p.template_parts(None, end)
    return p.build(parts, start - 1, end + 1, p.first_end, start)
