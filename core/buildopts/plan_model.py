"""What ``plan_solve`` needs to know about the builder, and what it returns (``SolvePlan``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from depotci.core.buildopts.model import CacheEntry, SecretSpec, SSHSpec

__all__ = ["BuilderInfo", "Exporter", "SolvePlan"]


@dataclass(frozen=True)
class BuilderInfo:
    """The builder a solve goes to.

    ``kind`` is ``dockerd`` (BuildKit embedded in a Docker Engine, buildx's ``docker`` driver) or
    ``buildkitd`` (a standalone daemon). ``containerd_store`` tells a dockerd using the containerd image
    store (worker label ``org.mobyproject.buildkit.worker.snapshotter``) from the classic graph driver;
    it is what enables multi-platform, OCI/docker tarballs, cache export and attestations there.
    ``platforms`` are the worker platforms from ListWorkers; ``host_gateway_ip`` comes from the worker
    label ``org.mobyproject.buildkit.worker.moby.host-gateway-ip`` (for ``--add-host x:host-gateway``).
    """

    kind: Literal["dockerd", "buildkitd"]
    containerd_store: bool
    platforms: tuple[str, ...]
    host_platform: str
    host_gateway_ip: str = ""

    @property
    def full_featured(self) -> bool:
        """True when the builder has every exporter/cache/attestation feature buildx gates on."""
        return self.kind == "buildkitd" or self.containerd_store


@dataclass(frozen=True)
class Exporter:
    """One entry of ``SolveRequest.Exporters`` plus where its bytes go on the client.

    ``output``: ``none`` (nothing comes back: moby/image), ``dir`` (a local-exporter directory, ``dest``),
    ``file`` (a tarball written to ``dest``), ``stdout`` (a tarball written to stdout), or ``load``
    (a docker tarball the caller streams into the local Docker Engine: ``POST /images/load``).
    """

    type: str
    attrs: dict[str, str] = field(default_factory=dict)
    output: Literal["none", "file", "dir", "stdout", "load"] = "none"
    dest: str = ""


@dataclass(frozen=True)
class SolvePlan:
    """A fully resolved solve, ready to send. Pure data; nothing has been read or dialled.

    - ``local_dirs``: session FileSync dirs by name (``context``, ``dockerfile``, named contexts). Missing
      when they come from stdin (``context_stdin``/``dockerfile_stdin``); the caller then fills them in:
      a stdin Dockerfile goes into a temp dir served as ``dockerfile`` (attr ``dockerfilekey=dockerfile``
      is already set); a stdin context is either a tar archive (set attr ``context`` to the upload URL)
      or, when it is not an archive, a Dockerfile (serve an empty dir as ``context``, the file as
      ``dockerfile``, set ``dockerfilekey=dockerfile`` and ``filename=Dockerfile``).
    - ``frontend_attrs["cache-imports"]`` mirrors ``cache_imports`` as BuildKit's Go client sends it
      (``SolveOpt.CacheImports`` alone imports nothing); re-render it with ``cache_imports_attr`` when the
      caller resolves a local cache's ``digest`` from its ``index.json``.
    - ``engine_push``: image names the caller pushes through the Engine API after the solve (a dockerd
      with the graph driver cannot push from the solve); empty when BuildKit pushes itself.
    - ``warnings``: lines to print before the build (dropped gha caches, platforms without workers ...).
    """

    frontend: str
    frontend_attrs: dict[str, str]
    exporters: tuple[Exporter, ...]
    cache_imports: tuple[CacheEntry, ...]
    cache_exports: tuple[CacheEntry, ...]
    entitlements: tuple[str, ...]
    local_dirs: dict[str, str]
    secrets: tuple[SecretSpec, ...]
    ssh: tuple[SSHSpec, ...]
    dockerfile_stdin: bool = False
    context_stdin: bool = False
    engine_push: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def inline_cache(self) -> bool:
        """True when the image carries inline cache metadata (``--cache-to type=inline`` or
        ``BUILDKIT_INLINE_CACHE=1``)."""
        return any(e.type == "inline" for e in self.cache_exports)
