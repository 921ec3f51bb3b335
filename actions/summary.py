"""The job summary (``GITHUB_STEP_SUMMARY``): one table row per target — status, duration, cached steps,
digest, tags, build link — then BuildKit's warnings (at most 50, one line each, with their file:line) and
the error excerpt of each failed target. Always under 1 MiB (GitHub rejects a larger step summary): error
excerpts are cut first, then rows."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MAX_SUMMARY_BYTES", "TargetResult", "render_summary"]

MAX_SUMMARY_BYTES = 1024 * 1024 - 4096  # headroom for the runner's own framing
_EXCERPT_LINES = 40
_EXCERPT_CHARS = 16 * 1024
_MAX_WARNINGS = 50
_WARNING_CHARS = 300


@dataclass(frozen=True)
class TargetResult:
    """What the summary shows for one built target."""

    name: str
    ok: bool
    duration: float
    cached: int = 0
    steps: int = 0
    digest: str = ""
    tags: tuple[str, ...] = ()
    build_url: str = ""
    build_id: str = ""
    error: str = ""


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;").replace("\n", " ")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s"


def _row(r: TargetResult) -> str:
    status = "✅ succeeded" if r.ok else "❌ failed"
    cached = f"{r.cached}/{r.steps} ({round(100 * r.cached / r.steps)}%)" if r.steps else "-"
    digest = f"<code>{_cell(r.digest)}</code>" if r.digest else "-"
    tags = "<br>".join(f"<code>{_cell(t)}</code>" for t in r.tags) or "-"
    label = _cell(r.build_id or "build")
    link = f'<a href="{html.escape(r.build_url, quote=True)}">{label}</a>' if r.build_url else "-"
    return f"| **{_cell(r.name)}** | {status} | {_duration(r.duration)} | {cached} | {digest} | {tags} | {link} |\n"


def _excerpt(r: TargetResult, max_chars: int) -> str:
    lines = r.error.strip("\n").splitlines()
    text = "\n".join(lines[-_EXCERPT_LINES:])[-max_chars:]
    fence = "```"
    while fence in text:
        fence += "`"
    return f"\n**{_cell(r.name)}** failed:\n\n{fence}text\n{text}\n{fence}\n"


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = [f"- {_cell(w[:_WARNING_CHARS])}\n" for w in warnings[:_MAX_WARNINGS]]
    if len(warnings) > _MAX_WARNINGS:
        items.append(f"- _{len(warnings) - _MAX_WARNINGS} more in the log_\n")
    return "\n### Warnings\n\n" + "".join(items)


def render_summary(
    title: str, results: Sequence[TargetResult], *, warnings: Sequence[str] = (), limit: int = MAX_SUMMARY_BYTES
) -> str:
    """The Markdown for ``results`` and ``warnings`` (one text each; UTF-8 size at most ``limit``)."""
    head = (
        f"## {_cell(title)}\n\n"
        "| Target | Status | Duration | Cached | Digest | Tags | Build |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    rows = [_row(r) for r in results]
    failed = [r for r in results if not r.ok and r.error]
    for max_chars in (_EXCERPT_CHARS, 2048, 256, 0):
        errors = "".join(_excerpt(r, max_chars) for r in failed) if max_chars else ""
        text = head + "".join(rows) + _warnings(warnings) + ("\n### Errors\n" + errors if errors else "") + "\n"
        if len(text.encode()) <= limit:
            return text
    kept: list[str] = []
    size = len(head.encode()) + 64
    for row in rows:
        size += len(row.encode())
        if size > limit:
            break
        kept.append(row)
    return head + "".join(kept) + f"\n_{len(rows) - len(kept)} more target(s) not shown (summary size limit)_\n"
