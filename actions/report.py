"""What both actions report the same way: outputs, annotations, the Depot ids, error excerpts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from depotci.actions.annotations import Annotation
from depotci.actions.outputs import Workflow
from depotci.core.errors import BuildFailed, DepotError

__all__ = ["MAX_ANNOTATIONS", "annotate", "depot_ids", "error_excerpt", "publish_outputs"]

MAX_ANNOTATIONS = 10  # GitHub keeps 10 errors and 10 warnings per step and drops the rest silently


def publish_outputs(wf: Workflow, outputs: Mapping[str, str]) -> None:
    """Set every output (empty ones too, so a later step sees a defined value)."""
    for name, value in outputs.items():
        wf.set_output(name, value)


def annotate(wf: Workflow, annotations: Iterable[Annotation]) -> None:
    """Emit annotations, at most ``MAX_ANNOTATIONS`` per level; the rest go to the log as plain lines."""
    seen: dict[str, int] = {}
    for a in annotations:
        seen[a.level] = seen.get(a.level, 0) + 1
        if seen[a.level] > MAX_ANNOTATIONS:
            wf.log.write(f"{a.level}: {a.file}:{a.line}: {a.message}\n")
            continue
        wf.command(a.level, a.message, file=a.file, line=a.line, title=a.title)


def depot_ids(metadata: Mapping[str, Any]) -> tuple[str, str]:
    """``(build ID, project ID)`` from the ``depot.build`` metadata entry (empty for direct builds)."""
    info = metadata.get("depot.build")
    if not isinstance(info, Mapping):
        return "", ""
    return str(info.get("buildID") or ""), str(info.get("projectID") or "")


def error_excerpt(err: DepotError) -> str:
    """The failed step, its log tail, the Dockerfile lines and the error — what the summary shows."""
    lines: list[str] = []
    if isinstance(err, BuildFailed):
        if err.step:
            lines.append(f"> {err.step}:")
        lines += list(err.log_tail)
        if err.location is not None and err.source_lines:
            lines.append(f"{err.location.file}:{err.location.line}")
            for number, text in err.source_lines:
                marker = ">>>" if number == err.location.line else "   "
                lines.append(f" {number:3d} | {marker} {text}")
    lines.append(f"ERROR: {err}")
    return "\n".join(lines)
