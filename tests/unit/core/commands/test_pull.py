"""``depot pull`` planning: saved check, bake targets and their tag suffixes, layer status lines."""

from __future__ import annotations

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.commands.pull import PullPlan, _layer_lines, plan_pulls
from depotci.core.errors import InputError

REF = "reg:5000/proj:b1"


def _info(*options: build_pb2.BuildOptions, save_for_load: bool = False) -> build_pb2.GetPullInfoResponse:
    return build_pb2.GetPullInfoResponse(reference=REF, options=list(options), save_for_load=save_for_load)


BUILD = build_pb2.BuildOptions(command=build_pb2.COMMAND_BUILD, save=True)


def _bake(name: str) -> build_pb2.BuildOptions:
    return build_pb2.BuildOptions(command=build_pb2.COMMAND_BAKE, target_name=name, save=True)


@pytest.mark.parametrize(
    ("info", "tags", "targets", "expected"),
    [
        (_info(BUILD), ["me/a:1"], [], [PullPlan(REF, ("me/a:1",))]),
        (_info(build_pb2.BuildOptions(command=build_pb2.COMMAND_BUILD), save_for_load=True), [], [], [PullPlan(REF, ())]),
        (_info(_bake("app"), _bake("web")), ["me/a:1"], [],
         [PullPlan(f"{REF}-app", ("me/a:1-app",)), PullPlan(f"{REF}-web", ("me/a:1-web",))]),
        # one target: the user tags stay as given
        (_info(_bake("app"), _bake("web")), ["me/a:1"], ["web"], [PullPlan(f"{REF}-web", ("me/a:1",))]),
    ],
)
def test_plan_pulls(info: build_pb2.GetPullInfoResponse, tags: list[str], targets: list[str], expected: list[PullPlan]) -> None:
    assert plan_pulls(info, "b1", tags, targets) == expected


@pytest.mark.parametrize(
    ("info", "targets", "message"),
    [
        (_info(build_pb2.BuildOptions(command=build_pb2.COMMAND_BUILD)), [], "build b1 was not saved: build with --save to pull it"),
        (_info(_bake("app")), ["nope"], "--target 'nope' is not a target of build b1 (it built app)"),
    ],
)
def test_plan_pulls_refuses(info: build_pb2.GetPullInfoResponse, targets: list[str], message: str) -> None:
    with pytest.raises(InputError) as err:
        plan_pulls(info, "b1", [], targets)
    assert str(err.value) == message


def test_layer_lines_keep_the_final_status_per_layer() -> None:
    messages = [
        {"status": "Pulling from proj", "id": "b1"},
        {"status": "Pulling fs layer", "id": "aaaaaaaaaaaa"},
        {"status": "Download complete", "id": "aaaaaaaaaaaa"},
        {"status": "Pull complete", "id": "aaaaaaaaaaaa"},
        {"status": "Already exists", "id": "bbbbbbbbbbbb"},
        {"status": "Digest: sha256:x"},
        {"status": "Status: Downloaded newer image for reg:5000/proj:b1"},
    ]
    assert _layer_lines(messages) == ["pull complete aaaaaaaaaaaa done", "already exists bbbbbbbbbbbb done"]
