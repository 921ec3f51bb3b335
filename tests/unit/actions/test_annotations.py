from __future__ import annotations

import base64
from pathlib import Path

import pytest
from depotci.actions.annotations import Annotation, error_annotation, warning_annotations, workspace_path
from depotci.core.errors import BuildFailed, InputError, SourceLocation


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("app/Dockerfile", "/ws", "app/Dockerfile"),
        ("Dockerfile", "/ws/app", "app/Dockerfile"),
        ("/ws/app/Dockerfile", "/elsewhere", "app/Dockerfile"),
        ("/other/Dockerfile", "/ws", "/other/Dockerfile"),
        ("", "/ws", ""),
    ],
)
def test_workspace_path(path: str, cwd: str, expected: str) -> None:
    assert workspace_path(path, "/ws", cwd) == expected


def test_workspace_path_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "app").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    assert workspace_path(str(real / "app" / "Dockerfile"), str(tmp_path / "link"), "/") == "app/Dockerfile"


def test_build_failed_annotation_points_at_the_dockerfile_line() -> None:
    err = BuildFailed("failed to solve: boom", step="[2/2] RUN false", log_tail=("out1", "out2"),
                      location=SourceLocation("/ws/app/Dockerfile", 3))
    got = error_annotation(err, workspace="/ws", cwd="/ws", title="Build failed")
    assert got == Annotation("error", "failed to solve: boom\nstep: [2/2] RUN false\nout1\nout2",
                             "app/Dockerfile", 3, "Build failed")


def test_error_without_location() -> None:
    assert error_annotation(InputError("nope"), workspace="/ws", cwd="/ws") == Annotation("error", "nope")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_warnings_from_metadata() -> None:
    meta = {"buildx.build.warnings": [{
        "short": _b64("Stage name 'Build' should be lowercase (line 2)"), "detail": [_b64("Lowercase"), _b64("names")],
        "url": "https://docs/x", "sourceInfo": {"filename": "Dockerfile"}, "range": [{"start": {"line": 2}}],
    }]}
    assert warning_annotations(meta, ["ignored"], ["app/Dockerfile"], workspace="/ws", cwd="/ws") == [
        Annotation("warning", "Stage name 'Build' should be lowercase\nMore info: https://docs/x", "app/Dockerfile", 2,
                   "Lowercase names")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JSONArgsRecommended: JSON arguments recommended for CMD (line 3)",
         Annotation("warning", "JSON arguments recommended for CMD", "app/Dockerfile", 3, "JSONArgsRecommended")),
        ("something odd happened", Annotation("warning", "something odd happened")),
    ],
)
def test_warnings_from_progress(text: str, expected: Annotation) -> None:
    assert warning_annotations({}, [text], ["app/Dockerfile"], workspace="/ws", cwd="/ws") == [expected]


def test_warnings_land_on_the_target_dockerfile_that_raised_them(tmp_path: Path) -> None:
    """Bake: two targets' Dockerfiles share a name; the warning's source text picks the right one."""
    for d, text in (("a", "FROM a\n"), ("b", "FROM b\n")):
        (tmp_path / d).mkdir()
        (tmp_path / d / "Dockerfile").write_text(text)
    meta = {"buildx.build.warnings": [{"short": _b64("Empty continuation line"),
                                       "sourceInfo": {"filename": "Dockerfile", "data": _b64("FROM b\n")},
                                       "range": [{"start": {"line": 4}}]}]}
    got = warning_annotations(meta, [], ["a/Dockerfile", str(tmp_path / "b" / "Dockerfile")],
                              workspace=str(tmp_path), cwd=str(tmp_path))
    assert got == [Annotation("warning", "Empty continuation line", "b/Dockerfile", 4)]


@pytest.mark.parametrize(
    ("annotation", "line"),
    [
        (Annotation("warning", "Empty line\nMore info: u", "app/Dockerfile", 4), "app/Dockerfile:4: Empty line"),
        (Annotation("warning", "odd", "app/Dockerfile"), "app/Dockerfile: odd"),
        (Annotation("warning", "input 'builder' is ignored"), "input 'builder' is ignored"),
    ],
)
def test_one_line(annotation: Annotation, line: str) -> None:
    assert annotation.one_line() == line
