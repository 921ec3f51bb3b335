"""``depotci-gitlab bake`` around a stand-in for the core's ``run_bake_build`` (planning is the real one)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from depotci.core.commands import bake as core_bake
from depotci.core.errors import BuildFailed, SourceLocation, UnsupportedError
from depotci.gitlab.bake import run_bake_job

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
HCL = 'group "default" {\n  targets = ["app", "tools"]\n}\ntarget "app" {\n  tags = ["r/app:1"]\n}\ntarget "tools" {}\n'


class FakeBake:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.targets: list[str] = []

    def __call__(self, builds: Mapping[str, Any], env: Mapping[str, str], *, metadata_file: str = "", **_: Any) -> None:
        self.targets = sorted(builds)
        if self.error is not None:
            raise self.error
        Path(metadata_file).write_text(json.dumps({"app": {"containerimage.digest": D1},
                                                   "tools": {"containerimage.digest": D2}}))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


def _run(monkeypatch: pytest.MonkeyPatch, fake: FakeBake, project: Path, **env: str) -> tuple[int, str]:
    monkeypatch.setattr(core_bake, "run_bake_build", fake)
    err = io.StringIO()
    full = {"CI_PROJECT_DIR": str(project), "DEPOTCI_OUTPUT_DIR": ".depotci/depot-bake", **env}
    return run_bake_job(full, str(project), io.StringIO(), err), err.getvalue()


def test_bake_writes_a_digest_per_target(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    fake = FakeBake()
    code, log = _run(monkeypatch, fake, project, DEPOT_OIDC_TOKEN="a.b.c", DEPOTCI_INPUT_OUTPUT_PREFIX="IMG")
    assert code == 0 and fake.targets == ["app", "tools"]
    env_file = (project / ".depotci" / "depot-bake" / "build.env").read_text()
    assert env_file == f"IMG_METADATA=.depotci/depot-bake/metadata.json\nIMG_APP_DIGEST={D1}\nIMG_TOOLS_DIGEST={D2}\n"
    assert "DEPOT_OIDC_TOKEN is not used" in log and "a.b.c" not in log


def test_a_failed_target_is_reported_at_its_dockerfile_line(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    error = BuildFailed('target "app" failed: failed to solve', location=SourceLocation(str(project / "Dockerfile"), 1))
    code, log = _run(monkeypatch, FakeBake(error), project, DEPOTCI_INPUT_TARGETS="app")
    assert code == 1
    [entry] = json.loads((project / ".depotci" / "depot-bake" / "gl-code-quality-report.json").read_text())
    assert entry["location"] == {"path": "Dockerfile", "lines": {"begin": 1}}
    assert "Dockerfile:1: target" in log


@pytest.mark.parametrize(("env", "message"), [
    ({"DEPOTCI_INPUT_TOKEN": "dt_tok"}, "--token needs the Depot API"),
    ({"DEPOTCI_INPUT_SAVE": "true"}, "--save needs the Depot API"),
    ({"DEPOT_TOKEN": "dt_tok", "DEPOT_PROJECT_ID": "p1"}, "depot bake through the Depot API is not supported yet"),
])
def test_depot_api_inputs_are_refused(monkeypatch: pytest.MonkeyPatch, project: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(UnsupportedError, match=message):
        _run(monkeypatch, FakeBake(), project, **env)
