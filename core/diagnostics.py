"""Build problems as data, for CI front ends to render (GitHub annotations, GitLab code-quality entries).

A ``Diagnostic`` is one problem at one place in a user file. Two sources produce them:

- ``from_error``: a ``DepotError`` the build raised; a ``BuildFailed`` with a Dockerfile position becomes
  an ``error`` at that file and line, any other error an ``error`` without a position.
- ``from_metadata_warnings``: the ``buildx.build.warnings`` list of a metadata file (BuildKit
  ``VertexWarning`` objects as buildx writes them: ``short``/``detail`` base64, ``url``, ``sourceInfo``,
  ``range``), as ``warning`` entries, each placed on the Dockerfile it is about (given the Dockerfiles
  the build read, from ``read_dockerfiles``).

Paths are kept as the core reported them; the front end makes them relative to its workspace.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from depotci.core.errors import BuildFailed, DepotError

__all__ = ["Diagnostic", "Severity", "from_error", "from_metadata_warnings", "from_warnings", "read_dockerfiles",
           "run_warnings"]

Severity = Literal["error", "warning", "info"]

_LINE_SUFFIX = re.compile(r"\s*\(line \d+\)\s*$")


@dataclass(frozen=True)
class Diagnostic:
    """One problem: ``file`` and 1-based ``line`` (``""``/0 when unknown), a one-line ``summary``, an
    optional multi-line ``detail``, the rule or step it came from (``rule``) and a documentation ``url``."""

    severity: Severity
    summary: str
    file: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    detail: str = ""
    rule: str = ""
    url: str = ""


def from_error(exc: DepotError) -> Diagnostic:
    """The diagnostic for an error a command raised (with the failed step and log tail as detail)."""
    loc = exc.location
    detail, rule = "", type(exc).__name__
    if isinstance(exc, BuildFailed):
        rule = "build-failed"
        parts = [f"step: {exc.step}"] if exc.step else []
        parts += list(exc.log_tail)
        detail = "\n".join(parts)
    return Diagnostic(
        severity="error",
        summary=exc.message,
        file=loc.file if loc else "",
        line=loc.line if loc else 0,
        column=loc.column if loc else 0,
        end_line=loc.end_line if loc else 0,
        detail=detail,
        rule=rule,
    )


def _b64(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value


def _first_line(ranges: Any) -> tuple[int, int]:
    if not isinstance(ranges, list) or not ranges or not isinstance(ranges[0], dict):
        return 0, 0
    start, end = ranges[0].get("start") or {}, ranges[0].get("end") or {}
    return int(start.get("line") or 0), int(end.get("line") or 0)


def _data(source: Any) -> bytes | None:
    value = source.get("data") if isinstance(source, dict) else None
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _place(filename: str, data: bytes | None, dockerfiles: Mapping[str, bytes | None]) -> str:
    """The Dockerfile a warning is about: the first of ``dockerfiles`` whose path ends with ``filename``
    and whose content is the warning's source (buildx's GitHub toolkit rule); else the first whose path
    ends with ``filename``; else ``filename`` as BuildKit reported it."""
    named = [p for p in dockerfiles if filename and (p == filename or p.endswith("/" + filename.lstrip("/")))]
    for path in named:
        if data is None or dockerfiles[path] == data:
            return path
    return named[0] if named else filename


def _warning(w: Mapping[str, Any], dockerfiles: Mapping[str, bytes | None]) -> Diagnostic:
    summary = _LINE_SUFFIX.sub("", _b64(w.get("short")))
    details = w.get("detail") or []
    title = " ".join(_b64(d) for d in details if isinstance(d, str))
    source = w.get("sourceInfo") or {}
    line, end_line = _first_line(w.get("range"))
    url = str(w.get("url") or "")
    return Diagnostic(
        severity="warning",
        summary=summary or "build warning",
        file=_place(
            str(source.get("filename") or "") if isinstance(source, dict) else "", _data(source), dockerfiles
        ),
        line=line,
        end_line=end_line,
        detail=title,
        rule=url.rstrip("/").rsplit("/", 1)[-1] if url else "build-warning",
        url=url,
    )


def from_metadata_warnings(
    metadata: Mapping[str, Any], dockerfiles: Mapping[str, bytes | None] | None = None
) -> list[Diagnostic]:
    """The ``buildx.build.warnings`` of a build or bake metadata map as warning diagnostics, placed on
    ``dockerfiles`` (path → content, from ``read_dockerfiles``: the Dockerfiles the build used)."""
    raw = metadata.get("buildx.build.warnings")
    return from_warnings(raw if isinstance(raw, list) else (), dockerfiles)


def run_warnings(
    metadata: Mapping[str, Any], failure: DepotError | None, dockerfiles: Mapping[str, bytes | None] | None = None
) -> list[Diagnostic]:
    """The warnings of a finished build or bake: its metadata's list, or — a failed build writes no
    metadata — the ones its ``BuildFailed`` carries."""
    found = from_metadata_warnings(metadata, dockerfiles)
    if not found and isinstance(failure, BuildFailed):
        found = from_warnings(failure.warnings, dockerfiles)
    return found


def from_warnings(items: Iterable[Any], dockerfiles: Mapping[str, bytes | None] | None = None) -> list[Diagnostic]:
    """Warning diagnostics for ``items`` (``buildx.build.warnings`` entries, e.g. ``BuildFailed.warnings``)."""
    return [_warning(w, dockerfiles or {}) for w in items if isinstance(w, Mapping)]


def read_dockerfiles(paths: Iterable[str]) -> dict[str, bytes | None]:
    """``path → content`` for ``from_metadata_warnings`` (None when unreadable; empty paths skipped)."""
    out: dict[str, bytes | None] = {}
    for path in paths:
        if path and path not in out:
            try:
                with open(path, "rb") as f:
                    out[path] = f.read()
            except OSError:
                out[path] = None
    return out
