"""Which projects a verified CI identity may use: project trust policies matched against OIDC claims.

    github     repository_owner + repository     policy (owner, repository name or owner/name)
    gitlab     namespace_path + project_path      policy (namespace path, project path or its last segment)
    circleci   oidc.circleci.com/org-id + project-id   policy (organization UUID, project UUID)
    buildkite  organization_slug + pipeline_slug  policy (organization slug, pipeline slug)

A policy matches only tokens of its own provider (the issuer's configured provider), so one CI system's
claims can never satisfy another's policy. Comparisons ignore case for GitHub and GitLab names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from depotci.server.accounts_store import TrustPolicyRecord

__all__ = ["describe_identity", "identity", "matching_projects", "policy_matches"]

_CLAIMS = {
    "github": ("repository_owner", "repository"),
    "gitlab": ("namespace_path", "project_path"),
    "circleci": ("oidc.circleci.com/org-id", "oidc.circleci.com/project-id"),
    "buildkite": ("organization_slug", "pipeline_slug"),
}
_LABEL = {
    "github": "GitHub repository",
    "gitlab": "GitLab project",
    "circleci": "CircleCI project",
    "buildkite": "Buildkite pipeline",
}


def identity(provider: str, claims: Mapping[str, Any]) -> tuple[str, str]:
    """The two claims a policy of ``provider`` is matched on; empty strings when absent."""
    a, b = _CLAIMS.get(provider, ("", ""))
    return str(claims.get(a, "") or ""), str(claims.get(b, "") or "")


def describe_identity(provider: str, claims: Mapping[str, Any]) -> str:
    """``GitHub repository 'acme/app'`` and the like, for messages and logs."""
    a, b = identity(provider, claims)
    if provider in ("github", "gitlab"):
        return f"{_LABEL[provider]} '{b or a}'"
    return f"{_LABEL.get(provider, provider)} '{a}/{b}'"


def _last(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def policy_matches(policy: TrustPolicyRecord, provider: str, claims: Mapping[str, Any]) -> bool:
    """True when ``policy`` trusts the identity in ``claims`` (a token of ``provider``)."""
    if policy.provider != provider:
        return False
    a, b = identity(provider, claims)
    if not a or not b or not policy.a or not policy.b:
        return False
    if provider == "github":
        owner_ok = a.lower() == policy.a.lower()
        repo = policy.b.lower()
        repo_ok = b.lower() == repo if "/" in repo else b.lower() == f"{a.lower()}/{repo}"
        return owner_ok and repo_ok
    if provider == "gitlab":
        ns_ok = a.lower() == policy.a.lower()
        proj = policy.b.lower()
        proj_ok = b.lower() == proj if "/" in proj else b.lower() == f"{a.lower()}/{proj}"
        return ns_ok and proj_ok
    return a == policy.a and b == policy.b


def matching_projects(policies: Sequence[TrustPolicyRecord], provider: str, claims: Mapping[str, Any]) -> list[str]:
    """Ids of the projects with at least one matching policy, in policy order, without duplicates."""
    out: list[str] = []
    for p in policies:
        if p.project_id not in out and policy_matches(p, provider, claims):
            out.append(p.project_id)
    return out
