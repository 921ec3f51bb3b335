"""Plain progress output compared byte for byte with what BuildKit's progressui prints."""

from __future__ import annotations

import io

import pytest
from depotci.core.buildkit.progress import (
    PlainPrinter,
    SolveStatus,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
)

T = 1_700_000_000.0
A, B = "sha256:aaa", "sha256:bbb"
DESC = 'building with "default" instance using docker driver'
LOAD = "[internal] load build definition from Dockerfile"
RUN = "[2/2] RUN echo hi"


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> float:
        return self.now


def run(steps: list[tuple[float, SolveStatus]], *, description: str = DESC, **kw: object) -> str:
    """Feed (local time offset, status) pairs, then close; return the text written."""
    out = io.StringIO()
    clock = Clock()
    printer = PlainPrinter(out, description=description, clock=clock, **kw)  # type: ignore[arg-type]
    for at, status in steps:
        clock.now = T + at
        printer.update(status)
    printer.close()
    return out.getvalue()


def vx(digest: str, name: str, start: float | None, end: float | None = None, **kw: object) -> SolveStatus:
    stop = None if end is None else T + end
    first = None if start is None else T + start
    return SolveStatus(vertexes=[Vertex(digest, name, started=first, completed=stop, **kw)])  # type: ignore[arg-type]


def log(digest: str, at: float, data: bytes) -> SolveStatus:
    return SolveStatus(logs=[VertexLog(digest, data, timestamp=T + at)])


def st(
    digest: str, sid: str, at: float, start: float, end: float | None = None, cur: int = 0, tot: int = 0
) -> SolveStatus:
    stop = None if end is None else T + end
    status = VertexStatus(
        sid, digest, current=cur, total=tot, timestamp=T + at, started=T + start, completed=stop
    )
    return SolveStatus(statuses=[status])


CASES = {
    "done with status": (
        [
            (0, vx(A, LOAD, 0)),
            (0.01, st(A, "transferring dockerfile:", 0.01, 0, 0.005, cur=96)),
            (0.02, vx(A, LOAD, 0, 0.04)),
        ],
        f"#0 {DESC}\n\n#1 {LOAD}\n#1 transferring dockerfile: 96B done\n#1 DONE 0.0s\n",
    ),
    "status with total and time, throttled in between": (
        [
            (0, vx(A, "[internal] load build context", 0)),
            (0.1, st(A, "transferring context:", 0.1, 0, None, cur=1_000_000, tot=4_500_000)),
            (0.2, st(A, "transferring context:", 0.2, 0, None, cur=1_100_000, tot=4_500_000)),
            (1.3, st(A, "transferring context:", 1.3, 0, 1.3, cur=4_500_000, tot=4_500_000)),
            (1.31, vx(A, "[internal] load build context", 0, 1.31)),
        ],
        f"#0 {DESC}\n\n#1 [internal] load build context\n"
        "#1 transferring context: 1.00MB / 4.50MB 0.1s\n"
        "#1 transferring context: 4.50MB / 4.50MB 1.3s done\n"
        "#1 DONE 1.3s\n",
    ),
    "cached": (
        [(0, vx(A, "[1/2] FROM docker.io/library/alpine", 0, 0, cached=True))],
        f"#0 {DESC}\n\n#1 [1/2] FROM docker.io/library/alpine\n#1 CACHED\n",
    ),
    "logs with elapsed time, partial lines joined": (
        [
            (0, vx(A, RUN, 1)),
            (0, log(A, 1.1234, b"hi\npar")),
            (0, log(A, 1.2, b"tial\n")),
            (0, log(A, 13.5, b"later\n")),
            (0, log(A, 150.25, b"much later\n")),
            (0, vx(A, RUN, 1, 151.27)),
        ],
        f"#0 {DESC}\n\n#1 {RUN}\n#1 0.123 hi\n#1 0.123 partial\n#1 12.50 later\n#1 149.2 much later\n"
        "#1 DONE 150.3s\n",
    ),
    "partial last line closed before the end line": (
        [(0, vx(A, RUN, 0)), (0, log(A, 0.5, b"no newline")), (0, vx(A, RUN, 0, 1))],
        f"#0 {DESC}\n\n#1 {RUN}\n#1 0.500 no newline\n#1 DONE 1.0s\n",
    ),
    "error": (
        [
            (0, vx(A, RUN, 0)),
            (0, log(A, 0.2, b"boom\n")),
            (
                0,
                vx(
                    A,
                    RUN,
                    0,
                    0.3,
                    error='process "/bin/sh -c false" did not complete successfully: exit code: 1',
                ),
            ),
        ],
        f"#0 {DESC}\n\n#1 {RUN}\n#1 0.200 boom\n"
        '#1 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1\n',
    ),
    "canceled": (
        [
            (0, vx(A, RUN, 0)),
            (0, vx(A, RUN, 0, 0.3, error="rpc error: code = Canceled desc = context canceled")),
        ],
        f"#0 {DESC}\n\n#1 {RUN}\n#1 CANCELED\n",
    ),
    "no description, blank line between blocks": (
        [(0, vx(A, LOAD, 0, 0.1)), (0, vx(B, RUN, 0.2, 0.45))],
        f"#1 {LOAD}\n#1 DONE 0.1s\n\n#2 {RUN}\n#2 DONE 0.2s\n",
    ),
    "vertex never started is never printed": (
        [(0, vx(B, "[3/3] never", None)), (0, vx(A, LOAD, 0, 0.1))],
        f"#1 {LOAD}\n#1 DONE 0.1s\n",
    ),
}


