"""``--progress=tty``: BuildKit's redrawing status block.

::

    [+] Building 3.4s (5/7)                                             docker:default
     => [internal] load build definition from Dockerfile                          0.0s
     => => transferring dockerfile: 96B                                           0.0s
     => [2/3] RUN make                                                            2.1s
     => => # compiling foo.c

Each frame moves the cursor back over the previous one and clears every line it rewrites. Frames are
drawn at most every ``interval`` seconds on update (``refresh`` draws on demand, for a ticker), and once
more, complete and unclipped, on ``close``. The stream need not be a terminal: the size then defaults to
BuildKit's 80x10 unless given.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from depotci.core.buildkit.progress.base import BasePrinter
from depotci.core.buildkit.progress.trace import CANCELED_SUFFIX, Interval, TraceVertex, format_bytes

__all__ = ["TtyPrinter", "terminal_size"]

BLUE, YELLOW, RED, FAINT, RESET = "\x1b[34m", "\x1b[33m", "\x1b[31m", "\x1b[2m", "\x1b[0m"
HIDE_CURSOR, SHOW_CURSOR, CLEAR_LINE = "\x1b[?25l", "\x1b[?25h", "\x1b[2K"
TERM_PAD = 10
DEFAULT_LOG_LINES = 6


def terminal_size(stream: TextIO) -> tuple[int, int]:
    """Columns and lines of the terminal behind ``stream``; BuildKit's 80x10 when it has none."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return 80, 10
    if size.columns > 0 and size.lines > 0:
        return size.columns, size.lines
    return 80, 10


@dataclass
class _Job:
    name: str
    intervals: list[Interval]
    completed: bool
    status: str = ""
    error: bool = False
    canceled: bool = False
    vertex: TraceVertex | None = None
    show_term: bool = False


def _align(left: str, right: str, width: int) -> str:
    return f"{left:<{max(width - len(right) - 1, 0)}} {right}"


def _wrap_height(jobs: list[_Job], limit: int) -> list[_Job]:
    # keep the newest `limit` rows, but pull running ones that would scroll away back in
    if limit < 0:
        return []
    if len(jobs) <= limit:
        return list(jobs)
    cut = len(jobs) - limit
    wrapped = jobs[cut:]
    invisible = [j for j in jobs[:cut] if not j.completed]
    if not invisible:
        return wrapped
    budget = len(invisible)
    rewrapped = []
    for j in wrapped:
        if not j.completed or budget <= 0:
            rewrapped.append(j)
        budget -= 1
    free = len(wrapped) - len(rewrapped)
    return invisible[len(invisible) - free :] + rewrapped


