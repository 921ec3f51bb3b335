"""Registry credentials: DEPOT_PUSH_REGISTRY_* overrides, docker config auths, credential helpers."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from depotci.core._gen.moby.filesync.v1 import auth_pb2
from depotci.core.buildkit.session.auth import AuthService, Credentials, RegistryAuth
from depotci.core.buildkit.session.server import SessionServer

HUB = "https://index.docker.io/v1/"

HELPER = """#!/bin/sh
read -r host
echo "$host" >> "$HELPER_LOG"
case "$host" in
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"gh-user","Secret":"gh-token"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"hub-helper","Secret":"hub-secret"}' ;;
  token.example) echo '{"Username":"<token>","Secret":"identity-token"}' ;;
  garbage.example) echo 'not json' ;;
  *) echo "credentials not found in native keychain" >&2; exit 1 ;;
esac
"""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def helper_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``docker-credential-x`` on PATH; returns the file it logs each asked host to."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "docker-credential-x"
    script.write_text(HELPER)
    script.chmod(0o755)
    log = tmp_path / "helper.log"
    log.write_text("")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("HELPER_LOG", str(log))
    return log


def _asked(log: Path) -> list[str]:
    return log.read_text().splitlines()


CONFIG: dict[str, Any] = {
    "auths": {
        HUB: {"auth": _b64("hub-user:hub-pass")},
        "ghcr.io": {"username": "cfg-user", "password": "cfg-pass"},
        "https://quay.io": {"auth": _b64("quay:pw:with:colons")},
        "http://insecure:5000": {"auth": _b64("ins:pw")},
        "idtoken.example": {"auth": _b64("ignored:ignored"), "identitytoken": "refresh-token"},
        "userless.example": {"auth": "!!not-base64", "username": "fallback", "password": "pw"},
        "nopass.example": {"username": "only-user"},
        "broken.example": "not an object",
        "empty.example": {},
    }
}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("docker.io", Credentials("hub-user", "hub-pass")),
        ("index.docker.io", Credentials("hub-user", "hub-pass")),
        ("registry-1.docker.io", Credentials("hub-user", "hub-pass")),
        ("ghcr.io", Credentials("cfg-user", "cfg-pass")),
        ("quay.io", Credentials("quay", "pw:with:colons")),
        ("insecure:5000", Credentials("ins", "pw")),
        ("idtoken.example", Credentials("", "refresh-token")),
        ("userless.example", Credentials("fallback", "pw")),
        ("nopass.example", Credentials("only-user", "")),
        ("broken.example", Credentials()),
        ("empty.example", Credentials()),
        ("unknown.example", Credentials()),
    ],
)
def test_docker_config_auths(host: str, expected: Credentials) -> None:
    assert RegistryAuth({}, CONFIG).lookup(host) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_PASSWORD": "p"}, Credentials("u", "p")),
        (
            {"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_PASSWORD": "p", "DEPOT_PUSH_REGISTRY_AUTH": _b64("a:b")},
            Credentials("u", "p"),
        ),
        ({"DEPOT_PUSH_REGISTRY_AUTH": _b64("a:b:c")}, Credentials("a", "b:c")),
        ({"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_AUTH": _b64("a:b")}, Credentials("a", "b")),
        ({"DEPOT_PUSH_REGISTRY_PASSWORD": "p", "DEPOT_PUSH_REGISTRY_AUTH": _b64("a:b")}, Credentials("a", "b")),
    ],
)
@pytest.mark.parametrize("host", ["docker.io", "ghcr.io", "anything.example"])
def test_env_override_for_every_host(env: dict[str, str], expected: Credentials, host: str) -> None:
    assert RegistryAuth(env, CONFIG).lookup(host) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"DEPOT_PUSH_REGISTRY_USERNAME": "u"},  # a username alone is not an override
        {"DEPOT_PUSH_REGISTRY_PASSWORD": "p"},
        {"DEPOT_PUSH_REGISTRY_USERNAME": "", "DEPOT_PUSH_REGISTRY_PASSWORD": "p"},
        {"DEPOT_PUSH_REGISTRY_AUTH": ""},
        {"DEPOT_PUSH_REGISTRY_AUTH": "abc"},  # bad padding: ignored
    ],
)
def test_no_override_falls_back_to_config(env: dict[str, str]) -> None:
    assert RegistryAuth(env, CONFIG).lookup("ghcr.io") == Credentials("cfg-user", "cfg-pass")


@pytest.mark.parametrize(
    ("config", "host", "expected", "asked"),
    [
        ({"credHelpers": {"ghcr.io": "x"}}, "ghcr.io", Credentials("gh-user", "gh-token"), ["ghcr.io"]),
        ({"credHelpers": {"docker.io": "x"}}, "docker.io", Credentials("hub-helper", "hub-secret"), [HUB]),
        ({"credHelpers": {HUB: "x"}}, "registry-1.docker.io", Credentials("hub-helper", "hub-secret"), [HUB]),
        ({"credsStore": "x"}, "ghcr.io", Credentials("gh-user", "gh-token"), ["ghcr.io"]),
        ({"credsStore": "x"}, "token.example", Credentials("", "identity-token"), ["token.example"]),
        # the helper wins over auths
        ({"credsStore": "x", **CONFIG}, "ghcr.io", Credentials("gh-user", "gh-token"), ["ghcr.io"]),
        # a helper that fails or answers garbage: fall back to auths
        ({"credsStore": "x", **CONFIG}, "quay.io", Credentials("quay", "pw:with:colons"), ["quay.io"]),
        ({"credsStore": "x", **CONFIG}, "garbage.example", Credentials(), ["garbage.example"]),
        ({"credsStore": "missing", **CONFIG}, "ghcr.io", Credentials("cfg-user", "cfg-pass"), []),
        # a per-host helper wins over credsStore; other hosts use credsStore
        ({"credsStore": "missing", "credHelpers": {"ghcr.io": "x"}}, "ghcr.io", Credentials("gh-user", "gh-token"), ["ghcr.io"]),
        ({"credsStore": "x", "credHelpers": {"other.example": "missing"}}, "ghcr.io", Credentials("gh-user", "gh-token"), ["ghcr.io"]),
    ],
)
def test_credential_helpers(
    helper_log: Path, config: dict[str, Any], host: str, expected: Credentials, asked: list[str]
) -> None:
    assert RegistryAuth({}, config).lookup(host) == expected
    assert _asked(helper_log) == asked


def test_override_skips_helpers(helper_log: Path) -> None:
    env = {"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_PASSWORD": "p"}
    assert RegistryAuth(env, {"credsStore": "x"}).lookup("ghcr.io") == Credentials("u", "p")
    assert _asked(helper_log) == []


@pytest.mark.parametrize("key", ["https://registry.example/v1/", "registry.example/", "http://registry.example/v2/"])
def test_auths_key_with_path(key: str) -> None:
    config = {"auths": {key: {"auth": _b64("u:p")}}}
    assert RegistryAuth({}, config).lookup("registry.example") == Credentials("u", "p")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (json.dumps({"auths": {"ghcr.io": {"auth": _b64("file:pw")}}}), Credentials("file", "pw")),
        ("{not json", Credentials()),
        ("[1, 2]", Credentials()),
        (None, Credentials()),  # no config.json
    ],
)
@pytest.mark.parametrize("via", ["DOCKER_CONFIG", "HOME"])
def test_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, expected: Credentials, via: str
) -> None:
    cfg_dir = tmp_path / "cfg" if via == "DOCKER_CONFIG" else tmp_path / "home" / ".docker"
    cfg_dir.mkdir(parents=True)
    if content is not None:
        (cfg_dir / "config.json").write_text(content)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    env = {"DOCKER_CONFIG": str(cfg_dir)} if via == "DOCKER_CONFIG" else {}
    assert RegistryAuth.from_environment(env).lookup("ghcr.io") == expected


def test_from_environment_keeps_override(tmp_path: Path) -> None:
    env = {"DOCKER_CONFIG": str(tmp_path), "DEPOT_PUSH_REGISTRY_AUTH": _b64("o:p")}
    assert RegistryAuth.from_environment(env).lookup("x") == Credentials("o", "p")


@pytest.mark.parametrize(
    ("creds", "text"),
    [
        (Credentials("user", "s3cr3t-value"), "Credentials(username='user', secret=***)"),
        (Credentials(), "Credentials(username='', secret=***)"),
    ],
)
def test_credentials_repr_hides_secret(creds: Credentials, text: str) -> None:
    assert repr(creds) == text
    assert str(creds) == text
    assert f"{[creds]}" == f"[{text}]"


@pytest.fixture
def auth_channel() -> Iterator[grpc.Channel]:
    server = SessionServer([AuthService(RegistryAuth({}, CONFIG))], shared_key="k")
    channel = grpc.insecure_channel(f"unix:{server.path}")
    yield channel
    channel.close()
    server.close()


@pytest.mark.parametrize(
    ("host", "username", "secret"),
    [("docker.io", "hub-user", "hub-pass"), ("idtoken.example", "", "refresh-token"), ("nobody.example", "", "")],
)
def test_auth_service_credentials(auth_channel: grpc.Channel, host: str, username: str, secret: str) -> None:
    call = auth_channel.unary_unary(
        "/moby.filesync.v1.Auth/Credentials",
        request_serializer=auth_pb2.CredentialsRequest.SerializeToString,
        response_deserializer=auth_pb2.CredentialsResponse.FromString,
    )
    resp = call(auth_pb2.CredentialsRequest(Host=host), timeout=10)
    assert (resp.Username, resp.Secret) == (username, secret)


def test_auth_service_fetch_token_unimplemented(auth_channel: grpc.Channel) -> None:
    call = auth_channel.unary_unary(
        "/moby.filesync.v1.Auth/FetchToken",
        request_serializer=auth_pb2.FetchTokenRequest.SerializeToString,
        response_deserializer=auth_pb2.FetchTokenResponse.FromString,
    )
    with pytest.raises(grpc.RpcError) as info:
        call(auth_pb2.FetchTokenRequest(Host="docker.io"), timeout=10)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
