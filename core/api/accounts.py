"""Typed calls of the account services on a ``ConnectClient`` (specs/depot-api.md §1.4):
``depot.cli.v1beta1.ProjectsService`` and ``LoginService``, ``depot.core.v1.ProjectService`` and
``OrganizationService``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from depotci.core.api.client import ConnectClient

__all__ = ["AccountsAPI"]

_CLI = "/depot.cli.v1beta1.ProjectsService/"
_LOGIN = "/depot.cli.v1beta1.LoginService/"
_CORE = "/depot.core.v1.ProjectService/"
_ORG = "/depot.core.v1.OrganizationService/"


class AccountsAPI:
    """One method per call the CLI makes; ``token`` is the resolved API token."""

    def __init__(self, client: ConnectClient) -> None:
        self.client = client

    def list_projects(self, token: str) -> list[Any]:
        """``ListProjectsResponse.Project`` items (id, name, org_id, org_name)."""
        from depotci.core._gen.depot.cli.v1beta1 import projects_pb2

        resp = self.client.unary(
            _CLI + "ListProjects", projects_pb2.ListProjectsRequest(), projects_pb2.ListProjectsResponse,
            token=token, timeout=5.0, idempotent=True,
        )
        return list(resp.projects)

    def reset_project_cache(self, token: str, project_id: str) -> Any:
        from depotci.core._gen.depot.cli.v1beta1 import projects_pb2

        req = projects_pb2.ResetProjectCacheRequest(project_id=project_id)
        return self.client.unary(_CLI + "ResetProjectCache", req, projects_pb2.ResetProjectCacheResponse, token=token)

    def list_organizations(self, token: str) -> list[Any]:
        from depotci.core._gen.depot.core.v1 import org_pb2

        resp = self.client.unary(
            _ORG + "ListOrganizations", org_pb2.ListOrganizationsRequest(), org_pb2.ListOrganizationResponse,
            token=token, idempotent=True,
        )
        return list(resp.organizations)

    def start_login(self) -> Any:
        """``{id, approve_url}``; sent without a token."""
        from depotci.core._gen.depot.cli.v1beta1 import login_pb2

        return self.client.unary(_LOGIN + "StartLogin", login_pb2.StartLoginRequest(), login_pb2.StartLoginResponse)

    def finish_login(self, login_id: str, timeout: float = 900.0) -> str:
        """Wait for the approval; the token of the stream's first message ("" if it ends without one)."""
        from depotci.core._gen.depot.cli.v1beta1 import login_pb2

        stream: Iterator[Any] = self.client.server_stream(
            _LOGIN + "FinishLogin", login_pb2.FinishLoginRequest(id=login_id), login_pb2.FinishLoginResponse,
            timeout=timeout,
        )
        try:
            for msg in stream:
                return str(msg.token)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        return ""

    def core(self, method: str, request: Any, token: str) -> Any:
        """A ``depot.core.v1.ProjectService`` call: ``method`` names it, the response type follows."""
        from depotci.core._gen.depot.core.v1 import project_pb2

        response_type = getattr(project_pb2, f"{method}Response")
        return self.client.unary(_CORE + method, request, response_type, token=token, idempotent=method.startswith(("Get", "List")))
