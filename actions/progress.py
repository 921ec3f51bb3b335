"""``ProgressTap``: a text stream that passes the build's plain progress through to the job log and
counts what the summary needs from it: steps finished and cached (``#N DONE``/``#N CACHED``), BuildKit
warnings (``#N WARN: ...``) and the Depot build link (``[depot] build: <url>``)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["ProgressTap", "StepCounts"]

_END = re.compile(r"^#(\d+) (DONE|CACHED|ERROR|CANCELED)\b")
_WARN = re.compile(r"^#\d+ WARN: (.*)$")
_LINK = re.compile(r"^\[depot\] build: (\S+)")


@dataclass
class StepCounts:
    """What the progress showed: step numbers per end state, warnings, the build link."""

    done: set[int] = field(default_factory=set)
    cached: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    build_url: str = ""

    @property
    def total(self) -> int:
        return len(self.done | self.cached | self.failed)


class ProgressTap(io.TextIOBase):
    """Write-through to ``target``; complete lines are parsed into ``counts``."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self.counts = StepCounts()
        self._partial = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> int:
        self.target.write(s)
        text = self._partial + s
        *lines, self._partial = text.split("\n")
        for line in lines:
            self._line(line.rstrip("\r"))
        return len(s)

    def flush(self) -> None:
        self.target.flush()

    def _line(self, line: str) -> None:
        c = self.counts
        if m := _END.match(line):
            step, state = int(m.group(1)), m.group(2)
            {"DONE": c.done, "CACHED": c.cached}.get(state, c.failed).add(step)
        elif m := _WARN.match(line):
            if m.group(1) not in c.warnings:
                c.warnings.append(m.group(1))
        elif m := _LINK.match(line):
            c.build_url = m.group(1)
