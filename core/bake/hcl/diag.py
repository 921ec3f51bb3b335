"""HCL diagnostics: an error with a source range, rendered exactly as HashiCorp HCL prints it."""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["Diag", "Source"]


class Source:
    """One input file: its name, text and (lazily) the offsets where lines start."""

    __slots__ = ("_lines", "name", "text")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._lines: list[int] | None = None

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        if self._lines is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._lines = starts
        line = bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1


class Diag(Exception):
    """An HCL diagnostic: ``summary``, ``detail`` and the range ``start``..``end`` (offsets) in ``src``.

    ``count`` is how many diagnostics this one stands for (the real CLI reports the first and counts the
    rest).
    """

    def __init__(
        self, summary: str, detail: str, src: Source | None = None, start: int = 0, end: int = 0
    ) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.src = src
        self.start = start
        self.end = end
        self.count = 1

    def range_text(self) -> str:
        """``file:line,col-endcol`` (or ``file:line,col-endline,endcol``) as HCL prints a range."""
        if self.src is None:
            return ""
        l1, c1 = self.src.line_col(self.start)
        l2, c2 = self.src.line_col(self.end)
        if l1 == l2:
            return f"{self.src.name}:{l1},{c1}-{c2}"
        return f"{self.src.name}:{l1},{c1}-{l2},{c2}"

    def __str__(self) -> str:
        head = self.range_text()
        text = f"{head}: {self.summary}; {self.detail}" if head else f"{self.summary}; {self.detail}"
        if self.count > 1:
            text += f", and {self.count - 1} other diagnostic(s)"
        return text
