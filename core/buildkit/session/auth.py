"""Auth on the session: registry credentials for pushes and pulls the daemon makes.

Credentials come from ``DEPOT_PUSH_REGISTRY_USERNAME``/``_PASSWORD`` or ``DEPOT_PUSH_REGISTRY_AUTH``
(base64 ``user:pass``) for every host, else from the docker config (``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json``: ``auths``, ``credHelpers``, ``credsStore``). ``FetchToken`` is left
unimplemented, so the daemon fetches registry tokens itself with these credentials.

A build saved to the Depot registry (``--save``) gets per-host credentials from the API
(``CreateBuildResponse.additional_credentials``, decoded by ``host_credentials``): they are handed to
``RegistryAuth`` as ``hosts`` (never put in the environment) and win over everything else for their hosts.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from depotci.core._gen.moby.filesync.v1 import auth_pb2
from depotci.core.buildkit.session.rpc import (
    RpcMethodHandler,
    ServicerContext,
    unary_unary_rpc_method_handler,
)

__all__ = ["AuthService", "Credentials", "RegistryAuth", "host_credentials"]

DOCKER_HUB_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    secret: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(username={self.username!r}, secret=***)"


def _normalize(host: str) -> str:
    if host in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        return DOCKER_HUB_KEY
    return host


def _hostname(key: str) -> str:
    """docker's ConvertToHostname: strip the scheme and any path."""
    for scheme in ("http://", "https://"):
        if key.startswith(scheme):
            key = key[len(scheme) :]
            break
    return key.split("/", 1)[0]


def _decode_auth(value: str) -> Credentials | None:
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return Credentials(user, password)


def host_credentials(pairs: Iterable[tuple[str, str]]) -> dict[str, Credentials]:
    """``(host, base64 user:pass)`` pairs (``additional_credentials``) as credentials by host; a token that
    does not decode is skipped."""
    out: dict[str, Credentials] = {}
    for host, token in pairs:
        creds = _decode_auth(token)
        if host and creds is not None:
            out[host] = creds
    return out


class RegistryAuth:
    """Looks up credentials for a registry host; built once from the environment and docker config, plus
    ``hosts``: credentials for given hosts that win over both (``--save``'s Depot registry)."""

    def __init__(
        self, env: Mapping[str, str], config: Mapping[str, Any] | None = None,
        hosts: Mapping[str, Credentials] | None = None,
    ) -> None:
        self._hosts: dict[str, Credentials] = dict(hosts or {})
        self._override: Credentials | None = None
        if env.get("DEPOT_PUSH_REGISTRY_USERNAME") and env.get("DEPOT_PUSH_REGISTRY_PASSWORD"):
            self._override = Credentials(env["DEPOT_PUSH_REGISTRY_USERNAME"], env["DEPOT_PUSH_REGISTRY_PASSWORD"])
        elif env.get("DEPOT_PUSH_REGISTRY_AUTH"):
            self._override = _decode_auth(env["DEPOT_PUSH_REGISTRY_AUTH"])
        self._config = dict(config or {})

    @classmethod
    def from_environment(cls, env: Mapping[str, str], hosts: Mapping[str, Credentials] | None = None) -> RegistryAuth:
        base = env.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
        try:
            with open(os.path.join(base, "config.json"), "rb") as f:
                config = json.load(f)
        except (OSError, ValueError):
            config = {}
        return cls(env, config if isinstance(config, dict) else {}, hosts)

    def lookup(self, host: str) -> Credentials:
        if host in self._hosts:
            return self._hosts[host]
        if self._override is not None:
            return self._override
        key = _normalize(host)
        helpers = self._config.get("credHelpers") or {}
        helper = helpers.get(host) or helpers.get(key) or self._config.get("credsStore")
        if helper:
            creds = _from_helper(str(helper), key)
            if creds is not None:
                return creds
        auths = self._config.get("auths") or {}
        names = [key, host, f"https://{host}", f"http://{host}"]
        # like docker/cli's GetAuthConfig: keys may be URLs; compare their hostnames
        names += [k for k in auths if isinstance(k, str) and _hostname(k) == _hostname(key)]
        for name in names:
            entry = auths.get(name)
            if not isinstance(entry, dict):
                continue
            if entry.get("identitytoken"):
                return Credentials("", str(entry["identitytoken"]))
            if entry.get("auth"):
                creds = _decode_auth(str(entry["auth"]))
                if creds is not None:
                    return creds
            if entry.get("username"):
                return Credentials(str(entry["username"]), str(entry.get("password", "")))
        return Credentials()


def _from_helper(helper: str, host: str) -> Credentials | None:
    try:
        out = subprocess.run(
            [f"docker-credential-{helper}", "get"], input=host.encode(), capture_output=True, timeout=30, check=True
        ).stdout
        data = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    user = str(data.get("Username", ""))
    secret = str(data.get("Secret", ""))
    if user == "<token>":
        return Credentials("", secret)
    return Credentials(user, secret)


class AuthService:
    """``moby.filesync.v1.Auth``: Credentials only."""

    def __init__(self, auth: RegistryAuth) -> None:
        self.auth = auth

    def methods(self) -> dict[str, RpcMethodHandler]:
        return {
            "/moby.filesync.v1.Auth/Credentials": unary_unary_rpc_method_handler(
                self._credentials,
                request_deserializer=auth_pb2.CredentialsRequest.FromString,
                response_serializer=auth_pb2.CredentialsResponse.SerializeToString,
            )
        }

    def _credentials(self, req: Any, context: ServicerContext) -> Any:
        creds = self.auth.lookup(req.Host)
        return auth_pb2.CredentialsResponse(Username=creds.username, Secret=creds.secret)
