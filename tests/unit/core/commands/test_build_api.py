"""The API build path's pure parts: when it is taken, what CreateBuild carries, which builder arch."""

from __future__ import annotations

from pathlib import Path

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.buildopts.model import BuildOptions, ExportSpec
from depotci.core.commands.build_api import api_target, build_options_message, builder_arch
from depotci.core.commands.build_api_node import acquire_endpoint
from depotci.core.errors import AuthError, BuilderError, UsageError


@pytest.mark.parametrize(
    ("opts", "env", "expected"),
    [
        ({}, {"DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}, ("t", "p")),
        ({}, {"DEPOT_TOKEN": "t"}, None),  # no project: the direct builder stays
        ({}, {"DEPOT_PROJECT_ID": "p"}, None),  # no token: the direct builder stays
        ({"token": "t"}, {}, ("t", "")),  # explicit --token: the API decides the project
        ({"project": "p"}, {}, AuthError),  # explicit --project without a token
    ],
)
def test_api_target(tmp_path: Path, opts: dict[str, str], env: dict[str, str], expected: object) -> None:
    o = BuildOptions(context=str(tmp_path), **opts)  # type: ignore[arg-type]
    env = {"HOME": str(tmp_path), **env}
    if expected is AuthError:
        with pytest.raises(AuthError, match="missing API token, please run `depot login`"):
            api_target(o, env)
        return
    got = api_target(o, env)
    assert (None if got is None else (got.token.token, got.project.project_id if got.project else "")) == expected


def test_build_options_message_matches_the_go_cli() -> None:
    opts = BuildOptions(
        context="/c", tags=("a:1",), target="app", push=True,
        outputs=(ExportSpec("image", (("push", "true"),)),),
    )
    msg = build_options_message(opts)
    assert msg.command == build_pb2.COMMAND_BUILD
    assert list(msg.tags) == ["a:1"] and msg.push and msg.target_name == "app"
    assert [(o.kind, dict(o.attributes)) for o in msg.outputs] == [("image", {"push": "true"})]
    # plain `depot build .` sends only the command (conformance/api-requests 01: 0x12 0x02 0x08 0x01)
    assert build_options_message(BuildOptions(context="/c")).SerializeToString() == b"\x08\x01"


@pytest.mark.parametrize(
    ("flag", "env", "machine", "expected"),
    [
        ("dynamic", {}, "x86_64", "amd64"),
        ("dynamic", {}, "aarch64", "arm64"),
        ("linux/arm64", {}, "x86_64", "arm64"),
        ("dynamic", {"DEPOT_BUILD_PLATFORM": "linux/amd64"}, "aarch64", "amd64"),
        ("linux/s390x", {}, "x86_64", UsageError),
    ],
)
def test_builder_arch(flag: str, env: dict[str, str], machine: str, expected: object) -> None:
    opts = BuildOptions(context="/c", build_platform=flag)
    if expected is UsageError:
        with pytest.raises(UsageError, match="invalid build platform 'linux/s390x'"):
            builder_arch(opts, env, machine)
    else:
        assert builder_arch(opts, env, machine) == expected


class _FakeAPI:
    def __init__(self, answers: list[object]) -> None:
        self.answers = answers
        self.calls = 0

    def get_buildkit_connection(self, token: str, build_id: str, platform: int) -> object:
        self.calls += 1
        return self.answers.pop(0)


def _pending(ms: int) -> object:
    return build_pb2.GetBuildKitConnectionResponse(pending=build_pb2.GetBuildKitConnectionResponse.PendingConnection(wait_ms=ms))


def test_acquire_polls_pending_then_takes_the_mtls_endpoint() -> None:
    active = build_pb2.GetBuildKitConnectionResponse.ActiveConnection(
        endpoint="tcp://127.0.0.1:9", server_name="gw", cert=build_pb2.Cert(cert="C", key="K"), ca_cert=build_pb2.Cert(cert="CA")
    )
    api = _FakeAPI([_pending(250), _pending(0), build_pb2.GetBuildKitConnectionResponse(active=active)])
    slept: list[float] = []
    ep = acquire_endpoint(api, "t", "b", "amd64", sleep=slept.append)  # type: ignore[arg-type]
    assert slept == [0.25, 0.1]
    assert ep.address == "tcp://127.0.0.1:9" and ep.tls is not None
    assert (ep.tls.ca_cert, ep.tls.cert, ep.tls.key, ep.tls.server_name) == (b"CA", b"C", b"K", "gw")


def test_acquire_gives_up_after_the_timeout() -> None:
    now = [0.0]
    api = _FakeAPI([_pending(1000)] * 5)

    def sleep(s: float) -> None:
        now[0] += s

    with pytest.raises(BuilderError, match="no amd64 builder became free within 2s"):
        acquire_endpoint(api, "t", "b", "amd64", timeout=2, sleep=sleep, clock=lambda: now[0])  # type: ignore[arg-type]
    assert api.calls == 3
