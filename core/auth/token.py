"""Which API token a build uses (specs/depot-api.md §4.1), first non-empty wins:

1. ``--token``  2. ``DEPOT_TOKEN``  3. ``DEPOT_API_TOKEN``, else ``api_token`` of the stored login file
4. the CI OIDC token sources (``depotci.core.auth.oidc``: GitHub Actions, GitLab, CircleCI, Buildkite)
5. ``DEPOT_JIT_TOKEN``, then ``DEPOT_CACHE_TOKEN``

The interactive device login (step 6 on a terminal) is ``depotci.core.commands.login``, not done here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from depotci.core.auth.login_file import login_file_path, read_login_file

__all__ = ["MISSING_TOKEN", "ResolvedToken", "resolve_token"]

MISSING_TOKEN = "missing API token, please run `depot login`"


@dataclass(frozen=True)
class ResolvedToken:
    """A token and where it came from (for messages; the token itself is never printed)."""

    token: str
    source: str

    def __repr__(self) -> str:
        return f"ResolvedToken(source={self.source!r})"


def _oidc(env: Mapping[str, str]) -> tuple[str, str] | None:
    from depotci.core.auth.oidc import resolve_oidc

    return resolve_oidc(env)


def resolve_token(
    flag: str,
    env: Mapping[str, str],
    *,
    read_file: Callable[[str], dict[str, str]] = read_login_file,
    oidc: Callable[[Mapping[str, str]], tuple[str, str] | None] = _oidc,
) -> ResolvedToken | None:
    """The token by the order above, or None when no source has one."""
    if flag:
        return ResolvedToken(flag, "--token")
    if env.get("DEPOT_TOKEN"):
        return ResolvedToken(env["DEPOT_TOKEN"], "DEPOT_TOKEN")
    if env.get("DEPOT_API_TOKEN"):
        return ResolvedToken(env["DEPOT_API_TOKEN"], "DEPOT_API_TOKEN")
    path = login_file_path(env)
    stored = read_file(path).get("api_token", "")
    if stored:
        return ResolvedToken(stored, path)
    found = oidc(env)
    if found is not None:
        return ResolvedToken(*found)
    for var in ("DEPOT_JIT_TOKEN", "DEPOT_CACHE_TOKEN"):
        if env.get(var):
            return ResolvedToken(env[var], var)
    return None
