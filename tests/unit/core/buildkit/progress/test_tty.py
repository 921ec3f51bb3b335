"""The tty display: content after stripping ANSI, redraw throttling, colours."""

from __future__ import annotations

import io
import re

import pytest
from depotci.core.buildkit.progress import (
    SolveStatus,
    TtyPrinter,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
)

T = 1_700_000_000.0
A, B, C = "sha256:aaa", "sha256:bbb", "sha256:ccc"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> float:
        return self.now


def strip(text: str) -> str:
    return ANSI.sub("", text)


def build(
    env: dict[str, str] | None = None, size: tuple[int, int] = (80, 30)
) -> tuple[TtyPrinter, io.StringIO, Clock]:
    out = io.StringIO()
    clock = Clock()
    return TtyPrinter(out, description="docker:default", env=env or {}, clock=clock, size=size), out, clock


def final_frame(text: str) -> list[str]:
    """The lines of the last frame: everything after the last header."""
    lines = strip(text).splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("[+] "))
    return [line.rstrip() for line in lines[last:] if line.strip()]


def test_final_frame_lists_every_step_with_timers() -> None:
    p, out, clock = build()
    p.update(SolveStatus(vertexes=[Vertex(A, "[internal] load build definition from Dockerfile", started=T)]))
    p.update(
        SolveStatus(
            statuses=[
                VertexStatus(
                    "transferring dockerfile:", A, current=96, timestamp=T, started=T, completed=T + 0.01
                )
            ]
        )
    )
    clock.now = T + 0.5
    p.update(
        SolveStatus(
            vertexes=[
                Vertex(A, "[internal] load build definition from Dockerfile", started=T, completed=T + 0.01)
            ]
        )
    )
    p.update(
        SolveStatus(
            vertexes=[Vertex(B, "[1/2] FROM alpine", started=T + 0.5, completed=T + 0.5, cached=True)]
        )
    )
    p.update(SolveStatus(vertexes=[Vertex(C, "[2/2] RUN make", started=T + 0.5)]))
    clock.now = T + 2.0
    p.update(SolveStatus(vertexes=[Vertex(C, "[2/2] RUN make", started=T + 0.5, completed=T + 1.75)]))
    clock.now = T + 2.3
    p.close()
    frame = final_frame(out.getvalue())
    assert frame[0].startswith("[+] Building 2.3s (3/3) FINISHED")
    assert frame[0].endswith("docker:default")
    assert len(frame[0]) == 79
    assert frame[1:] == [
        " => [internal] load build definition from Dockerfile                       0.0s",
        " => => transferring dockerfile: 96B                                        0.0s",
        " => CACHED [1/2] FROM alpine                                               0.0s",
        " => [2/2] RUN make                                                         1.2s",
    ]


def test_running_step_shows_its_last_log_lines_and_error_prefix() -> None:
    p, out, clock = build()
    p.update(SolveStatus(vertexes=[Vertex(A, "[2/2] RUN make", started=T)]))
    clock.now = T + 1
    lines = b"".join(b"line %d\n" % i for i in range(10))
    p.update(SolveStatus(logs=[VertexLog(A, lines, timestamp=T + 1)]))
    live = strip(out.getvalue())
    assert " => => # line 9" in live
    assert " => => # line 4" in live
    assert " => => # line 3" not in live  # 6 lines by default
    clock.now = T + 2
    p.update(
        SolveStatus(vertexes=[Vertex(A, "[2/2] RUN make", started=T, completed=T + 2, error="exit code: 1")])
    )
    p.close()
    assert final_frame(out.getvalue())[1] == " => ERROR [2/2] RUN make" + " " * 51 + "2.0s"


@pytest.mark.parametrize("env,visible", [({}, 3), ({"BUILDKIT_TTY_LOG_LINES": "2"}, 2)])
def test_log_lines_setting(env: dict[str, str], visible: int) -> None:
    p, out, clock = build(env)
    p.update(SolveStatus(vertexes=[Vertex(A, "step", started=T)]))
    clock.now = T + 1
    p.update(SolveStatus(logs=[VertexLog(A, b"one\ntwo\nthree\n", timestamp=T + 1)]))
    assert strip(out.getvalue()).count(" => => # ") == visible


def test_redraws_are_throttled_to_the_interval() -> None:
    p, out, clock = build()
    for i in range(10):
        clock.now = T + i * 0.01  # ten updates within 100 ms
        p.update(SolveStatus(vertexes=[Vertex(f"sha256:{i}", f"step {i}", started=T)]))
    assert strip(out.getvalue()).count("[+] Building") == 1
    clock.now = T + 0.2
    p.update(SolveStatus(vertexes=[Vertex(A, "late", started=T)]))
    p.refresh()
    p.close()
    p.close()  # idempotent
    assert strip(out.getvalue()).count("[+] Building") == 4


def test_each_frame_moves_back_over_the_previous_one() -> None:
    p, out, clock = build()
    p.update(SolveStatus(vertexes=[Vertex(A, "a", started=T)]))
    clock.now = T + 1
    p.update(SolveStatus(vertexes=[Vertex(B, "b", started=T + 1)]))
    text = out.getvalue()
    assert "\x1b[2A" in text  # header + one step
    assert text.count("\x1b[2K") == 2 + 3


@pytest.mark.parametrize("env,colored", [({}, True), ({"NO_COLOR": "1"}, False)])
def test_completed_steps_colored_unless_no_color(env: dict[str, str], colored: bool) -> None:
    p, out, _ = build(env)
    p.update(SolveStatus(vertexes=[Vertex(A, "a", started=T, completed=T + 0.1)]))
    p.close()
    assert ("\x1b[34m" in out.getvalue()) is colored


def test_warning_row_and_prefix() -> None:
    out = io.StringIO()
    clock = Clock()
    p = TtyPrinter(out, prefix="web", clock=clock, size=(80, 30))
    p.update(SolveStatus(vertexes=[Vertex(A, "[1/2] FROM alpine AS base", started=T, completed=T + 0.1)]))
    p.update(SolveStatus(warnings=[VertexWarning(A, b"FromAsCasing: casing")]))
    p.close()
    frame = final_frame(out.getvalue())
    assert frame[1].startswith(" => [web 1/2] FROM alpine AS base ")
    assert frame[2].startswith(" => WARN: FromAsCasing: casing ")


def test_frame_clipped_to_height_keeps_running_steps() -> None:
    p, _, _ = build(size=(80, 6))
    for i in range(6):
        p.update(SolveStatus(vertexes=[Vertex(f"sha256:{i}", f"done {i}", started=T, completed=T + 0.1)]))
    p.update(SolveStatus(vertexes=[Vertex(A, "running", started=T)]))
    rows = p.frame(80, 6, final=False, now=T + 1)
    assert len(rows) == 1 + 4
    assert any("running" in r for r in rows)
    assert len(p.frame(80, 6, final=True, now=T + 1)) == 1 + 7
