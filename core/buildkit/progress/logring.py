"""The last log lines BuildKit's plain display keeps per vertex, for the error block after a failure.

BuildKit (``progressui`` ``logsBuffer``) puts every log line it prints into a ring of ten slots, and
moves to the next slot only while the vertex's output ends at a newline: while the last line is still
partial, each printed line overwrites the same slot, and the rest of a partial line printed later
replaces its start. The error block lists the ring from the current slot on, so a partial slot comes
first. Kept as is: it decides which lines ``------`` shows.
"""

from __future__ import annotations

__all__ = ["LOGS_BUFFER_SIZE", "LogRing"]

LOGS_BUFFER_SIZE = 10


class LogRing:
    """A fixed ring of printed log lines (``0.123 text``) with BuildKit's advance rule."""

    def __init__(self, size: int = LOGS_BUFFER_SIZE) -> None:
        self.slots: list[str | None] = [None] * size
        self.pos = 0

    def put(self, line: str, *, advance: bool) -> None:
        """Store ``line`` in the current slot; move on when ``advance`` (output ended at a newline)."""
        self.slots[self.pos] = line
        if advance:
            self.pos = (self.pos + 1) % len(self.slots)

    def values(self) -> list[str]:
        """The stored lines from the current slot round to the one before it."""
        order = self.slots[self.pos :] + self.slots[: self.pos]
        return [v for v in order if v is not None]
