"""The plain printer's choice among running vertexes (BuildKit's fairness rule)."""

from __future__ import annotations

import pytest
from depotci.core.buildkit.progress import Vertex
from depotci.core.buildkit.progress.fairness import fair_choice
from depotci.core.buildkit.progress.trace import TraceVertex

NOW = 100.0


def tv(waited: float | None, count: int) -> TraceVertex:
    v = TraceVertex(Vertex("d", "d"))
    v.last_block_time = None if waited is None else NOW - waited
    v.count = count
    return v


@pytest.mark.parametrize(
    "vertexes,current,current_completed,rest,expected",
    [
        ({"a": tv(1, 1), "b": tv(1, 5)}, "", False, ["a", "b"], "b"),  # none current: the fastest
        ({"a": tv(1, 1), "b": tv(1, 5)}, "a", True, ["b"], "b"),  # the current one finished
        ({"a": tv(1, 9), "b": tv(11, 1)}, "a", False, ["b"], "b"),  # b waited over 10 s
        ({"a": tv(1, 9), "b": tv(2, 1)}, "a", False, ["b"], None),  # a keeps the stream
        ({"a": tv(6, 1), "b": tv(1, 9)}, "a", False, ["b"], "b"),  # a's share too small for its wait
        ({"a": tv(None, 1)}, "", False, ["a"], None),  # never updated: not a candidate
        ({}, "", False, [], None),
    ],
)
def test_fair_choice(
    vertexes: dict[str, TraceVertex], current: str, current_completed: bool, rest: list[str], expected: str | None
) -> None:
    assert fair_choice(vertexes, current, current_completed, rest, NOW) == expected
