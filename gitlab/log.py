"""The job log: collapsible sections and a masking stream.

Sections use GitLab's markers (``doc/ci/jobs/job_logs.md``): ``\\e[0Ksection_start:<unix ts>:<name>[collapsed=true]\\r\\e[0K<header>``
… ``\\e[0Ksection_end:<unix ts>:<name>\\r\\e[0K``. ``MaskedStream`` replaces every registered secret with
``[MASKED]`` before a line reaches the log (GitLab only masks the variables marked masked in its settings;
tokens the adapter handles and ``secrets`` values are masked here) and lets the adapter watch lines
(to pick up the build link).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO, cast

__all__ = ["MaskedStream", "section", "section_end", "section_start"]

_NAME = re.compile(r"[^A-Za-z0-9_.-]")
MASK = "[MASKED]"


def _name(name: str) -> str:
    return _NAME.sub("_", name)


def section_start(name: str, header: str, *, collapsed: bool = False, now: float | None = None) -> str:
    """The marker that opens section ``name`` (characters GitLab does not allow become ``_``)."""
    ts = int(time.time() if now is None else now)
    opts = "[collapsed=true]" if collapsed else ""
    return f"\x1b[0Ksection_start:{ts}:{_name(name)}{opts}\r\x1b[0K{header}\n"


def section_end(name: str, *, now: float | None = None) -> str:
    """The marker that closes section ``name``."""
    ts = int(time.time() if now is None else now)
    return f"\x1b[0Ksection_end:{ts}:{_name(name)}\r\x1b[0K\n"


@contextmanager
def section(stream: TextIO, name: str, header: str, *, collapsed: bool = False) -> Iterator[None]:
    """Write the section markers around the body (the end marker also when the body raises)."""
    stream.write(section_start(name, header, collapsed=collapsed))
    stream.flush()
    try:
        yield
    finally:
        stream.flush()
        stream.write(section_end(name))
        stream.flush()


class MaskedStream(io.TextIOBase):
    """A text stream that masks secrets line by line and reports each line to ``watchers``.

    Output is held until a newline (or ``flush``) so a secret split over two writes is still masked.
    """

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._secrets: list[str] = []
        self._pending = ""
        self.watchers: list[Callable[[str], None]] = []

    def mask(self, *values: str) -> None:
        """Mask these values (and each line of a multi-line value) from now on; short values are ignored
        (masking ``a`` would shred the log)."""
        for value in values:
            for part in (value, *value.splitlines()):
                part = part.strip()
                if len(part) >= 4 and part not in self._secrets:
                    self._secrets.append(part)
        self._secrets.sort(key=len, reverse=True)

    def masked(self, text: str) -> str:
        """``text`` with every registered secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    @property
    def text(self) -> TextIO:
        """This stream typed as the ``TextIO`` the core's commands take."""
        return cast(TextIO, self)

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self._pending += s
        if "\n" in self._pending:
            done, _, self._pending = self._pending.rpartition("\n")
            self._emit(done + "\n")
        return len(s)

    def _emit(self, text: str) -> None:
        text = self.masked(text)
        for line in text.splitlines():
            for watch in self.watchers:
                watch(line)
        self._target.write(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self._emit(pending)
        self._target.flush()

    def isatty(self) -> bool:
        return False