@pytest.mark.parametrize("steps,expected", list(CASES.values()), ids=list(CASES))
def test_plain_output(steps: list[tuple[float, SolveStatus]], expected: str) -> None:
    description = DESC if expected.startswith("#0") else ""
    assert run(steps, description=description) == expected


def test_warning_printed_with_next_update_of_its_vertex() -> None:
    warn = SolveStatus(
        warnings=[VertexWarning(A, b"FromAsCasing: 'as' and 'FROM' keywords' casing do not match")]
    )
    steps = [
        (0.0, vx(A, "[1/2] FROM alpine as base", 0)),
        (0.0, warn),
        (0.0, vx(A, "[1/2] FROM alpine as base", 0, 0.1)),
    ]
    assert run(steps, description="") == (
        "#1 [1/2] FROM alpine as base\n"
        "#1 WARN: FromAsCasing: 'as' and 'FROM' keywords' casing do not match\n"
        "#1 DONE 0.1s\n"
    )


def test_concurrent_vertexes_switch_with_continuation_marker() -> None:
    both = SolveStatus(
        vertexes=[Vertex(A, "[a 1/1] RUN sleep", started=T), Vertex(B, "[b 1/1] RUN work", started=T)]
    )
    steps = [
        (0.0, both),
        (0.1, log(A, 0.1, b"a-one\n")),
        (0.2, log(B, 0.2, b"b-one\n")),  # waits: A is current
        (11.0, log(A, 11.0, b"a-two\n")),  # B waited over 10 s: it gets the stream
        (11.5, vx(A, "[a 1/1] RUN sleep", 0, 11.5)),
        (12.0, vx(B, "[b 1/1] RUN work", 0, 12.0)),
    ]
    assert run(steps, description="") == (
        "#1 [a 1/1] RUN sleep\n"
        "#1 0.100 a-one\n"
        "#1 11.00 a-two\n"
        "#1 ...\n"
        "\n"
        "#2 [b 1/1] RUN work\n"
        "#2 0.200 b-one\n"
        "#2 ...\n"
        "\n"
        "#1 [a 1/1] RUN sleep\n"
        "#1 DONE 11.5s\n"
        "\n"
        "#2 [b 1/1] RUN work\n"
        "#2 DONE 12.0s\n"
    )


def test_completed_current_hands_over_to_waiting_vertex() -> None:
    both = SolveStatus(vertexes=[Vertex(A, "a", started=T), Vertex(B, "b", started=T)])
    steps = [
        (0.0, both),
        (0.1, log(B, 0.1, b"from b\n")),
        (0.3, vx(A, "a", 0, 0.3)),
        (0.4, vx(B, "b", 0, 0.4)),
    ]
    assert run(steps, description="") == "#1 a\n#1 DONE 0.3s\n\n#2 b\n#2 0.100 from b\n#2 DONE 0.4s\n"


@pytest.mark.parametrize(
    "env,expected_name",
    [({}, "x" * 80), ({"PROGRESS_NO_TRUNC": "0"}, "x" * 72 + "..."), ({"PROGRESS_NO_TRUNC": "1"}, "x" * 80)],
)
def test_long_names_truncated_only_when_asked(env: dict[str, str], expected_name: str) -> None:
    assert (
        run([(0.0, vx(A, "x" * 80, 0, 0.1))], description="", env=env)
        == f"#1 {expected_name}\n#1 DONE 0.1s\n"
    )


@pytest.mark.parametrize(
    "prefix,name,expected",
    [
        ("web", "[internal] load .dockerignore", "#1 [web internal] load .dockerignore\n#1 DONE 0.1s\n"),
        ("web", "exporting to image", "#1 [web] exporting to image\n#1 DONE 0.1s\n"),
        ("", "[2/2] RUN x", "#1 [2/2] RUN x\n#1 DONE 0.1s\n"),
    ],
)
def test_bake_prefix(prefix: str, name: str, expected: str) -> None:
    assert run([(0.0, vx(A, name, 0, 0.1))], description="", prefix=prefix) == expected


def test_description_only_once_and_only_with_a_vertex() -> None:
    assert run([], description=DESC) == ""
    text = run([(0.0, vx(A, "a", 0, 0.1)), (0.0, vx(B, "b", 0.1, 0.2))])
    assert text.count("#0 ") == 1
