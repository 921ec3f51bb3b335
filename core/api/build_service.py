"""Typed calls of ``depot.cli.v1.BuildService`` (specs/depot-api.md §1.3) on a ``ConnectClient``."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.api.base_url import DEFAULT_API_URL, api_url
from depotci.core.api.client import ConnectClient
from depotci.core.errors import ApiError

__all__ = ["DEFAULT_API_URL", "BuildAPI", "StatusStream", "api_url"]

_SERVICE = "/depot.cli.v1.BuildService/"


class BuildAPI:
    """The build lifecycle calls. ``token`` is the user/project token for CreateBuild/ListBuilds and the
    build token for the per-build calls."""

    def __init__(self, client: ConnectClient) -> None:
        self.client = client

    def create_build(self, token: str, project_id: str, options: Sequence[Any]) -> Any:
        req = build_pb2.CreateBuildRequest(project_id=project_id, options=list(options))
        return self.client.unary(_SERVICE + "CreateBuild", req, build_pb2.CreateBuildResponse, token=token)

    def get_build(self, token: str, build_id: str) -> Any:
        req = build_pb2.GetBuildRequest(build_id=build_id)
        return self.client.unary(_SERVICE + "GetBuild", req, build_pb2.GetBuildResponse, token=token, idempotent=True)

    def get_buildkit_connection(self, token: str, build_id: str, platform: int) -> Any:
        req = build_pb2.GetBuildKitConnectionRequest(build_id=build_id, platform=platform)  # type: ignore[arg-type]
        return self.client.unary(
            _SERVICE + "GetBuildKitConnection", req, build_pb2.GetBuildKitConnectionResponse, token=token, idempotent=True
        )

    def report_build_health(self, token: str, build_id: str, platform: int) -> Any:
        req = build_pb2.ReportBuildHealthRequest(build_id=build_id, platform=platform)  # type: ignore[arg-type]
        return self.client.unary(
            _SERVICE + "ReportBuildHealth", req, build_pb2.ReportBuildHealthResponse, token=token, timeout=30.0
        )

    def finish_build(self, token: str, build_id: str, *, error: str | None = None, canceled: bool = False) -> None:
        """FinishBuild with ``success`` (default), ``error`` or ``canceled``; idempotent on the server."""
        req = build_pb2.FinishBuildRequest(build_id=build_id)
        if canceled:
            req.canceled.SetInParent()
        elif error is not None:
            req.error.error = error
        else:
            req.success.SetInParent()
        self.client.unary(_SERVICE + "FinishBuild", req, build_pb2.FinishBuildResponse, token=token, idempotent=True)

    def get_pull_info(self, token: str, build_id: str) -> Any:
        """Where a saved build lives and how to pull it (the user/project token, not the build token)."""
        req = build_pb2.GetPullInfoRequest(build_id=build_id)
        return self.client.unary(_SERVICE + "GetPullInfo", req, build_pb2.GetPullInfoResponse, token=token, idempotent=True)

    def get_pull_token(self, token: str, project_id: str = "", build_id: str = "") -> str:
        """A pull token for the Depot registry (``depot pull-token`` sends both fields, possibly "")."""
        req = build_pb2.GetPullTokenRequest(project_id=project_id, build_id=build_id)
        resp = self.client.unary(_SERVICE + "GetPullToken", req, build_pb2.GetPullTokenResponse, token=token)
        return str(resp.token)

    def list_builds(self, token: str, project_id: str, page_size: int = 0, page_token: str = "") -> Any:
        req = build_pb2.ListBuildsRequest(project_id=project_id, page_size=page_size, page_token=page_token)
        return self.client.unary(_SERVICE + "ListBuilds", req, build_pb2.ListBuildsResponse, token=token, idempotent=True)


class StatusStream:
    """Mirrors BuildKit StatusResponses to ReportStatusStream: buffered, one frame per ``interval`` s,
    the stream reopened after a send error. ``close()`` flushes what is left (best effort)."""

    def __init__(self, api: BuildAPI, token: str, build_id: str, interval: float = 1.0) -> None:
        self._api = api
        self._token = token
        self._build_id = build_id
        self._interval = interval
        self._pending: list[Any] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._frames: queue.Queue[Any] = queue.Queue()
        self.errors: list[ApiError] = []
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="status-stream", daemon=True)
        self._thread.start()
        self._ticker = threading.Thread(target=self._tick, name="status-flush", daemon=True)
        self._ticker.start()

    def add(self, status: Any) -> None:
        """Queue one ``moby.buildkit.v1.StatusResponse``."""
        with self._lock:
            self._pending.append(status)

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            self._frames.put(build_pb2.ReportStatusStreamRequest(build_id=self._build_id, statuses=batch))

    def _tick(self) -> None:
        while not self._closed.wait(self._interval):
            self._flush()

    def _requests(self) -> Iterator[Any]:
        while True:
            item = self._frames.get()
            if item is None:
                return
            self.sent += 1
            yield item

    def _run(self) -> None:
        while True:
            try:
                self._api.client.client_stream(
                    _SERVICE + "ReportStatusStream", self._requests(), build_pb2.ReportStatusStreamResponse,
                    token=self._token,
                )
                return
            except ApiError as exc:
                self.errors.append(exc)
                if self._closed.is_set() or len(self.errors) > 5:
                    return

    def close(self, timeout: float = 5.0) -> None:
        """Send the remaining statuses and end the stream, waiting at most ``timeout`` s."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._flush()
        self._frames.put(None)
        self._thread.join(timeout)
