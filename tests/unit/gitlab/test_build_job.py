"""``depotci-gitlab build`` around a stand-in for the core's ``run_build``: the artifacts it writes, the
exit code, masking, and the token handed to the core."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import pytest
from depotci.core.commands import build as core_build
from depotci.core.commands.build import BuildResult
from depotci.core.errors import BuildFailed, SourceLocation, UsageError
from depotci.gitlab.build import run_build_job
from depotci.gitlab.main import main

DIGEST = "sha256:" + "a" * 64
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2dsIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlLXZhbHVl"


class FakeCore:
    def __init__(self, error: Exception | None = None, digest: str = DIGEST) -> None:
        self.error = error
        self.digest = digest
        self.calls: list[tuple[Any, dict[str, str]]] = []

    def __call__(self, opts: Any, env: Mapping[str, str], *, stdout: TextIO, stderr: TextIO, **_: Any) -> BuildResult:
        self.calls.append((opts, dict(env)))
        stderr.write("[depot] build: http://127.0.0.1:1/builds/b1\n")
        stderr.write(f"#1 using token {env.get('DEPOT_TOKEN', '')} and secret hunter2-secret\n")
        if self.error is not None:
            raise self.error
        response = {"containerimage.digest": self.digest} if self.digest else {}
        metadata = {**response, "depot.build": {"buildID": "b1", "projectID": "p1"}}
        Path(opts.metadata_file).write_text(json.dumps(metadata))
        return BuildResult(metadata=metadata, exporter_response=response, ref="r")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


def _env(project: Path, **extra: str) -> dict[str, str]:
    return {"CI_PROJECT_DIR": str(project), "CI_JOB_URL": "https://gl/j/1", "DEPOTCI_INPUT_CONTEXT": ".",
            "DEPOTCI_INPUT_TAGS": "reg/app:1", "DEPOTCI_INPUT_SECRETS": "PW=hunter2-secret",
            "DEPOTCI_OUTPUT_DIR": ".depotci/depot-build", **extra}


def _run(monkeypatch: pytest.MonkeyPatch, core: FakeCore, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    monkeypatch.setattr(core_build, "run_build", core)
    out, err = io.StringIO(), io.StringIO()
    code = run_build_job(env, str(cwd), out, err)
    return code, out.getvalue() + err.getvalue()


def test_a_good_build_writes_the_reports(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    core = FakeCore()
    code, log = _run(monkeypatch, core, _env(project, DEPOT_OIDC_TOKEN=JWT), project)
    assert code == 0
    out = project / ".depotci" / "depot-build"
    assert (out / "build.env").read_text() == (
        f"DEPOTCI_DIGEST={DIGEST}\nDEPOTCI_IMAGE_ID={DIGEST}\nDEPOTCI_IMAGE_REF=reg/app@{DIGEST}\n"
        "DEPOTCI_BUILD_ID=b1\nDEPOTCI_PROJECT_ID=p1\nDEPOTCI_BUILD_URL=http://127.0.0.1:1/builds/b1\n"
        "DEPOTCI_METADATA=.depotci/depot-build/metadata.json\n"
    )
    assert json.loads((out / "gl-code-quality-report.json").read_text()) == []
    assert json.loads((out / "annotations.json").read_text())["depot"][0]["external_link"]["label"] == "Depot build b1"
    [(opts, env)] = core.calls
    assert env["DEPOT_TOKEN"] == JWT and opts.token == "" and opts.progress == "plain"
    assert JWT not in log and "hunter2-secret" not in log and log.count("[MASKED]") == 2
    assert "section_start:" in log and "depotci_build" in log


@pytest.mark.parametrize(("digest", "warned"), [("", True), (DIGEST, False)])
def test_a_build_that_exports_nothing_says_why_the_digest_is_missing(
    monkeypatch: pytest.MonkeyPatch, project: Path, digest: str, warned: bool
) -> None:
    code, log = _run(monkeypatch, FakeCore(digest=digest), _env(project, DEPOT_OIDC_TOKEN=JWT), project)
    assert code == 0
    assert ("WARNING: the build exported no image (push, load and outputs are off), so DEPOTCI_DIGEST and "
            "DEPOTCI_IMAGE_ID are not set" in log) is warned
    assert ("DEPOTCI_DIGEST=" in (project / ".depotci" / "depot-build" / "build.env").read_text()) is not warned


def test_a_failed_build_writes_a_code_quality_entry_and_exits_1(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    error = BuildFailed("failed to solve: process did not complete successfully", step="[2/2] RUN false",
                        location=SourceLocation(str(project / "Dockerfile"), 2))
    code, log = _run(monkeypatch, FakeCore(error), _env(project), project)
    assert code == 1
    out = project / ".depotci" / "depot-build"
    [entry] = json.loads((out / "gl-code-quality-report.json").read_text())
    assert entry["location"] == {"path": "Dockerfile", "lines": {"begin": 2}} and entry["severity"] == "critical"
    assert "ERROR:\x1b[0m Dockerfile:2: failed to solve" in log
    assert not (out / "build.env").exists()


def test_a_failed_build_keeps_its_warnings(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    """No metadata is written when a build fails: the warnings come with the error."""
    b64 = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    warning = {"vertex": "sha256:v", "short": b64("Empty continuation line found in: COPY a /a"),
               "sourceInfo": {"filename": "Dockerfile", "data": b64("FROM scratch\n")}, "range": [{"start": {"line": 1}}]}
    error = BuildFailed("failed to solve: not found", location=SourceLocation(str(project / "Dockerfile"), 2),
                        warnings=(warning,))
    code, _ = _run(monkeypatch, FakeCore(error), _env(project), project)
    assert code == 1
    entries = json.loads((project / ".depotci" / "depot-build" / "gl-code-quality-report.json").read_text())
    assert [(e["severity"], e["location"]["lines"]["begin"]) for e in entries] == [("critical", 2), ("minor", 1)]
    assert entries[1]["description"].startswith("Empty continuation line found in") and entries[1]["location"]["path"] == "Dockerfile"


def test_the_token_input_wins_and_oidc_can_be_off(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    core = FakeCore()
    _run(monkeypatch, core, _env(project, DEPOT_OIDC_TOKEN=JWT, DEPOTCI_INPUT_TOKEN="dt_input_token"), project)
    _run(monkeypatch, core, _env(project, DEPOT_OIDC_TOKEN=JWT, DEPOTCI_INPUT_OIDC="false", DEPOT_TOKEN="dt_env"), project)
    assert [env["DEPOT_TOKEN"] for _, env in core.calls] == ["dt_input_token", "dt_env"]


def test_input_errors_are_one_error_line_from_main(monkeypatch: pytest.MonkeyPatch, project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    for key, value in _env(project, DEPOTCI_INPUT_PUSH="yes").items():
        monkeypatch.setenv(key, value)
    assert main(["build"]) == 1
    assert capsys.readouterr().err.strip().endswith("ERROR:\x1b[0m invalid input 'push' value 'yes': expected true or false")
    assert main(["nope"]) == 2


def test_usage_error_type_is_kept(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    with pytest.raises(UsageError, match="invalid input tags 'Bad Tag': invalid reference format"):
        _run(monkeypatch, FakeCore(), _env(project, DEPOTCI_INPUT_TAGS="Bad Tag"), project)
