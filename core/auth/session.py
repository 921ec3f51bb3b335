"""What the account commands share: the resolved token (or the ``missing API token`` error), the API
client for ``DEPOT_API_URL``, and whether the run is interactive (both stdout and stderr terminals and no
CI marker in the environment; non-interactive runs never prompt)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from depotci.core.auth.token import MISSING_TOKEN, resolve_token
from depotci.core.errors import AuthError

__all__ = ["CI_MARKERS", "accounts_api", "api_client", "interactive", "is_ci", "require_token"]

CI_MARKERS = (
    "CI", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "BUILDKITE", "JENKINS_URL", "TF_BUILD", "TRAVIS",
    "TEAMCITY_VERSION", "BITBUCKET_BUILD_NUMBER", "CODEBUILD_BUILD_ID", "DRONE", "SEMAPHORE", "APPVEYOR",
    "BUDDY", "WOODPECKER", "HARNESS_BUILD_ID", "DEPOT_CI",
)


def is_ci(env: Mapping[str, str]) -> bool:
    """True when one of the usual CI environment markers is set."""
    return any(env.get(name) for name in CI_MARKERS)


def interactive(env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> bool:
    """A person at a terminal: stdout and stderr are TTYs and no CI marker is set."""
    try:
        ttys = stdout.isatty() and stderr.isatty()
    except (AttributeError, ValueError):
        return False
    return ttys and not is_ci(env)


def require_token(flag: str, env: Mapping[str, str]) -> str:
    """The token by specs/depot-api.md §4.1, or ``AuthError`` with the CLI's message."""
    found = resolve_token(flag, env)
    if found is None:
        raise AuthError(MISSING_TOKEN)
    return found.token


def api_client(env: Mapping[str, str], timeout: float = 30.0) -> Any:
    """A fresh ``ConnectClient`` for ``DEPOT_API_URL`` (the caller closes it). Commands call it through this
    module (``session.api_client``) so tests can point them at an in-process server."""
    from depotci.core.api.base_url import api_url
    from depotci.core.api.client import ConnectClient

    return ConnectClient(api_url(env), timeout=timeout)


def accounts_api(env: Mapping[str, str]) -> Any:
    """An ``AccountsAPI`` on ``api_client(env)`` (close it with ``.client.close()``)."""
    from depotci.core.api.accounts import AccountsAPI

    return AccountsAPI(api_client(env))
