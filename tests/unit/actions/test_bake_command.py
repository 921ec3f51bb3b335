"""The bake action around stand-ins for the core's two bake runners (planning and routing are the real
``bake_run.prepare_bake``): which route a token takes, OIDC, outputs, summary rows and failures."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import pytest
from depotci.actions.auth import Auth
from depotci.actions.bake_command import bake_namespace, bake_request, run_bake_action, target_digests
from depotci.actions.env import GitHubEnv
from depotci.actions.outputs import Workflow
from depotci.core.commands import bake as core_bake
from depotci.core.commands import bake_api as core_bake_api
from depotci.core.commands.bake_api import BakeApiTarget
from depotci.core.errors import AuthError, BuildFailed, SourceLocation, UsageError
from github_outputs import read_outputs

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
HCL = 'group "default" {\n  targets = ["app", "tools"]\n}\ntarget "app" {\n  tags = ["r/app:1"]\n}\ntarget "tools" {}\n'


def test_bake_namespace_uses_the_cli_flag_set() -> None:
    ns = bake_namespace(["--progress", "plain", "--file", "a.hcl", "--set", "*.tags=x", "--push", "app", "tools"])
    assert (ns.files, ns.overrides, ns.push, ns.targets, ns.progress) == (["a.hcl"], ["*.tags=x"], True, ["app", "tools"], "plain")


def test_bake_namespace_refuses_unknown_flags() -> None:
    with pytest.raises(UsageError, match="invalid action inputs: unrecognized arguments: --nope"):
        bake_namespace(["--nope"])


@pytest.mark.parametrize(("auth", "token", "host"), [
    (Auth("token", "GitHub OIDC", "dsp_x"), "dsp_x", ""),
    (Auth("endpoint", "input 'buildkit-host'", buildkit_host="tcp://b:1"), "", "tcp://b:1"),
    (Auth("default", "default builder"), "", ""),
])
def test_bake_request_applies_auth(auth: Auth, token: str, host: str) -> None:
    req = bake_request(["--push", "--project", "p1", "app"], auth, metadata_file="/tmp/m.json")
    assert (req.token, req.buildkit_host, req.metadata_file) == (token, host, "/tmp/m.json")
    assert (req.targets, req.push, req.project) == (("app",), True, "p1")


@pytest.mark.parametrize(("metadata", "want"), [
    ({"app": {"containerimage.digest": D1}, "depot.build": {"buildID": "b1"}}, {"app": D1}),
    ({"app": {"containerimage.digest": D1}, "tools": {}}, {"app": D1, "tools": ""}),
    ({}, {}),
])
def test_target_digests_leave_out_depot_build(metadata: dict[str, Any], want: dict[str, str]) -> None:
    assert target_digests(metadata) == want


class FakeRunner:
    """Stands in for ``run_bake_api`` / ``run_bake_build``: records the call and writes the metadata."""

    def __init__(self, metadata: dict[str, Any] | None = None, error: Exception | None = None, links: tuple[str, ...] = ()) -> None:
        self.metadata = metadata if metadata is not None else {"app": {"containerimage.digest": D1}, "tools": {"containerimage.digest": D2}}
        self.error, self.links = error, links
        self.calls: list[dict[str, Any]] = []

    def __call__(self, builds: Mapping[str, Any], env: Mapping[str, str], *args: Any, metadata_file: str = "",
                 stderr: TextIO | None = None, **kw: Any) -> None:
        self.calls.append({"targets": sorted(builds), "target": args[0] if args else None, "env": dict(env), **kw})
        assert stderr is not None
        for url in self.links:
            stderr.write(f"[depot] build: {url}\n")
        if self.error is not None:
            raise self.error
        Path(metadata_file).write_text(json.dumps(self.metadata))


@pytest.fixture
def runners(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeRunner]:
    found = {"api": FakeRunner(), "direct": FakeRunner()}
    monkeypatch.setattr(core_bake_api, "run_bake_api", found["api"])
    monkeypatch.setattr(core_bake, "run_bake_build", found["direct"])
    return found


def _env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    (tmp_path / "out").touch()
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    env = {"GITHUB_WORKSPACE": str(tmp_path), "GITHUB_OUTPUT": str(tmp_path / "out"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_REPOSITORY": "acme/app", "XDG_CONFIG_HOME": str(tmp_path / "config"), "INPUT_WORKDIR": "."}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    return env



def _run(tmp_path: Path, env: dict[str, str], oidc: Any = None) -> tuple[int, str]:
    log = io.StringIO()
    wf = Workflow(log, output_file=env["GITHUB_OUTPUT"], summary_file=env["GITHUB_STEP_SUMMARY"])

    def no_oidc(gh: GitHubEnv, e: Mapping[str, str], w: Workflow) -> str:
        raise AuthError("no exchange in this test")

    return run_bake_action(env, wf, cwd=str(tmp_path), oidc=oidc or no_oidc), log.getvalue()


def test_an_oidc_token_bakes_through_the_api(tmp_path: Path, runners: dict[str, FakeRunner]) -> None:
    api = runners["api"]
    api.metadata = {"app": {"containerimage.digest": D1, "depot.build": {"buildID": "b1", "projectID": "p1"}},
                    "tools": {"containerimage.digest": D2, "depot.build": {"buildID": "b1", "projectID": "p1"}},
                    "depot.build": {"buildID": "b1", "projectID": "p1", "targets": ["app", "tools"]}}
    api.links = ("http://srv/builds/b1",)
    env = _env(tmp_path, push="true") | {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://oidc/token", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req",
                                         "DEPOT_PROJECT_ID": "p1", "DEPOT_API_URL": "http://srv"}

    def exchange(gh: GitHubEnv, e: Mapping[str, str], wf: Workflow) -> str:
        wf.mask("eyJ.id.token")
        return "dsp_exchanged"

    code, log = _run(tmp_path, env, exchange)
    assert code == 0 and runners["direct"].calls == []
    [call] = api.calls
    target: BakeApiTarget = call["target"]
    assert (target.url, target.token.token, target.default and target.default.project_id) == ("http://srv", "dsp_exchanged", "p1")
    assert call["targets"] == ["app", "tools"] and call["push"] is True and call["progress"] == "plain"
    assert "DEPOT_TOKEN" not in call["env"] and not any(k.startswith("INPUT_") for k in call["env"])
    assert "::add-mask::dsp_exchanged" in log and "Authenticating with: GitHub OIDC" in log
    outputs = read_outputs(tmp_path / "out")
    assert json.loads(outputs["digests"]) == {"app": D1, "tools": D2}
    assert (outputs["build-id"], outputs["project-id"]) == ("b1", "p1")
    summary = (tmp_path / "summary").read_text()
    assert summary.count('<a href="http://srv/builds/b1">b1</a>') == 2


@pytest.mark.parametrize(("inputs", "extra", "host", "source"), [
    ({}, {}, "", "default builder"),
    ({"buildkit_host": "tcp://buildkitd:1234"}, {}, "tcp://buildkitd:1234", "input 'buildkit-host'"),
    ({}, {"DEPOT_PROJECT_ID": "p1"}, "", "default builder"),  # a project without a token stays on the builder
])
def test_without_a_token_the_bake_runs_on_the_builder(
    tmp_path: Path, runners: dict[str, FakeRunner], inputs: dict[str, str], extra: dict[str, str], host: str, source: str
) -> None:
    code, log = _run(tmp_path, _env(tmp_path, **inputs) | extra)
    assert code == 0 and runners["api"].calls == [] and f"Authenticating with: {source}\n" in log
    [call] = runners["direct"].calls
    assert call["buildkit_host"] == host and call["targets"] == ["app", "tools"]
    assert json.loads(read_outputs(tmp_path / "out")["digests"]) == {"app": D1, "tools": D2}


def test_a_token_input_without_a_project_fails_naming_the_project(
    tmp_path: Path, runners: dict[str, FakeRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = core_bake_api.group_targets

    def api(builds: Mapping[str, Any], env: Mapping[str, str], target: BakeApiTarget, **_: Any) -> None:
        real(builds, target.default.project_id if target.default else "")

    monkeypatch.setattr(core_bake_api, "run_bake_api", api)
    code, log = _run(tmp_path, _env(tmp_path, token="dt_input"))
    assert code == 1 and runners["direct"].calls == []
    assert "::error title=Bake failed::Project ID is missing for target app" in log
    assert "dt_input" not in log.replace("::add-mask::dt_input", "")


def test_project_input_without_any_token_is_an_auth_error(tmp_path: Path, runners: dict[str, FakeRunner]) -> None:
    code, log = _run(tmp_path, _env(tmp_path, project="p1"))
    assert code == 1 and runners["api"].calls == runners["direct"].calls == []
    assert "missing API token, please run `depot login`" in log


def test_a_failed_target_is_annotated_and_its_row_failed(tmp_path: Path, runners: dict[str, FakeRunner]) -> None:
    error = BuildFailed('target "app" failed: failed to solve', location=SourceLocation(str(tmp_path / "Dockerfile"), 1))
    runners["direct"].error = error
    code, log = _run(tmp_path, _env(tmp_path))
    assert code == 1
    assert "::error file=Dockerfile,line=1,title=Bake failed::target" in log
    summary = (tmp_path / "summary").read_text()
    assert "| **app** | ❌ failed |" in summary and "| **tools** | ❌ failed |" in summary


def test_a_missing_workdir_is_an_input_error(tmp_path: Path, runners: dict[str, FakeRunner]) -> None:
    from depotci.core.errors import InputError

    with pytest.raises(InputError, match="invalid input 'workdir' \\('nope'\\): not a directory"):
        _run(tmp_path, _env(tmp_path, workdir="nope"))
