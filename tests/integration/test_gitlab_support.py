"""Helpers for the GitLab integration tests (no tests here): the real gitlab-ci-local and check-jsonschema
(installed by ``scripts/gitlab-tools``), a throwaway project made from an ``examples/gitlab/`` pipeline with
the component templates served from gitlab-ci-local's include cache, and a ``depot-server`` that trusts a
local OIDC issuer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integration.test_server_support import SERVER, ServerProc

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "scripts" / "gitlab-tools"
VENV_BIN = str(Path(sys.executable).parent)
HOST = "gitlab.example.com"
COMPONENT_PROJECT = "depotci/depotci"  # what the examples include: $CI_SERVER_FQDN/depotci/depotci/<name>@1.0.0
COMPONENT_VERSION = "1.0.0"


@dataclass(frozen=True)
class Tools:
    gitlab_ci_local: str
    check_jsonschema: str


def install_tools() -> Tools:
    out = subprocess.run([str(TOOLS)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/gitlab-tools failed: {out.stderr[-3000:]}")
    base = ROOT / out.stdout.strip().splitlines()[-1]
    return Tools(str(base / "node_modules" / ".bin" / "gitlab-ci-local"), str(base / "venv" / "bin" / "check-jsonschema"))


@dataclass
class Pipeline:
    """The outcome of one gitlab-ci-local run in ``project``."""

    project: Path
    returncode: int
    output: str

    def job_log(self, job: str) -> str:
        path = self.project / ".gitlab-ci-local" / "output" / f"{job}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def artifact(self, job: str, rel: str) -> Path:
        return self.project / ".gitlab-ci-local" / "artifacts" / job / rel

    def artifact_json(self, job: str, rel: str) -> Any:
        return json.loads(self.artifact(job, rel).read_text())


def make_project(example: str, dest: Path, *, edit: dict[str, str] | None = None) -> Path:
    """Copy ``examples/gitlab/<example>`` to ``dest`` as a git repo with a GitLab-like origin, the component
    templates in gitlab-ci-local's include cache (as a catalog mirror of ``gitlab/`` would serve them), and
    every file ``git add``ed. ``edit`` maps a file to new text (to break a pipeline on purpose)."""
    shutil.copytree(ROOT / "examples" / "gitlab" / example, dest)
    for rel, text in (edit or {}).items():
        (dest / rel).write_text(text)
    cache = dest / ".gitlab-ci-local" / "includes" / HOST / COMPONENT_PROJECT / COMPONENT_VERSION / "templates"
    cache.mkdir(parents=True)
    for template in (ROOT / "gitlab" / "templates").glob("*.yml"):
        shutil.copy(template, cache / template.name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for cmd in (["init", "-q", "-b", "main"], ["remote", "add", "origin", f"https://{HOST}/acme/app.git"],
                ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run([*git, *cmd], cwd=dest, check=True, capture_output=True)
    return dest


def run_pipeline(
    tools: Tools, project: Path, env: dict[str, str], variables: dict[str, str], *args: str, timeout: float = 600
) -> Pipeline:
    """Run the whole pipeline (or ``args``) with the shell executor, as a shell-executor runner would: jobs
    see ``depotci-gitlab`` on PATH and each ``variables`` entry as a CI/CD variable."""
    cmd = [tools.gitlab_ci_local, "--force-shell-executor", "--shell-isolation", "--no-color",
           "--ignore-predefined-vars", "CI_REGISTRY_IMAGE"]
    for key, value in variables.items():
        cmd += ["--variable", f"{key}={value}"]
    run_env = dict(env, PATH=f"{VENV_BIN}:{env.get('PATH', os.defpath)}", HOME=str(project.parent / "home"))
    out = subprocess.run([*cmd, *args], cwd=project, env=run_env, capture_output=True, text=True, timeout=timeout)
    return Pipeline(project, out.returncode, out.stdout + out.stderr)


class OIDCServer(ServerProc):
    """``depot-server serve`` that also trusts ``issuer_url`` as a GitLab OIDC issuer."""

    def __init__(self, data_dir: Path, builders: list[str], issuer_url: str) -> None:
        super().__init__(data_dir, builders, extra_args=("--oidc-issuer", f"gitlab={issuer_url}"))
        self.issuer_url = issuer_url

    def trust_gitlab(self, project_path: str) -> None:
        subprocess.run([SERVER, "trust", "add", "--project", self.project, "--gitlab", project_path,
                        "--data-dir", str(self.data_dir)], check=True, capture_output=True, timeout=60)
