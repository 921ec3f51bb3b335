"""``GitLabEnv``: the one typed view of the GitLab predefined variables the adapter uses.

Nothing else in ``depotci.gitlab`` reads ``CI_*`` variables. gitlab-ci-local sets ``GITLAB_CI=false`` and,
with its forced shell executor, a ``CI_PROJECT_DIR`` that does not exist: the project dir is then the
working directory, which is where GitLab runs job scripts anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["GitLabEnv"]


@dataclass(frozen=True)
class GitLabEnv:
    """What the adapter needs to know about the job it runs in."""

    project_dir: str
    job_name: str = ""
    job_url: str = ""
    pipeline_url: str = ""
    project_path: str = ""
    project_visibility: str = ""
    commit_sha: str = ""
    server_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str], cwd: str) -> GitLabEnv:
        """Read the job's variables; ``cwd`` stands in for a missing or non-existent ``CI_PROJECT_DIR``."""
        project_dir = env.get("CI_PROJECT_DIR", "")
        if not project_dir or not os.path.isdir(project_dir):
            project_dir = cwd
        return cls(
            project_dir=os.path.abspath(project_dir),
            job_name=env.get("CI_JOB_NAME", ""),
            job_url=env.get("CI_JOB_URL", ""),
            pipeline_url=env.get("CI_PIPELINE_URL", ""),
            project_path=env.get("CI_PROJECT_PATH", ""),
            project_visibility=env.get("CI_PROJECT_VISIBILITY", ""),
            commit_sha=env.get("CI_COMMIT_SHA", ""),
            server_url=env.get("CI_SERVER_URL", ""),
        )

    def relative(self, path: str, cwd: str) -> str:
        """``path`` (absolute, or relative to ``cwd``) relative to the project dir; unchanged when it lies
        outside it."""
        if not path:
            return path
        full = os.path.normpath(os.path.join(cwd, path))
        rel = os.path.relpath(full, self.project_dir)
        return path if rel == ".." or rel.startswith("../") else rel
