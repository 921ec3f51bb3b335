"""What ``depot bake`` prints and writes once its targets are done: each failed target's error block, the
final error naming the failed targets, and the ``--metadata-file`` map (one entry per target, as buildx
v0.13's ``bake --metadata-file`` writes it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from depotci.core.buildkit.metadata import decode_exporter_response, pushed_with_moby
from depotci.core.buildkit.progress import Printer, SourceSnippet, Vertex, render_source
from depotci.core.buildkit.solve_errors import SolveErrorInfo
from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.buildopts.plan_model import SolvePlan
from depotci.core.errors import BuildFailed, DepotError

__all__ = [
    "TargetFailure",
    "bake_error",
    "failed_vertex",
    "render_target_failure",
    "target_metadata",
]


@dataclass
class TargetFailure:
    """Why a target failed: the error, and BuildKit's details when the solve itself failed."""

    error: DepotError
    info: SolveErrorInfo | None = None


def _owned(name: str, prefix: str) -> bool:
    return not prefix or name.startswith((f"[{prefix} ", f"[{prefix}]"))


def failed_vertex(printer: Printer, info: SolveErrorInfo | None, prefix: str) -> Vertex | None:
    """The vertex a target's failure points at: the one BuildKit named, else the target's first failed
    vertex (``prefix`` is the target's progress prefix, ``""`` when names carry none)."""
    failed = printer.failed_vertices()
    if info is not None and info.vertex:
        for v in failed:
            if v.digest == info.vertex:
                return v
    return next((v for v in failed if _owned(v.name, prefix)), None)


def _shown(name: str, prefix: str, others: Sequence[str]) -> str:
    """A step shared by several targets carries the prefix of the last one that reported it; show it
    under ``prefix``."""
    if not prefix or _owned(name, prefix):
        return name
    for other in sorted(others, key=len, reverse=True):
        for mark in (f"[{other} ", f"[{other}]"):
            if name.startswith(mark):
                return f"[{prefix}{mark[len(other) + 1 :]}{name[len(mark) :]}"
    return name


def render_target_failure(
    printer: Printer,
    name: str,
    failure: TargetFailure,
    prefix: str,
    *,
    error_line: bool = False,
    others: Sequence[str] = (),
) -> str:
    """buildx's error block for one failed target: the failed step with its last log lines, the source
    excerpt, and with ``error_line`` (several targets failed) ``ERROR: target NAME: message``.
    ``prefix`` is the target's progress prefix (``""`` when names carry none), ``others`` the other
    targets' prefixes."""
    out: list[str] = []
    vertex = failed_vertex(printer, failure.info, prefix)
    if vertex is not None and printer.mode != "quiet":
        out.append(f"------\n > {_shown(vertex.name, prefix, others)}:\n")
        out += [line + "\n" for line in printer.error_logs(vertex.digest)]
        out.append("------\n")
    if failure.info is not None:
        out += [render_source(SourceSnippet(f, d, r)) for f, d, r in failure.info.sources]
    if error_line:
        out.append(f"ERROR: target {name}: {failure.error.message}\n")
    return "".join(out)


def bake_error(failures: Mapping[str, TargetFailure], total: int) -> DepotError:
    """The one error ``depot bake`` exits with: a lone target's own error; one failed target among several
    as ``target "NAME" failed: <its error>`` (with its step and location for CI annotations); several as
    ``K of N targets failed: a, b``."""
    names = sorted(failures)
    first = failures[names[0]].error
    if total == 1:
        return first
    if len(names) == 1:
        message = f'target "{names[0]}" failed: {first.message}'
        if isinstance(first, BuildFailed):
            return BuildFailed(message, step=first.step, log_tail=first.log_tail, location=first.location,
                               warnings=first.warnings)
        try:
            return type(first)(message)
        except TypeError:  # an error type with another constructor (ApiError)
            return DepotError(message)
    return BuildFailed(f"{len(names)} of {total} targets failed: {', '.join(names)}")


def target_metadata(plan: SolvePlan, response: Mapping[str, str], ref: str) -> dict[str, Any]:
    """One target's entry of the ``--metadata-file`` map (what ``depot build`` writes), keys sorted."""
    if any(e.type == "moby" and parse_go_bool(e.attrs.get("push", "")) for e in plan.exporters):
        response = pushed_with_moby(response)
    metadata = decode_exporter_response(response)
    metadata["buildx.build.ref"] = f"default/default/{ref}"
    return {k: metadata[k] for k in sorted(metadata)}

