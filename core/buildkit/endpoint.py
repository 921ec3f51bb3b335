"""Which BuildKit to talk to: parse an endpoint string and pick the default one.

Pure: the environment and the probe for the project's own builder are passed in.

Endpoint strings:

- ``docker://`` + a Docker host (``docker://unix:///var/run/docker.sock``), or a ``DOCKER_HOST`` value: a
  Docker Engine; BuildKit is reached through its ``POST /grpc`` upgrade and sessions through ``/session``
- ``unix:///run/buildkit/buildkitd.sock``: a buildkitd socket
- ``tcp://host:port``: a buildkitd over TCP; TLS when a CA or client certificate is given, either as query
  parameters (``?cacert=…&cert=…&key=…&servername=…``, buildx's remote-driver names) or through the
  ``BUILDKIT_TLS_*`` variables
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, parse_qs, urlsplit

from depotci.core.errors import UsageError

__all__ = ["DEFAULT_DOCKER_SOCKET", "Endpoint", "TLSConfig", "builder_env_socket", "parse_endpoint", "resolve_endpoint"]

DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class TLSConfig:
    """mTLS material for a ``tcp://`` buildkitd: file paths, or PEM bytes handed out by an API."""

    ca_cert: bytes = b""
    cert: bytes = b""
    key: bytes = b""
    server_name: str = ""


@dataclass(frozen=True)
class Endpoint:
    """A BuildKit endpoint. ``address`` is ``unix:///path`` or ``tcp://host:port``."""

    kind: Literal["docker", "buildkitd"]
    address: str
    tls: TLSConfig | None = None
    source: str = ""  # where it came from, for messages: "--buildkit-host", "BUILDKIT_HOST", ...

    @property
    def unix_path(self) -> str | None:
        if self.address.startswith("unix://"):
            return self.address[len("unix://") :]
        return None

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.address)
        return parts.hostname or "127.0.0.1", parts.port or 0

    def describe(self) -> str:
        what = "docker engine" if self.kind == "docker" else "buildkitd"
        return f"{what} at {self.address}"


def _read_pem(value: str, what: str) -> bytes:
    try:
        with open(value, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {what} '{value}': {exc.strerror}") from None


def _tls_from(params: Mapping[str, str]) -> TLSConfig | None:
    if not any(params.get(k) for k in ("cacert", "cert", "key")):
        return None
    if bool(params.get("cert")) != bool(params.get("key")):
        raise UsageError("tls: a client certificate needs both cert and key")
    return TLSConfig(
        ca_cert=_read_pem(params["cacert"], "tls ca certificate") if params.get("cacert") else b"",
        cert=_read_pem(params["cert"], "tls certificate") if params.get("cert") else b"",
        key=_read_pem(params["key"], "tls key") if params.get("key") else b"",
        server_name=params.get("servername", ""),
    )


def parse_endpoint(value: str, *, source: str, env: Mapping[str, str] | None = None) -> Endpoint:
    """Parse an endpoint string (see module docstring); ``source`` names the flag or variable."""
    env = env or {}
    raw = value.strip()
    if raw.startswith("docker://"):
        inner = raw[len("docker://") :] or DEFAULT_DOCKER_SOCKET
        return _docker(inner, source)
    parts = urlsplit(raw)
    port = _port(parts, value, source)
    if parts.scheme == "unix":
        if not parts.path:
            raise UsageError(f"invalid {source} '{value}': expected unix:///path/to/socket")
        return Endpoint("buildkitd", f"unix://{parts.path}", source=source)
    if parts.scheme == "tcp":
        if not parts.hostname or not port:
            raise UsageError(f"invalid {source} '{value}': expected tcp://host:port")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        for key, var in (
            ("cacert", "BUILDKIT_TLS_CACERT"),
            ("cert", "BUILDKIT_TLS_CERT"),
            ("key", "BUILDKIT_TLS_KEY"),
            ("servername", "BUILDKIT_TLS_SERVERNAME"),
        ):
            if not query.get(key) and env.get(var):
                query[key] = env[var]
        return Endpoint("buildkitd", f"tcp://{_host(parts.hostname)}:{port}", tls=_tls_from(query), source=source)
    raise UsageError(f"invalid {source} '{value}': expected unix://PATH, tcp://HOST:PORT or docker://DOCKER_HOST")


def _port(parts: SplitResult, value: str, source: str) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise UsageError(f"invalid {source} '{value}': the port must be a number from 1 to 65535") from None


def _host(hostname: str) -> str:
    return f"[{hostname}]" if ":" in hostname else hostname


def _docker(host: str, source: str) -> Endpoint:
    parts = urlsplit(host)
    port = _port(parts, host, source)
    if parts.scheme == "unix" and parts.path:
        return Endpoint("docker", f"unix://{parts.path}", source=source)
    if parts.scheme == "tcp" and parts.hostname and port:
        return Endpoint("docker", f"tcp://{_host(parts.hostname)}:{port}", source=source)
    raise UsageError(f"invalid {source} '{host}': expected unix:///path or tcp://host:port")


def builder_env_socket(env: Mapping[str, str]) -> str:
    """The Docker socket of the project's own builder environment (``scripts/builder``)."""
    base = env.get("DEPOTCI_BUILDER_DIR") or "/tmp/depotci-builder"
    return os.path.join(base, "docker.sock")


def resolve_endpoint(
    explicit: str | None,
    env: Mapping[str, str],
    *,
    is_socket: Callable[[str], bool],
) -> Endpoint:
    """Pick the endpoint: ``--buildkit-host``, ``BUILDKIT_HOST``, the project's builder environment,
    ``DOCKER_HOST``, the default Docker socket — in that order."""
    if explicit:
        return parse_endpoint(explicit, source="--buildkit-host", env=env)
    if env.get("BUILDKIT_HOST"):
        return parse_endpoint(env["BUILDKIT_HOST"], source="BUILDKIT_HOST", env=env)
    own = builder_env_socket(env)
    if is_socket(own):
        return Endpoint("docker", f"unix://{own}", source="the depotci builder environment")
    if env.get("DOCKER_HOST"):
        return _docker(env["DOCKER_HOST"], "DOCKER_HOST")
    return Endpoint("docker", DEFAULT_DOCKER_SOCKET, source="the default Docker socket")
