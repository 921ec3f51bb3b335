from __future__ import annotations

import json
from pathlib import Path

import pytest
from depotci.actions.env import GitHubEnv


def test_from_env_reads_the_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 12, "repository": {"visibility": "public"}}))
    gh = GitHubEnv.from_env({
        "GITHUB_REPOSITORY": "acme/app", "GITHUB_RUN_ID": "9", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_SERVER_URL": "https://ghe.example.com/",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://x/t", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "secret",
    })
    assert gh.run_url == "https://ghe.example.com/acme/app/actions/runs/9"
    assert gh.git_context == "https://ghe.example.com/acme/app.git#refs/pull/12/merge"
    assert gh.is_private_repo is False
    assert gh.has_oidc
    assert "secret" not in repr(gh)


@pytest.mark.parametrize(
    ("gh", "context"),
    [
        (GitHubEnv(repository="a/b", sha="s"), "https://github.com/a/b.git#s"),
        (GitHubEnv(repository="a/b"), "https://github.com/a/b.git"),
        (GitHubEnv(), ""),
        (GitHubEnv(repository="a/b", sha="s", event_name="pull_request", event={"pull_request": {"number": 3}}),
         "https://github.com/a/b.git#refs/pull/3/merge"),
    ],
)
def test_git_context(gh: GitHubEnv, context: str) -> None:
    assert gh.git_context == context


def test_unreadable_event_is_empty(tmp_path: Path) -> None:
    (tmp_path / "e.json").write_text("not json")
    gh = GitHubEnv.from_env({"GITHUB_EVENT_PATH": str(tmp_path / "e.json")})
    assert gh.event == {} and gh.is_private_repo
