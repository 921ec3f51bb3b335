"""What buildx prints after the progress: the failed step's log tail, the source snippet, the warnings.

A failed build ends like this (BuildKit ``trace.printErrorLogs``, ``errdefs.Source.Print``, then buildx's
``ERROR: ...`` line)::

    ------
     > [2/3] RUN false:
    0.123 some log line
    ------
    Dockerfile:3
    --------------------
       1 |     FROM scratch
       2 |     COPY busybox /bin/
       3 | >>> RUN false
    --------------------
    ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1

A successful one with warnings ends with depot's (buildx 0.13's) summary: ``1 warning found (use --debug
to expand):`` and one `` - <short>`` line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from depotci.core.buildkit.progress.base import Printer
from depotci.core.buildkit.progress.model import VertexWarning

__all__ = ["SourceSnippet", "render_failure", "render_source", "render_warnings"]

_RULE = "--------------------\n"
_YELLOW, _RESET = "\x1b[33m", "\x1b[0m"


@dataclass(frozen=True)
class SourceSnippet:
    """A source file and the 1-based line ranges an error or warning points at."""

    filename: str
    data: bytes
    ranges: Sequence[tuple[int, int]]


def _span(ranges: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    if not ranges:
        return None
    start = min(s for s, _ in ranges)
    end = max(max(s, e) for s, e in ranges)
    return start, end


def render_source(snippet: SourceSnippet) -> str:
    """The file excerpt BuildKit prints for an error source (``errdefs.Source.Print``), or ``""``.

    Shows the marked lines (``>>>``) with up to 2 lines of context each side for one line, 1 for a
    range; nothing when the range lies outside the file.
    """
    lines = snippet.data.decode("utf-8", "replace").split("\n")
    span = _span(snippet.ranges)
    if span is None:
        return ""
    start, end = span
    if start > len(lines) or start < 1:
        return ""
    end = min(end, len(lines))
    pad = 4 if end == start else 2
    first, p = start, 0
    while p < pad:  # BuildKit's loop: each side moves at most once per round, each round costs one more
        if start > 1:
            start -= 1
            p += 1
        if end != len(lines):
            end += 1
            p += 1
        p += 1
    out = [f"{snippet.filename}:{first}\n", _RULE]
    for i in range(start, end + 1):
        marked = any(s <= i <= max(s, e) for s, e in snippet.ranges)
        out.append(f" {i:3d} | {'>>>' if marked else '   '} {lines[i - 1]}\n")
    out.append(_RULE)
    return "".join(out)


def render_failure(
    printer: Printer,
    error_message: str,
    source: SourceSnippet | Sequence[SourceSnippet] | None = None,
) -> str:
    """Everything buildx prints after the progress of a failed build, as one string.

    One ``------`` block per failed (not canceled) vertex with its reprinted log lines (none in quiet
    mode), the source excerpts, then ``ERROR: <error_message>`` (left out when ``error_message`` is empty,
    for a caller that prints its own error line). ``error_message`` is used as given: buildx's reads
    ``failed to solve: <BuildKit's error>``.
    """
    out: list[str] = []
    if printer.mode != "quiet":
        for v in printer.failed_vertices():
            out.append(f"------\n > {v.name}:\n")
            out += [line + "\n" for line in printer.error_logs(v.digest)]
            out.append("------\n")
    sources = [source] if isinstance(source, SourceSnippet) else list(source or ())
    out += [render_source(s) for s in sources]
    if error_message:
        out.append(f"ERROR: {error_message}\n")
    return "".join(out)


def render_warnings(
    warnings: Sequence[VertexWarning], *, mode: str = "plain", debug: bool = False, color: bool = True
) -> str:
    """The warnings summary printed after a build (``""`` when there are none or in quiet mode).

    Without ``debug`` only the short texts are listed; with it the details, the URL and the source
    excerpt follow each. ``color`` puts the heading in yellow, as buildx always does.
    """
    if not warnings or mode in ("quiet", "rawjson"):
        return ""
    head = "1 warning found" if len(warnings) == 1 else f"{len(warnings)} warnings found"
    if not debug:
        head += " (use --debug to expand)"
    head += ":\n"
    out = ["\n ", f"{_YELLOW}{head}{_RESET}" if color else head]
    for w in warnings:
        out.append(f" - {w.short.decode('utf-8', 'replace')}\n")
        if not debug:
            continue
        out += [d.decode("utf-8", "replace") + "\n" for d in w.detail]
        if w.url:
            out.append(f"More info: {w.url}\n")
        if w.source is not None and w.ranges:
            ranges = [(r.start_line, r.end_line) for r in w.ranges]
            out.append(render_source(SourceSnippet(w.source.filename, w.source.data, ranges)))
        out.append("\n")
    return "".join(out)
