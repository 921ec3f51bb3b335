"""Errors and metadata warnings as provider-neutral diagnostics."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from depotci.core.diagnostics import (
    Diagnostic,
    from_error,
    from_metadata_warnings,
    read_dockerfiles,
    run_warnings,
)
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


def _warning_at(filename: str, data: str) -> dict[str, Any]:
    return {"short": _b64("x"), "sourceInfo": {"filename": filename, "data": _b64(data)}, "range": [{"start": {"line": 2}}]}


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        # same name in two targets: the content decides (buildx's GitHub toolkit rule)
        ("Dockerfile", "FROM b\n", "/ws/b/Dockerfile"),
        ("Dockerfile", "FROM a\n", "/ws/a/Dockerfile"),
        # no content match: the first with that name
        ("Dockerfile", "FROM other\n", "/ws/a/Dockerfile"),
        # a name no Dockerfile ends with (path component boundary): kept as BuildKit reported it
        ("kerfile", "FROM a\n", "kerfile"),
        ("dev.Dockerfile", "FROM d\n", "/ws/dev.Dockerfile"),
    ],
)
def test_warnings_are_placed_on_their_dockerfile(filename: str, data: str, expected: str) -> None:
    files: dict[str, bytes | None] = {"/ws/a/Dockerfile": b"FROM a\n", "/ws/b/Dockerfile": b"FROM b\n",
                                      "/ws/dev.Dockerfile": b"FROM d\n", "/ws/gone/Dockerfile": None}
    (d,) = from_metadata_warnings({"buildx.build.warnings": [_warning_at(filename, data)]}, files)
    assert (d.file, d.line) == (expected, 2)


def test_read_dockerfiles(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    paths = [str(tmp_path / "Dockerfile"), "", str(tmp_path / "missing"), str(tmp_path / "Dockerfile")]
    assert read_dockerfiles(paths) == {str(tmp_path / "Dockerfile"): b"FROM x\n", str(tmp_path / "missing"): None}


@pytest.mark.parametrize(
    ("metadata", "failure", "expected"),
    [
        ({"buildx.build.warnings": [_warning_at("Dockerfile", "m")]}, None, ["Dockerfile"]),
        # a failed build writes no metadata: its error carries the warnings
        ({}, BuildFailed("x", warnings=(_warning_at("sub/Dockerfile", "f"),)), ["sub/Dockerfile"]),
        ({"buildx.build.warnings": [_warning_at("Dockerfile", "m")]}, BuildFailed("x", warnings=(_warning_at("o", "o"),)),
         ["Dockerfile"]),
        ({}, DepotError("no builder"), []),
        ({}, None, []),
    ],
)
def test_run_warnings(metadata: dict[str, Any], failure: DepotError | None, expected: list[str]) -> None:
    assert [d.file for d in run_warnings(metadata, failure)] == expected
