"""The error block, source snippet and warnings summary, byte for byte."""

from __future__ import annotations

import io

import pytest
from depotci.core.buildkit.progress import (
    PlainPrinter,
    QuietPrinter,
    Range,
    SolveStatus,
    SourceInfo,
    SourceSnippet,
    TtyPrinter,
    Vertex,
    VertexLog,
    VertexWarning,
    render_failure,
    render_source,
    render_warnings,
)
from depotci.core.buildkit.progress.base import BasePrinter

DOCKERFILE = b"FROM scratch\nCOPY busybox /bin/\nRUN false"
TEN = b"\n".join(b"L%d" % i for i in range(1, 11))


@pytest.mark.parametrize(
    "data,ranges,expected",
    [
        (
            DOCKERFILE,
            [(3, 3)],
            "Dockerfile:3\n--------------------\n   1 |     FROM scratch\n   2 |     COPY busybox /bin/\n"
            "   3 | >>> RUN false\n--------------------\n",
        ),
        (  # a trailing newline makes an empty last line that counts as context
            DOCKERFILE + b"\n",
            [(3, 3)],
            "Dockerfile:3\n--------------------\n   1 |     FROM scratch\n   2 |     COPY busybox /bin/\n"
            "   3 | >>> RUN false\n   4 |     \n--------------------\n",
        ),
        (
            TEN,
            [(5, 5)],
            "Dockerfile:5\n--------------------\n   3 |     L3\n   4 |     L4\n   5 | >>> L5\n   6 |     L6\n"
            "   7 |     L7\n--------------------\n",
        ),
        (
            TEN,
            [(4, 6)],
            "Dockerfile:4\n--------------------\n   3 |     L3\n   4 | >>> L4\n   5 | >>> L5\n   6 | >>> L6\n"
            "   7 |     L7\n--------------------\n",
        ),
        (  # end before start counts as the start line; several ranges widen the window
            TEN,
            [(2, 0), (9, 9)],
            "Dockerfile:2\n--------------------\n   1 |     L1\n   2 | >>> L2\n   3 |     L3\n   4 |     L4\n"
            "   5 |     L5\n   6 |     L6\n   7 |     L7\n   8 |     L8\n   9 | >>> L9\n  10 |     L10\n"
            "--------------------\n",
        ),
        (TEN, [(11, 11)], ""),
        (TEN, [(0, 1)], ""),
        (TEN, [], ""),
    ],
)
def test_render_source(data: bytes, ranges: list[tuple[int, int]], expected: str) -> None:
    assert render_source(SourceSnippet("Dockerfile", data, ranges)) == expected


RUN = "[2/3] RUN false"
ERR = 'process "/bin/sh -c false" did not complete successfully: exit code: 1'


def failed_build(printer: BasePrinter, lines: int) -> BasePrinter:
    t = 100.0
    printer.update(SolveStatus(vertexes=[Vertex("sha256:ok", "[1/3] FROM x", started=t, completed=t)]))
    printer.update(SolveStatus(vertexes=[Vertex("sha256:bad", RUN, started=t)]))
    data = b"".join(b"line %d\n" % i for i in range(1, lines + 1))
    printer.update(SolveStatus(logs=[VertexLog("sha256:bad", data, timestamp=t + 0.123)]))
    printer.update(SolveStatus(vertexes=[Vertex("sha256:bad", RUN, started=t, completed=t + 1, error=ERR)]))
    printer.close()
    return printer


def test_render_failure_plain_exact() -> None:
    printer = failed_build(PlainPrinter(io.StringIO(), clock=lambda: 100.0), lines=1)
    snippet = SourceSnippet("Dockerfile", DOCKERFILE, [(3, 3)])
    assert render_failure(printer, f"failed to solve: {ERR}", snippet) == (
        "------\n"
        " > [2/3] RUN false:\n"
        "0.123 line 1\n"
        "------\n"
        "Dockerfile:3\n"
        "--------------------\n"
        "   1 |     FROM scratch\n"
        "   2 |     COPY busybox /bin/\n"
        "   3 | >>> RUN false\n"
        "--------------------\n"
        f"ERROR: failed to solve: {ERR}\n"
    )


