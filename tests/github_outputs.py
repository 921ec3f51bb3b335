"""Read a ``GITHUB_OUTPUT`` file as the runner does: ``name<<DELIM`` blocks."""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_outputs"]


def read_outputs(path: Path) -> dict[str, str]:
    """Output name → value of every block in ``path``."""
    out: dict[str, str] = {}
    lines = path.read_text().split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        name, _, delim = lines[i].partition("<<")
        end = lines.index(delim, i + 1)
        out[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out
