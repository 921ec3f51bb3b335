"""What ``depot bake`` reports: failure blocks, the final error, metadata entries, and the Depot API refusal."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import grpc
import pytest
from depotci.core.buildkit.progress import PlainPrinter, QuietPrinter, SolveStatus, Vertex, VertexLog
from depotci.core.buildkit.solve_errors import SolveErrorInfo
from depotci.core.buildopts.plan_model import Exporter, SolvePlan
from depotci.core.commands.bake import refuse_api
from depotci.core.commands.bake_report import (
    TargetFailure,
    bake_error,
    failed_vertex,
    render_target_failure,
    target_metadata,
)
from depotci.core.errors import BuilderError, BuildFailed, SourceLocation, UnsupportedError

DF = b"FROM scratch\nCOPY x /\nRUN false\n"


def _printer(quiet: bool = False) -> PlainPrinter | QuietPrinter:
    clock = iter(float(i) for i in range(1000))
    if quiet:
        return QuietPrinter(io.StringIO(), clock=lambda: next(clock))
    return PlainPrinter(io.StringIO(), clock=lambda: next(clock))


def _fed(printer: PlainPrinter | QuietPrinter) -> PlainPrinter | QuietPrinter:
    printer.update(
        SolveStatus(
            vertexes=(
                Vertex("d1", "[web 2/3] RUN false", started=1.0, completed=2.0, error="exit code: 1"),
                Vertex("d2", "[api 2/2] RUN exit 3", started=1.0, completed=2.0, error="exit code: 3"),
                Vertex("d3", "[api 1/2] COPY x /", started=1.0, completed=1.5),
            ),
            logs=(VertexLog("d1", b"web says no\n", 1.5), VertexLog("d2", b"api says no\n", 1.5)),
        )
    )
    printer.close()
    return printer


def _info(vertex: str = "") -> SolveErrorInfo:
    return SolveErrorInfo("process did not complete", grpc.StatusCode.UNKNOWN, vertex, [("Dockerfile", DF, [(3, 3)])])


@pytest.mark.parametrize(
    ("info", "prefix", "expected"),
    [
        (_info("d2"), "web", "d2"),  # the vertex BuildKit named wins
        (_info(), "api", "d2"),  # else the target's first failed vertex
        (_info(), "web", "d1"),
        (None, "", "d1"),  # a lone target: the first failed vertex
        (_info(), "none", None),
    ],
)
def test_failed_vertex(info: SolveErrorInfo | None, prefix: str, expected: str | None) -> None:
    v = failed_vertex(_fed(_printer()), info, prefix)
    assert (v.digest if v else None) == expected


def test_render_target_failure_block() -> None:
    failure = TargetFailure(BuildFailed("failed to solve: process did not complete"), _info())
    out = render_target_failure(_fed(_printer()), "api", failure, "api", error_line=True)
    assert out.startswith("------\n > [api 2/2] RUN exit 3:\n")
    assert "api says no" in out and "web says no" not in out
    assert "Dockerfile:3\n" in out and " >>> RUN false" in out
    assert out.endswith("ERROR: target api: failed to solve: process did not complete\n")


@pytest.mark.parametrize(("quiet", "error_line"), [(True, False), (False, False), (True, True)])
def test_render_target_failure_variants(quiet: bool, error_line: bool) -> None:
    failure = TargetFailure(BuildFailed("failed to solve: x"), _info())
    out = render_target_failure(_fed(_printer(quiet)), "web", failure, "web", error_line=error_line)
    assert (" > [web 2/3] RUN false:" in out) is (not quiet)
    assert ("ERROR: target web: failed to solve: x\n" in out) is error_line
    assert "Dockerfile:3" in out


def test_render_target_failure_without_solve_details() -> None:
    failure = TargetFailure(BuildFailed('target "base", used as context "base", failed'))
    assert render_target_failure(_fed(_printer()), "app", failure, "app", error_line=True) == (
        'ERROR: target app: target "base", used as context "base", failed\n'
    )


LOC = SourceLocation("Dockerfile", 3)


@pytest.mark.parametrize(
    ("failures", "total", "text", "kind", "location"),
    [
        ({"web": TargetFailure(BuildFailed("failed to solve: x", location=LOC))}, 1, "Dockerfile:3: failed to solve: x", BuildFailed, LOC),
        (
            {"web": TargetFailure(BuildFailed("failed to solve: x", step="[web 2/3] RUN", location=LOC))},
            3,
            'Dockerfile:3: target "web" failed: failed to solve: x',
            BuildFailed,
            LOC,
        ),
        ({"web": TargetFailure(BuilderError("lost the builder"))}, 2, 'target "web" failed: lost the builder', BuilderError, None),
        (
            {"web": TargetFailure(BuildFailed("a", location=LOC)), "api": TargetFailure(BuilderError("b"))},
            3,
            "2 of 3 targets failed: api, web",
            BuildFailed,
            None,
        ),
    ],
)
def test_bake_error(failures: dict[str, TargetFailure], total: int, text: str, kind: type, location: SourceLocation | None) -> None:
    err = bake_error(failures, total)
    assert (str(err), type(err), err.location) == (text, kind, location)


def _plan(*exporters: Exporter) -> SolvePlan:
    return SolvePlan("dockerfile.v0", {}, exporters, (), (), (), {}, (), ())


DESC = base64.b64encode(json.dumps({"mediaType": "m", "digest": "sha256:abc", "size": 3}).encode()).decode()


@pytest.mark.parametrize(
    ("plan", "response", "expected"),
    [
        (
            _plan(Exporter("moby", {"name": "r/x", "push": "true"})),
            {"containerimage.digest": "sha256:abc", "containerimage.descriptor": DESC, "image.name": "r/x"},
            {
                "buildx.build.ref": "default/default/REF",
                "containerimage.config.digest": "sha256:abc",
                "containerimage.descriptor": {"mediaType": "m", "digest": "sha256:abc", "size": 3},
                "containerimage.digest": "sha256:abc",
                "image.name": "r/x",
            },
        ),
        (_plan(Exporter("moby", {"name": "r/x"})), {"containerimage.digest": "sha256:abc"}, {"buildx.build.ref": "default/default/REF", "containerimage.digest": "sha256:abc"}),
        (_plan(), {}, {"buildx.build.ref": "default/default/REF"}),
    ],
)
def test_target_metadata(plan: SolvePlan, response: dict[str, str], expected: dict[str, object]) -> None:
    got = target_metadata(plan, response, "REF")
    assert got == expected
    assert list(got) == sorted(got)
    if "containerimage.descriptor" in got:
        assert list(got["containerimage.descriptor"]) == ["mediaType", "digest", "size"]  # kept as sent


@pytest.mark.parametrize(
    ("flags", "env", "project_ids", "message"),
    [
        ({"save": True}, {}, [], "--save needs the Depot API"),
        ({"token": "x"}, {}, [], "--token needs the Depot API"),
        ({"project": "p"}, {}, [], "--project needs the Depot API"),
        ({"save_tag": ["a"]}, {}, [], "--save-tag needs the Depot API"),
        ({}, {"DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}, [], "depot bake through the Depot API is not supported yet"),
        ({}, {"DEPOT_TOKEN": "t"}, ["", "p1"], "depot bake through the Depot API is not supported yet"),
        ({}, {"DEPOT_TOKEN": "t"}, [""], ""),
        ({}, {"DEPOT_PROJECT_ID": "p"}, ["p1"], ""),
        ({"save": False, "lint": False, "sbom_dir": ""}, {}, [], ""),
    ],
)
def test_refuse_api(tmp_path: Path, flags: dict[str, object], env: dict[str, str], project_ids: list[str], message: str) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), **env}
    if not message:
        refuse_api(flags, env, project_ids, [str(tmp_path)])
        return
    with pytest.raises(UnsupportedError, match=message):
        refuse_api(flags, env, project_ids, [str(tmp_path)])


@pytest.mark.parametrize(
    ("others", "shown"),
    [
        (["web", "api"], " > [api 2/3] RUN false:\n"),  # web's step, shown as api's
        ([], " > [web 2/3] RUN false:\n"),
    ],
)
def test_shared_step_is_shown_under_the_failed_target(others: list[str], shown: str) -> None:
    failure = TargetFailure(BuildFailed("failed to solve: x"), _info("d1"))
    out = render_target_failure(_fed(_printer()), "api", failure, "api", others=others)
    assert shown in out
