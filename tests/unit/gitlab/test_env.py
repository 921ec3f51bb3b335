"""The typed view of GitLab's predefined variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from depotci.gitlab.env import GitLabEnv


def test_from_env_reads_the_job(tmp_path: Path) -> None:
    env = {"CI_PROJECT_DIR": str(tmp_path), "CI_JOB_URL": "https://gl/acme/app/-/jobs/9", "CI_JOB_NAME": "depot-build",
           "CI_PROJECT_VISIBILITY": "private", "CI_COMMIT_SHA": "abc"}
    genv = GitLabEnv.from_env(env, "/somewhere/else")
    assert genv.project_dir == str(tmp_path) and genv.job_url.endswith("/jobs/9")
    assert (genv.job_name, genv.project_visibility, genv.commit_sha) == ("depot-build", "private", "abc")


@pytest.mark.parametrize("project_dir", ["", "/builds/does/not/exist"])
def test_a_missing_project_dir_falls_back_to_the_working_dir(project_dir: str, tmp_path: Path) -> None:
    assert GitLabEnv.from_env({"CI_PROJECT_DIR": project_dir}, str(tmp_path)).project_dir == str(tmp_path)


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [("Dockerfile", "/p", "Dockerfile"), ("/p/a/Dockerfile", "/x", "a/Dockerfile"), ("../Dockerfile", "/p/sub", "Dockerfile"),
     ("/q/Dockerfile", "/p", "/q/Dockerfile"), ("", "/p", "")],
)
def test_relative(path: str, cwd: str, expected: str) -> None:
    assert GitLabEnv(project_dir="/p").relative(path, cwd) == expected
