"""The action files and example workflows pass the real linters: check-jsonschema (GitHub's action and
workflow schemas, vendored), zizmor offline (no high-severity finding) and an actionlint build (which also
checks each ``with:`` key against the local ``action.yml``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from integration.test_github_support import ROOT, ci_tools, make_repo

pytestmark = pytest.mark.integration

ACTIONS = ["action.yml", "actions/bake/action.yml"]
WORKFLOWS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples" / "github").glob("*.yml"))


@pytest.fixture(scope="module")
def tools() -> Path:
    return ci_tools()


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("schema", "files"), [("vendor.github-actions", ACTIONS), ("vendor.github-workflows", WORKFLOWS)])
def test_check_jsonschema(tools: Path, schema: str, files: list[str]) -> None:
    assert len(files) >= 2
    out = _run([str(tools / "check-jsonschema"), "--builtin-schema", schema, *files])
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_offline_has_no_high_findings(tools: Path) -> None:
    out = _run([str(tools / "zizmor"), "--offline", "--format", "json-v1", *ACTIONS, *WORKFLOWS])
    findings = json.loads(out.stdout)
    severe = [(f["ident"], f["determinations"]["severity"]) for f in findings
              if f["determinations"]["severity"] in ("High", "Medium")]
    assert severe == []


def _lint_repo(tmp_path: Path, replace: tuple[str, str] = ("", "")) -> Path:
    """A fixture repository with the examples as its workflows, so ``uses: ./`` resolves to our actions."""
    repo = make_repo(tmp_path / "repo")
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name in WORKFLOWS:
        text = (ROOT / name).read_text()
        (workflows / Path(name).name).write_text(text.replace(*replace) if replace[0] else text)
    return repo


def _actionlint(tools: Path, repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tools / "actionlint"), "-shellcheck=", "-pyflakes="], cwd=repo,
                          capture_output=True, text=True, timeout=300)


def test_actionlint(tools: Path, tmp_path: Path) -> None:
    out = _actionlint(tools, _lint_repo(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint_catches_an_unknown_input(tools: Path, tmp_path: Path) -> None:
    """The lint is live: a workflow passing an input the action does not declare fails."""
    out = _actionlint(tools, _lint_repo(tmp_path, ("push: true", "pushh: true")))
    assert out.returncode == 1 and 'input "pushh" is not defined' in out.stdout, out.stdout
