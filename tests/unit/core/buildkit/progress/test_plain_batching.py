"""The plain printer's batching: BuildKit's 100 ms update limiter, its 150 ms idle ticker, the final flush."""

from __future__ import annotations

import io
import threading

import pytest
from depotci.core.buildkit.progress import PlainPrinter, SolveStatus, Vertex, VertexLog, VertexStatus

T = 1_700_000_000.0
A, B = "sha256:aaa", "sha256:bbb"
IGNORE = "[internal] load .dockerignore"


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> float:
        return self.now


def vx(digest: str, name: str, start: float, end: float | None = None) -> SolveStatus:
    return SolveStatus(
        vertexes=[Vertex(digest, name, started=T + start, completed=None if end is None else T + end)]
    )


def st(digest: str, sid: str, start: float, end: float | None = None, cur: int = 0) -> SolveStatus:
    stop = None if end is None else T + end
    ts = T + (start if end is None else end)
    return SolveStatus(
        statuses=[VertexStatus(sid, digest, current=cur, timestamp=ts, started=T + start, completed=stop)]
    )


# What the daemon sends for ``[internal] load .dockerignore``: the vertex runs twice (a finished
# interval, then a new one), its status opens, grows and finishes, then the vertex finishes again.
IGNORE_STREAM = [
    vx(B, IGNORE, 0.010, 0.011),
    vx(B, IGNORE, 0.012),
    st(B, "transferring context:", 0.013),
    st(B, "transferring context:", 0.013, cur=2),
    st(B, "transferring context:", 0.013, 0.014, cur=2),
    vx(B, IGNORE, 0.012, 0.015),
]


def feed(steps: list[tuple[float, SolveStatus]], **kw: float) -> tuple[PlainPrinter, io.StringIO, Clock]:
    out, clock = io.StringIO(), Clock()
    p = PlainPrinter(out, clock=clock, **kw)
    for at, status in steps:
        clock.now = T + at
        p.update(status)
    return p, out, clock


@pytest.mark.parametrize(
    "start,gap,expected",
    [
        # one batch (as buildx shows it): the vertex once, its status only as it ended
        (0.05, 0.001, "#1 [internal] load .dockerignore\n#1 transferring context: 2B done\n#1 DONE 0.0s\n"),
        # a print per message: the finished first run, then the second one with every status state
        (
            0.1,
            0.1,
            "#1 [internal] load .dockerignore\n#1 DONE 0.0s\n\n#1 [internal] load .dockerignore\n"
            "#1 transferring context:\n#1 transferring context: 2B done\n#1 DONE 0.0s\n",
        ),
    ],
)
def test_batch_folds_a_vertex_updated_after_it_completed(start: float, gap: float, expected: str) -> None:
    first = [(0.0, SolveStatus(vertexes=[Vertex(B, IGNORE)]))]  # unstarted: prints nothing, takes the token
    p, out, _ = feed(first + [(start + i * gap, s) for i, s in enumerate(IGNORE_STREAM)])
    p.close()
    assert out.getvalue() == expected


def test_update_prints_once_its_limiter_allows_and_close_flushes() -> None:
    p, out, clock = feed([(0.0, vx(A, "a", 0.0))])
    assert out.getvalue() == "#1 a\n"
    for at, status in [
        (0.03, st(A, "s1", 0.055)),
        (0.06, st(A, "s1", 0.055, 0.06)),
        (0.09, vx(A, "a", 0.0, 0.09)),
        (0.095, vx(B, "b", 0.095)),
    ]:
        clock.now = T + at
        p.update(status)
    assert out.getvalue() == "#1 a\n"  # all within 100 ms of the first print
    clock.now = T + 0.1
    p.update(SolveStatus(logs=[VertexLog(B, b"x\n", timestamp=T + 0.1)]))
    assert out.getvalue() == "#1 a\n#1 s1 done\n#1 DONE 0.1s\n\n#2 b\n#2 0.005 x\n"
    clock.now = T + 0.15
    p.update(vx(B, "b", 0.095, 0.15))
    p.close()
    p.close()  # idempotent
    assert out.getvalue().endswith("#2 0.005 x\n#2 DONE 0.1s\n")


@pytest.mark.parametrize(
    "refresh_at,printed",
    [
        (0.10, False),  # an update came 50 ms ago: BuildKit's ticker was reset by it
        (0.19, False),
        (0.20, True),  # 150 ms without updates
        (0.50, True),
    ],
)
def test_refresh_prints_after_150ms_without_updates(refresh_at: float, printed: bool) -> None:
    p, out, clock = feed([(0.0, vx(A, "a", 0.0)), (0.05, vx(A, "a", 0.0, 0.07))])
    clock.now = T + refresh_at
    p.refresh()
    assert out.getvalue() == ("#1 a\n#1 DONE 0.1s\n" if printed else "#1 a\n")


def test_refresh_does_not_delay_the_next_update() -> None:
    # a tick's print leaves the limiter alone: an update right after it still prints at once
    p, out, clock = feed([(0.0, vx(A, "a", 0.0)), (0.05, vx(A, "a", 0.0, 0.07))])
    clock.now = T + 0.2
    p.refresh()
    clock.now = T + 0.21
    p.update(vx(B, "b", 0.21))
    assert out.getvalue() == "#1 a\n#1 DONE 0.1s\n\n#2 b\n"
    clock.now = T + 0.25  # the ticker counts from that update
    p.refresh()
    p.close()
    clock.now = T + 5.0
    p.refresh()  # closed: nothing more
    assert out.getvalue() == "#1 a\n#1 DONE 0.1s\n\n#2 b\n"


@pytest.mark.parametrize("interval,expected_prints", [(0.1, 2), (0.0, 4), (1.0, 1)])
def test_interval_is_configurable(interval: float, expected_prints: int) -> None:
    out = io.StringIO()
    writes: list[str] = []
    out.write = lambda s: writes.append(s) or len(s)  # type: ignore[method-assign]
    flushes: list[int] = []
    out.flush = lambda: flushes.append(len(writes))  # type: ignore[method-assign]
    clock = Clock()
    p = PlainPrinter(out, clock=clock, interval=interval)
    for i in range(4):
        clock.now = T + i * 0.05
        p.update(vx(f"sha256:{i}", f"v{i}", i * 0.05, i * 0.05))
    assert len(flushes) == expected_prints
    p.close()
    assert "".join(writes).count("DONE") == 4


def test_update_and_refresh_from_two_threads() -> None:
    out = io.StringIO()
    lock = threading.Lock()
    ticks = [T]

    def clock() -> float:
        with lock:
            ticks[0] += 0.001
            return ticks[0]

    p = PlainPrinter(out, clock=clock)
    done = threading.Event()

    def ticker() -> None:
        while not done.is_set():
            p.refresh()

    th = threading.Thread(target=ticker)
    th.start()
    for i in range(300):
        d = f"sha256:{i:03d}"
        p.update(SolveStatus(vertexes=[Vertex(d, f"step {i}", started=T + i, completed=T + i + 0.5)]))
    done.set()
    th.join()
    p.close()
    text = out.getvalue()
    for i in range(300):  # every vertex exactly once, whole
        assert text.count(f" step {i}\n") == 1
    assert text.count(" DONE 0.5s\n") == 300
