"""Core results and errors → GitHub annotations (``::error file=…,line=…::``, ``::warning …``).

Paths are made relative to the workspace, which is what GitHub resolves them against; a path outside the
workspace is left as it is (GitHub then shows the annotation without a file link).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from depotci.core.diagnostics import Diagnostic, read_dockerfiles, run_warnings
from depotci.core.errors import BuildFailed, DepotError

__all__ = ["Annotation", "error_annotation", "warning_annotations", "workspace_path"]

_LINE_SUFFIX = re.compile(r"\s*\(line (\d+)\)\s*$")


@dataclass(frozen=True)
class Annotation:
    """One annotation: ``level`` is error, warning or notice; ``line`` 0 when unknown."""

    level: str
    message: str
    file: str = ""
    line: int = 0
    title: str = ""

    def one_line(self) -> str:
        """``file:line: first line of the message`` (the place left out when unknown), for the summary."""
        where = f"{self.file}:{self.line}: " if self.file and self.line else f"{self.file}: " if self.file else ""
        return where + self.message.split("\n", 1)[0]


def workspace_path(path: str, workspace: str, cwd: str) -> str:
    """``path`` (absolute, or relative to ``cwd``) relative to ``workspace`` when it lies inside it."""
    if not path:
        return ""
    full = os.path.normpath(os.path.join(cwd, path))
    for base in dict.fromkeys((workspace, os.path.realpath(workspace)) if workspace else ()):
        for candidate in dict.fromkeys((full, os.path.realpath(full))):
            rel = os.path.relpath(candidate, base)
            if rel != ".." and not rel.startswith("../"):
                return rel
    return path


def error_annotation(err: DepotError, *, workspace: str, cwd: str, title: str = "") -> Annotation:
    """The error annotation for ``err``: on the Dockerfile line BuildKit reported when there is one."""
    loc = err.location
    message = err.message
    if isinstance(err, BuildFailed) and err.step:
        message = f"{message}\nstep: {err.step}"
        if err.log_tail:
            message += "\n" + "\n".join(err.log_tail[-10:])
    if loc is None:
        return Annotation("error", message, title=title)
    return Annotation("error", message, workspace_path(loc.file, workspace, cwd), loc.line, title)


def _from_metadata(diags: Sequence[Diagnostic], workspace: str, cwd: str) -> list[Annotation]:
    out: list[Annotation] = []
    for d in diags:
        message = d.summary + (f"\nMore info: {d.url}" if d.url else "")
        out.append(Annotation("warning", message, workspace_path(d.file, workspace, cwd), d.line, d.detail))
    return out


def warning_annotations(
    metadata: Mapping[str, Any],
    progress_warnings: Iterable[str],
    dockerfiles: Sequence[str],
    *,
    workspace: str,
    cwd: str,
    failure: DepotError | None = None,
) -> list[Annotation]:
    """BuildKit warnings as annotations, on the Dockerfile each is about (workspace-relative).

    Prefers buildx's ``buildx.build.warnings`` metadata (full source info), placed among ``dockerfiles``
    (the Dockerfiles the build read, relative to ``cwd`` or absolute); otherwise the ``WARN:`` lines of the
    progress, whose text ends with ``(line N)``, on the first Dockerfile. A failed build has no metadata:
    the warnings come from ``failure``.
    """
    diags = run_warnings(metadata, failure, read_dockerfiles(os.path.join(cwd, p) for p in dockerfiles if p))
    if diags:
        return _from_metadata(diags, workspace, cwd)
    first = workspace_path(dockerfiles[0], workspace, cwd) if dockerfiles and dockerfiles[0] else ""
    out: list[Annotation] = []
    for text in progress_warnings:
        m = _LINE_SUFFIX.search(text)
        rule, sep, rest = text.partition(": ")
        title = rule if sep and " " not in rule else ""
        message = _LINE_SUFFIX.sub("", rest if title else text)
        out.append(Annotation("warning", message, first if m else "", int(m.group(1)) if m else 0, title))
    return out
