from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any, TextIO

import pytest
from depotci.actions.auth import Auth
from depotci.actions.build_command import NOTHING_EXPORTED, build_options, run_build_push
from depotci.actions.main import run
from depotci.actions.outputs import Workflow
from depotci.core.buildopts.flags import add_build_flags, options_from_args
from depotci.core.buildopts.model import BuildOptions
from depotci.core.commands.build import BuildResult
from depotci.core.errors import BuildFailed, SourceLocation
from github_outputs import read_outputs


@pytest.mark.parametrize(
    "argv",
    [["--progress", "plain", "."], ["--tag", "r/a:1", "--build-arg", "X=1", "--platform", "linux/amd64", "--push", "."]],
)
def test_build_options_equal_the_cli_options(argv: list[str], tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_build_flags(parser)
    cli = options_from_args(parser.parse_args(argv), {}, str(tmp_path))
    assert build_options(argv, {}, str(tmp_path), Auth("default", "d")) == cli


def test_build_options_auth() -> None:
    opts = build_options(["."], {}, "/ws", Auth("token", "t", token="dsp_x"))
    assert opts.token == "dsp_x"
    assert build_options(["."], {}, "/ws", Auth("endpoint", "e", buildkit_host="tcp://b:1")).buildkit_host == "tcp://b:1"


def _env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    (tmp_path / "out").touch()
    env = {"GITHUB_WORKSPACE": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "out"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_REPOSITORY": "acme/app", "BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env



def test_success_sets_outputs_and_summary(tmp_path: Path) -> None:
    seen: list[BuildOptions] = []

    def fake_build(opts: BuildOptions, env: dict[str, str], *, stdout: TextIO, stderr: TextIO) -> Any:
        seen.append(opts)
        stderr.write("[depot] build: http://srv/builds/b1\n#1 [1/1] COPY a /\n#1 CACHED\n#2 exporting\n#2 DONE 0.1s\n")
        meta = {"containerimage.digest": "sha256:d", "depot.build": {"buildID": "b1", "projectID": "p1"}}
        return BuildResult(metadata=meta, exporter_response={"containerimage.digest": "sha256:d"}, ref="r")

    log = io.StringIO()
    env = _env(tmp_path, context=".", tags="r/a:1", secrets="K=hidden-value", push="true")
    code = run_build_push(env, Workflow(log, output_file=env["GITHUB_OUTPUT"], summary_file=env["GITHUB_STEP_SUMMARY"]),
                          cwd=str(tmp_path), build=fake_build)
    assert code == 0
    outputs = read_outputs(tmp_path / "out")
    assert outputs["digest"] == outputs["imageid"] == "sha256:d"
    assert json.loads(outputs["metadata"])["depot.build"] == {"buildID": "b1", "projectID": "p1"}
    assert (outputs["build-id"], outputs["project-id"]) == ("b1", "p1")
    assert seen[0].tags == ("r/a:1",) and seen[0].push and seen[0].progress == "plain"
    assert [s.id for s in seen[0].secrets] == ["K"]
    assert "::add-mask::hidden-value" in log.getvalue() and "::group::Build" in log.getvalue()
    summary = (tmp_path / "summary").read_text()
    assert "| **default** | ✅ succeeded |" in summary and "1/2 (50%)" in summary
    assert '<a href="http://srv/builds/b1">b1</a>' in summary
    assert not list(tmp_path.glob("depotci-build-push-*"))  # secret files are gone


@pytest.mark.parametrize(("digest", "warned"), [("", True), ("sha256:d", False)])
def test_a_build_that_exports_nothing_warns_that_digest_is_empty(tmp_path: Path, digest: str, warned: bool) -> None:
    def cache_only(opts: BuildOptions, env: dict[str, str], *, stdout: TextIO, stderr: TextIO) -> Any:
        response = {"containerimage.digest": digest} if digest else {}
        return BuildResult(metadata={"buildx.build.ref": "default/default/r", **response}, exporter_response=response,
                           ref="r")

    log = io.StringIO()
    env = _env(tmp_path, context=".")
    code = run_build_push(env, Workflow(log, output_file=env["GITHUB_OUTPUT"], summary_file=env["GITHUB_STEP_SUMMARY"]),
                          cwd=str(tmp_path), build=cache_only)
    assert code == 0
    assert (f"::warning::{NOTHING_EXPORTED}\n" in log.getvalue()) is warned
    assert read_outputs(tmp_path / "out")["digest"] == digest


def test_failure_annotates_the_dockerfile_line(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()

    def failing(opts: BuildOptions, env: dict[str, str], *, stdout: TextIO, stderr: TextIO) -> Any:
        raise BuildFailed("failed to solve: not found", step="[2/2] COPY x /",
                          location=SourceLocation(str(tmp_path / "app" / "Dockerfile"), 3))

    log = io.StringIO()
    env = _env(tmp_path, context="app")
    code = run_build_push(env, Workflow(log, output_file=env["GITHUB_OUTPUT"], summary_file=env["GITHUB_STEP_SUMMARY"]),
                          cwd=str(tmp_path), build=failing)
    assert code == 1
    assert "::error file=app/Dockerfile,line=3,title=Build failed::failed to solve: not found%0Astep: [2/2] COPY x /\n" in log.getvalue()
    summary = (tmp_path / "summary").read_text()
    assert "❌ failed" in summary and "> [2/2] COPY x /:" in summary
    assert (tmp_path / "out").read_text() == ""


@pytest.mark.parametrize(
    ("argv", "inputs", "code", "line"),
    [
        (["nope"], {}, 2, "::error::usage: depotci-github {build|bake}\n"),
        (["build"], {"push": "yes"}, 1, "::error::invalid input 'push' value 'yes': expected true or false\n"),
        (["build"], {"call": "check", "context": "."}, 1, "::error::input 'call' ('check') is not supported yet: only 'build' runs\n"),
    ],
)
def test_main_runner(tmp_path: Path, argv: list[str], inputs: dict[str, str], code: int, line: str) -> None:
    log = io.StringIO()
    assert run(argv, _env(tmp_path, **inputs), log, str(tmp_path)) == code
    assert log.getvalue().endswith(line)
