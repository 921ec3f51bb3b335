"""The bake API path's pure parts: when it is taken, how targets group into builds, what CreateBuild
carries (against the real CLI's recorded bytes, conformance/api-requests/20-bake-scripted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.bake.plan import plan_bake
from depotci.core.bake.to_build import TargetBuild, plan_builds
from depotci.core.buildopts.model import BuildOptions
from depotci.core.commands.bake_api import BakeGroup, bake_api_target, bake_options, group_targets
from depotci.core.errors import AuthError, UnsupportedError, UsageError

# the bake file of 20-bake-scripted: `app` in the default project (DEPOT_PROJECT_ID=dummy), `other` in its own
SCRIPTED_HCL = b"""
group "default" {
  targets = ["app", "other"]
}
target "app" {
  tags = ["acme/app:latest"]
}
target "other" {
  project_id = "otherproj"
}
"""
# the CreateBuild bodies the real CLI sent, in order (requests.jsonl)
SCRIPTED_BODIES = [
    "0a0564756d6d7912180802120f61636d652f6170703a6c61746573743203617070",
    "0a096f7468657270726f6a1209080232056f74686572",
]


def test_create_build_requests_match_the_go_cli(tmp_path: Path) -> None:
    plan = plan_bake([("docker-bake.hcl", SCRIPTED_HCL)], [], [], {})
    builds = plan_builds(plan, cwd=str(tmp_path), env={})
    groups = group_targets(builds, "dummy")
    assert groups == [BakeGroup("dummy", ("app",)), BakeGroup("otherproj", ("other",))]
    bodies = [
        build_pb2.CreateBuildRequest(project_id=g.project_id, options=bake_options(g, builds, push=False, load=False))
        .SerializeToString()
        .hex()
        for g in groups
    ]
    assert bodies == SCRIPTED_BODIES


def test_bake_options_carry_the_command_flags_for_every_target() -> None:
    builds = {"a": _tb("a"), "b": _tb("b", linked=True)}
    msgs = bake_options(BakeGroup("p", ("a", "b")), builds, push=True, load=True)
    assert [(m.command, m.target_name, m.push, m.load) for m in msgs] == [
        (build_pb2.COMMAND_BAKE, "a", True, True),
        (build_pb2.COMMAND_BAKE, "b", True, True),
    ]


def _tb(name: str, project: str = "", deps: tuple[str, ...] = (), linked: bool = False) -> TargetBuild:
    return TargetBuild(
        name, BuildOptions(context="/c", project=project), target_contexts=tuple((d, d) for d in deps), linked=linked
    )


@pytest.mark.parametrize(
    ("builds", "default", "expected"),
    [
        # every target in the default project: one build
        ([_tb("a"), _tb("b")], "d", [("d", ("a", "b"))]),
        # own projects win over the default; groups in the order of their first target
        ([_tb("a", "p2"), _tb("b"), _tb("c", "p2")], "d", [("p2", ("a", "c")), ("d", ("b",))]),
        # a dependency without a project follows each project that uses it
        (
            [_tb("app", "p1", deps=("base",)), _tb("base", linked=True), _tb("web", "p2", deps=("base",))],
            "",
            [("p1", ("app", "base")), ("p2", ("base", "web"))],
        ),
        # a dependency that names its project stays there, with the target using it
        ([_tb("app", "p1", deps=("base",)), _tb("base", "p1", linked=True)], "d", [("p1", ("app", "base"))]),
        # no project anywhere: the Go CLI's message
        ([_tb("a", "p1"), _tb("b")], "", UsageError("Project ID is missing for target b, please specify with --project")),
        # a target: context across projects
        (
            [_tb("app", "p1", deps=("base",)), _tb("base", "p2")],
            "",
            UnsupportedError('target "app" of project p1 uses target "base" of project p2'),
        ),
    ],
)
def test_group_targets(builds: list[TargetBuild], default: str, expected: object) -> None:
    by_name = {b.name: b for b in builds}
    if isinstance(expected, Exception):
        with pytest.raises(type(expected), match=str(expected)):
            group_targets(by_name, default)
        return
    assert [(g.project_id, g.targets) for g in group_targets(by_name, default)] == expected


@pytest.mark.parametrize(
    ("flags", "env", "project_ids", "expected"),
    [
        ({}, {"DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}, [], ("t", "p")),
        ({}, {"DEPOT_TOKEN": "t"}, ["", "p1"], ("t", None)),  # a target's own project is enough
        ({}, {"DEPOT_TOKEN": "t"}, [""], None),  # no project anywhere: the direct builder stays
        ({}, {"DEPOT_PROJECT_ID": "p"}, ["p1"], None),  # no token: the direct builder stays
        ({"token": "t"}, {}, [""], ("t", None)),  # explicit --token: the API (which then wants projects)
        ({"project": "p"}, {}, [], AuthError("missing API token, please run `depot login`")),
        ({"lint": True}, {"DEPOT_TOKEN": "t"}, ["p1"], UnsupportedError("--lint is not supported through the Depot API yet")),
        ({"save": True, "save_tag": ["v1"]}, {"DEPOT_TOKEN": "t"}, ["p1"], ("t", None)),  # --save goes to the API
        ({"sbom_dir": "d"}, {"DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}, [], UnsupportedError("--sbom-dir is not")),
        ({"save": False, "lint": False}, {"DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}, [], ("t", "p")),
    ],
)
def test_bake_api_target(
    tmp_path: Path, flags: dict[str, object], env: dict[str, str], project_ids: list[str], expected: object
) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), **env}
    if isinstance(expected, Exception):
        with pytest.raises(type(expected), match=str(expected).replace("(", r"\(").replace(")", r"\)")):
            bake_api_target(flags, env, project_ids, [str(tmp_path)])
        return
    got = bake_api_target(flags, env, project_ids, [str(tmp_path)])
    assert (None if got is None else (got.token.token, got.default.project_id if got.default else None)) == expected


def test_bake_api_target_reads_depot_json_next_to_the_bake_file(tmp_path: Path) -> None:
    (tmp_path / "depot.json").write_text('{"id": "from-file"}')
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "DEPOT_TOKEN": "t"}
    got = bake_api_target({}, env, [""], [str(tmp_path)])
    assert got is not None and got.default is not None
    assert (got.default.project_id, got.default.source) == ("from-file", str(tmp_path / "depot.json"))


@pytest.mark.parametrize(
    ("flags", "save", "save_tags"),
    [({"save": True, "save_tag": ["v1", "v2"]}, True, ("v1", "v2")), ({"save_tag": ["v1"]}, False, ("v1",)), ({}, False, ())],
)
def test_bake_api_target_carries_save(
    tmp_path: Path, flags: dict[str, object], save: bool, save_tags: tuple[str, ...]
) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "DEPOT_TOKEN": "t", "DEPOT_PROJECT_ID": "p"}
    got = bake_api_target(flags, env, [], [str(tmp_path)])
    assert got is not None and (got.save, got.save_tags) == (save, save_tags)


def test_bake_options_save_only_the_requested_targets() -> None:
    from depotci.core.commands.bake_api import BakeGroup, bake_options

    builds = {"dep": _tb("dep", linked=True), "app": _tb("app")}
    msgs = bake_options(BakeGroup("p", ("dep", "app")), builds, push=False, load=False, save=True, save_tags=("v1",))
    assert [(m.target_name, m.save, list(m.save_tags)) for m in msgs] == [("dep", False, []), ("app", True, ["v1"])]


@pytest.mark.parametrize(
    ("push", "app_tags"),
    [(False, ("r/p:b-app", "r/p:v1-app")), (True, ("me/app", "r/p:b-app", "r/p:v1-app"))],
)
def test_saved_builds_suffix_the_depot_tags_per_requested_target(push: bool, app_tags: tuple[str, ...]) -> None:
    import dataclasses

    from depotci.core.commands.bake_api import saved_builds

    app = _tb("app")
    app = dataclasses.replace(app, options=dataclasses.replace(app.options, tags=("me/app",)))
    out = saved_builds({"dep": _tb("dep", linked=True), "app": app}, ("r/p:b", "r/p:v1"), push=push)
    assert out["dep"] == _tb("dep", linked=True)
    assert (out["app"].options.tags, out["app"].options.push, out["app"].options.save) == (app_tags, True, False)
