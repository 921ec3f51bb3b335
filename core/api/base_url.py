"""Where the Depot API is: ``DEPOT_API_URL`` or the hosted API. Kept free of heavy imports, because
``depot build`` asks it before deciding between the API and a direct builder."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_API_URL", "api_url"]

DEFAULT_API_URL = "https://api.depot.dev"


def api_url(env: Mapping[str, str]) -> str:
    """``DEPOT_API_URL`` or the hosted API, without a trailing slash."""
    return (env.get("DEPOT_API_URL") or DEFAULT_API_URL).rstrip("/")
