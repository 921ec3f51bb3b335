"""Diagnostics as a GitLab code-quality report (``artifacts:reports:codequality``).

The report is a JSON array of Code Climate issues of which GitLab reads ``description``, ``check_name``,
``fingerprint``, ``severity`` and ``location.path`` + ``location.lines.begin`` (``doc/ci/testing/code_quality.md``).
Paths are made relative to the project dir (GitLab places findings by repository path). A failed build
without a position is placed at ``fallback_path`` line 1 (the Dockerfile or bake file), so it always shows
up; other errors without a position (auth, an unreachable builder) are not about a file and stay in the
log only. The fingerprint hashes rule, path, line and the failed step (or the description without
random ids): stable across runs, distinct per finding.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from depotci.core.diagnostics import Diagnostic
from depotci.gitlab.env import GitLabEnv

__all__ = ["SEVERITY", "code_quality", "render_line"]

_RANDOM = re.compile(r"\b[0-9a-z]{20,}\b")
SEVERITY = {"error": "critical", "warning": "minor", "info": "info"}


def _issue(d: Diagnostic, path: str) -> dict[str, Any]:
    line = d.line if d.file else 1
    description = d.summary + (f" ({d.detail.splitlines()[0]})" if d.severity == "warning" and d.detail else "")
    if d.url:
        description += f" More info: {d.url}"
    check = d.rule or f"depot-{d.severity}"
    # build errors quote random ref ids; the failed step (first detail line) is what stays the same
    stable = d.detail.splitlines()[0] if d.detail else _RANDOM.sub("", d.summary)
    key = "\0".join((check, path, str(line), stable))
    issue: dict[str, Any] = {
        "description": description,
        "check_name": check,
        "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
        "severity": SEVERITY.get(d.severity, "info"),
        "location": {"path": path, "lines": {"begin": max(line, 1)}},
    }
    if d.end_line > line:
        issue["location"]["lines"]["end"] = d.end_line
    return issue


def code_quality(diags: Iterable[Diagnostic], genv: GitLabEnv, cwd: str, fallback_path: str) -> list[dict[str, Any]]:
    """The report entries for ``diags`` (duplicates by fingerprint dropped, order kept)."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for d in diags:
        if not d.file and d.rule != "build-failed":
            continue
        path = genv.relative(d.file, cwd) if d.file else genv.relative(fallback_path, cwd)
        issue = _issue(d, path or "Dockerfile")
        if issue["fingerprint"] not in seen:
            seen.add(issue["fingerprint"])
            out.append(issue)
    return out


def render_line(d: Diagnostic, genv: GitLabEnv, cwd: str) -> str:
    """The log line for a diagnostic: ``ERROR: path:line: summary`` (red for errors, yellow for warnings)."""
    where = genv.relative(d.file, cwd) if d.file else ""
    if where and d.line:
        where += f":{d.line}"
    color = "\x1b[31;1m" if d.severity == "error" else "\x1b[33;1m"
    return f"{color}{d.severity.upper()}:\x1b[0m {where + ': ' if where else ''}{d.summary}"
