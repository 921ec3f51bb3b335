"""Helpers for the GitHub Actions tests (no tests here): the real CI clients from ``scripts/ci-tools``, a
throwaway git repository holding the actions and examples, and ``act`` runs parsed from its JSON log."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REPO_FILES = ("action.yml", "actions", "core", "pyproject.toml", "setup.py", "examples/github")


def ci_tools() -> Path:
    """The bin dir of the CI-tools venv (installed on first use; idempotent)."""
    out = subprocess.run([str(ROOT / "scripts" / "ci-tools")], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/ci-tools failed: {out.stderr[-2000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def make_repo(dest: Path, origin: str = "https://github.com/acme/app.git") -> Path:
    """A git repository with the actions, the core and the examples (what a consumer's checkout of the
    action holds), committed, with ``origin`` naming the GitHub repository act reports."""
    dest.mkdir(parents=True)
    tar = subprocess.run(["tar", "--exclude=__pycache__", "-C", str(ROOT), "-cf", "-", *REPO_FILES],
                         capture_output=True, check=True)
    subprocess.run(["tar", "-xf", "-", "-C", str(dest)], input=tar.stdout, check=True)
    git = ["git", "-C", str(dest), "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "fixture"], check=True)
    subprocess.run([*git, "remote", "add", "origin", origin], check=True)
    return dest


@dataclass
class ActRun:
    """One act run: exit code, every JSON log record, and the raw output."""

    returncode: int
    records: list[dict[str, Any]] = field(default_factory=list)
    raw: str = ""

    def commands(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("command") == name]

    def outputs(self) -> dict[str, str]:
        """Outputs set by the action's own ``run`` step (the composite's inner step)."""
        return {r["name"]: r.get("arg", "") for r in self.commands("set-output") if r.get("stepID", [])[-1:] == ["run"]}

    def summaries(self) -> list[str]:
        return [str(r.get("content", "")) for r in self.commands("summary")]

    def messages(self) -> str:
        return "\n".join(str(r.get("msg", "")) for r in self.records)


def run_act(repo: Path, workflow: str, tools: Path, *, env: dict[str, str], variables: dict[str, str],
            timeout: float = 600) -> ActRun:
    """``act workflow_dispatch -W <workflow>`` on the host (``-self-hosted``), with a scrubbed process
    environment: only PATH/HOME and ``env`` reach the steps."""
    cmd = [str(tools / "act"), "workflow_dispatch", "-W", workflow, "-P", "ubuntu-latest=-self-hosted",
           "--no-cache-server", "--json", "--action-cache-path", str(repo.parent / "act-cache")]
    for k, v in env.items():
        cmd += ["--env", f"{k}={v}"]
    for k, v in variables.items():
        cmd += ["--var", f"{k}={v}"]
    proc_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo.parent / "home")}
    proc_env.update(env)
    Path(proc_env["HOME"]).mkdir(exist_ok=True)
    out = subprocess.run(cmd, cwd=repo, env=proc_env, capture_output=True, text=True, timeout=timeout)
    run = ActRun(out.returncode, raw=out.stdout + out.stderr)
    for line in out.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            run.records.append(record)
    return run


def oidc_server(data_dir: Path, builders: list[str], issuer_url: str) -> Any:
    """A ``ServerProc`` that also trusts GitHub-shaped OIDC tokens of ``issuer_url`` (``--oidc-issuer``)."""
    from integration.test_server_support import ServerProc

    return ServerProc(data_dir, builders, extra_args=("--oidc-issuer", f"github={issuer_url}"))
