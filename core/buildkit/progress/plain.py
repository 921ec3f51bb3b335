"""``--progress=plain``: BuildKit's ``progressui`` text output, line for line.

::

    #0 building with "default" instance using docker driver

    #1 [internal] load build definition from Dockerfile
    #1 transferring dockerfile: 96B done
    #1 DONE 0.0s

    #5 [2/3] RUN echo hi
    #5 0.212 hi
    #5 DONE 0.3s

Vertexes are numbered in the order they are first printed. When several run at once, the one printed
switches only after a vertex completes, or by BuildKit's fairness rule (a vertex kept waiting over 10 s,
or the current one hogging past its share of a 5 s window); the one left is closed with ``#N ...``.
Unlike BuildKit, every update is printed at once (no 100 ms rate limit): output is the same, only
batched differently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from depotci.core.buildkit.progress.base import BasePrinter
from depotci.core.buildkit.progress.trace import CANCELED_SUFFIX, TraceVertex, format_bytes

__all__ = ["PlainPrinter"]

ANTI_FLICKER = 5.0
MAX_DELAY = 10.0
MIN_TIME_DELTA = 5.0
MIN_PROGRESS_DELTA = 0.05
NAME_LIMIT = 72


@dataclass
class _Stat:
    block_time: float
    speed: float
    over_limit: bool
    share: float = 0.0


def _div(a: float, b: float) -> float:
    # Go float division: x/0 is +Inf (or NaN for 0/0), never an exception
    if b == 0:
        return float("nan") if a == 0 else float("inf")
    return a / b


class PlainPrinter(BasePrinter):
    """Prints ``#N`` lines as updates arrive."""

    mode = "plain"
    error_log_limit = 10

    def __init__(
        self,
        stream: TextIO,
        *,
        description: str = "",
        prefix: str = "",
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(stream, prefix=prefix, clock=clock)
        self.description = description
        self.truncate_names = (env or {}).get("PROGRESS_NO_TRUNC") == "0"
        self.current = ""
        self.last: dict[str, tuple[int, float]] = {}
        self.not_first = False
        self.next_index = 0
        self._open_status = False

    def _w(self, text: str) -> None:
        self.stream.write(text)

    def _draw(self) -> None:
        self._print()
        self.stream.flush()

    def _finish(self) -> None:
        self._print()
        self.stream.flush()

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
        for i, line in enumerate(pending):
            if i == 0 and tv.log_offset != 0:  # the start of this line was printed already
                self._w(line[tv.log_offset :].decode("utf-8", "replace"))
            else:
                self._w(f"#{tv.index} {line.decode('utf-8', 'replace')}")
            if i != len(pending) - 1 or not tv.logs_partial:
                self._w("\n")
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
        self._fair_pick(current, completed, rest)

    def _fair_pick(self, current: str, completed: list[str], rest: dict[str, None]) -> None:
        now = self.clock()
        stats: dict[str, _Stat] = {}
        total = 0.0
        best = ""
        if current:
            rest[current] = None
        for dgst in rest:
            tv = self.trace.by_digest.get(dgst)
            if tv is None or tv.last_block_time is None:
                continue
            block = now - tv.last_block_time
            speed = _div(tv.count, block)
            stats[dgst] = _Stat(block, speed, block > MAX_DELAY and dgst != current)
            total += speed
            if stats[dgst].over_limit or not best or stats[best].speed < speed:
                best = dgst
        for st in stats.values():
            st.share = _div(st.speed, total)
        if current in completed or not current:
            self._print_vtx(best)
            return
        for dgst in rest:
            if dgst in stats and stats[dgst].over_limit:
                self._print_vtx(dgst)
                return
        cur = stats.get(current)
        if cur is not None and _div(1.0, 1.0 - cur.share) * ANTI_FLICKER < cur.block_time:
            self._print_vtx(best)
