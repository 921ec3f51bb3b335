"""Which running vertex the plain display switches to (BuildKit ``textMux.print``'s fairness rule).

Each candidate's speed is its updates since it was last shown over the time it has waited. The current
vertex keeps the stream unless it completed (or there is none), another one waited over ``MAX_DELAY``,
or the current one's wait exceeds ``ANTI_FLICKER / (1 - its share of all speed)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from depotci.core.buildkit.progress.trace import TraceVertex

__all__ = ["ANTI_FLICKER", "MAX_DELAY", "fair_choice"]

ANTI_FLICKER = 5.0
MAX_DELAY = 10.0


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


def fair_choice(
    by_digest: dict[str, TraceVertex], current: str, current_completed: bool, rest: Iterable[str], now: float
) -> str | None:
    """The digest to print next among ``rest`` (changed, still running) and ``current``, or ``None``."""
    candidates = dict.fromkeys(rest)
    if current:
        candidates[current] = None
    stats: dict[str, _Stat] = {}
    total = 0.0
    best = ""
    for dgst in candidates:
        tv = by_digest.get(dgst)
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
    if current_completed or not current:
        return best or None
    for dgst in candidates:
        if dgst in stats and stats[dgst].over_limit:
            return dgst
    cur = stats.get(current)
    if cur is not None and _div(1.0, 1.0 - cur.share) * ANTI_FLICKER < cur.block_time:
        return best or None
    return None
