"""The API's additional_credentials on the session auth: they win for their hosts, hidden in reprs."""

from __future__ import annotations

import base64

import pytest
from depotci.core.buildkit.session.auth import CredentialedEnv, Credentials, RegistryAuth, host_credentials

TOKEN = base64.b64encode(b"x-token:dsb_secret").decode()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:5000", Credentials("x-token", "dsb_secret")),
        ("other.example", Credentials("u", "p")),  # DEPOT_PUSH_REGISTRY_* still serve every other host
    ],
)
def test_additional_credentials_win_for_their_host(host: str, expected: Credentials) -> None:
    env = CredentialedEnv(
        {"DEPOT_PUSH_REGISTRY_USERNAME": "u", "DEPOT_PUSH_REGISTRY_PASSWORD": "p"},
        host_credentials([("127.0.0.1:5000", TOKEN)]),
    )
    assert RegistryAuth(env).lookup(host) == expected


@pytest.mark.parametrize(
    ("pairs", "hosts"),
    [([("h:1", TOKEN)], ["h:1"]), ([("h:1", "%%%not base64")], []), ([("", TOKEN)], [])],
)
def test_host_credentials_skip_what_does_not_decode(pairs: list[tuple[str, str]], hosts: list[str]) -> None:
    assert sorted(host_credentials(pairs)) == hosts


def test_credentialed_env_reads_through_and_hides_the_secret() -> None:
    env = CredentialedEnv({"A": "1"}, host_credentials([("h:1", TOKEN)]))
    assert (dict(env), len(env), env["A"]) == ({"A": "1"}, 1, "1")
    assert "dsb_secret" not in repr(env) and "dsb_secret" not in repr(env.registry_credentials)
