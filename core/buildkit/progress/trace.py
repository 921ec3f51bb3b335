"""The state every display keeps: vertexes in start order, their statuses, log lines and warnings.

Follows BuildKit's ``util/progress/progressui`` ``trace.update``: progress groups fold their members into
one synthetic vertex, a vertex may run in several intervals (merged for timing), log chunks are split at
newlines and each new line gets the builder-side elapsed time since the vertex started (``0.123 line``).
Which vertexes changed since the last print is kept in ``updates`` for the plain printer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from depotci.core.buildkit.progress.model import SolveStatus, Vertex, VertexStatus, VertexWarning

__all__ = ["CANCELED_SUFFIX", "Interval", "Trace", "TraceVertex", "format_bytes", "merge_intervals"]

CANCELED_SUFFIX = "context canceled"
_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def format_bytes(n: int) -> str:
    """Bytes as BuildKit prints them (``tonistiigi/units``, ``%.2f``): ``512B``, ``1.23kB``, ``4.50MB``."""
    unit = 0
    base = 1
    while abs(n) >= base * 1000 and unit < len(_DECIMAL_UNITS) - 1:
        base *= 1000
        unit += 1
    if unit == 0:
        return f"{n}B"
    return f"{n / base:.2f}{_DECIMAL_UNITS[unit]}"


@dataclass(frozen=True)
class Interval:
    """A span a vertex ran for; ``stop`` is ``None`` while it runs."""

    start: float
    stop: float | None = None

    def duration(self, now: float) -> float:
        """Seconds run, up to ``now`` for an open interval."""
        return (now if self.stop is None else self.stop) - self.start


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Combine overlapping intervals; an open one swallows everything that starts after it."""
    ivals = sorted(intervals, key=lambda i: i.start)
    if not ivals:
        return []
    merged: list[Interval] = []
    cur = ivals[0]
    for nxt in ivals[1:]:
        stop = cur.stop
        if stop is None:
            merged.append(cur)
            return merged
        if stop < nxt.start:
            merged.append(cur)
            cur = nxt
            continue
        if nxt.stop is None:
            merged.append(Interval(cur.start, None))
            return merged
        if stop >= nxt.stop:
            continue
        cur = Interval(cur.start, nxt.stop)
    merged.append(cur)
    return merged


class TraceVertex:
    """Mutable display state of one vertex (or of one progress group)."""

    def __init__(self, vertex: Vertex, *, hidden: bool = False, group: bool = False) -> None:
        self.vertex = vertex
        self.prev: Vertex | None = None
        self.status_order: list[str] = []
        self.by_id: dict[str, VertexStatus] = {}
        self.status_updates: set[str] = set()
        self.index = 0
        self.lines: list[bytes] = []  # "<elapsed> <text>"; the last one may be partial
        self.raw: list[bytes] = []  # the same lines without the elapsed time
        self.logs_partial = False
        self.log_bytes = 0
        self.log_pos = 0  # plain printer: first line not fully printed, and bytes of it already printed
        self.log_offset = 0
        self.warning_idx = 0
        self.term_count = 0  # tty printer: how often its log lines were shown
        self.warnings: list[VertexWarning] = []
        self.last_block_time: float | None = None
        self.count = 0
        self.intervals: dict[float, Interval] = {}
        self.merged: list[Interval] = []
        self.hidden = hidden
        self.sub_vtxs: dict[str, Vertex] | None = {} if group else None

    def bump(self, now: float) -> None:
        """Count one update; the first one since the vertex was last shown starts its waiting time."""
        if self.count == 0:
            self.last_block_time = now
        self.count += 1

    def is_started(self) -> bool:
        """Whether it ran at least once."""
        return bool(self.merged)

    def is_completed(self) -> bool:
        """Whether its latest run has ended."""
        return bool(self.merged) and self.merged[-1].stop is not None

    def statuses(self) -> list[VertexStatus]:
        """Started statuses in the order they started."""
        return [self.by_id[i] for i in self.status_order]

    def _refresh_group(self) -> tuple[bool, bool, bool]:
        assert self.sub_vtxs is not None
        changed = newly_started = False
        already_started = self.is_started()
        was_hidden = self.hidden
        cached = True
        error = self.vertex.error
        for sub in self.sub_vtxs.values():
            if sub.started is not None:
                ival = Interval(sub.started, sub.completed)
                if self.intervals.get(sub.started) != ival:
                    changed = True
                if not already_started:
                    newly_started = True
                self.intervals[sub.started] = ival
                if sub.progress_group is not None and not sub.progress_group.weak:
                    self.hidden = False
            cached = cached and sub.cached
            if not error:
                error = sub.error
            else:
                self.hidden = False
        if cached != self.vertex.cached or error != self.vertex.error:
            changed = True
        self.vertex = replace(self.vertex, cached=cached, error=error)
        newly_revealed = was_hidden and not self.hidden
        changed = changed or newly_revealed
        self.merged = merge_intervals(self.intervals.values())
        return changed, newly_started, newly_revealed


