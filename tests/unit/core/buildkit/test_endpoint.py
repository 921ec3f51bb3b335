"""Endpoint strings: parsing, TLS material, and the precedence of the default endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from depotci.core.buildkit.endpoint import (
    DEFAULT_DOCKER_SOCKET,
    Endpoint,
    TLSConfig,
    builder_env_socket,
    parse_endpoint,
    resolve_endpoint,
)
from depotci.core.errors import UsageError


@pytest.mark.parametrize(
    ("value", "kind", "address"),
    [
        ("unix:///run/buildkit/buildkitd.sock", "buildkitd", "unix:///run/buildkit/buildkitd.sock"),
        ("  unix:///x.sock  ", "buildkitd", "unix:///x.sock"),
        ("tcp://buildkit:1234", "buildkitd", "tcp://buildkit:1234"),
        ("tcp://127.0.0.1:8372/", "buildkitd", "tcp://127.0.0.1:8372"),
        ("docker://", "docker", DEFAULT_DOCKER_SOCKET),
        ("docker://unix:///var/run/other.sock", "docker", "unix:///var/run/other.sock"),
        ("docker://tcp://docker:2375", "docker", "tcp://docker:2375"),
    ],
)
def test_parse_endpoint_forms(value: str, kind: str, address: str) -> None:
    ep = parse_endpoint(value, source="--buildkit-host")
    assert ep == Endpoint(kind, address, None, "--buildkit-host")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "invalid X '': expected unix://PATH, tcp://HOST:PORT or docker://DOCKER_HOST"),
        ("/run/buildkit.sock", "invalid X '/run/buildkit.sock': expected unix://PATH, tcp://HOST:PORT or docker://DOCKER_HOST"),
        ("ssh://me@host", "invalid X 'ssh://me@host': expected unix://PATH, tcp://HOST:PORT or docker://DOCKER_HOST"),
        ("unix://", "invalid X 'unix://': expected unix:///path/to/socket"),
        ("tcp://host", "invalid X 'tcp://host': expected tcp://host:port"),
        ("tcp://:1234", "invalid X 'tcp://:1234': expected tcp://host:port"),
        ("docker://ssh://me@host", "invalid X 'ssh://me@host': expected unix:///path or tcp://host:port"),
        ("docker://tcp://docker", "invalid X 'tcp://docker': expected unix:///path or tcp://host:port"),
        ("docker://npipe:////./pipe/docker", "invalid X 'npipe:////./pipe/docker': expected unix:///path or tcp://host:port"),
    ],
)
def test_parse_endpoint_rejects(value: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_endpoint(value, source="X")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tcp://host:abc", "invalid X 'tcp://host:abc': the port must be a number from 1 to 65535"),
        ("tcp://host:99999", "invalid X 'tcp://host:99999': the port must be a number from 1 to 65535"),
        ("docker://tcp://host:abc", "invalid X 'tcp://host:abc': the port must be a number from 1 to 65535"),
    ],
)
def test_parse_endpoint_rejects_bad_port(value: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_endpoint(value, source="X")
    assert str(info.value) == message


def test_parse_endpoint_ipv6() -> None:
    ep = parse_endpoint("tcp://[::1]:1234", source="X")
    assert (ep.address, ep.host_port) == ("tcp://[::1]:1234", ("::1", 1234))


@pytest.mark.parametrize(
    ("address", "unix_path", "host_port", "describe"),
    [
        ("unix:///a/b.sock", "/a/b.sock", ("127.0.0.1", 0), "buildkitd at unix:///a/b.sock"),
        ("tcp://example.com:1234", None, ("example.com", 1234), "buildkitd at tcp://example.com:1234"),
    ],
)
def test_endpoint_properties(address: str, unix_path: str | None, host_port: tuple[str, int], describe: str) -> None:
    ep = Endpoint("buildkitd", address)
    assert (ep.unix_path, ep.host_port, ep.describe()) == (unix_path, host_port, describe)


def test_describe_docker() -> None:
    assert Endpoint("docker", "unix:///d.sock").describe() == "docker engine at unix:///d.sock"


@pytest.fixture
def pems(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name in ("ca", "cert", "key"):
        p = tmp_path / f"{name}.pem"
        p.write_bytes(f"-----{name.upper()}-----\n".encode())
        out[name] = str(p)
    return out


def test_tls_from_query(pems: dict[str, str]) -> None:
    value = f"tcp://bk:1234?cacert={pems['ca']}&cert={pems['cert']}&key={pems['key']}&servername=bk.internal"
    ep = parse_endpoint(value, source="BUILDKIT_HOST")
    assert ep == Endpoint(
        "buildkitd",
        "tcp://bk:1234",
        TLSConfig(b"-----CA-----\n", b"-----CERT-----\n", b"-----KEY-----\n", "bk.internal"),
        "BUILDKIT_HOST",
    )


def test_tls_from_env(pems: dict[str, str]) -> None:
    env = {
        "BUILDKIT_TLS_CACERT": pems["ca"],
        "BUILDKIT_TLS_CERT": pems["cert"],
        "BUILDKIT_TLS_KEY": pems["key"],
        "BUILDKIT_TLS_SERVERNAME": "from-env",
    }
    ep = parse_endpoint("tcp://bk:1234", source="X", env=env)
    assert ep.tls == TLSConfig(b"-----CA-----\n", b"-----CERT-----\n", b"-----KEY-----\n", "from-env")


def test_tls_query_wins_over_env(pems: dict[str, str]) -> None:
    env = {"BUILDKIT_TLS_CACERT": "/nonexistent/ca.pem", "BUILDKIT_TLS_SERVERNAME": "from-env"}
    ep = parse_endpoint(f"tcp://bk:1234?cacert={pems['ca']}&servername=q", source="X", env=env)
    assert ep.tls == TLSConfig(ca_cert=b"-----CA-----\n", server_name="q")


@pytest.mark.parametrize(
    ("query", "env"),
    [
        ("", {}),
        ("?servername=only", {}),
        ("", {"BUILDKIT_TLS_SERVERNAME": "only"}),
    ],
)
def test_no_tls_without_material(query: str, env: dict[str, str]) -> None:
    assert parse_endpoint(f"tcp://bk:1234{query}", source="X", env=env).tls is None


def test_tls_env_ignored_for_unix() -> None:
    ep = parse_endpoint("unix:///s.sock", source="X", env={"BUILDKIT_TLS_CACERT": "/nonexistent"})
    assert ep.tls is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?cert={cert}", "tls: a client certificate needs both cert and key"),
        ("?key={key}", "tls: a client certificate needs both cert and key"),
        ("?cacert=/nonexistent/ca.pem", "cannot read tls ca certificate '/nonexistent/ca.pem': No such file or directory"),
        ("?cert=/nonexistent/c.pem&key={key}", "cannot read tls certificate '/nonexistent/c.pem': No such file or directory"),
        ("?cert={cert}&key=/nonexistent/k.pem", "cannot read tls key '/nonexistent/k.pem': No such file or directory"),
        ("?cacert={dir}", "cannot read tls ca certificate '{dir}': Is a directory"),
    ],
)
def test_tls_errors(pems: dict[str, str], tmp_path: Path, query: str, message: str) -> None:
    fill = {"cert": pems["cert"], "key": pems["key"], "dir": str(tmp_path)}
    with pytest.raises(UsageError) as info:
        parse_endpoint("tcp://bk:1234" + query.format(**fill), source="X")
    assert str(info.value) == message.format(**fill)


OWN = "/tmp/depotci-builder/docker.sock"


@pytest.mark.parametrize(
    ("explicit", "env", "sockets", "expected"),
    [
        (
            "unix:///flag.sock",
            {"BUILDKIT_HOST": "unix:///env.sock", "DOCKER_HOST": "unix:///docker.sock"},
            {OWN},
            Endpoint("buildkitd", "unix:///flag.sock", None, "--buildkit-host"),
        ),
        (
            None,
            {"BUILDKIT_HOST": "tcp://bk:1", "DOCKER_HOST": "unix:///docker.sock"},
            {OWN},
            Endpoint("buildkitd", "tcp://bk:1", None, "BUILDKIT_HOST"),
        ),
        (
            "",
            {"BUILDKIT_HOST": "docker://", "DOCKER_HOST": "unix:///docker.sock"},
            set(),
            Endpoint("docker", DEFAULT_DOCKER_SOCKET, None, "BUILDKIT_HOST"),
        ),
        (
            None,
            {"DOCKER_HOST": "unix:///docker.sock"},
            {OWN},
            Endpoint("docker", f"unix://{OWN}", None, "the depotci builder environment"),
        ),
        (
            None,
            {"DEPOTCI_BUILDER_DIR": "/w", "DOCKER_HOST": "unix:///docker.sock"},
            {"/w/docker.sock"},
            Endpoint("docker", "unix:///w/docker.sock", None, "the depotci builder environment"),
        ),
        (
            None,
            {"DEPOTCI_BUILDER_DIR": "/w", "DOCKER_HOST": "unix:///docker.sock"},
            {OWN},
            Endpoint("docker", "unix:///docker.sock", None, "DOCKER_HOST"),
        ),
        (
            None,
            {"BUILDKIT_HOST": "", "DOCKER_HOST": "tcp://d:2375"},
            set(),
            Endpoint("docker", "tcp://d:2375", None, "DOCKER_HOST"),
        ),
        (None, {}, set(), Endpoint("docker", DEFAULT_DOCKER_SOCKET, None, "the default Docker socket")),
        (None, {"DOCKER_HOST": ""}, set(), Endpoint("docker", DEFAULT_DOCKER_SOCKET, None, "the default Docker socket")),
    ],
)
def test_resolve_endpoint_precedence(
    explicit: str | None, env: dict[str, str], sockets: set[str], expected: Endpoint
) -> None:
    probed: list[str] = []

    def is_socket(path: str) -> bool:
        probed.append(path)
        return path in sockets

    assert resolve_endpoint(explicit, env, is_socket=is_socket) == expected
    if explicit or env.get("BUILDKIT_HOST"):
        assert probed == []


def test_resolve_endpoint_bad_docker_host() -> None:
    with pytest.raises(UsageError) as info:
        resolve_endpoint(None, {"DOCKER_HOST": "ssh://me@h"}, is_socket=lambda p: False)
    assert str(info.value) == "invalid DOCKER_HOST 'ssh://me@h': expected unix:///path or tcp://host:port"


def test_resolve_endpoint_passes_env_for_tls(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"CA")
    env = {"BUILDKIT_HOST": "tcp://bk:9", "BUILDKIT_TLS_CACERT": str(ca)}
    assert resolve_endpoint(None, env, is_socket=lambda p: False).tls == TLSConfig(ca_cert=b"CA")


@pytest.mark.parametrize(
    ("env", "path"),
    [({}, OWN), ({"DEPOTCI_BUILDER_DIR": ""}, OWN), ({"DEPOTCI_BUILDER_DIR": "/x/y"}, "/x/y/docker.sock")],
)
def test_builder_env_socket(env: dict[str, str], path: str) -> None:
    assert builder_env_socket(env) == path
