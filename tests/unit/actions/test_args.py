from __future__ import annotations

import pytest
from depotci.actions.args import bake_argv, build_argv, provenance_value, render_context
from depotci.actions.env import GitHubEnv
from depotci.actions.inputs import BakeInputs, BuildPushInputs
from depotci.core.errors import UnsupportedError, UsageError

GH = GitHubEnv(repository="acme/app", run_id="7", sha="abc", server_url="https://github.com")
PUBLIC = GitHubEnv(repository="acme/app", run_id="7", event={"repository": {"private": False}})
RUN = "builder-id=https://github.com/acme/app/actions/runs/7"


@pytest.mark.parametrize(
    ("raw", "gh", "docker", "env", "expected"),
    [
        ("", GH, False, {}, f"mode=min,inline-only=true,{RUN}"),
        ("", PUBLIC, False, {}, f"mode=max,{RUN}"),
        ("", GH, True, {}, ""),
        ("", GH, False, {"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}, ""),
        ("true", GH, False, {}, RUN),
        ("false", GH, False, {}, "false"),
        ("mode=max", GH, False, {}, f"mode=max,{RUN}"),
        ("mode=max,builder-id=x", GH, False, {}, "mode=max,builder-id=x"),
        ("", GitHubEnv(), False, {}, "mode=min,inline-only=true"),
    ],
)
def test_provenance_value(raw: str, gh: GitHubEnv, docker: bool, env: dict[str, str], expected: str) -> None:
    assert provenance_value(raw, gh, docker_export=docker, env=env) == expected


def test_render_context() -> None:
    assert render_context("{{defaultContext}}:sub", GH) == "https://github.com/acme/app.git#abc:sub"
    assert render_context("./dir", GH) == "./dir"


NOPROV = {"BUILDX_NO_DEFAULT_ATTESTATIONS": "1"}


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (BuildPushInputs(context="."), ["--progress", "plain", "."]),
        (BuildPushInputs(), ["--progress", "plain", "https://github.com/acme/app.git#abc"]),
        (
            BuildPushInputs(context="app", file="app/D", tags=("a", "b"), target="t", platforms=("linux/amd64", "linux/arm64"),
                            build_args=("X=1",), push=True, project="p", save_tags=("s",), cache_from=("type=gha",)),
            ["--progress", "plain", "--file", "app/D", "--tag", "a", "--tag", "b", "--target", "t", "--platform",
             "linux/amd64,linux/arm64", "--build-arg", "X=1", "--cache-from", "type=gha", "--project", "p",
             "--save-tag", "s", "--push", "app"],
        ),
        (
            BuildPushInputs(context=".", secret_envs=("A=VAR",), secret_files=("B=/f",)),
            ["--progress", "plain", "--secret", "id=A,env=VAR", "--secret", "id=B,src=/f", "."],
        ),
        (
            BuildPushInputs(context=".", build_contexts=("x={{defaultContext}}",), network="host", shm_size="1g"),
            ["--progress", "plain", "--build-context", "x=https://github.com/acme/app.git#abc", "--network", "host",
             "--shm-size", "1g", "."],
        ),
    ],
)
def test_build_argv(inputs: BuildPushInputs, expected: list[str]) -> None:
    assert list(build_argv(inputs, GH, NOPROV).argv) == expected


def test_build_argv_secrets_stay_out_of_the_vector() -> None:
    planned = build_argv(BuildPushInputs(context=".", secrets=("TOKEN=s3cret\nline2",)), GH, NOPROV)
    assert not any("s3cret" in a for a in planned.argv)
    assert planned.secret_values == (("TOKEN", "s3cret\nline2"),)
    assert planned.masks == ("s3cret", "line2")


def test_build_argv_adds_the_git_auth_secret_for_the_default_context() -> None:
    planned = build_argv(BuildPushInputs(github_token="ghs_x"), GH, NOPROV)
    assert planned.secret_values == (("GIT_AUTH_TOKEN.github.com", "ghs_x"),)
    assert build_argv(BuildPushInputs(context=".", github_token="ghs_x"), GH, NOPROV).secret_values == ()


def test_build_argv_default_provenance() -> None:
    argv = build_argv(BuildPushInputs(context="."), GH, {}).argv
    assert argv[-3:] == ("--provenance", f"mode=min,inline-only=true,{RUN}", ".")
    assert "--provenance" not in build_argv(BuildPushInputs(context=".", load=True), GH, {}).argv


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        (BuildPushInputs(call="check"), UnsupportedError, "input 'call' ('check') is not supported yet"),
        (BuildPushInputs(secrets=("novalue",)), UsageError, "invalid input 'secrets' entry 'novalue': expected KEY=VALUE"),
        (BuildPushInputs(secret_envs=("=x",)), UsageError, "invalid input 'secret-envs' entry '=x'"),
    ],
)
def test_build_argv_errors(inputs: BuildPushInputs, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_argv(inputs, GH, NOPROV)


@pytest.mark.parametrize(
    ("inputs", "argv", "env"),
    [
        (BakeInputs(), ["--progress", "plain", "default"], ()),
        (
            BakeInputs(files=("a.hcl", "b.hcl"), targets=("x", "y"), set=("*.tags=t",), push=True, vars=("IMAGE=r/i",)),
            ["--progress", "plain", "--file", "a.hcl", "--file", "b.hcl", "--set", "*.tags=t", "--push", "x", "y"],
            (("IMAGE", "r/i"),),
        ),
    ],
)
def test_bake_argv(inputs: BakeInputs, argv: list[str], env: tuple[tuple[str, str], ...]) -> None:
    planned = bake_argv(inputs, GH, NOPROV)
    assert list(planned.argv) == argv
    assert planned.env == env


@pytest.mark.parametrize(
    ("inputs", "message"),
    [(BakeInputs(allow=("network.host",)), "input 'allow' is not supported by bake yet"),
     (BakeInputs(source="https://github.com/a/b.git"), "remote bake definitions are not supported yet")],
)
def test_bake_argv_unsupported(inputs: BakeInputs, message: str) -> None:
    with pytest.raises(UnsupportedError, match=message):
        bake_argv(inputs, GH, NOPROV)
