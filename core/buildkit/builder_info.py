"""What the connected builder can do: worker platforms, and for a Docker Engine whether it runs the
containerd image store (multi-platform, push from the solve, cache export, attestations)."""

from __future__ import annotations

from typing import Any

from depotci.core.buildkit.connection import Connection
from depotci.core.errors import BuilderError

__all__ = ["probe_builder", "worker_platforms"]


def worker_platforms(resp: Any) -> tuple[str, ...]:
    out: list[str] = []
    for record in resp.record:
        for p in record.platforms:
            name = f"{p.OS}/{p.Architecture}" + (f"/{p.Variant}" if p.Variant else "")
            if name not in out:
                out.append(name)
    return tuple(out)


def probe_builder(conn: Connection) -> dict[str, Any]:
    """Facts for planning: ``kind``, ``containerd_store``, ``platforms``, ``host_gateway_ip``."""
    workers = conn.workers  # the readiness probe's answer
    if workers is None:
        from depotci.core._gen.moby.buildkit.v1 import control_pb2
        from depotci.core.buildkit.rpc_status import rpc_errors

        try:
            workers = conn.control.ListWorkers(control_pb2.ListWorkersRequest(), timeout=30)
        except rpc_errors() as exc:
            raise BuilderError(f"{conn.endpoint.describe()}: ListWorkers failed: {exc.details()}") from None
    containerd_store = True
    if conn.engine is not None:
        info = conn.engine_info() or {}
        status = info.get("DriverStatus") or []
        containerd_store = any(
            isinstance(kv, list) and len(kv) == 2 and kv[0] == "driver-type" and "snapshotter" in kv[1]
            for kv in status
        )
    gateway = ""
    for record in workers.record:
        value = record.Labels.get("org.mobyproject.buildkit.worker.moby.host-gateway-ip", "")
        if value and value != "<nil>":
            gateway = value
            break
    return {
        "kind": "dockerd" if conn.engine is not None else "buildkitd",
        "containerd_store": containerd_store,
        "platforms": worker_platforms(workers),
        "host_gateway_ip": gateway,
    }
