"""Helpers and state keeping shared by the printers."""

from __future__ import annotations

import io

import pytest
from depotci.core.buildkit.progress import (
    PlainPrinter,
    ProgressGroup,
    SolveStatus,
    TtyPrinter,
    Vertex,
    VertexLog,
    with_prefix,
)
from depotci.core.buildkit.progress.trace import Interval, Trace, format_bytes, merge_intervals


@pytest.mark.parametrize(
    "n,expected",
    [
        (0, "0B"),
        (2, "2B"),
        (999, "999B"),
        (1000, "1.00kB"),
        (1070, "1.07kB"),
        (1_234_567, "1.23MB"),
        (4_500_000, "4.50MB"),
        (999_999, "1000.00kB"),
        (3_000_000_000, "3.00GB"),
        (-1500, "-1.50kB"),
    ],
)
def test_format_bytes(n: int, expected: str) -> None:
    assert format_bytes(n) == expected


@pytest.mark.parametrize(
    "given,expected",
    [
        ([], []),
        ([Interval(0, 1)], [Interval(0, 1)]),
        ([Interval(2, 3), Interval(0, 1)], [Interval(0, 1), Interval(2, 3)]),
        ([Interval(0, 2), Interval(1, 3)], [Interval(0, 3)]),
        ([Interval(0, 5), Interval(1, 3)], [Interval(0, 5)]),
        ([Interval(0, None), Interval(1, 3)], [Interval(0, None)]),
        ([Interval(0, 2), Interval(1, None), Interval(5, 6)], [Interval(0, None)]),
        ([Interval(0, 1), Interval(1, 2)], [Interval(0, 2)]),
    ],
)
def test_merge_intervals(given: list[Interval], expected: list[Interval]) -> None:
    assert merge_intervals(given) == expected


@pytest.mark.parametrize(
    "prefix,name,expected",
    [
        ("web", "[internal] load metadata", "[web internal] load metadata"),
        ("web", "[stage-1 2/3] RUN x", "[web stage-1 2/3] RUN x"),
        ("web", "exporting to image", "[web] exporting to image"),
        ("", "exporting to image", "exporting to image"),
    ],
)
def test_with_prefix(prefix: str, name: str, expected: str) -> None:
    status = SolveStatus(vertexes=[Vertex("d", name)])
    assert [v.name for v in with_prefix(status, prefix).vertexes] == [expected]


@pytest.mark.parametrize(
    "step,expected",
    [
        # all within one 100 ms batch: the group is printed once, complete
        (0.0, "#1 merging\n#1 1.000 member log\n#1 DONE 2.0s\n"),
        # a batch each: the completed group is shown, then again for its member's log
        (0.1, "#1 merging\n#1 DONE 2.0s\n\n#1 merging\n#1 1.000 member log\n#1 DONE 2.0s\n"),
    ],
)
def test_progress_group_shown_once_hidden_while_only_weak_members_run(step: float, expected: str) -> None:
    weak, strong = ProgressGroup("g", "merging", weak=True), ProgressGroup("g", "merging")
    out = io.StringIO()
    now = [10.0]
    p = PlainPrinter(out, clock=lambda: now[0])
    p.update(
        SolveStatus(vertexes=[Vertex("sha256:1", "one", started=1.0, completed=2.0, progress_group=weak)])
    )
    assert out.getvalue() == ""
    now[0] += step
    p.update(
        SolveStatus(vertexes=[Vertex("sha256:2", "two", started=1.5, completed=3.0, progress_group=strong)])
    )
    now[0] += step
    p.update(SolveStatus(logs=[VertexLog("sha256:2", b"member log\n", timestamp=2.0)]))
    p.close()
    assert out.getvalue() == expected
    assert p.vertex_name("sha256:1") == "merging"


def test_tty_counts_and_times() -> None:
    out = io.StringIO()
    p = TtyPrinter(out, clock=lambda: 50.0, size=(60, 20))
    p.update(SolveStatus(vertexes=[Vertex("a", "a", started=40.0, completed=41.0), Vertex("b", "b")]))
    head = p.frame(60, 20, final=True, now=52.0)[0]
    assert head == "[+] Building 2.0s (1/2)"


@pytest.mark.parametrize(
    "chunks,lines,partial",
    [
        ([b"a\nb\n"], [b"a", b"b"], False),
        ([b"a\nb"], [b"a", b"b"], True),
        ([b"a", b"b\n", b"c"], [b"ab", b"c"], True),
        ([b"a\n\n"], [b"a", b""], False),
        ([b""], [], True),
    ],
)
def test_log_chunks_split_at_newlines(chunks: list[bytes], lines: list[bytes], partial: bool) -> None:
    t = Trace(lambda: 0.0)
    t.update(SolveStatus(vertexes=[Vertex("v", "v", started=1.0)]))
    for c in chunks:
        t.update(SolveStatus(logs=[VertexLog("v", c, timestamp=1.5)]))
    tv = t.by_digest["v"]
    assert tv.raw == lines
    assert tv.lines == [b"0.500 " + line for line in lines]
    assert tv.logs_partial is partial
