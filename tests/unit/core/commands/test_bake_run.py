"""``bake_run``: the request from ``depot bake``'s flags, reading and planning relative to a directory, the
route (Depot API or direct builder) and which runner gets the prepared bake."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from depotci.core.cli.bake import register
from depotci.core.commands import bake as core_bake
from depotci.core.commands import bake_api as core_bake_api
from depotci.core.commands.bake_run import BakeRequest, load_bake, prepare_bake, run_prepared_bake
from depotci.core.errors import AuthError, DepotError, UnsupportedError

HCL = 'target "default" {\n  tags = ["r/app:1"]\n}\n'


def _ns(argv: list[str]) -> argparse.Namespace:
    root = argparse.ArgumentParser()
    register(root.add_subparsers(dest="command"))
    return root.parse_args(["bake", *argv])


def test_request_from_the_cli_flags() -> None:
    ns = _ns(["-f", "a.hcl", "--set", "*.tags=x", "--push", "--token", "dt_secret", "--project", "p", "--save-tag", "s",
              "--metadata-file", "m.json", "--build-platform", "linux/arm64", "app"])
    req = BakeRequest.from_namespace(ns)
    assert (req.files, req.overrides, req.targets, req.push, req.metadata_file) == (("a.hcl",), ("*.tags=x",), ("app",), True, "m.json")
    assert req.api_flags() == {"lint": False, "project": "p", "save": False, "save_tag": ["s"], "sbom_dir": "", "token": "dt_secret"}
    assert req.build_platform == "linux/arm64" and "dt_secret" not in repr(req)


def test_load_reads_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.hcl").write_text(HCL)
    loaded = load_bake(BakeRequest(files=("sub/x.hcl",)), {}, str(tmp_path))
    assert loaded.paths == (str(tmp_path / "sub" / "x.hcl"),) and loaded.dirs == [str(tmp_path / "sub")]
    assert list(loaded.plan.targets) == ["default"]


def test_load_reads_the_default_files_and_names_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    assert [n for n, _ in load_bake(BakeRequest(), {}, str(tmp_path)).files] == ["docker-bake.hcl"]
    with pytest.raises(DepotError, match=r"open nope\.hcl: no such file or directory"):
        load_bake(BakeRequest(files=("nope.hcl",)), {}, str(tmp_path))


@pytest.mark.parametrize(("request_", "env", "api", "project"), [
    (BakeRequest(), {}, False, ""),
    (BakeRequest(), {"DEPOT_TOKEN": "dt"}, False, ""),  # a token without a project: the direct builder
    (BakeRequest(), {"DEPOT_TOKEN": "dt", "DEPOT_PROJECT_ID": "p1"}, True, "p1"),
    (BakeRequest(token="dt"), {}, True, ""),  # --token asks for the API (each target then needs a project)
    (BakeRequest(token="dt", project="p2"), {"DEPOT_PROJECT_ID": "p1"}, True, "p2"),
])
def test_prepare_chooses_the_route(tmp_path: Path, request_: BakeRequest, env: dict[str, str], api: bool, project: str) -> None:
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), **env}
    prepared = prepare_bake(request_, env, str(tmp_path))
    assert (prepared.api is not None) == api and list(prepared.builds) == ["default"]
    assert prepared.builds["default"].options.context == str(tmp_path)
    assert (prepared.api.default.project_id if prepared.api and prepared.api.default else "") == project


@pytest.mark.parametrize(("request_", "env", "error", "message"), [
    (BakeRequest(save=True), {}, UnsupportedError, "--save needs the Depot API"),
    (BakeRequest(project="p1"), {}, AuthError, "missing API token"),
    (BakeRequest(lint=True, token="dt", project="p1"), {}, UnsupportedError, "--lint is not supported through the Depot API yet"),
])
def test_prepare_refuses(tmp_path: Path, request_: BakeRequest, env: dict[str, str], error: type[Exception], message: str) -> None:
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    with pytest.raises(error, match=message):
        prepare_bake(request_, {"XDG_CONFIG_HOME": str(tmp_path / "config"), **env}, str(tmp_path))


@pytest.mark.parametrize(("request_", "runner"), [
    (BakeRequest(metadata_file="out/m.json", buildkit_host="tcp://b:1"), "direct"),
    (BakeRequest(metadata_file="out/m.json", token="dt", project="p1", push=True), "api"),
])
def test_run_hands_the_prepared_bake_to_its_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request_: BakeRequest, runner: str
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake(name: str) -> Any:
        def run(builds: Mapping[str, Any], env: Mapping[str, str], *args: Any, **kw: Any) -> str:
            calls.append((name, kw))
            return name
        return run

    monkeypatch.setattr(core_bake, "run_bake_build", fake("direct"))
    monkeypatch.setattr(core_bake_api, "run_bake_api", fake("api"))
    (tmp_path / "docker-bake.hcl").write_text(HCL)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert run_prepared_bake(prepare_bake(request_, env, str(tmp_path)), env) == runner  # type: ignore[comparison-overlap]
    [(name, kw)] = calls
    assert name == runner and kw["metadata_file"] == str(tmp_path / "out" / "m.json")
    assert kw.get("buildkit_host", "tcp://b:1") == "tcp://b:1" and kw.get("push", True) is True
