"""Our `depot` account commands end to end in process: the CLI parser, the commands and the real server app
behind an in-process transport. Output formats follow the Go CLI (recorded in conformance/api-requests)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from depotci.core.cli.main import main
from unit.server import test_oidc_support as support

issuers = support.issuers
accounts_env = support.accounts_env
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(accounts_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    from depotci.core.api.client import ConnectClient, RetryPolicy
    from depotci.core.auth import session

    transport = accounts_env.client._http._transport
    monkeypatch.setattr(session, "api_client", lambda env, timeout=30.0: ConnectClient(
        "http://api.test", transport=transport, retry=RetryPolicy(attempts=1), timeout=timeout))
    for key in list(os.environ):
        if key.startswith(("DEPOT_", "ACTIONS_ID_TOKEN", "CIRCLE", "BUILDKITE", "GITLAB")) or key == "CI":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def go(*args: str, **env: str) -> tuple[int, str, str]:
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(k, v)
            code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield go


def test_projects_list_formats(run: Run, accounts_env: Any) -> None:
    tok = accounts_env.org_token
    pid = accounts_env.project
    assert run("projects", "list", DEPOT_TOKEN=tok) == (0, f"Project ID,Name\n{pid},demo\n", "")
    assert run("list", "projects", "--output", "csv", DEPOT_TOKEN=tok) == (0, f"Project ID,Name\n{pid},demo\n", "")
    code, out, _ = run("projects", "ls", "--output", "json", DEPOT_TOKEN=tok)
    assert code == 0 and out == json.dumps([{"id": pid, "name": "demo"}], indent=2) + "\n"


def _add_build(env: Any, status: str, created: float, finished: float | None) -> str:
    b = env.store.create_build(env.store.ensure_org(), env.project, 1, b"")
    env.store.execute("UPDATE builds SET status = ?, created_at = ?, finished_at = ? WHERE id = ?", status, created, finished, b.id)
    return str(b.id)


def test_list_builds_json_and_csv(run: Run, accounts_env: Any) -> None:
    env = accounts_env
    bid = _add_build(env, "finished", 1700000000.0, 1700000100.4)
    code, out, _ = run("list", "builds", "--output", "json", DEPOT_TOKEN=env.org_token, DEPOT_PROJECT_ID=env.project)
    assert code == 0
    expected = '[\n  {\n    "id": "BID",\n    "status": "finished",\n    "startTime": "2023-11-14T22:13:20Z",\n    "duration": 100\n  }\n]\n'
    assert out == expected.replace("BID", bid)  # conformance/api-requests/16-list-builds-json-scripted
    code, out, _ = run("list", "b", "--project", env.project, DEPOT_TOKEN=env.org_token)
    assert (code, out) == (0, f"Build ID,Status,Started,Duration (s)\n{bid},finished,2023-11-14T22:13:20Z,100\n")


def test_list_builds_of_an_empty_project_prints_no_header(run: Run, accounts_env: Any) -> None:
    assert run("list", "builds", DEPOT_TOKEN=accounts_env.org_token, DEPOT_PROJECT_ID=accounts_env.project) == (0, "", "")
    assert run("list", "builds", "--output", "json", DEPOT_TOKEN=accounts_env.org_token,
               DEPOT_PROJECT_ID=accounts_env.project) == (0, "[]\n", "")


def test_list_builds_duration_of_a_running_build_counts_to_now(run: Run, accounts_env: Any) -> None:
    _add_build(accounts_env, "running", time.time() - 30, None)
    code, out, _ = run("list", "builds", "--output", "json", DEPOT_TOKEN=accounts_env.org_token,
                       DEPOT_PROJECT_ID=accounts_env.project)
    row = json.loads(out)[0]
    assert code == 0 and row["status"] == "running" and 29 <= row["duration"] <= 40


def test_project_create_get_update_delete(run: Run, accounts_env: Any) -> None:
    tok = accounts_env.org_token
    code, out, _ = run("projects", "create", "web", "--cache-storage-policy", "20", DEPOT_TOKEN=tok)
    created = json.loads(out)
    assert code == 0 and out.startswith('{"project_id":"')
    assert created["cache_policy"] == {"keep_bytes": 20 * 1024**3, "keep_days": 14}
    pid = created["project_id"]
    code, out, _ = run("projects", "get", pid, DEPOT_TOKEN=tok)
    assert code == 0 and out.splitlines()[0] == f"Project ID:       {pid}" and "Cache storage:    20 GB" in out
    code, out, _ = run("projects", "update", "-p", pid, "--name", "web2", "--cache-storage-policy", "5", "-o", "json", DEPOT_TOKEN=tok)
    got = json.loads(out)
    assert (code, got["name"], got["cache_policy"]) == (0, "web2", {"keep_bytes": 5 * 1024**3, "keep_days": 14})
    assert run("projects", "delete", "-p", pid, "-y", DEPOT_TOKEN=tok) == (0, f"Successfully deleted project {pid}\n", "")
    assert accounts_env.accounts.project(pid) is None


def test_cache_reset(run: Run, accounts_env: Any) -> None:
    code, out, _ = run("cache", "reset", "--project", accounts_env.project, DEPOT_TOKEN=accounts_env.org_token)
    assert (code, out, accounts_env.pruned) == (0, "Cache reset for demo (default)\n", ["amd64-0"])


def test_init_writes_depot_json_and_refuses_to_overwrite(run: Run, accounts_env: Any) -> None:
    tok, pid = accounts_env.org_token, accounts_env.project
    code, out, _ = run("init", "--project", pid, DEPOT_TOKEN=tok)
    cwd = Path.cwd()
    assert (code, out) == (0, f"Project demo (default) initialized in directory {cwd}\n")
    assert (cwd / "depot.json").read_text() == f'{{"id":"{pid}"}}\n'
    assert oct((cwd / "depot.json").stat().st_mode & 0o777) == "0o644"
    (cwd / "sub").mkdir()
    code, out, err = run("init", "sub", "--project", pid, DEPOT_TOKEN=tok)
    assert (code, out) == (1, "")
    assert err == f'error: Project configuration depot.json already exists at path "{cwd}", re-run with `--force` to overwrite\n'
    assert run("init", "--force", "--project", pid, DEPOT_TOKEN=tok)[0] == 0


BAD = [
    # (args, env, files, expected stderr line)
    (["projects", "list"], {"CI": "1"}, {}, "missing API token, please run `depot login`"),
    (["list", "builds"], {"GITHUB_ACTIONS": "true", "DEPOT_PROJECT_ID": "x"}, {}, "missing API token, please run `depot login`"),
    (["list", "builds"], {"DEPOT_TOKEN": "{org}"}, {}, "unknown project ID (run `depot init` or use --project or $DEPOT_PROJECT_ID)"),
    (["list", "builds"], {"DEPOT_TOKEN": "{org}"}, {"depot.json": '{"id": ['},
     "cannot parse project config '{cwd}/depot.json': expected {{\"id\": \"<project id>\"}}"),
    (["cache", "reset"], {"DEPOT_TOKEN": "{org}"}, {"depot.yml": "- a\n"},
     "cannot parse project config '{cwd}/depot.yml': expected {{\"id\": \"<project id>\"}}"),
    (["list", "builds", "--project", "nope"], {"DEPOT_TOKEN": "{org}"}, {}, "not_found: project 'nope' not found"),
    (["cache", "reset", "--project", "nope"], {"DEPOT_TOKEN": "{org}"}, {}, "not_found: project 'nope' not found"),
    (["projects", "get", "nope"], {"DEPOT_TOKEN": "{org}"}, {}, "not_found: project 'nope' not found"),
    (["projects", "delete", "-p", "{pid}"], {"DEPOT_TOKEN": "{org}", "CI": "1"}, {},
     "refusing to delete project {pid} without --yes (not a terminal)"),
    (["init"], {"DEPOT_TOKEN": "{org}", "CI": "1"}, {}, "missing project ID: pass --project ID (no terminal to pick a project)"),
    (["init", "--project", "nope"], {"DEPOT_TOKEN": "{org}"}, {}, "project 'nope' not found among the projects of this token"),
    (["projects", "list", "--output", "xml"], {"DEPOT_TOKEN": "{org}"}, {}, "unknown format: xml. Requires csv or json"),
    (["projects", "list"], {"DEPOT_TOKEN": "dso_revoked"}, {}, "unauthenticated: invalid token"),
    (["login", "token"], {}, {}, "not logged in: no Depot API token found, please run `depot login`"),
]


@pytest.mark.parametrize(("args", "env", "files", "message"), BAD)
def test_bad_input_gives_one_clear_line(
    run: Run, accounts_env: Any, args: list[str], env: dict[str, str], files: dict[str, str], message: str
) -> None:
    fill = {"org": accounts_env.org_token, "pid": accounts_env.project, "cwd": str(Path.cwd())}
    for name, text in files.items():
        Path(name).write_text(text)
    code, out, err = run(*(a.format(**fill) for a in args), **{k: v.format(**fill) for k, v in env.items()})
    assert (code, out) == (1, "")
    assert err == f"error: {message.format(**fill)}\n"
    assert accounts_env.org_token not in err
