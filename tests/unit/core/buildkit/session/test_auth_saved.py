"""The API's additional_credentials on the session auth: they win for their hosts, and only there."""

from __future__ import annotations

import base64

import pytest
from depotci.core.buildkit.session.auth import Credentials, RegistryAuth, host_credentials

TOKEN = base64.b64encode(b"x-token:dsb_secret").decode()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:5000", Credentials("x-token", "dsb_secret")),
        ("other.example", Credentials("u", "p")),  # DEPOT_PUSH_REGISTRY_* still serve every other host
    ],
)
def test_additional_credentials_win_for_their_host(host: str, expected: Credentials) -> None:
    env = {"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_PASSWORD": "p"}
    auth = RegistryAuth(env, hosts=host_credentials([("127.0.0.1:5000", TOKEN)]))
    assert auth.lookup(host) == expected


@pytest.mark.parametrize(
    ("pairs", "hosts"),
    [([("h:1", TOKEN)], ["h:1"]), ([("h:1", "%%%not base64")], []), ([("", TOKEN)], [])],
)
def test_host_credentials_skip_what_does_not_decode(pairs: list[tuple[str, str]], hosts: list[str]) -> None:
    assert sorted(host_credentials(pairs)) == hosts
