"""Table-driven tests of the HCL evaluator and of plan_bake's errors and positions."""

from __future__ import annotations

from typing import Any

import pytest
from depotci.core.bake import BakeError, PlanOptions, plan_bake
from depotci.core.bake.hcl.parser import parse_hcl
from depotci.core.bake.hclconfig import evaluate_bodies
from depotci.core.errors import SourceLocation


def _arg(expr: str, env: dict[str, str] | None = None, prelude: str = "") -> Any:
    text = f'{prelude}\ntarget "t" {{\n  args = {{\n    X = {expr}\n  }}\n}}\n'
    cfg = evaluate_bodies([parse_hcl("docker-bake.hcl", text)], env or {}, {"BAKE_CMD_CONTEXT": "cwd://"})
    assert cfg.targets[0].args is not None
    return cfg.targets[0].args["X"]


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ('"a${1 + 2}b"', "a3b"),
        ("10 / 4", "2.5"),
        ("0.1 + 0.2", "0.3"),
        ("-7", "-7"),
        ("true && !false", "true"),
        ('1 == "1"', "false"),
        ('[for s in ["a", "b"] : upper(s) if s != "b"][0]', "A"),
        ("jsonencode({for k, v in {b = 1, a = 2} : v => k})", '{"1":"b","2":"a"}'),
        ("jsonencode([{a = 1}, {a = 2}][*].a)", "[1,2]"),
        ('"%{ for x in ["a", "b"] }${x}-%{ endfor }"', "a-b-"),
        ('"%{ if 1 > 2 }yes%{ else }no%{ endif }"', "no"),
        ('"$${X} %%{y}"', "${X} %{y}"),
        ("<<-EOT\n      a\n        b\n      EOT", "a\n  b\n"),
        ('format("%-3s|%03d", "x", 7)', "x  |007"),
        ('regex_replace("v1.2", "v([0-9]+)", "$1")', "1.2"),
        ("BAKE_CMD_CONTEXT", "cwd://"),
    ],
)
def test_expression_values(expr: str, want: str) -> None:
    assert _arg(expr) == want


@pytest.mark.parametrize(
    ("decl", "env", "want"),
    [
        ('variable "V" {\n  default = 3\n}', {"V": "5"}, "5"),
        ('variable "V" {\n  default = false\n}', {"V": "1"}, "true"),
        ('variable "V" {\n  type = list(string)\n  default = []\n}', {"V": "a,b"}, '["a","b"]'),
        ('variable "V" {\n  type = number\n}', {"V": "2.5"}, "2.5"),
        ('variable "V" {}', {}, ""),
        ('V = "global"', {"V": "ignored"}, "global"),
    ],
)
def test_variable_environment_overrides(decl: str, env: dict[str, str], want: str) -> None:
    assert _arg("jsonencode(V)" if "list" in decl else "V", env, decl) == want


def _plan_error(text: str, *targets: str, sets: tuple[str, ...] = ()) -> BakeError:
    with pytest.raises(BakeError) as info:
        plan_bake([("docker-bake.hcl", text.encode())], list(targets), list(sets), {}, PlanOptions())
    return info.value


@pytest.mark.parametrize(
    ("text", "targets", "message", "location"),
    [
        (
            'target "a" {\n  tags = ["x"\n}\n',
            ("a",),
            "docker-bake.hcl:3,1-2: Missing item separator; Expected a comma to mark the beginning of the next item.",
            SourceLocation("docker-bake.hcl", 3, 1, 3),
        ),
        (
            'target "a" {\n  tags = [NOPE]\n}\n',
            ("a",),
            'docker-bake.hcl:2,11-15: Unknown variable; There is no variable named "NOPE"., and 1 other diagnostic(s)',
            SourceLocation("docker-bake.hcl", 2, 11, 2),
        ),
        (
            'variable "V" {\n  default = "x"\n  validation {\n    condition = V == "y"\n    error_message = "V must be y."\n  }\n}\n',
            ("a",),
            "docker-bake.hcl:4,17-25: Validation failed; V must be y.",
            SourceLocation("docker-bake.hcl", 4, 17, 4),
        ),
        ('target "a" {\n  inherits = ["ghost"]\n}\n', ("a",), "failed to find target ghost", None),
        ('target "a" {}\n', ("b",), "failed to find target b", None),
    ],
)
def test_errors_carry_the_real_message_and_position(
    text: str, targets: tuple[str, ...], message: str, location: SourceLocation | None
) -> None:
    err = _plan_error(text, *targets)
    assert str(err) == message
    assert err.location == location


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (("a.bogus=1",), "unknown key: bogus"),
        (("nope.tags=x",), "could not find any target matching 'nope'"),
        (("tags=x",), "invalid override key tags, expected target.name"),
        (("a.tags",), "invalid override a.tags, expected target.name=value"),
        (("a.labels=x",), "invalid format for labels, expecting labels.<name>=<value>"),
    ],
)
def test_override_errors(sets: tuple[str, ...], message: str) -> None:
    assert str(_plan_error('target "a" {}\n', "a", sets=sets)) == message


def test_plan_model_for_execution() -> None:
    text = (
        'target "base" {\n  platforms = ["linux/amd64"]\n  project_id = "p1"\n}\n'
        'target "app" {\n  inherits = ["base"]\n  contexts = { b = "target:base" }\n  cache-to = ["type=inline"]\n}\n'
    )
    plan = plan_bake([("docker-bake.hcl", text.encode())], ["app"], [], {"SOURCE_DATE_EPOCH": "5"})
    app = plan.targets["app"]
    assert (app.project_id, app.platforms, app.args, app.cache_to) == (
        "p1",
        ("linux/amd64",),
        {"SOURCE_DATE_EPOCH": "5"},
        ({"type": "inline"},),
    )
    assert app.target_dependencies() == ("base",)
    assert plan.targets["base"].linked is True
    assert plan.project_ids() == {"p1": ("app", "base")}
