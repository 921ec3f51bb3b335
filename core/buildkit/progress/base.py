"""What every progress printer answers, and the quiet printer (which only keeps state).

A printer is fed ``SolveStatus`` messages with ``update`` and finished with ``close``. Afterwards the
command asks it about the build: the warnings, the failed vertex and its last log lines, which
``render_failure`` turns into buildx's error block.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO

from depotci.core.buildkit.progress.model import SolveStatus, Vertex, VertexWarning, with_prefix
from depotci.core.buildkit.progress.trace import CANCELED_SUFFIX, Trace, TraceVertex

__all__ = ["BasePrinter", "Printer", "QuietPrinter"]


class Printer(Protocol):
    """A progress display over one build's status stream."""

    mode: str

    def update(self, status: SolveStatus) -> None:
        """Take one status message (and maybe redraw)."""

    def refresh(self) -> None:
        """Redraw timers without new input (a no-op where nothing ticks)."""

    def close(self) -> None:
        """Print the final state; call once, after the stream ends or fails."""

    def warnings(self) -> list[VertexWarning]:
        """Every warning received, in arrival order."""

    def vertex_name(self, digest: str) -> str:
        """The (prefixed) name of a vertex, or ``""`` when unknown."""

    def log_tail(self, digest: str, n: int = 10) -> list[str]:
        """The vertex's last ``n`` output lines, without timestamps."""

    def failed_vertices(self) -> list[Vertex]:
        """Vertexes that ended with an error other than cancellation, in start order."""

    def failed_vertex(self) -> Vertex | None:
        """The first of ``failed_vertices``, if any."""

    def error_logs(self, digest: str) -> list[str]:
        """The log lines buildx reprints for a failed vertex (``0.123 line``); none in quiet mode."""


class BasePrinter:
    """The state-keeping half shared by all printers; subclasses draw."""

    mode: str = "quiet"
    error_log_limit: int | None = 0  # how many lines error_logs keeps; None for all

    def __init__(self, stream: TextIO, *, prefix: str = "", clock: Callable[[], float] = time.time) -> None:
        self.stream = stream
        self.prefix = prefix
        self.clock = clock
        self.trace = Trace(clock)
        self._warnings: list[VertexWarning] = []
        self.closed = False
        self._lock = threading.Lock()  # a ticker thread may refresh while the stream updates

    def update(self, status: SolveStatus) -> None:
        """Record ``status`` (after prefixing its vertex names), then let the subclass draw."""
        status = with_prefix(status, self.prefix)
        with self._lock:
            self.trace.update(status)
            self._warnings.extend(status.warnings)
            self._draw()

    def _draw(self) -> None:
        """Draw after an update; nothing by default."""

    def refresh(self) -> None:
        """Redraw without input (timers tick on); safe to call from another thread."""
        with self._lock:
            if not self.closed:
                self._redraw()

    def _redraw(self) -> None:
        """Redraw on ``refresh``; nothing by default."""

    def close(self) -> None:
        """Finish; idempotent."""
        with self._lock:
            if not self.closed:
                self.closed = True
                self._finish()

    def _finish(self) -> None:
        """Print the final state; nothing by default."""

    def warnings(self) -> list[VertexWarning]:
        """Every warning received, in arrival order."""
        return list(self._warnings)

    def _vertex(self, digest: str) -> TraceVertex | None:
        return self.trace.by_digest.get(digest)

    def vertex_name(self, digest: str) -> str:
        """The (prefixed) name of a vertex, or ``""`` when unknown."""
        tv = self._vertex(digest)
        return tv.vertex.name if tv is not None else ""

    def log_tail(self, digest: str, n: int = 10) -> list[str]:
        """The vertex's last ``n`` output lines, without timestamps."""
        tv = self._vertex(digest)
        if tv is None or n <= 0:
            return []
        return [b.decode("utf-8", "replace") for b in tv.raw[-n:]]

    def failed_vertices(self) -> list[Vertex]:
        """Vertexes that ended with an error other than cancellation, in start order."""
        return [
            tv.vertex
            for tv in self.trace.vertexes
            if tv.vertex.error and not tv.vertex.error.endswith(CANCELED_SUFFIX)
        ]

    def failed_vertex(self) -> Vertex | None:
        """The first of ``failed_vertices``, if any."""
        failed = self.failed_vertices()
        return failed[0] if failed else None

    def error_logs(self, digest: str) -> list[str]:
        """The log lines buildx reprints for a failed vertex: the last 10 (plain), all (tty), none (quiet)."""
        tv = self._vertex(digest)
        if tv is None or self.error_log_limit == 0:
            return []
        lines = tv.lines if self.error_log_limit is None else tv.lines[-self.error_log_limit :]
        return [b.decode("utf-8", "replace") for b in lines]


class QuietPrinter(BasePrinter):
    """``--progress=quiet``: prints nothing, still answers questions about the build."""

    mode: str = "quiet"
