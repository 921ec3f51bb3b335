"""``add_build_flags`` mirrors ``depot build --help``; ``options_from_args`` parses every value once."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

import pytest
from depotci.core.buildopts import (
    AttestSpec,
    BuildOptions,
    ExportSpec,
    HostEntry,
    Platform,
    SecretSpec,
    SSHSpec,
    Ulimit,
    add_build_flags,
    options_from_args,
)
from depotci.core.errors import UsageError

HOST = Platform("linux", "amd64")
CWD = "/work/app"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="depot build")
    add_build_flags(p)
    return p


def opts(*argv: str, env: Mapping[str, str] | None = None, context: str = ".") -> BuildOptions:
    return options_from_args(parser().parse_args([*argv, context]), env or {}, CWD, host=HOST)


# Every flag of `depot build --help` (depot CLI 2.102), with its short form and kind:
# a = stringArray (repeatable), s = strings (repeatable and comma-split), v = single value, b = switch.
HELP_FLAGS = [
    ("--add-host", None, "s"),
    ("--allow", None, "s"),
    ("--annotation", None, "a"),
    ("--attest", None, "a"),
    ("--build-arg", None, "a"),
    ("--build-context", None, "a"),
    ("--build-platform", None, "v"),
    ("--cache-from", None, "a"),
    ("--cache-to", None, "a"),
    ("--cgroup-parent", None, "v"),
    ("--file", "-f", "v"),
    ("--iidfile", None, "v"),
    ("--label", None, "a"),
    ("--lint", None, "b"),
    ("--lint-fail-on", None, "v"),
    ("--load", None, "b"),
    ("--metadata-file", None, "v"),
    ("--network", None, "v"),
    ("--no-cache", None, "b"),
    ("--no-cache-filter", None, "a"),
    ("--output", "-o", "a"),
    ("--platform", None, "a"),
    ("--progress", None, "v"),
    ("--project", None, "v"),
    ("--provenance", None, "v"),
    ("--pull", None, "b"),
    ("--push", None, "b"),
    ("--quiet", "-q", "b"),
    ("--save", None, "b"),
    ("--save-tag", None, "a"),
    ("--sbom", None, "v"),
    ("--sbom-dir", None, "v"),
    ("--secret", None, "a"),
    ("--shm-size", None, "v"),
    ("--ssh", None, "a"),
    ("--tag", "-t", "a"),
    ("--target", None, "v"),
    ("--token", None, "v"),
    ("--ulimit", None, "a"),
    ("--buildkit-host", None, "v"),
]


@pytest.mark.parametrize(("flag", "short", "kind"), HELP_FLAGS)
def test_every_help_flag_is_defined(flag: str, short: str | None, kind: str) -> None:
    actions = {opt: a for a in parser()._actions for opt in a.option_strings}
    action = actions[flag]
    if short is not None:
        assert actions[short] is action
    if kind in ("a", "s"):
        assert isinstance(action, argparse._AppendAction)
    elif kind == "b":
        assert isinstance(action, argparse._StoreTrueAction)
    else:
        assert isinstance(action, argparse._StoreAction)


def test_defaults() -> None:
    assert opts() == BuildOptions(context=CWD)
    assert (opts().network, opts().progress, opts().build_platform, opts().lint_fail_on) == (
        "default",
        "auto",
        "dynamic",
        "error",
    )


@pytest.mark.parametrize(
    ("argv", "context", "want_context", "want_dockerfile"),
    [
        ([], ".", CWD, ""),
        ([], "../other", "/work/other", ""),
        (["-f", "docker/Dockerfile.prod"], ".", CWD, "/work/app/docker/Dockerfile.prod"),
        (["--file", "/abs/Dockerfile"], "sub", "/work/app/sub", "/abs/Dockerfile"),
        (["-f", "-"], ".", CWD, "-"),
        ([], "-", "-", ""),
        (["-f", "sub/Dockerfile"], "-", "-", "sub/Dockerfile"),
        (
            ["-f", "build/Dockerfile"],
            "https://github.com/o/r.git#main",
            "https://github.com/o/r.git#main",
            "build/Dockerfile",
        ),
        ([], "git@github.com:o/r.git", "git@github.com:o/r.git", ""),
    ],
)
def test_context_and_dockerfile(
    argv: list[str], context: str, want_context: str, want_dockerfile: str
) -> None:
    got = opts(*argv, context=context)
    assert (got.context, got.dockerfile) == (want_context, want_dockerfile)


def test_repeatable_and_comma_split_flags() -> None:
    argv = (
        "-t a:1 --tag b:2 --add-host x:1.1.1.1,y=2.2.2.2 --add-host z:3.3.3.3 --allow network.host "
        "--allow security.insecure,network.host --label k=v --label k2 --no-cache-filter base "
        "--no-cache-filter deps --save-tag s1 --save-tag s2"
    )
    got = opts(*argv.split())
    assert got.tags == ("a:1", "b:2")
    assert got.add_hosts == (HostEntry("x", "1.1.1.1"), HostEntry("y", "2.2.2.2"), HostEntry("z", "3.3.3.3"))
    assert got.allow == ("network.host", "security.insecure")
    assert got.labels == (("k", "v"), ("k2", ""))
    assert got.no_cache_filter == ("base", "deps")
    assert got.save_tags == ("s1", "s2")


def test_values_are_parsed_once() -> None:
    argv = (
        "--platform linux/amd64,arm64 --secret id=npm,src=.npmrc --ssh key=id_ed25519 -o type=oci,dest=out.tar "
        "--ulimit nproc=10 --ulimit nofile=5:6 --ulimit nproc=20 --shm-size 1g --network host --iidfile iid "
        "--metadata-file meta.json --sbom-dir sboms --cgroup-parent cg --target final --pull --no-cache"
    )
    got = opts(*argv.split(), env={"SSH_AUTH_SOCK": "/agent"})
    assert got.platforms == (Platform("linux", "amd64"), Platform("linux", "arm64"))
    assert got.secrets == (SecretSpec("npm", src="/work/app/.npmrc"),)
    assert got.ssh == (SSHSpec("key", ("/work/app/id_ed25519",)),)
    assert got.outputs == (ExportSpec("oci", (), "/work/app/out.tar"),)
    assert got.ulimits == (Ulimit("nofile", 5, 6), Ulimit("nproc", 20, 20))
    assert (got.shm_size, got.network, got.cgroup_parent, got.target) == (1 << 30, "host", "cg", "final")
    assert (got.iidfile, got.metadata_file, got.sbom_dir) == (
        "/work/app/iid",
        "/work/app/meta.json",
        "/work/app/sboms",
    )
    assert got.pull and got.no_cache


@pytest.mark.parametrize(
    ("argv", "env", "field", "want"),
    [
        ([], {"DOCKER_DEFAULT_PLATFORM": "linux/arm64"}, "platforms", (Platform("linux", "arm64"),)),
        (
            ["--platform", "linux/386"],
            {"DOCKER_DEFAULT_PLATFORM": "linux/arm64"},
            "platforms",
            (Platform("linux", "386"),),
        ),
        ([], {"SOURCE_DATE_EPOCH": "0"}, "build_args", (("SOURCE_DATE_EPOCH", "0"),)),
        (
            ["--build-arg", "SOURCE_DATE_EPOCH=5"],
            {"SOURCE_DATE_EPOCH": "0"},
            "build_args",
            (("SOURCE_DATE_EPOCH", "5"),),
        ),
        (["--build-arg", "TOKEN"], {"TOKEN": "t"}, "build_args", (("TOKEN", "t"),)),
        (["--build-arg", "TOKEN"], {}, "build_args", ()),
        ([], {"DEPOT_BUILD_PLATFORM": "linux/arm64"}, "build_platform", "linux/arm64"),
        (
            ["--build-platform", "linux/amd64"],
            {"DEPOT_BUILD_PLATFORM": "linux/arm64"},
            "build_platform",
            "linux/amd64",
        ),
        ([], {"BUILDX_NO_DEFAULT_LOAD": "1"}, "no_default_load", True),
        ([], {"BUILDX_NO_DEFAULT_ATTESTATIONS": "true"}, "no_default_attestations", True),
        (["-q"], {}, "progress", "quiet"),
        (["-q", "--progress", "quiet"], {}, "quiet", True),
        ([], {"SSH_AUTH_SOCK": "/agent"}, "ssh", ()),
    ],
)
def test_environment(argv: list[str], env: dict[str, str], field: str, want: object) -> None:
    assert getattr(opts(*argv, env=env), field) == want


def test_git_ssh_context_forwards_the_default_agent() -> None:
    got = opts(env={"SSH_AUTH_SOCK": "/agent"}, context="git@github.com:o/r.git")
    assert got.ssh == (SSHSpec("default", ("/agent",)),)


def test_provenance_and_sbom_shorthands_follow_attest() -> None:
    got = opts("--attest", "type=sbom,generator=img", "--provenance", "mode=max")
    assert got.attests == (
        AttestSpec("sbom", "type=sbom,generator=img"),
        AttestSpec("provenance", "type=provenance,mode=max"),
    )
    assert opts("--sbom", "false").attests == (AttestSpec("sbom", "type=sbom,disabled=true", disabled=True),)


def test_token_is_not_in_repr() -> None:
    got = opts("--token", "s3cr3t")
    assert got.token == "s3cr3t"
    assert "s3cr3t" not in repr(got)


@pytest.mark.parametrize(
    ("argv", "env", "context", "message"),
    [
        (["-f", "-"], {}, "-", "invalid --file value '-': the build context is already read from stdin"),
        (
            ["--no-cache", "--no-cache-filter", "x"],
            {},
            ".",
            "--no-cache and --no-cache-filter cannot be used together",
        ),
        (["-q", "--progress", "plain"], {}, ".", "--progress=plain and --quiet cannot be used together"),
        (
            ["--progress", "fancy"],
            {},
            ".",
            "invalid --progress value 'fancy': expected auto, plain, tty, quiet or rawjson",
        ),
        (
            ["--lint-fail-on", "fatal"],
            {},
            ".",
            "invalid --lint-fail-on value 'fatal': expected info, warn, error or none",
        ),
        (
            ["--build-platform", "linux/riscv64"],
            {},
            ".",
            "invalid --build-platform value 'linux/riscv64': expected dynamic, linux/amd64 or linux/arm64",
        ),
        (
            ["-o", "-", "-o", "type=oci"],
            {},
            ".",
            "invalid --output values: more than one output writes to stdout",
        ),
        (
            ["-o", "out", "--iidfile", "iid"],
            {},
            ".",
            "--iidfile cannot be used with a local or tar --output (there is no image ID)",
        ),
        (
            ["--ssh", "a=/x", "--ssh", "a=/y"],
            {},
            ".",
            "invalid --ssh value 'a=/y': the id 'a' is already used",
        ),
        (
            ["--attest", "type=provenance", "--provenance", "true"],
            {},
            ".",
            "invalid --provenance value 'type=provenance,disabled=false': a provenance attestation is already set "
            "(duplicate attestation)",
        ),
        (
            [],
            {"BUILDX_NO_DEFAULT_ATTESTATIONS": "maybe"},
            ".",
            "invalid BUILDX_NO_DEFAULT_ATTESTATIONS value 'maybe': expected true or false",
        ),
        (
            [],
            {},
            "",
            'the build context is empty; pass a directory (e.g. "." for the current one), a URL or -',
        ),
        (
            ["--shm-size", "big"],
            {},
            ".",
            "invalid --shm-size value 'big': expected a size such as 64m, 1g or 2147483648",
        ),
        (
            ["--platform", "bogus"],
            {},
            ".",
            "invalid --platform value 'bogus': unknown operating system or "
            "architecture; expected os[/arch[/variant]] such as linux/amd64 or linux/arm64",
        ),
    ],
)
def test_errors(argv: list[str], env: dict[str, str], context: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        opts(*argv, env=env, context=context)
    assert str(exc.value) == message
