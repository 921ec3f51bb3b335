"""One Depot build's lifecycle, shared by ``depot build`` and ``depot bake`` (specs/depot-api.md §2.1):
``ApiBuild.create`` (CreateBuild), ``ApiBuild.builder`` (acquire the builder by polling
GetBuildKitConnection, connect over mTLS, keep the lease with ReportBuildHealth every 5 s obeying
``cancels_at``, mirror progress to ReportStatusStream) and FinishBuild exactly once with the outcome."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.api.build_service import BuildAPI, StatusStream
from depotci.core.buildkit.endpoint import Endpoint, TLSConfig
from depotci.core.errors import ApiError, BuilderError, DepotError

if TYPE_CHECKING:
    from depotci.core.buildkit.connection import Connection

__all__ = ["PLATFORM_ENUM", "SAVE_REGISTRY", "ApiBuild", "HealthReporter", "acquire_endpoint", "tee_status"]

SAVE_REGISTRY = "registry.depot.dev"
PLATFORM_ENUM = {"amd64": build_pb2.BUILDER_PLATFORM_AMD64, "arm64": build_pb2.BUILDER_PLATFORM_ARM64}


def acquire_endpoint(
    api: BuildAPI,
    token: str,
    build_id: str,
    platform: str,
    *,
    timeout: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Endpoint:
    """Poll GetBuildKitConnection until the API hands out a builder; its endpoint with the mTLS material."""
    deadline = clock() + timeout
    while True:
        resp = api.get_buildkit_connection(token, build_id, PLATFORM_ENUM[platform])
        if resp.WhichOneof("connection") == "active":
            return endpoint_from_active(resp.active)
        if clock() >= deadline:
            raise BuilderError(f"no {platform} builder became free within {timeout:.0f}s")
        sleep(max(resp.pending.wait_ms, 100) / 1000.0)


def endpoint_from_active(active: Any) -> Endpoint:
    """An ``ActiveConnection`` as an Endpoint; plaintext when the API sent no certificates."""
    if not active.endpoint.startswith("tcp://"):
        raise BuilderError(f"the Depot API handed out an unsupported builder endpoint '{active.endpoint}'")
    tls = None
    if active.HasField("ca_cert") and active.HasField("cert"):
        tls = TLSConfig(
            ca_cert=active.ca_cert.cert.encode(),
            cert=active.cert.cert.encode(),
            key=active.cert.key.encode(),
            server_name=active.server_name,
        )
    return Endpoint("buildkitd", active.endpoint, tls=tls, source="the Depot API")


class HealthReporter:
    """ReportBuildHealth every ``interval`` s on a daemon thread. When the API answers a ``cancels_at``
    in the past, ``on_cancel`` runs once (it closes the builder connection) and ``canceled`` is set."""

    def __init__(
        self, api: BuildAPI, token: str, build_id: str, platform: str, on_cancel: Callable[[], None], interval: float = 5.0
    ) -> None:
        self._api = api
        self._token = token
        self._build_id = build_id
        self._platform = PLATFORM_ENUM[platform]
        self._on_cancel = on_cancel
        self._interval = interval
        self._stop = threading.Event()
        self.canceled = threading.Event()
        self.errors: list[ApiError] = []
        self._thread = threading.Thread(target=self._run, name="build-health", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                resp = self._api.report_build_health(self._token, self._build_id, self._platform)
                due = resp.HasField("cancels_at") and resp.cancels_at.ToNanoseconds() / 1e9 <= time.time()
                if due and not self.canceled.is_set():
                    self.canceled.set()
                    self._on_cancel()
            except ApiError as exc:
                self.errors.append(exc)
            self._stop.wait(self._interval)

    def stop(self) -> None:
        self._stop.set()


class _TeeCall:
    """A Status call whose messages also go to ``sink``."""

    def __init__(self, call: Any, sink: Callable[[Any], None]) -> None:
        self._call = call
        self._sink = sink

    def __iter__(self) -> Any:
        for msg in self._call:
            self._sink(msg)
            yield msg

    def cancel(self) -> bool:
        return bool(self._call.cancel())


class _TeeControl:
    def __init__(self, control: Any, sink: Callable[[Any], None]) -> None:
        self._control = control
        self._sink = sink

    def Status(self, *args: Any, **kwargs: Any) -> _TeeCall:
        return _TeeCall(self._control.Status(*args, **kwargs), self._sink)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._control, name)


def tee_status(conn: Any, sink: Callable[[Any], None]) -> None:
    """Make every ``Control.Status`` message of ``conn`` also reach ``sink`` (the API status stream)."""
    conn.control = _TeeControl(conn.control, sink)


class ApiBuild:
    """One build created through the API: its id, build token, project and URL; ``builder()`` holds its
    builder; ``finish()`` sends FinishBuild once (``outcome`` then says which: success, error, canceled)."""

    def __init__(self, api: BuildAPI, created: Any, project_id: str) -> None:
        self.api = api
        self.build_id: str = created.build_id
        self.token: str = created.build_token
        self.project_id: str = created.project_id or project_id
        self.url: str = created.build_url
        # --save: the Depot registry tags and (host, base64 user:pass) credentials; never printed
        self.saved_tags: tuple[str, ...] = tuple(t.tag for t in getattr(created, "additional_tags", ()))
        self._credentials: tuple[tuple[str, str], ...] = tuple(
            (c.host, c.token) for c in getattr(created, "additional_credentials", ())
        )
        self.outcome = ""
        self._conn: Connection | None = None
        self._canceled = threading.Event()
        self._lock = threading.Lock()

    @classmethod
    def create(cls, api: BuildAPI, token: str, project_id: str, options: Sequence[Any]) -> ApiBuild:
        """CreateBuild with the user/project ``token``; the server may substitute the project."""
        return cls(api, api.create_build(token, project_id, list(options)), project_id)

    def save_target(self) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Where a saved build goes: the API's tags and credentials, else the CLI's fallback
        ``registry.depot.dev/<project>:<build>`` with ``x-token:<build token>``."""
        if self.saved_tags:
            return self.saved_tags, self._credentials
        fallback = base64.b64encode(f"x-token:{self.token}".encode()).decode()
        return (f"{SAVE_REGISTRY}/{self.project_id}:{self.build_id}",), ((SAVE_REGISTRY, fallback),)

    def cancel(self) -> None:
        """Cancel from this side (an interrupt): the builder connection closes, the build ends canceled."""
        self._canceled.set()
        self._close_conn()

    def _close_conn(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @contextmanager
    def builder(self, arch: str, *, connect_timeout: float = 60.0) -> Iterator[Connection]:
        """The connection to this build's ``arch`` builder, with health reports and mirrored status.

        On exit everything is closed and FinishBuild sent: success when the body returned; canceled on an
        interrupt, on the API's ``cancels_at`` or ``cancel()`` (raised as BuilderError); else error with the
        DepotError's text (re-raised).
        """
        from depotci.core.buildkit.connection import connect

        health = HealthReporter(self.api, self.token, self.build_id, arch, on_cancel=self._close_conn)
        status = StatusStream(self.api, self.token, self.build_id)
        outcome: dict[str, Any] = {"error": "build did not finish"}
        try:
            endpoint = acquire_endpoint(self.api, self.token, self.build_id, arch)
            conn = connect(endpoint, timeout=connect_timeout)
            with self._lock:
                self._conn = conn
            if self._canceled.is_set() or health.canceled.is_set():  # canceled while connecting
                self._close_conn()
            tee_status(conn, status.add)
            yield conn
            outcome = {}
        except KeyboardInterrupt:
            outcome = {"canceled": True}
            raise
        except DepotError as exc:
            if health.canceled.is_set() or self._canceled.is_set():
                outcome = {"canceled": True}
                by = "the Depot API" if health.canceled.is_set() else "an interrupt"
                raise BuilderError(f"build {self.build_id} was canceled by {by}") from None
            outcome = {"error": str(exc)}
            raise
        finally:
            health.stop()
            status.close()
            self._close_conn()
            self.finish(**outcome)

    def finish(self, *, error: str | None = None, canceled: bool = False) -> None:
        """FinishBuild once, best effort: an unreachable API must not hide the build's own error."""
        with self._lock:
            if self.outcome:
                return
            self.outcome = "canceled" if canceled else "error" if error is not None else "success"
        try:
            self.api.finish_build(self.token, self.build_id, error=error, canceled=canceled)
        except ApiError:
            pass