@pytest.mark.parametrize(
    "printer,shown",
    [
        (PlainPrinter(io.StringIO(), clock=lambda: 100.0), [f"0.123 line {i}" for i in range(3, 13)]),
        (TtyPrinter(io.StringIO(), clock=lambda: 100.0), [f"0.123 line {i}" for i in range(1, 13)]),
        (QuietPrinter(io.StringIO(), clock=lambda: 100.0), None),
    ],
)
def test_render_failure_log_lines_by_mode(printer: BasePrinter, shown: list[str] | None) -> None:
    failed_build(printer, lines=12)
    text = render_failure(printer, "", None)
    if shown is None:
        assert text == ""
    else:
        assert text == "------\n > [2/3] RUN false:\n" + "".join(s + "\n" for s in shown) + "------\n"
    assert printer.log_tail("sha256:bad", 2) == ["line 11", "line 12"]
    assert printer.log_tail("sha256:nope") == []
    failed = printer.failed_vertex()
    assert failed is not None and failed.digest == "sha256:bad"


def test_render_failure_skips_canceled_and_takes_several_sources() -> None:
    printer = PlainPrinter(io.StringIO(), clock=lambda: 1.0)
    printer.update(
        SolveStatus(vertexes=[Vertex("sha256:c", "c", started=1.0, completed=2.0, error="context canceled")])
    )
    assert printer.failed_vertex() is None
    sources = [SourceSnippet("a", b"x", [(1, 1)]), SourceSnippet("b", b"y", [(1, 1)])]
    assert render_failure(printer, "boom", sources) == (
        "a:1\n--------------------\n   1 | >>> x\n--------------------\n"
        "b:1\n--------------------\n   1 | >>> y\n--------------------\n"
        "ERROR: boom\n"
    )


W1 = VertexWarning(
    "sha256:a",
    b"FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
    detail=(b"The 'as' keyword should match the case of the 'from' keyword",),
    url="https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
    source=SourceInfo("Dockerfile", b"FROM alpine as base\nRUN true\n"),
    ranges=(Range(1, 1),),
)
W2 = VertexWarning("sha256:a", b"second")


@pytest.mark.parametrize(
    "warnings,kw,expected",
    [
        ([], {}, ""),
        ([W1], {"mode": "quiet"}, ""),
        (
            [W1],
            {},
            "\n \x1b[33m1 warning found (use --debug to expand):\n\x1b[0m"
            " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n",
        ),
        (
            [W1, W2],
            {"color": False},
            "\n 2 warnings found (use --debug to expand):\n"
            " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n - second\n",
        ),
        (
            [W1, W2],
            {"color": False, "debug": True},
            "\n 2 warnings found:\n"
            " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n"
            "The 'as' keyword should match the case of the 'from' keyword\n"
            "More info: https://docs.docker.com/go/dockerfile/rule/from-as-casing/\n"
            "Dockerfile:1\n--------------------\n   1 | >>> FROM alpine as base\n   2 |     RUN true\n"
            "   3 |     \n--------------------\n"
            "\n"
            " - second\n\n",
        ),
    ],
)
def test_render_warnings(warnings: list[VertexWarning], kw: dict[str, object], expected: str) -> None:
    assert render_warnings(warnings, **kw) == expected  # type: ignore[arg-type]


def test_printer_collects_warnings_in_order() -> None:
    printer = QuietPrinter(io.StringIO())
    printer.update(SolveStatus(warnings=[W1]))  # vertex unknown yet: still collected
    printer.update(SolveStatus(vertexes=[Vertex("sha256:a", "a", started=1.0)], warnings=[W2]))
    assert printer.warnings() == [W1, W2]
