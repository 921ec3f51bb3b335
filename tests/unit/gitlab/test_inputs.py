"""Inputs: one variable per input, parsed once; and the templates declare exactly the inputs the adapter
reads, each passed through its variable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from depotci.core.errors import UsageError
from depotci.gitlab.inputs import BAKE_INPUTS, BUILD_INPUTS, InputSpec, env_name, read_inputs

ROOT = Path(__file__).resolve().parents[3]
# inputs only the template uses (job shape, install, ID token audience)
TEMPLATE_ONLY = {"job-name", "stage", "image", "package", "oidc-audience"}


@pytest.mark.parametrize(
    ("name", "variable"),
    [("tags", "DEPOTCI_INPUT_TAGS"), ("build-args", "DEPOTCI_INPUT_BUILD_ARGS"),
     ("no-cache-filters", "DEPOTCI_INPUT_NO_CACHE_FILTERS"), ("api-url", "DEPOTCI_INPUT_API_URL")],
)
def test_env_name(name: str, variable: str) -> None:
    assert env_name(name) == variable


def test_read_inputs_parses_each_kind() -> None:
    env = {
        "DEPOTCI_INPUT_TAGS": "reg/a:1, reg/a:2\nreg/a:3",
        "DEPOTCI_INPUT_CACHE_TO": "type=registry,ref=reg/a:cache,mode=max",
        "DEPOTCI_INPUT_PUSH": "true",
        "DEPOTCI_INPUT_FILE": " docker/Dockerfile ",
    }
    inputs = read_inputs(BUILD_INPUTS, env)
    assert inputs.items("tags") == ("reg/a:1", "reg/a:2", "reg/a:3")
    assert inputs.items("cache-to") == ("type=registry,ref=reg/a:cache,mode=max",)
    assert inputs.flag("push") is True and inputs.flag("load") is False
    assert inputs.text("file") == "docker/Dockerfile"
    # defaults when a variable is unset
    assert inputs.text("context") == "." and inputs.text("output-prefix") == "DEPOTCI" and inputs.flag("oidc")


def test_bake_set_keeps_quotes() -> None:
    inputs = read_inputs(BAKE_INPUTS, {"DEPOTCI_INPUT_SET": '*.output="type=image,push=true"\napp.tags=x'})
    assert inputs.items("set") == ('*.output="type=image,push=true"', "app.tags=x")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEPOTCI_INPUT_PUSH", "yes", "invalid input 'push' value 'yes': expected true or false"),
        ("DEPOTCI_INPUT_OUTPUT_PREFIX", "1ABC", "invalid input output-prefix '1ABC'"),
        ("DEPOTCI_INPUT_OUTPUT_PREFIX", "MY-PREFIX", "invalid input output-prefix 'MY-PREFIX'"),
    ],
)
def test_read_inputs_refuses_bad_values(variable: str, value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        read_inputs(BUILD_INPUTS, {variable: value})


def _template(name: str) -> tuple[dict[str, dict[str, object]], dict[str, object]]:
    header, jobs = yaml.safe_load_all((ROOT / "gitlab" / "templates" / name).read_text())
    job = next(iter(jobs.values()))
    return header["spec"]["inputs"], job


@pytest.mark.parametrize(("template", "specs", "command"), [("build.yml", BUILD_INPUTS, "build"), ("bake.yml", BAKE_INPUTS, "bake")])
def test_template_declares_and_passes_every_input(template: str, specs: tuple[InputSpec, ...], command: str) -> None:
    declared, job = _template(template)
    assert set(declared) == {s.name for s in specs} | TEMPLATE_ONLY
    variables = job["variables"]
    assert isinstance(variables, dict)
    for spec in specs:
        assert variables[env_name(spec.name)] == f"$[[ inputs.{spec.name} ]]", spec.name
        if spec.kind == "boolean":
            assert declared[spec.name]["type"] == "boolean", spec.name
    assert f"depotci-gitlab {command}" in job["script"]
    assert job["id_tokens"] == {"DEPOT_OIDC_TOKEN": {"aud": "$[[ inputs.oidc-audience ]]"}}
    assert declared["oidc-audience"]["default"] == "https://depot.dev"


def test_only_the_build_context_is_required() -> None:
    for template, required in (("build.yml", {"context"}), ("bake.yml", set())):
        declared, _ = _template(template)
        assert {name for name, spec in declared.items() if "default" not in spec} == required
