"""--save through the API on the client: the build's tags and credentials (or the CLI's fallback) reach
the solve's options and session auth."""

from __future__ import annotations

import base64

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2 as pb
from depotci.core.buildkit.session.auth import Credentials, RegistryAuth
from depotci.core.buildopts.model import BuildOptions
from depotci.core.commands.build_api import saved_solve
from depotci.core.commands.build_api_node import ApiBuild

CRED = base64.b64encode(b"x-token:dsb_tok").decode()


def _build(tags: list[str]) -> ApiBuild:
    created = pb.CreateBuildResponse(build_id="b1", build_token="dsb_tok", project_id="p1", build_url="u")
    created.additional_tags.extend(pb.CreateBuildResponse.Tag(tag=t, push=True) for t in tags)
    if tags:
        created.additional_credentials.add(host="reg:5000", token=CRED)
    return ApiBuild(None, created, "p1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tags", "expected_tags", "host"),
    [
        (["reg:5000/p1:b1", "reg:5000/p1:v1"], ("reg:5000/p1:b1", "reg:5000/p1:v1"), "reg:5000"),
        # no additional_tags: the CLI's fallback, registry.depot.dev with x-token:<build token>
        ([], ("registry.depot.dev/p1:b1",), "registry.depot.dev"),
    ],
)
def test_saved_solve(tags: list[str], expected_tags: tuple[str, ...], host: str) -> None:
    opts = BuildOptions(context="/c", save=True, save_tags=("v1",), tags=("me/app",), token="t", project="p1")
    solve_opts, hosts = saved_solve(opts, _build(tags))
    assert (solve_opts.tags, solve_opts.push, solve_opts.save, solve_opts.save_tags) == (expected_tags, True, False, ())
    assert (solve_opts.token, solve_opts.project) == ("", "")
    assert hosts == {host: Credentials("x-token", "dsb_tok")}
    assert RegistryAuth({}, hosts=hosts).lookup(host) == Credentials("x-token", "dsb_tok")


def test_unsaved_solve_has_no_extra_credentials() -> None:
    opts = BuildOptions(context="/c", save_tags=("v1",), tags=("me/app",), token="t")
    solve_opts, hosts = saved_solve(opts, _build([]))
    assert hosts == {}
    assert (solve_opts.tags, solve_opts.push, solve_opts.save_tags, solve_opts.token) == (("me/app",), False, (), "")
