"""``depotci-gitlab bake`` around stand-ins for the core's two bake runners (``run_bake_api`` and
``run_bake_build``); planning and routing are the real ``bake_run.prepare_bake``."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from depotci.core.commands import bake as core_bake
from depotci.core.commands import bake_api as core_bake_api
from depotci.core.commands.bake_api import BakeApiTarget
from depotci.core.errors import AuthError, BuildFailed, SourceLocation, UnsupportedError
from depotci.gitlab.bake import bake_request, run_bake_job
from depotci.gitlab.inputs import BAKE_INPUTS, read_inputs

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
HCL = 'group "default" {\n  targets = ["app", "tools"]\n}\ntarget "app" {\n  tags = ["r/app:1"]\n}\ntarget "tools" {}\n'


def _jwt(**claims: Any) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'exp': int(time.time()) + 600, **claims})}.c2ln"


class FakeRunner:
    """Records the call (the API target for ``run_bake_api``) and writes ``metadata``, or raises."""

    def __init__(self, metadata: dict[str, Any], error: Exception | None = None) -> None:
        self.metadata, self.error = metadata, error
        self.calls: list[dict[str, Any]] = []

    def __call__(self, builds: Mapping[str, Any], env: Mapping[str, str], *args: Any, metadata_file: str = "", **kw: Any) -> None:
        self.calls.append({"targets": sorted(builds), "target": args[0] if args else None, **kw})
        if self.error is not None:
            raise self.error
        if "stderr" in kw and args:
            kw["stderr"].write("[depot] build: http://srv/builds/b1\n")
        Path(metadata_file).write_text(json.dumps(self.metadata))


DIRECT = {"app": {"containerimage.digest": D1}, "tools": {"containerimage.digest": D2}}
API = {**{n: {**m, "depot.build": {"buildID": "b1", "projectID": "p1"}} for n, m in DIRECT.items()},
       "depot.build": {"buildID": "b1", "projectID": "p1", "targets": ["app", "tools"]}}


@pytest.fixture
def runners(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeRunner]:
    found = {"api": FakeRunner(API), "direct": FakeRunner(DIRECT)}
    monkeypatch.setattr(core_bake_api, "run_bake_api", found["api"])
    monkeypatch.setattr(core_bake, "run_bake_build", found["direct"])
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


def _run(project: Path, **env: str) -> tuple[int, str]:
    err = io.StringIO()
    full = {"CI_PROJECT_DIR": str(project), "DEPOTCI_OUTPUT_DIR": ".depotci/depot-bake",
            "XDG_CONFIG_HOME": str(project / "config"), **env}
    return run_bake_job(full, str(project), io.StringIO(), err), err.getvalue()


def _dotenv(project: Path) -> dict[str, str]:
    text = (project / ".depotci" / "depot-bake" / "build.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines())


def test_the_id_token_and_a_project_bake_through_the_api(project: Path, runners: dict[str, FakeRunner]) -> None:
    jwt = _jwt(iss="https://gitlab.example.com", project_path="acme/app")
    code, log = _run(project, DEPOT_OIDC_TOKEN=jwt, DEPOT_PROJECT_ID="p1", DEPOTCI_INPUT_API_URL="http://srv",
                     DEPOTCI_INPUT_OUTPUT_PREFIX="IMG", DEPOTCI_INPUT_PUSH="true")
    assert code == 0 and runners["direct"].calls == []
    [call] = runners["api"].calls
    target: BakeApiTarget = call["target"]
    assert (target.url, target.token.token, target.default and target.default.project_id) == ("http://srv", jwt, "p1")
    assert call["targets"] == ["app", "tools"] and call["push"] is True
    assert _dotenv(project) == {"IMG_BUILD_ID": "b1", "IMG_PROJECT_ID": "p1", "IMG_BUILD_URL": "http://srv/builds/b1",
                                "IMG_METADATA": ".depotci/depot-bake/metadata.json", "IMG_APP_DIGEST": D1, "IMG_TOOLS_DIGEST": D2}
    assert "auth: the GitLab ID token DEPOT_OIDC_TOKEN (iss=https://gitlab.example.com" in log
    assert "route: the Depot API at http://srv, project p1 (from DEPOT_PROJECT_ID)" in log
    assert jwt not in log


@pytest.mark.parametrize("env", [
    {},  # no token at all
    {"DEPOT_OIDC_TOKEN": _jwt()},  # a token but no project: the core bakes on the builder, as `depot bake` does
    # the ID token turned off: not even the core's own GitLab OIDC source sees it
    {"DEPOT_OIDC_TOKEN": _jwt(), "DEPOT_PROJECT_ID": "p1", "DEPOTCI_INPUT_OIDC": "false", "GITLAB_CI": "true"},
])
def test_without_a_token_and_a_project_the_bake_runs_on_the_builder(
    project: Path, runners: dict[str, FakeRunner], env: dict[str, str]
) -> None:
    code, log = _run(project, DEPOTCI_INPUT_OUTPUT_PREFIX="IMG", **env)
    assert code == 0 and runners["api"].calls == []
    assert runners["direct"].calls[0]["targets"] == ["app", "tools"]
    assert _dotenv(project) == {"IMG_METADATA": ".depotci/depot-bake/metadata.json", "IMG_APP_DIGEST": D1, "IMG_TOOLS_DIGEST": D2}
    assert "route: the BuildKit endpoint" in log


def test_the_token_input_wins_over_the_id_token(project: Path, runners: dict[str, FakeRunner]) -> None:
    code, log = _run(project, DEPOTCI_INPUT_TOKEN="dt_input", DEPOTCI_INPUT_PROJECT="p2", DEPOT_OIDC_TOKEN=_jwt())
    assert code == 0
    target: BakeApiTarget = runners["api"].calls[0]["target"]
    assert (target.token.token, target.default and target.default.project_id) == ("dt_input", "p2")
    assert "auth: the token input" in log and "dt_input" not in log


def test_a_failed_target_is_reported_at_its_dockerfile_line(project: Path, runners: dict[str, FakeRunner]) -> None:
    runners["direct"].error = BuildFailed('target "app" failed: failed to solve', location=SourceLocation(str(project / "Dockerfile"), 1))
    code, log = _run(project, DEPOTCI_INPUT_TARGETS="app")
    assert code == 1 and runners["direct"].calls[0]["targets"] == ["app"]
    [entry] = json.loads((project / ".depotci" / "depot-bake" / "gl-code-quality-report.json").read_text())
    assert entry["location"] == {"path": "Dockerfile", "lines": {"begin": 1}}
    assert "Dockerfile:1: target" in log


@pytest.mark.parametrize(("env", "error", "message"), [
    ({"DEPOTCI_INPUT_SAVE": "true"}, UnsupportedError, "--save needs the Depot API"),
    ({"DEPOTCI_INPUT_PROJECT": "p1"}, AuthError, "missing API token"),
    ({"DEPOT_OIDC_TOKEN": "not-a-jwt"}, AuthError, "DEPOT_OIDC_TOKEN is not a JWT"),
])
def test_refused_inputs(project: Path, runners: dict[str, FakeRunner], env: dict[str, str], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        _run(project, **env)
    assert runners["api"].calls == runners["direct"].calls == []


def test_save_goes_through_the_api(project: Path, runners: dict[str, FakeRunner]) -> None:
    code, _ = _run(project, DEPOTCI_INPUT_SAVE="true", DEPOTCI_INPUT_TOKEN="dt", DEPOT_PROJECT_ID="p1")
    assert code == 0 and runners["direct"].calls == []
    target: BakeApiTarget = runners["api"].calls[0]["target"]
    assert target.save is True


def test_bake_request_maps_the_inputs() -> None:
    inputs = read_inputs(BAKE_INPUTS, {
        "DEPOTCI_INPUT_TARGETS": "app,tools", "DEPOTCI_INPUT_FILES": "a.hcl", "DEPOTCI_INPUT_SET": "*.tags=x",
        "DEPOTCI_INPUT_PROVENANCE": "true", "DEPOTCI_INPUT_BUILD_PLATFORM": "linux/arm64", "DEPOTCI_INPUT_TOKEN": "dt",
        "DEPOTCI_INPUT_SAVE_TAGS": "a,b",
    })
    req = bake_request(inputs, job_url="https://gl/job/1", metadata_file="/m.json")
    assert (req.targets, req.files, req.overrides) == (("app", "tools"), ("a.hcl",), ("*.tags=x",))
    assert (req.provenance, req.build_platform, req.progress, req.metadata_file) == (
        "builder-id=https://gl/job/1", "linux/arm64", "plain", "/m.json")
    assert req.token == "" and req.save_tag == ("a", "b")
