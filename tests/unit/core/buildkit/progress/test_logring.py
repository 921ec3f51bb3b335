"""Which log lines the plain printer keeps for the error block (BuildKit's ``logsBuffer`` ring)."""

from __future__ import annotations

import io

import pytest
from depotci.core.buildkit.progress import PlainPrinter, SolveStatus, Vertex, VertexLog
from depotci.core.buildkit.progress.logring import LogRing

T = 1000.0
D = "sha256:run"
ERR = "exit code: 3"


@pytest.mark.parametrize(
    "puts,expected",
    [
        ([], []),
        ([("a", True), ("b", True)], ["a", "b"]),
        ([("a", True), ("b", False), ("c", False)], ["c", "a"]),  # the unfinished slot is listed first
        ([(str(i), True) for i in range(13)], [str(i) for i in range(3, 13)]),
    ],
)
def test_ring(puts: list[tuple[str, bool]], expected: list[str]) -> None:
    ring = LogRing()
    for line, advance in puts:
        ring.put(line, advance=advance)
    assert ring.values() == expected


def log(data: bytes) -> SolveStatus:
    return SolveStatus(logs=[VertexLog(D, data, timestamp=T + 0.5)])


FAILED = SolveStatus(vertexes=[Vertex(D, "run", started=T, completed=T + 1, error=ERR)])


@pytest.mark.parametrize(
    "batches,expected",
    [
        ([[log(b"a\nb\n"), FAILED]], ["0.500 a", "0.500 b"]),
        ([[log(b"a\n")], [log(b"b\n")], [FAILED]], ["0.500 a", "0.500 b"]),
        (
            [[log(b"".join(b"%d\n" % i for i in range(12))), FAILED]],
            [f"0.500 {i}" for i in range(2, 12)],
        ),
        # output ending without a newline: the last line twice, the ones before it lost
        ([[log(b"a\nb\nc"), FAILED]], ["0.500 c", "0.500 c"]),
        # its rest printed in a later batch replaces it, and a print with nothing new empties it
        ([[log(b"a\n"), log(b"thr")], [log(b" ee")], [FAILED]], ["0.500 thr ee", ""]),
        ([[log(b"a\n"), log(b"thr")], [log(b" ee"), FAILED]], ["0.500 thr ee", " ee"]),
        ([[log(b"a\n")], [log(b"thr")], [log(b"ee\n"), FAILED]], ["0.500 a", "ee"]),
    ],
)
def test_error_logs_follow_what_was_printed(batches: list[list[SolveStatus]], expected: list[str]) -> None:
    now = [T]
    p = PlainPrinter(io.StringIO(), clock=lambda: now[0])
    p.update(SolveStatus(vertexes=[Vertex(D, "run", started=T)]))
    for batch in batches:
        now[0] += 1.0
        p.update(SolveStatus())  # takes the limiter's token: the batch below waits for the tick
        for status in batch:
            p.update(status)
        now[0] += 0.2
        p.refresh()
    p.close()
    assert p.error_logs(D) == expected
    assert p.error_logs("sha256:unknown") == []
