"""BuildKit progress display: ``--progress auto|plain|tty|quiet`` as buildx (v0.13) shows it.

Feed ``SolveStatus`` messages (``solve_status_from_proto`` converts the wire ones) to a printer from
``make_printer``; close it; on failure print ``render_failure``, on success ``render_warnings``.
"""

from depotci.core.buildkit.progress.base import BasePrinter, Printer, QuietPrinter
from depotci.core.buildkit.progress.factory import MODES, is_terminal, make_printer, select_mode
from depotci.core.buildkit.progress.failure import (
    SourceSnippet,
    render_failure,
    render_source,
    render_warnings,
)
from depotci.core.buildkit.progress.from_proto import solve_status_from_proto, source_snippet_from_proto
from depotci.core.buildkit.progress.model import (
    ProgressGroup,
    Range,
    SolveStatus,
    SourceInfo,
    Vertex,
    VertexLog,
    VertexStatus,
    VertexWarning,
    with_prefix,
)
from depotci.core.buildkit.progress.plain import PlainPrinter
from depotci.core.buildkit.progress.tty import TtyPrinter

__all__ = [
    "MODES",
    "BasePrinter",
    "PlainPrinter",
    "Printer",
    "ProgressGroup",
    "QuietPrinter",
    "Range",
    "SolveStatus",
    "SourceInfo",
    "SourceSnippet",
    "TtyPrinter",
    "Vertex",
    "VertexLog",
    "VertexStatus",
    "VertexWarning",
    "is_terminal",
    "make_printer",
    "render_failure",
    "render_source",
    "render_warnings",
    "select_mode",
    "solve_status_from_proto",
    "source_snippet_from_proto",
    "with_prefix",
]
