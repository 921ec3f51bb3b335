from __future__ import annotations

import pytest
from depotci.actions.summary import TargetResult, render_summary

HEADER = "| Target | Status | Duration | Cached | Digest | Tags | Build |"


@pytest.mark.parametrize(
    ("result", "row"),
    [
        (TargetResult("app", True, 3.25, cached=2, steps=5, digest="sha256:ab", tags=("r/a:1", "r/a:2"),
                      build_url="https://x/b/1", build_id="b1"),
         '| **app** | ✅ succeeded | 3.2s | 2/5 (40%) | <code>sha256:ab</code> | <code>r/a:1</code><br><code>r/a:2</code> '
         '| <a href="https://x/b/1">b1</a> |'),
        (TargetResult("a|b", False, 125.0), "| **a&#124;b** | ❌ failed | 2m 05s | - | - | - | - |"),
    ],
)
def test_rows(result: TargetResult, row: str) -> None:
    text = render_summary("Depot build summary", [result])
    assert text.startswith("## Depot build summary\n\n" + HEADER)
    assert row in text.splitlines()


def test_error_excerpt_is_fenced_and_cut() -> None:
    error = "\n".join(f"line {i}" for i in range(100)) + "\n```inner```"
    text = render_summary("s", [TargetResult("app", False, 1.0, error=error)])
    assert "### Errors" in text and "````text\n" in text
    assert "line 99" in text and "line 5\n" not in text  # only the last 40 lines


@pytest.mark.parametrize("count", [1, 3000])
def test_stays_under_the_limit(count: int) -> None:
    results = [TargetResult(f"t{i}", False, 1.0, tags=("x" * 300,), error="e" * 50_000) for i in range(count)]
    limit = 64 * 1024
    text = render_summary("s", results, limit=limit)
    assert len(text.encode()) <= limit
    assert HEADER in text
    if count > 1:
        assert "more target(s) not shown" in text


@pytest.mark.parametrize(
    ("warnings", "expected"),
    [
        ((), None),
        (("app/Dockerfile:4: Empty continuation line <x>",), ["- app/Dockerfile:4: Empty continuation line &lt;x&gt;"]),
        (tuple(f"w{i}" for i in range(52)), [*(f"- w{i}" for i in range(50)), "- _2 more in the log_"]),
    ],
)
def test_warnings_section(warnings: tuple[str, ...], expected: list[str] | None) -> None:
    text = render_summary("s", [TargetResult("app", True, 1.0)], warnings=warnings)
    if expected is None:
        assert "### Warnings" not in text
        return
    section = text.split("### Warnings\n\n", 1)[1].rstrip("\n").splitlines()
    assert section == expected
