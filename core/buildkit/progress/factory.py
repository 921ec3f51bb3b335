"""``--progress auto|plain|tty|quiet``: pick and build a printer.

``auto`` is plain in CI (``CI`` set: depot's rule for ``depot build``, pull and push), else
``BUILDKIT_PROGRESS`` when set (buildx's rule), else tty on a terminal and plain otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TextIO

from depotci.core.buildkit.progress.base import Printer, QuietPrinter
from depotci.core.buildkit.progress.plain import PlainPrinter
from depotci.core.buildkit.progress.tty import TtyPrinter
from depotci.core.errors import UsageError

__all__ = ["MODES", "is_terminal", "make_printer", "select_mode"]

MODES = ("auto", "plain", "tty", "quiet")


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (``False`` for anything without ``isatty``)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def select_mode(mode: str, *, terminal: bool, env: Mapping[str, str], ci_plain: bool = True) -> str:
    """Resolve a ``--progress`` value to ``plain``, ``tty`` or ``quiet``.

    ``ci_plain`` turns ``auto`` into ``plain`` when ``CI`` is set (``depot bake`` does not do this).
    """
    if mode not in MODES:
        raise UsageError(f"invalid --progress value {mode!r}: expected auto, plain, tty or quiet")
    if mode != "auto":
        return mode
    if ci_plain and env.get("CI"):
        return "plain"
    override = env.get("BUILDKIT_PROGRESS", "")
    if override:
        if override not in MODES:
            raise UsageError(
                f"invalid BUILDKIT_PROGRESS value {override!r}: expected auto, plain, tty or quiet"
            )
        if override != "auto":
            return override
    return "tty" if terminal else "plain"


def make_printer(
    mode: str,
    stream: TextIO,
    *,
    env: Mapping[str, str],
    description: str,
    prefix: str = "",
    console_description: str = "",
    ci_plain: bool = True,
    clock: Callable[[], float] = time.time,
    size: tuple[int, int] | None = None,
) -> Printer:
    """A printer for ``mode`` writing to ``stream``.

    ``description`` is the plain header (``building with "default" instance using docker driver``),
    ``console_description`` the tty header's right side (``docker:default``). ``prefix`` marks every
    vertex name like ``docker buildx bake`` marks a target's (``[web 2/3] RUN ...``); leave it empty for
    a single target. ``size`` fixes the tty's columns and lines (default: the terminal's).
    """
    chosen = select_mode(mode, terminal=is_terminal(stream), env=env, ci_plain=ci_plain)
    if chosen == "quiet":
        return QuietPrinter(stream, prefix=prefix, clock=clock)
    if chosen == "tty":
        return TtyPrinter(
            stream, description=console_description, prefix=prefix, env=env, clock=clock, size=size
        )
    return PlainPrinter(stream, description=description, prefix=prefix, env=env, clock=clock)
