"""Typed, frozen values for every ``depot build`` flag (``BuildOptions``) and its parts.

Every value is parsed once (``depotci.core.buildopts.flags.options_from_args``); collections are tuples,
key/value attributes are tuples of ``(key, value)`` pairs sorted by key, paths are absolute. Nothing here
does I/O. Field semantics follow docker/buildx v0.13 (``commands/build.go``, ``util/buildflags``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Annotation",
    "AttestSpec",
    "BuildOptions",
    "CacheEntry",
    "ExportSpec",
    "HostEntry",
    "NamedContext",
    "Platform",
    "Progress",
    "SSHSpec",
    "SecretSpec",
    "Ulimit",
    "attrs_of",
]

Pairs = tuple[tuple[str, str], ...]


def attrs_of(mapping: dict[str, str]) -> Pairs:
    """Canonical attribute tuple: ``(key, value)`` pairs sorted by key."""
    return tuple(sorted(mapping.items()))


@dataclass(frozen=True, order=True)
class Platform:
    """An OCI platform; ``str()`` is containerd's ``platforms.Format`` (``os/arch[/variant]``)."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        parts = [self.os or "unknown", self.architecture, self.variant]
        return "/".join(p for p in parts if p)


@dataclass(frozen=True)
class SecretSpec:
    """``--secret``: exactly one of ``src`` (absolute file path) or ``env`` (variable name) is set."""

    id: str
    src: str = ""
    env: str = ""


@dataclass(frozen=True)
class SSHSpec:
    """``--ssh``: agent sockets or key files (absolute paths) exposed under ``id``."""

    id: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class ExportSpec:
    """One ``--output`` as the user wrote it (``registry`` already turned into ``image,push=true``).

    ``dest`` is absolute, ``"-"`` for stdout, or ``""`` (no destination: image, cacheonly, docker load).
    ``own_name``: the ``name`` attribute stays as it is instead of taking the ``-t`` tags (only the
    ``--save`` planner makes such an output: the Depot tags pushed while ``--load`` keeps the user's).
    """

    type: str
    attrs: Pairs = ()
    dest: str = ""
    own_name: bool = False

    def attr(self, key: str, default: str = "") -> str:
        """The value of one attribute, or ``default``."""
        return dict(self.attrs).get(key, default)


@dataclass(frozen=True)
class CacheEntry:
    """One ``--cache-from`` / ``--cache-to`` entry (BuildKit ``CacheOptionsEntry``)."""

    type: str
    attrs: Pairs = ()

    def attr_dict(self) -> dict[str, str]:
        """The attributes as a fresh dict."""
        return dict(self.attrs)


@dataclass(frozen=True)
class NamedContext:
    """``--build-context NAME=VALUE``; ``name`` is familiarised like buildx (``docker.io/library/x`` → ``x``).

    ``value`` is kept verbatim for ``docker-image://``, ``target:``, ``oci-layout://`` and remote URLs,
    and is an absolute directory path otherwise.
    """

    name: str
    value: str


@dataclass(frozen=True)
class AttestSpec:
    """One attestation (``--attest``, ``--provenance``, ``--sbom``).

    ``value`` is the full CSV the user gave (``type=provenance,mode=max``); buildx sends it verbatim as
    the ``attest:<type>`` frontend attribute unless ``disabled``.
    """

    type: str
    value: str
    disabled: bool = False


@dataclass(frozen=True)
class Ulimit:
    """``--ulimit name=soft[:hard]``; ``str()`` is the BuildKit form ``name=soft:hard``."""

    name: str
    soft: int
    hard: int

    def __str__(self) -> str:
        return f"{self.name}={self.soft}:{self.hard}"


@dataclass(frozen=True)
class HostEntry:
    """``--add-host host:ip``; ``ip`` may be the special value ``host-gateway``."""

    host: str
    ip: str


@dataclass(frozen=True)
class Annotation:
    """``--annotation [type[\\[platform\\]]:]key=value``; ``type`` is "", index, index-descriptor,
    manifest or manifest-descriptor."""

    key: str
    value: str
    type: str = ""
    platform: Platform | None = None

    def exporter_key(self) -> str:
        """The exporter attribute name BuildKit's ``exptypes.AnnotationKey.String()`` gives."""
        prefix = "annotation"
        if self.type in ("manifest", "manifest-descriptor"):
            prefix += f"-{self.type}"
            if self.platform is not None:
                prefix += f"[{self.platform}]"
        elif self.type:
            prefix += f"-{self.type}"
        return f"{prefix}.{self.key}"


Progress = Literal["auto", "plain", "tty", "quiet", "rawjson"]


@dataclass(frozen=True)
class BuildOptions:
    """Every ``depot build`` flag, parsed and typed. Defaults equal the CLI's defaults.

    ``context`` is ``"-"`` (stdin), a remote URL (git/http) or an absolute directory. ``dockerfile`` is
    ``""`` (``CONTEXT/Dockerfile``), ``"-"`` (stdin), an absolute path for a local context, and verbatim
    otherwise (a path inside the remote repository or the stdin archive, unless absolute).
    """

    context: str
    dockerfile: str = ""
    tags: tuple[str, ...] = ()
    target: str = ""
    platforms: tuple[Platform, ...] = ()
    build_args: Pairs = ()
    labels: Pairs = ()
    secrets: tuple[SecretSpec, ...] = ()
    ssh: tuple[SSHSpec, ...] = ()
    outputs: tuple[ExportSpec, ...] = ()
    push: bool = False
    load: bool = False
    cache_from: tuple[CacheEntry, ...] = ()
    cache_to: tuple[CacheEntry, ...] = ()
    no_cache: bool = False
    no_cache_filter: tuple[str, ...] = ()
    pull: bool = False
    build_contexts: tuple[NamedContext, ...] = ()
    attests: tuple[AttestSpec, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    allow: tuple[str, ...] = ()
    network: str = "default"
    add_hosts: tuple[HostEntry, ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    shm_size: int = 0
    cgroup_parent: str = ""
    # client side
    iidfile: str = ""
    metadata_file: str = ""
    quiet: bool = False
    progress: Progress = "auto"
    buildkit_host: str = ""
    # environment switches buildx honours (BUILDX_NO_DEFAULT_LOAD, BUILDX_NO_DEFAULT_ATTESTATIONS)
    no_default_load: bool = False
    no_default_attestations: bool = False
    # Depot-only flags (see depotci.core.buildopts.depot_only)
    project: str = ""
    token: str = field(default="", repr=False)
    save: bool = False
    save_tags: tuple[str, ...] = ()
    lint: bool = False
    lint_fail_on: str = "error"
    sbom_dir: str = ""
    build_platform: str = "dynamic"

    def build_arg(self, key: str) -> str | None:
        """The value of one build argument, or None when it is not set."""
        return dict(self.build_args).get(key)
