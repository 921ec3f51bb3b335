"""``--progress=plain``: BuildKit's ``progressui`` text output, line for line.

::

    #0 building with "default" instance using docker driver

    #1 [internal] load build definition from Dockerfile
    #1 transferring dockerfile: 96B done
    #1 DONE 0.0s

    #5 [2/3] RUN echo hi
    #5 0.212 hi
    #5 DONE 0.3s

Like BuildKit's plain display (``progressui`` ``plainDisplay`` with its 100 ms ``rate.Limiter`` and
150 ms ticker), updates are folded into the trace as they arrive and the accumulated changes are printed
in batches: on an update at most every 100 ms (ticks do not count against that), on a tick once no
update came for 150 ms, and on ``close``. So a step whose statuses start and finish within one batch
shows only their final line (``transferring context: 2B done``), and a step updated again right after it
completed is printed once, not twice.

Vertexes are numbered in the order they are first printed. When several run at once, the one printed
switches only after a vertex completes, or by BuildKit's fairness rule (a vertex kept waiting over 10 s,
or the current one hogging past its share of a 5 s window); the one left is closed with ``#N ...``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TextIO

from depotci.core.buildkit.progress.base import BasePrinter
from depotci.core.buildkit.progress.fairness import fair_choice
from depotci.core.buildkit.progress.logring import LogRing
from depotci.core.buildkit.progress.trace import CANCELED_SUFFIX, TraceVertex, format_bytes

__all__ = ["PlainPrinter"]

MIN_TIME_DELTA = 5.0
MIN_PROGRESS_DELTA = 0.05
NAME_LIMIT = 72
_SLACK = 1e-6  # absorbs float rounding in the interval checks


class PlainPrinter(BasePrinter):
    """Prints ``#N`` lines for what changed since the last print.

    ``update`` prints when the last update that printed is ``interval`` (100 ms) old; ``refresh`` (a
    ticker's) prints once nothing arrived for ``idle`` (150 ms) since the last update or tick print;
    ``close`` always prints.
    """

    mode = "plain"

    def __init__(
        self,
        stream: TextIO,
        *,
        description: str = "",
        prefix: str = "",
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        interval: float = 0.1,
        idle: float = 0.15,
    ) -> None:
        super().__init__(stream, prefix=prefix, clock=clock)
        self.interval = interval
        self.idle = idle
        self._last_allowed: float | None = None  # the last update allowed to print
        self._last_update = self._last_tick = float("-inf")
        self._rings: dict[TraceVertex, LogRing] = {}
        self.description = description
        self.truncate_names = (env or {}).get("PROGRESS_NO_TRUNC") == "0"
        self.current = ""
        self.last: dict[str, tuple[int, float]] = {}
        self.not_first = False
        self.next_index = 0
        self._open_status = False

    def _w(self, text: str) -> None:
        self.stream.write(text)

    def _flush(self) -> None:
        self._print()
        self.stream.flush()

    def _draw(self) -> None:
        # BuildKit's rate.Limiter(every 100 ms, burst 1): only prints on update take its token
        now = self.clock()
        self._last_update = now
        if self._last_allowed is None or now - self._last_allowed >= self.interval - _SLACK:
            self._last_allowed = now
            self._flush()

    def _redraw(self) -> None:
        # BuildKit's ticker: reset by every update, it prints once nothing arrived for ``idle``
        now = self.clock()
        if now - max(self._last_update, self._last_tick) >= self.idle - _SLACK:
            self._last_tick = now
            self._flush()

    def _finish(self) -> None:
        self._flush()

    def error_logs(self, digest: str) -> list[str]:
        """The lines BuildKit reprints for a failed vertex: those not yet printed (an unfinished last
        line), then the ring of the last ten printed ones (see ``logring``)."""
        tv = self._vertex(digest)
        if tv is None:
            return []
        pending = tv.lines[tv.log_pos :]  # after the last print: a partial last line, if any
        ring = self._rings.get(tv)
        kept = ring.values() if ring is not None else []
        return [b.decode("utf-8", "replace") for b in pending] + kept

    # -- one vertex -------------------------------------------------------------------------------------

    def _print_vtx(self, dgst: str) -> None:
        tv = self.trace.by_digest.get(dgst)
        if tv is None:
            return
        if tv.index == 0:
            self.next_index += 1
            tv.index = self.next_index
        if dgst != self.current:
            self._switch_to(tv)
        self._print_statuses(tv)
        for w in tv.warnings[tv.warning_idx :]:
            self._w(f"#{tv.index} WARN: {w.short.decode('utf-8', 'replace')}\n")
            tv.warning_idx += 1
        self._print_logs(tv)
        self.current = dgst
        if tv.is_completed() and not self._open_status:
            self.current = ""
            tv.count = 0
            if tv.logs_partial:
                self._w("\n")
            self._w(self._end_line(tv))
        self.trace.updates.pop(dgst, None)

    def _switch_to(self, tv: TraceVertex) -> None:
        if self.current:
            old = self.trace.by_digest[self.current]
            if old.logs_partial:
                self._w("\n")
            old.log_offset = 0
            old.count = 0
            self._w(f"#{old.index} ...\n")
        if self.not_first:
            self._w("\n")
        else:
            if self.description:
                self._w(f"#0 {self.description}\n\n")
            self.not_first = True
        name = tv.vertex.name
        if self.truncate_names and len(name) > NAME_LIMIT:
            name = name[:NAME_LIMIT] + "..."
        self._w(f"#{tv.index} {name}\n")

    def _print_statuses(self, tv: TraceVertex) -> None:
        self._open_status = False  # remote cache loading can send statuses without an open vertex
        for s in tv.statuses():
            if s.id not in tv.status_updates:
                continue
            last = self.last.get(s.id)
            if last is not None and s.completed is None:
                progress = (s.current - last[0]) / s.total if s.total > 0 else 0.0
                if progress < MIN_PROGRESS_DELTA and s.timestamp - last[1] < MIN_TIME_DELTA:
                    continue
            self.last[s.id] = (s.current, s.timestamp)
            amount = ""
            if s.total != 0:
                amount = f" {format_bytes(s.current)} / {format_bytes(s.total)}"
            elif s.current != 0:
                amount = f" {format_bytes(s.current)}"
            tm = ""
            end = s.completed if s.completed is not None else s.timestamp
            if s.started is not None and end - s.started > 0.01:
                tm = f" {end - s.started:.1f}s"
            if s.completed is not None:
                tm += " done"
            else:
                self._open_status = True
            self._w(f"#{tv.index} {s.id}{amount}{tm}\n")
        tv.status_updates.clear()

    def _print_logs(self, tv: TraceVertex) -> None:
        pending = tv.lines[tv.log_pos :]
        for i, raw in enumerate(pending):
            if i == 0 and tv.log_offset != 0:  # the start of this line was printed already
                line = raw[tv.log_offset :].decode("utf-8", "replace")
                self._w(line)
            else:
                line = raw.decode("utf-8", "replace")
                self._w(f"#{tv.index} {line}")
            if i != len(pending) - 1 or not tv.logs_partial:
                self._w("\n")
            # as BuildKit: every line printed goes to the ring, which only moves on while the vertex's
            # output ends at a newline (a partial tail keeps overwriting one slot)
            self._rings.setdefault(tv, LogRing()).put(line, advance=not tv.logs_partial)
        if pending:
            if tv.logs_partial:
                tv.log_pos, tv.log_offset = len(tv.lines) - 1, len(tv.lines[-1])
            else:
                tv.log_pos, tv.log_offset = len(tv.lines), 0

    def _end_line(self, tv: TraceVertex) -> str:
        v = tv.vertex
        if v.error:
            if v.error.endswith(CANCELED_SUFFIX):
                return f"#{tv.index} CANCELED\n"
            return f"#{tv.index} ERROR: {v.error}\n"
        if v.cached:
            return f"#{tv.index} CACHED\n"
        tm = ""
        if tv.merged:
            now = self.clock() - self.trace.local_time_diff
            tm = f" {sum(i.duration(now) for i in tv.merged):.1f}s"
        return f"#{tv.index} DONE{tm}\n"

    # -- which vertex to print ---------------------------------------------------------------------------

    def _visible(self, dgst: str, tv: TraceVertex) -> bool:
        return dgst == tv.vertex.digest and tv.vertex.progress_group is None and not tv.hidden

    def _print(self) -> None:
        t = self.trace
        completed: list[str] = []
        rest: dict[str, None] = {}
        for dgst in list(t.updates):
            tv = t.by_digest.get(dgst)
            if tv is None or not self._visible(dgst, tv):
                continue
            if tv.is_completed():
                completed.append(dgst)
            else:
                rest[dgst] = None
        current = self.current
        if current in completed:
            self._print_vtx(current)
        completed.sort(key=lambda d: t.by_digest[d].merged[-1].stop or 0.0)
        for dgst in completed:
            if dgst != current:
                self._print_vtx(dgst)
        if not rest:
            cur = t.by_digest.get(current) if current else None
            if cur is not None and cur.is_started() and not cur.is_completed():
                return
            for dgst, tv in t.by_digest.items():  # make any open vertex active
                if self._visible(dgst, tv) and tv.is_started() and not tv.is_completed():
                    self._print_vtx(dgst)
                    return
            return
        if current in rest:
            self._print_vtx(current)
        choice = fair_choice(t.by_digest, current, current in completed, rest, self.clock())
        if choice is not None:
            self._print_vtx(choice)
