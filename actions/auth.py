"""How an action authenticates, first match wins: the ``token`` input, ``DEPOT_TOKEN``, the GitHub OIDC
exchange, an explicit ``buildkit-host`` input, then the embedded default (whatever ``depot build`` itself
resolves: ``BUILDKIT_HOST``, ``DOCKER_HOST``, the local Docker socket).

OIDC failures are not fatal (the next source is tried), as in depot/build-push-action; the ID token and
the exchanged token are masked before anything else is printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from depotci.actions.env import GitHubEnv
from depotci.actions.outputs import Workflow
from depotci.core.errors import AuthError

__all__ = ["Auth", "resolve_auth"]


@dataclass(frozen=True)
class Auth:
    """The chosen source: ``token`` (a Depot API token), ``endpoint`` (``buildkit_host``) or ``default``."""

    mode: str
    source: str
    token: str = field(default="", repr=False)
    buildkit_host: str = ""


OidcExchange = Callable[[GitHubEnv, Mapping[str, str], Workflow], str]


def resolve_auth(
    token_input: str,
    buildkit_host: str,
    env: Mapping[str, str],
    gh: GitHubEnv,
    wf: Workflow,
    oidc: OidcExchange | None,
) -> Auth:
    """Pick the source by the order above; ``oidc`` fetches and exchanges (and masks) an ID token
    (``None``: skip OIDC)."""
    if token_input:
        wf.mask(token_input)
        return Auth("token", "input 'token'", token_input)
    if env.get("DEPOT_TOKEN"):
        return Auth("token", "DEPOT_TOKEN", env["DEPOT_TOKEN"])
    if oidc is not None and gh.has_oidc:
        try:
            token = oidc(gh, env, wf)
        except AuthError as exc:
            wf.log.write(f"GitHub OIDC exchange failed, trying the next source: {exc}\n")
        else:
            wf.mask(token)
            return Auth("token", "GitHub OIDC", token)
    if buildkit_host:
        return Auth("endpoint", "input 'buildkit-host'", buildkit_host=buildkit_host)
    return Auth("default", "default builder")


def github_oidc(gh: GitHubEnv, env: Mapping[str, str], wf: Workflow) -> str:
    """Fetch the ID token, mask it, exchange it, mask the result."""
    import httpx
    from depotci.actions.oidc import exchange_token, exchange_url, fetch_id_token

    with httpx.Client() as client:
        id_token = fetch_id_token(gh, client)
        wf.mask(id_token)
        token = exchange_token(id_token, exchange_url(env), client)
    wf.mask(token)
    return token
