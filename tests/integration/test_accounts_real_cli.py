"""Accounts against a real ``depot-server`` process: the real Go depot CLI 2.102.12 (projects list, list
builds, cache reset, init, a build authenticated by a GitHub-shaped OIDC token from the local issuer), our
CLI's device login, and no token in any log line."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from integration.test_server_support import SERVER, ServerProc, real_depot_cli
from oidc_issuer import OIDCIssuer
from support import depot_env, run_depot, unique

pytestmark = pytest.mark.integration


class AccountsServer(ServerProc):
    """``ServerProc`` that trusts the local OIDC issuer for GitHub tokens."""

    def __init__(self, data_dir: Path, builders: list[str], issuer: OIDCIssuer) -> None:
        self.issuer = issuer
        super().__init__(data_dir, builders, extra_args=("--oidc-issuer", f"github={issuer.url}"))


@pytest.fixture(scope="module")
def issuer() -> Iterator[OIDCIssuer]:
    with OIDCIssuer() as i:
        yield i


def _server(tmp_path: Path, builders: list[str], issuer: OIDCIssuer) -> AccountsServer:
    srv = AccountsServer(tmp_path / "server", builders, issuer)
    srv.admin("trust", "add", "--project", srv.project, "--github", "acme/app")
    srv.start()
    return srv


@pytest.fixture
def server(builder_env: dict[str, str], tmp_path: Path, issuer: OIDCIssuer) -> Iterator[AccountsServer]:
    """With the shared builder: for builds only (a cache reset would prune everyone's build cache)."""
    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    srv = _server(tmp_path, [f"amd64=docker://unix://{sock},capacity=8"], issuer)
    yield srv
    srv.stop()


@pytest.fixture
def bare(tmp_path: Path, issuer: OIDCIssuer) -> Iterator[AccountsServer]:
    """Without builders: accounts calls only."""
    srv = _server(tmp_path, [], issuer)
    yield srv
    srv.stop()


def _real(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([real_depot_cli(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _real_on_tty(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run the real CLI with a pseudo-terminal as stdin/stdout/stderr (its init needs a terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([real_depot_cli(), *args], env=env, cwd=cwd, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(10), out.decode(errors="replace")


def _oidc_env(server: AccountsServer, base: dict[str, str], issuer: OIDCIssuer, repository: str) -> dict[str, str]:
    env = server.env(base)
    env.pop("DEPOT_TOKEN")
    issuer.actions_claims = issuer.github_claims(repository)
    env.update(ACTIONS_ID_TOKEN_REQUEST_URL=issuer.actions_request_url,
               ACTIONS_ID_TOKEN_REQUEST_TOKEN=issuer.actions_request_token, GITHUB_ACTIONS="true")
    return env


def _no_tokens_logged(server: AccountsServer, *outputs: str) -> None:
    for text in (server.log(), *outputs):
        assert server.token not in text
        assert not any(p in text for p in ("dso_", "dsp_", "dsb_", "eyJ"))


def test_real_cli_lists_projects_and_builds_and_resets_cache(bare: AccountsServer) -> None:
    server = bare
    env = server.env(dict(os.environ))
    out = _real(["projects", "list"], env)
    assert (out.returncode, out.stdout, out.stderr) == (0, f"Project ID,Name\n{server.project},demo\n", "")
    out = _real(["projects", "list", "--output", "json"], env)
    assert json.loads(out.stdout) == [{"id": server.project, "name": "demo"}]
    out = _real(["list", "builds", "--output", "json"], env)
    assert (out.returncode, out.stdout) == (0, "[]\n")
    out = _real(["cache", "reset"], env)
    assert (out.returncode, out.stdout) == (0, "Cache reset for demo (default)\n"), out.stderr
    out = _real(["list", "builds"], {**env, "DEPOT_PROJECT_ID": "nope"})
    assert (out.returncode, out.stderr.strip()) == (1, "not_found: project 'nope' not found")
    _no_tokens_logged(server, out.stdout + out.stderr)


def test_real_cli_init_writes_depot_json(bare: AccountsServer, tmp_path: Path) -> None:
    server = bare
    env = server.env(dict(os.environ))
    env.pop("DEPOT_PROJECT_ID")
    # the real CLI refuses to prompt in CI (CI=true, as .ci/run sets it) even on a terminal
    for marker in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "CONTINUOUS_INTEGRATION"):
        env.pop(marker, None)
    work = tmp_path / unique("init")
    work.mkdir()
    code, text = _real_on_tty(["init", "--project", server.project], env, work)
    assert code == 0, text
    assert f"Project demo (default) initialized in directory {work}" in text
    assert (work / "depot.json").read_text() == f'{{"id":"{server.project}"}}\n'
    # ours writes the same file, and refuses to overwrite it like the real CLI
    ours = tmp_path / unique("ours")
    ours.mkdir()
    out = run_depot(["init", "--project", server.project], env, cwd=ours)
    assert out.returncode == 0 and (ours / "depot.json").read_text() == (work / "depot.json").read_text()
    real = _real(["init", "--project", server.project], env, cwd=ours)
    again = run_depot(["init", "--project", server.project], env, cwd=ours)
    assert real.returncode == again.returncode == 1
    assert again.stderr == f"error: {real.stderr}"


def test_real_cli_builds_with_a_github_oidc_token(
    server: AccountsServer, builder_env: dict[str, str], issuer: OIDCIssuer, tmp_path: Path
) -> None:
    ctx = tmp_path / unique("ctx")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    (ctx / "hello.txt").write_text("hi\n")
    env = _oidc_env(server, depot_env(builder_env), issuer, "acme/app")
    out = _real(["build", "--progress", "plain", str(ctx)], env)
    assert out.returncode == 0, out.stderr[-3000:]
    listed = _real(["list", "builds", "--output", "json"], env)
    assert [b["status"] for b in json.loads(listed.stdout)] == ["finished"]
    assert any(q for p, q, _ in issuer.requests if p == "/actions/token" and "audience=https%3A%2F%2Fdepot.dev" in q)
    _no_tokens_logged(server, out.stdout + out.stderr, listed.stdout + listed.stderr)


def test_real_cli_build_with_an_untrusted_repository_is_refused(
    server: AccountsServer, builder_env: dict[str, str], issuer: OIDCIssuer, tmp_path: Path
) -> None:
    ctx = tmp_path / unique("ctx")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\n")
    env = _oidc_env(server, depot_env(builder_env), issuer, "evil/app")
    out = _real(["build", str(ctx)], env)
    assert out.returncode == 1
    assert "no project trusts GitHub repository 'evil/app'" in out.stderr.strip().splitlines()[-1]
    env_org = server.env(depot_env(builder_env))
    assert _real(["list", "builds", "--output", "json"], env_org).stdout == "[]\n"


def test_our_device_login_against_the_server(bare: AccountsServer, tmp_path: Path) -> None:
    server = bare
    env = server.env(dict(os.environ))
    env.pop("DEPOT_TOKEN")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    proc = subprocess.Popen([str(Path(SERVER).with_name("depot")), "login"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    url = ""
    while "/login/" not in url:
        url = proc.stderr.readline()
        assert url or proc.poll() is None
    server.admin("login", "approve", url.strip().rsplit("/", 1)[-1])
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (0, "Successfully authenticated!\n"), err
    path = tmp_path / "cfg" / "depot" / "depot.yaml"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert yaml.safe_load(path.read_text())["api_token"].startswith("dso_")
    listed = _real(["projects", "list"], env)  # the real CLI reads the same file (adrg/xdg honours XDG_CONFIG_HOME)
    listed_ours = run_depot(["projects", "list"], env)
    assert listed_ours.stdout == listed.stdout == f"Project ID,Name\n{server.project},demo\n"
    _no_tokens_logged(server, out + err, listed_ours.stdout + listed_ours.stderr)


def test_our_depot_builds_with_a_github_oidc_token(
    server: AccountsServer, builder_env: dict[str, str], issuer: OIDCIssuer, tmp_path: Path
) -> None:
    ctx = tmp_path / unique("ctx")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    (ctx / "hello.txt").write_text("ours\n")
    env = _oidc_env(server, depot_env(builder_env), issuer, "acme/app")
    out = run_depot(["build", "--progress=plain", str(ctx)], env)
    assert out.returncode == 0, out.stderr[-3000:]
    listed = run_depot(["list", "builds", "--output", "json"], env)
    assert [b["status"] for b in json.loads(listed.stdout)] == ["finished"]
    _no_tokens_logged(server, out.stdout + out.stderr, listed.stdout + listed.stderr)
