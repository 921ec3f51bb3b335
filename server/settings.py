"""Server settings: data dir, listen addresses, public URL, the builder pool. Parsed once, frozen."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PLATFORMS", "BuilderSpec", "Settings", "parse_builder", "split_host_port"]

PLATFORMS = ("amd64", "arm64")


@dataclass(frozen=True)
class BuilderSpec:
    """One pooled BuildKit: its architecture, endpoint string (``docker://…``, ``unix://…``,
    ``tcp://…``) and how many builds it runs at once."""

    name: str
    platform: str
    endpoint: str
    capacity: int = 4


@dataclass(frozen=True)
class Settings:
    """Everything ``depot-server serve`` is told."""

    data_dir: str
    listen: str = "127.0.0.1:8080"
    gateway_listen: str = "127.0.0.1:8443"
    public_url: str = ""
    server_name: str = "depotci-gateway"
    builders: tuple[BuilderSpec, ...] = field(default_factory=tuple)
    health_timeout: float = 30.0
    build_token_ttl: float = 6 * 3600.0
    client_cert_ttl: float = 6 * 3600.0
    pending_wait_ms: int = 500
    # accounts: trusted CI OIDC issuers as PROVIDER=ISSUER_URL[,jwks=URL], the audience they must name,
    # the lifetime of tokens minted by the OIDC exchange and of pending device logins
    oidc_issuers: tuple[str, ...] = (
        "github=https://token.actions.githubusercontent.com",
        "gitlab=https://gitlab.com",
        "buildkite=https://agent.buildkite.com",
    )
    oidc_audience: str = "https://depot.dev"
    oidc_token_ttl: float = 3600.0
    login_ttl: float = 600.0
    # saved images (--save): the registry HOST[:PORT] builders push them to ("": saving is refused), and the
    # lifetime of the pull tokens GetPullInfo/GetPullToken mint
    registry: str = ""
    pull_token_ttl: float = 3600.0

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.listen}").rstrip("/")


def split_host_port(value: str, what: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too); ValueError naming ``what`` otherwise."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"invalid {what} '{value}': expected HOST:PORT")
    return host.strip("[]"), int(port)


def parse_builder(value: str, index: int) -> BuilderSpec:
    """``ARCH=ENDPOINT[,capacity=N]``, e.g. ``amd64=docker://unix:///tmp/depotci-builder/docker.sock``."""
    arch, sep, rest = value.partition("=")
    if not sep or arch not in PLATFORMS or not rest:
        raise ValueError(f"invalid --builder '{value}': expected ARCH=ENDPOINT[,capacity=N] with ARCH amd64 or arm64")
    endpoint, _, opts = rest.partition(",")
    capacity = 4
    for opt in filter(None, opts.split(",")):
        key, _, val = opt.partition("=")
        if key != "capacity" or not val.isdigit() or int(val) < 1:
            raise ValueError(f"invalid --builder option '{opt}' in '{value}': expected capacity=N (N >= 1)")
        capacity = int(val)
    return BuilderSpec(f"{arch}-{index}", arch, endpoint, capacity)
