"""One builder node of an API build: acquire it (GetBuildKitConnection polling), keep its lease
(ReportBuildHealth every 5 s, obeying ``cancels_at``), and mirror its progress (StatusStream)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.api.build_service import BuildAPI
from depotci.core.buildkit.endpoint import Endpoint, TLSConfig
from depotci.core.errors import ApiError, BuilderError

__all__ = ["PLATFORM_ENUM", "HealthReporter", "acquire_endpoint", "tee_status"]

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
