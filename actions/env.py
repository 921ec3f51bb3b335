"""``GitHubEnv``: the one typed view of the ``GITHUB_*``/``RUNNER_*``/``ACTIONS_*`` variables the actions
read, each with the fallback the GitHub toolkit uses. Nothing else in ``depotci.actions`` reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from depotci.core.buildkit.metadata import read_json_object

__all__ = ["GitHubEnv"]


@dataclass(frozen=True)
class GitHubEnv:
    """Facts about the run, read once from the environment (``from_env``)."""

    workspace: str = ""
    server_url: str = "https://github.com"
    repository: str = ""
    run_id: str = ""
    run_attempt: str = "1"
    sha: str = ""
    ref: str = ""
    event_name: str = ""
    event: Mapping[str, Any] = field(default_factory=dict)
    output_file: str = ""
    state_file: str = ""
    summary_file: str = ""
    runner_temp: str = ""
    id_token_url: str = ""
    id_token_request_token: str = field(default="", repr=False)
    checks_annotations: bool = True  # DOCKER_BUILD_CHECKS_ANNOTATIONS, as docker's actions read it

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GitHubEnv:
        """Read the variables; the event payload (``GITHUB_EVENT_PATH``) is parsed when it is readable."""
        return cls(
            workspace=env.get("GITHUB_WORKSPACE", ""),
            server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            run_id=env.get("GITHUB_RUN_ID", ""),
            run_attempt=env.get("GITHUB_RUN_ATTEMPT") or "1",
            sha=env.get("GITHUB_SHA", ""),
            ref=env.get("GITHUB_REF", ""),
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event=_read_event(env.get("GITHUB_EVENT_PATH", "")),
            output_file=env.get("GITHUB_OUTPUT", ""),
            state_file=env.get("GITHUB_STATE", ""),
            summary_file=env.get("GITHUB_STEP_SUMMARY", ""),
            runner_temp=env.get("RUNNER_TEMP", ""),
            id_token_url=env.get("ACTIONS_ID_TOKEN_REQUEST_URL", ""),
            id_token_request_token=env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""),
            checks_annotations=env.get("DOCKER_BUILD_CHECKS_ANNOTATIONS", "").strip().lower()
            not in ("false", "0"),
        )

    @property
    def run_url(self) -> str:
        """The workflow run's page (depot's form: no ``/attempts/<n>``)."""
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def is_private_repo(self) -> bool:
        """True unless the event payload says the repository is public (unknown counts as private)."""
        repo = self.event.get("repository") if isinstance(self.event, Mapping) else None
        public = isinstance(repo, Mapping) and (repo.get("visibility") == "public" or repo.get("private") is False)
        return not public

    @property
    def pull_request_number(self) -> int | None:
        """The PR number on ``pull_request*`` events, else None."""
        if not self.event_name.startswith("pull_request"):
            return None
        number = self.event.get("number")
        pr = self.event.get("pull_request")
        if number is None and isinstance(pr, Mapping):
            number = pr.get("number")
        return number if isinstance(number, int) else None

    @property
    def git_context(self) -> str:
        """The default build context: this repository at the event's commit (docker's ``gitContext``)."""
        if not self.repository:
            return ""
        url = f"{self.server_url}/{self.repository}.git"
        pr = self.pull_request_number
        if pr is not None:
            return f"{url}#refs/pull/{pr}/merge"
        return f"{url}#{self.sha}" if self.sha else url

    @property
    def has_oidc(self) -> bool:
        """Whether the runner offers an ID token (``permissions: id-token: write``)."""
        return bool(self.id_token_url and self.id_token_request_token)


def _read_event(path: str) -> Mapping[str, Any]:
    return read_json_object(path) if path else {}