class TtyPrinter(BasePrinter):
    """Redraws the running build in place."""

    mode = "tty"
    error_log_limit = None

    def __init__(
        self,
        stream: TextIO,
        *,
        description: str = "",
        phase: str = "Building",
        prefix: str = "",
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        size: tuple[int, int] | None = None,
        interval: float = 0.1,
    ) -> None:
        super().__init__(stream, prefix=prefix, clock=clock)
        env = env or {}
        self.description = description
        self.phase = phase
        self.color = not env.get("NO_COLOR")
        lines = env.get("BUILDKIT_TTY_LOG_LINES", "")
        self.log_lines = int(lines) if lines.isdigit() and int(lines) > 0 else DEFAULT_LOG_LINES
        self.size = size
        self.interval = interval
        self._last_draw: float | None = None
        self._line_count = 0

    def _draw(self) -> None:
        now = self.clock()
        if self._last_draw is None or now - self._last_draw >= self.interval:
            self._render(final=False)

    def _redraw(self) -> None:
        self._render(final=False)

    def _finish(self) -> None:
        self._render(final=True)

    def _render(self, *, final: bool) -> None:
        now = self.clock()
        self._last_draw = now
        width, height = self.size or terminal_size(self.stream)
        lines = self.frame(width, height, final=final, now=now)
        out = [f"\x1b[{self._line_count}A" if self._line_count else "", "\r", HIDE_CURSOR]
        out += [CLEAR_LINE + line + "\n" for line in lines]
        if (extra := self._line_count - len(lines)) > 0:
            out.append((CLEAR_LINE + "\n") * extra + f"\x1b[{extra}A")
        out.append(SHOW_CURSOR)
        self._line_count = len(lines)
        self.stream.write("".join(out))
        self.stream.flush()

    def _paint(self, text: str, color: str) -> str:
        return f"{color}{text}{RESET}" if self.color and color else text

    # -- the frame ----------------------------------------------------------------------------------------

    def frame(self, width: int, height: int, *, final: bool, now: float) -> list[str]:
        """The lines of one frame (with colour codes, without cursor movement)."""
        t = self.trace
        start = t.start_time + t.local_time_diff if t.start_time is not None else now
        visible = [v for v in t.by_digest.values() if v.vertex.progress_group is None and not v.hidden]
        total, done = len(visible), sum(1 for v in visible if v.is_completed())
        state = "FINISHED" if done > 0 and done == total and final else ""
        head = f"[+] {self.phase} {now - start:.1f}s ({done}/{total}) {state}"
        head = _align(head, self.description, width - 1) if self.description else _align(head, "", width)
        lines = [head[:width].rstrip()]
        jobs = self._setup_terminals(self._jobs(now), width, height, final)
        for j in jobs:
            lines += self._job_lines(j, width, now)
        return lines

    def _jobs(self, now: float) -> list[_Job]:
        diff = self.trace.local_time_diff

        def shift(i: Interval) -> Interval:
            return Interval(i.start + diff, None if i.stop is None else i.stop + diff)

        jobs: list[_Job] = []
        for v in self.trace.vertexes:
            vx = v.vertex
            j = _Job(
                name=vx.name.replace("\t", " "),
                intervals=[shift(i) for i in v.intervals.values()],
                completed=all(i.stop is not None for i in v.intervals.values()),
                vertex=v,
            )
            if vx.error:
                j.canceled = vx.error.endswith(CANCELED_SUFFIX)
                j.error = not j.canceled
                j.name = ("CANCELED " if j.canceled else "ERROR ") + j.name
            if vx.cached:
                j.name = "CACHED " + j.name
            jobs.append(j)
            for s in v.statuses():
                assert s.started is not None
                amount = ""
                if s.total != 0:
                    amount = f"{format_bytes(s.current)} / {format_bytes(s.total)}"
                elif s.current != 0:
                    amount = format_bytes(s.current)
                ival = shift(Interval(s.started, s.completed))
                jobs.append(_Job("=> " + s.id, [ival], s.completed is not None, status=amount))
            latest = shift(v.merged[-1]) if v.merged else Interval(now, now)
            for w in v.warnings:
                short = w.short.decode("utf-8", "replace")
                jobs.append(_Job("WARN: " + short, [latest], False, canceled=True))
        return jobs

    def _setup_terminals(self, jobs: list[_Job], width: int, height: int, final: bool) -> list[_Job]:
        candidates = [j for j in jobs if j.vertex is not None and j.vertex.log_bytes > 0 and not j.completed]
        in_use = sum(1 for j in jobs if not j.completed)
        candidates.sort(key=lambda j: -(j.vertex.log_bytes + j.vertex.term_count * 50) if j.vertex else 0)
        free = height - 2 - in_use
        limit = self.log_lines + 3
        hidden = 0
        for j in candidates:
            if free <= limit:
                break
            j.show_term = True
            hidden += len(self._term_lines(j, width))
            free -= limit
        return jobs if final else _wrap_height(jobs, height - 2 - hidden)

    def _term_lines(self, j: _Job, width: int) -> list[str]:
        assert j.vertex is not None
        out = []
        for raw in j.vertex.raw[-self.log_lines :]:
            text = raw.decode("utf-8", "replace").rsplit("\r", 1)[-1].replace("\t", "    ")
            if text.strip(" "):
                out.append(text[: max(width - TERM_PAD, 1)])
        return out

    def _job_lines(self, j: _Job, width: int, now: float) -> list[str]:
        if not j.intervals:
            return []
        dt = sum(i.duration(now) for i in j.intervals)
        if dt < 0.05:
            dt = 0.0
        pfx, timer = " => ", f" {dt:3.1f}s"
        left = width - len(pfx) - len(timer) - 2
        show_status = False
        if j.status and left + len(j.status) > 20:
            show_status = True
            left -= len(j.status) + 1
        if left < 12:  # too small a screen to show progress
            return []
        out = pfx + j.name[:left] + (" " + j.status if show_status else "")
        line = _align(out, timer, width - 1)
        if j.completed:
            line = self._paint(line, YELLOW if j.canceled else RED if j.error else BLUE)
        lines = [line]
        if j.show_term:
            lines += [self._paint(f" => => # {t}", FAINT) for t in self._term_lines(j, width)]
            assert j.vertex is not None
            j.vertex.term_count += 1
        return lines
