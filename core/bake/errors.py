"""The bake error: one line exactly as the real CLI prints it, plus a structured position."""

from __future__ import annotations

from depotci.core.bake.hcl.diag import Diag
from depotci.core.errors import InputError, SourceLocation

__all__ = ["BakeError", "from_diag"]


class BakeError(InputError):
    """A bake file, target name or ``--set`` problem. ``str()`` is the real CLI's stderr line."""

    def __init__(self, message: str, *, location: SourceLocation | None = None) -> None:
        super().__init__(message, location=location)

    def __str__(self) -> str:
        return self.message


def from_diag(d: Diag) -> BakeError:
    """Wrap an HCL diagnostic, keeping its range as a SourceLocation."""
    loc = None
    if d.src is not None:
        line, col = d.src.line_col(d.start)
        end_line, _ = d.src.line_col(d.end)
        loc = SourceLocation(d.src.name, line, col, end_line)
    return BakeError(str(d), location=loc)
