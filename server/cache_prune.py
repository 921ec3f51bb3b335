"""Pruning the build cache of the pooled builders (``depot cache reset``).

Builders are shared by every project of the server, and BuildKit does not label cache records by project,
so a reset prunes all unused build cache of the builders (running builds keep what they hold). A Docker
Engine builder is pruned through ``POST /build/prune?all=1``, a buildkitd through Control.Prune.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from depotci.server.settings import BuilderSpec

__all__ = ["prune_builder", "prune_builders"]

log = logging.getLogger("depotci.server")


def prune_builder(builder: BuilderSpec) -> None:
    """Prune one builder's build cache (blocking); raises on failure."""
    from depotci.core.buildkit.dockerapi import DockerEngine
    from depotci.core.buildkit.endpoint import parse_endpoint

    endpoint = parse_endpoint(builder.endpoint, source=f"builder {builder.name}")
    if endpoint.kind == "docker":
        status, body = DockerEngine(endpoint).request("POST", "/build/prune?all=1", timeout=300.0)
        if status != 200:
            raise RuntimeError(f"POST /build/prune answered {status}: {body[:200]!r}")
        return
    from depotci.core._gen.moby.buildkit.v1 import control_pb2
    from depotci.core.buildkit.connection import connect

    conn = connect(endpoint)
    try:
        for _ in conn.control.Prune(control_pb2.PruneRequest(all=True), timeout=300):
            pass
    finally:
        conn.close()


def prune_builders(builders: Sequence[BuilderSpec], prune: Callable[[BuilderSpec], None] = prune_builder) -> list[str]:
    """Prune every distinct builder endpoint; returns one message per builder that failed."""
    failures: list[str] = []
    seen: set[str] = set()
    for b in builders:
        if b.endpoint in seen:
            continue
        seen.add(b.endpoint)
        try:
            prune(b)
            log.info("builder %s: build cache pruned", b.name)
        except Exception as exc:  # noqa: BLE001 - any failure of one builder is reported, the others still run
            log.warning("builder %s: cache prune failed: %s", b.name, exc)
            failures.append(f"builder {b.name}: {exc}")
    return failures