def _elapsed(sec: float) -> str:
    prec = 3 if sec < 10 else 2 if sec < 100 else 1
    return f"{sec:.{prec}f}"


class Trace:
    """Everything received so far, updated one ``SolveStatus`` at a time."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.by_digest: dict[str, TraceVertex] = {}
        self.vertexes: list[TraceVertex] = []
        self.updates: dict[str, None] = {}
        self.groups: dict[str, TraceVertex] = {}
        self.start_time: float | None = None
        self.local_time_diff = 0.0

    def update(self, s: SolveStatus) -> None:
        """Fold one status message into the state."""
        now = self.clock()
        seen_groups: dict[str, None] = {}
        for v in s.vertexes:
            if self.start_time is None:
                self.start_time = v.started
            if v.progress_group is not None:
                self._add_to_group(v, seen_groups)
                continue
            prev = self.by_digest.get(v.digest)
            tv = prev if prev is not None else TraceVertex(v)
            self.by_digest[v.digest] = tv
            self._vertex_event(tv, v, now)
            if v.started is not None and (prev is None or not prev.is_started()):
                if self.local_time_diff == 0:
                    self.local_time_diff = now - v.started
                self.vertexes.append(tv)
            if prev is None or not prev.is_started() or v.started is not None:
                tv.vertex = v
            if v.started is not None:
                tv.intervals[v.started] = Interval(v.started, v.completed)
                tv.merged = merge_intervals(tv.intervals.values())
        for gid in seen_groups:
            self._refresh_group(self.groups[gid], now)
        for st in s.statuses:
            self._status(st, now)
        for w in s.warnings:
            if (wv := self.by_digest.get(w.vertex)) is not None:
                wv.warnings.append(w)
                wv.bump(now)
        for log in s.logs:
            if (lv := self.by_digest.get(log.vertex)) is not None:
                self._log(lv, log.data, log.timestamp)
                self.updates[lv.vertex.digest] = None
                lv.bump(now)

    def _add_to_group(self, v: Vertex, seen: dict[str, None]) -> None:
        assert v.progress_group is not None
        gid = v.progress_group.id
        group = self.groups.get(gid)
        if group is None:
            group = TraceVertex(Vertex(digest=gid, name=v.progress_group.name), hidden=True, group=True)
            self.groups[gid] = group
            self.by_digest[gid] = group
        seen[gid] = None
        assert group.sub_vtxs is not None
        group.sub_vtxs[v.digest] = v
        self.by_digest[v.digest] = group

    def _refresh_group(self, group: TraceVertex, now: float) -> None:
        changed, newly_started, newly_revealed = group._refresh_group()
        if newly_started and self.local_time_diff == 0:
            self.local_time_diff = now - group.merged[0].start
        if group.hidden:
            return
        if newly_revealed:
            self.vertexes.append(group)
        if changed:
            group.bump(now)
            self.updates[group.vertex.digest] = None

    def _vertex_event(self, tv: TraceVertex, v: Vertex, now: float) -> None:
        if v.started is None:
            return
        old = tv.prev if tv.prev is not None else Vertex(digest="")
        changed = (
            v.digest != old.digest
            or v.name != old.name
            or v.started != old.started
            or v.completed is not None  # Go compares the pointers: a repeated completion counts
            or v.cached != old.cached
            or v.error != old.error
        )
        if changed:
            tv.bump(now)
            self.updates[v.digest] = None
        tv.prev = v

    def _status(self, st: VertexStatus, now: float) -> None:
        tv = self.by_digest.get(st.vertex)
        if tv is None:
            return
        prev = tv.by_id.get(st.id)
        if st.started is not None and (prev is None or prev.started is None):
            tv.status_order.append(st.id)
        tv.by_id[st.id] = st
        tv.status_updates.add(st.id)
        self.updates[tv.vertex.digest] = None
        tv.bump(now)

    def _log(self, tv: TraceVertex, data: bytes, timestamp: float) -> None:
        tv.log_bytes += len(data)
        pieces = data.split(b"\n")
        complete = bool(data) and pieces[-1] == b""
        if complete:
            pieces.pop()
        for i, piece in enumerate(pieces if data else []):
            if tv.logs_partial and tv.lines and i == 0:
                tv.lines[-1] += piece
                tv.raw[-1] += piece
                continue
            sec = timestamp - tv.merged[-1].start if tv.merged else 0.0
            tv.lines.append(_elapsed(sec).encode() + b" " + piece)
            tv.raw.append(piece)
        tv.logs_partial = not complete
