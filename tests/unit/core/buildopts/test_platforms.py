"""``--platform`` parsing/normalisation (containerd ``Parse`` + ``Normalize`` + ``Format``) and references."""

from __future__ import annotations

import pytest
from depotci.core.buildopts.model import Platform
from depotci.core.buildopts.platforms import host_platform, parse_platforms
from depotci.core.buildopts.reference import InvalidReference, familiar_name, validate_reference
from depotci.core.errors import UsageError

AMD64 = Platform("linux", "amd64")
ARM64_HOST = Platform("linux", "arm64")


@pytest.mark.parametrize(
    ("values", "host", "want"),
    [
        (["linux/amd64"], AMD64, "linux/amd64"),
        (["linux/amd64,linux/arm64"], AMD64, "linux/amd64,linux/arm64"),
        (["linux/amd64", "linux/arm64"], AMD64, "linux/amd64,linux/arm64"),
        (["arm64"], AMD64, "linux/arm64"),
        (["linux/arm64/v8"], AMD64, "linux/arm64"),
        (["linux/aarch64"], AMD64, "linux/arm64"),
        (["x86_64"], AMD64, "linux/amd64"),
        (["linux/arm"], AMD64, "linux/arm/v7"),
        (["linux/arm/v6"], AMD64, "linux/arm/v6"),
        (["linux/armhf"], AMD64, "linux/arm/v7"),
        (["linux/amd64/v2"], AMD64, "linux/amd64/v2"),
        (["linux/amd64/v1"], AMD64, "linux/amd64"),
        (["i386"], AMD64, "linux/386"),
        (["linux"], ARM64_HOST, "linux/arm64"),
        (["local"], ARM64_HOST, "linux/arm64"),
        (["LINUX/AMD64"], AMD64, "linux/amd64"),
        (["linux/riscv64"], AMD64, "linux/riscv64"),
        (["linux/amd64,linux/amd64"], AMD64, "linux/amd64"),
    ],
)
def test_parse_platforms(values: list[str], host: Platform, want: str) -> None:
    assert ",".join(str(p) for p in parse_platforms(values, host=host)) == want


EXPECTED = "expected os[/arch[/variant]] such as linux/amd64 or linux/arm64"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("foo", f"invalid --platform value 'foo': unknown operating system or architecture; {EXPECTED}"),
        (
            "linux/am d64",
            f"invalid --platform value 'linux/am d64': 'am d64' is not a valid platform component; "
            f"{EXPECTED}",
        ),
        (
            "linux//amd64",
            f"invalid --platform value 'linux//amd64': '' is not a valid platform component; {EXPECTED}",
        ),
        ("a/b/c/d", f"invalid --platform value 'a/b/c/d': too many components; {EXPECTED}"),
        ("linux/*", "invalid --platform value 'linux/*': wildcards are not supported"),
        ("linux/amd64,", f"invalid --platform value 'linux/amd64,': empty platform; {EXPECTED}"),
    ],
)
def test_parse_platforms_errors(value: str, message: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse_platforms([value], host=AMD64)
    assert str(exc.value) == message


def test_host_platform_is_normalised() -> None:
    host = host_platform()
    assert host.os and host.architecture
    assert parse_platforms(["local"], host=host) == (host,)


@pytest.mark.parametrize(
    ("ref", "want"),
    [
        ("alpine", "alpine"),
        ("alpine:latest", "alpine"),
        ("alpine:3", "alpine:3"),
        ("docker.io/library/alpine", "alpine"),
        ("index.docker.io/library/alpine:latest", "alpine"),
        ("docker.io/org/app", "org/app"),
        ("library/a/b", "library/a/b"),
        ("ghcr.io/o/app:1", "ghcr.io/o/app:1"),
        ("localhost/app", "localhost/app"),
    ],
)
def test_familiar_name(ref: str, want: str) -> None:
    assert familiar_name(ref) == want


@pytest.mark.parametrize(
    ("ref", "want"),
    [
        ("reg:5000/a/b:t", ("reg:5000/a/b", "t", "")),
        ("a@sha256:" + "0" * 64, ("a", "", "sha256:" + "0" * 64)),
        ("[::1]:5000/a", ("[::1]:5000/a", "", "")),
    ],
)
def test_validate_reference(ref: str, want: tuple[str, str, str]) -> None:
    assert validate_reference(ref) == want


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", "repository name must have at least one component"),
        ("a/" + "b" * 260, "repository name must not be more than 255 characters"),
        ("-a", "invalid reference format"),
    ],
)
def test_validate_reference_errors(ref: str, message: str) -> None:
    with pytest.raises(InvalidReference) as exc:
        validate_reference(ref)
    assert str(exc.value) == message
