"""Errors and metadata warnings as provider-neutral diagnostics."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from depotci.core.diagnostics import Diagnostic, from_error, from_metadata_warnings
from depotci.core.errors import BuildFailed, DepotError, InputError, SourceLocation


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            BuildFailed("failed to solve: x", step="[2/2] RUN false", log_tail=("out 1", "out 2"),
                        location=SourceLocation("Dockerfile", 3, 0, 4)),
            Diagnostic("error", "failed to solve: x", "Dockerfile", 3, 0, 4, "step: [2/2] RUN false\nout 1\nout 2", "build-failed"),
        ),
        (BuildFailed("2 of 3 targets failed: a, b"), Diagnostic("error", "2 of 3 targets failed: a, b", rule="build-failed")),
        (InputError("missing", location=SourceLocation("docker-bake.hcl", 2, 5)),
         Diagnostic("error", "missing", "docker-bake.hcl", 2, 5, rule="InputError")),
        (DepotError("no builder"), Diagnostic("error", "no builder", rule="DepotError")),
    ],
)
def test_from_error(exc: DepotError, expected: Diagnostic) -> None:
    assert from_error(exc) == expected


def test_from_metadata_warnings() -> None:
    metadata: dict[str, Any] = {
        "buildx.build.warnings": [
            {
                "vertex": "sha256:x", "level": 1, "short": _b64("Empty continuation line (line 5)"),
                "detail": [_b64("Empty continuation lines"), _b64("will become errors")],
                "url": "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
                "sourceInfo": {"filename": "Dockerfile", "data": _b64("FROM x\n"), "language": "Dockerfile"},
                "range": [{"start": {"line": 5}, "end": {"line": 6}}],
            },
            {"short": "not base64!"},
            "not a dict",
        ]
    }
    first, second = from_metadata_warnings(metadata)
    assert first == Diagnostic(
        "warning", "Empty continuation line", "Dockerfile", 5, 0, 6, "Empty continuation lines will become errors",
        "no-empty-continuation", "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
    )
    assert (second.summary, second.file, second.line, second.rule) == ("not base64!", "", 0, "build-warning")


@pytest.mark.parametrize("metadata", [{}, {"buildx.build.warnings": None}, {"buildx.build.warnings": "x"}])
def test_no_warnings(metadata: dict[str, Any]) -> None:
    assert from_metadata_warnings(metadata) == []
