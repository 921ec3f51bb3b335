"""Inputs → ``depot build`` arguments → ``BuildOptions``, through the CLI's own parsers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from depotci.core.errors import UsageError
from depotci.gitlab.inputs import BUILD_INPUTS, read_inputs
from depotci.gitlab.options import build_argv, build_options, provenance_value, secret_values

JOB = "https://gitlab.example.com/acme/app/-/jobs/7"


def _inputs(**values: str):  # type: ignore[no-untyped-def]
    return read_inputs(BUILD_INPUTS, {f"DEPOTCI_INPUT_{k.upper()}": v for k, v in values.items()})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, ["."]),
        ({"context": "app", "push": "true"}, ["--push", "app"]),
        ({"tags": "r/a:1,r/a:2"}, ["--tag", "r/a:1", "--tag", "r/a:2", "."]),
        ({"platforms": "linux/amd64\nlinux/arm64"}, ["--platform", "linux/amd64,linux/arm64", "."]),
        ({"build_args": "A=1\nB=x,y"}, ["--build-arg", "A=1", "--build-arg", "B=x,y", "."]),
        ({"cache_from": "type=registry,ref=r/a:c"}, ["--cache-from", "type=registry,ref=r/a:c", "."]),
        ({"file": "ci/Dockerfile", "target": "prod"}, ["--file", "ci/Dockerfile", "--target", "prod", "."]),
        ({"provenance": "true"}, ["--provenance", f"builder-id={JOB}", "."]),
        ({"lint": "true", "lint_fail_on": "warn", "save_tags": "a,b"},
         ["--lint", "--lint-fail-on", "warn", "--save-tag", "a", "--save-tag", "b", "."]),
        ({"token": "t0ken", "oidc": "false", "api_url": "http://x", "output_prefix": "IMG"}, ["."]),
    ],
)
def test_build_argv(values: dict[str, str], expected: list[str], tmp_path: Path) -> None:
    assert build_argv(_inputs(**values), job_url=JOB, secret_dir=str(tmp_path)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", ""), ("false", "false"), ("FALSE", "false"), ("true", f"builder-id={JOB}"),
     ("mode=max", f"mode=max,builder-id={JOB}"), ("mode=max,builder-id=me", "mode=max,builder-id=me")],
)
def test_provenance_value(raw: str, expected: str) -> None:
    assert provenance_value(raw, JOB) == expected


def test_secrets_go_to_private_files_and_are_listed_for_masking(tmp_path: Path) -> None:
    inputs = _inputs(secrets='NPM_TOKEN=s3cr3t-value\n"MULTI=l1\nl2"', secret_files="CERT=certs/ca.pem")
    argv = build_argv(inputs, job_url=JOB, secret_dir=str(tmp_path))
    first, second = tmp_path / "secret-0", tmp_path / "secret-1"
    assert argv == ["--secret", f"id=NPM_TOKEN,src={first}", "--secret", f"id=MULTI,src={second}",
                    "--secret", "id=CERT,src=certs/ca.pem", "."]
    assert first.read_text() == "s3cr3t-value" and second.read_text() == "l1\nl2"
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    assert secret_values(inputs) == ["s3cr3t-value", "l1\nl2"]


@pytest.mark.parametrize(("values", "message"), [
    ({"secrets": "NOEQUALS"}, "invalid input secrets item 'NOEQUALS': expected KEY=VALUE"),
    ({"secret_files": "=path"}, "invalid input secret-files item '=path': expected KEY=VALUE"),
])
def test_bad_secret_items(values: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=message):
        build_argv(_inputs(**values), job_url=JOB, secret_dir=str(tmp_path))


def test_build_options(tmp_path: Path) -> None:
    inputs = _inputs(context="app", tags="reg.example.com/a:1", push="true", build_args="A=1", platforms="linux/arm64")
    meta = str(tmp_path / "m.json")
    opts = build_options(inputs, {}, str(tmp_path), job_url=JOB, secret_dir=str(tmp_path), metadata_file=meta)
    assert opts.context == str(tmp_path / "app")
    assert opts.tags == ("reg.example.com/a:1",) and opts.push is True
    assert opts.build_args == (("A", "1"),)
    assert [f"{p.os}/{p.architecture}" for p in opts.platforms] == ["linux/arm64"]
    assert opts.progress == "plain" and opts.metadata_file == meta and opts.token == ""


@pytest.mark.parametrize(("values", "needle"), [
    ({"tags": "UPPER/Case:1"}, "invalid input tags 'UPPER/Case:1'"),
    ({"lint_fail_on": "loud"}, "invalid input lint-fail-on 'loud'"),
    ({"build_platform": "linux/s390x"}, "invalid input build-platform 'linux/s390x'"),
    ({"build_args": "=x"}, "invalid input build-args"),
])
def test_build_options_errors_name_the_input(values: dict[str, str], needle: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        build_options(_inputs(**values), {}, str(tmp_path), job_url=JOB, secret_dir=str(tmp_path), metadata_file="")
    assert needle in str(info.value)
