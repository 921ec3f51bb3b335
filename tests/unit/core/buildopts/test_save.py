"""--save planning: push on, Depot tags replace the user's unless the user pushes, bake's -<target> suffix."""

from __future__ import annotations

import pytest
from depotci.core.buildopts.model import BuildOptions, ExportSpec
from depotci.core.buildopts.save import plan_save, target_tags

DEPOT = ("reg/p:b1", "reg/p:v1")


@pytest.mark.parametrize(
    ("opts", "target", "push", "tags"),
    [
        (BuildOptions(context="/c", save=True), "", None, DEPOT),
        # user tags are replaced when the user does not push: they are never pushed
        (BuildOptions(context="/c", save=True, tags=("me/app:1",)), "", None, DEPOT),
        (BuildOptions(context="/c", save=True, push=True, tags=("me/app:1",)), "", None, ("me/app:1", *DEPOT)),
        (BuildOptions(context="/c", save=True, tags=("me/app:1",), outputs=(ExportSpec("image", (("push", "true"),)),)), "", None,
         ("me/app:1", *DEPOT)),
        (BuildOptions(context="/c", save=True, tags=("me/app:1",)), "", True, ("me/app:1", *DEPOT)),
        (BuildOptions(context="/c", save=True, tags=("me/app:1",)), "web", None, ("reg/p:b1-web", "reg/p:v1-web")),
        (BuildOptions(context="/c", save=True, push=True, tags=("me/app:1",)), "web", None, ("me/app:1", "reg/p:b1-web", "reg/p:v1-web")),
    ],
)
def test_plan_save_pushes_the_depot_tags(opts: BuildOptions, target: str, push: bool | None, tags: tuple[str, ...]) -> None:
    out = plan_save(opts, DEPOT, target=target, push=push)
    assert (out.push, out.tags, out.save, out.save_tags) == (True, tags, False, ())
    assert out.outputs == opts.outputs


@pytest.mark.parametrize(
    ("opts", "depot"),
    [
        (BuildOptions(context="/c", save_tags=("v1",), tags=("me/app:1",)), DEPOT),  # save tags alone save nothing
        (BuildOptions(context="/c", save=True, save_tags=("v1",), tags=("me/app:1",)), ()),
    ],
)
def test_plan_save_only_consumes_the_flags_otherwise(opts: BuildOptions, depot: tuple[str, ...]) -> None:
    out = plan_save(opts, depot)
    assert (out.push, out.tags, out.save, out.save_tags) == (False, ("me/app:1",), False, ())


@pytest.mark.parametrize(("target", "expected"), [("", ("a:1", "b:2")), ("app", ("a:1-app", "b:2-app"))])
def test_target_tags(target: str, expected: tuple[str, ...]) -> None:
    assert target_tags(("a:1", "b:2"), target) == expected


def test_plan_save_with_load_keeps_the_user_tags_for_the_local_image() -> None:
    from depotci.core.buildopts.plan_model import BuilderInfo
    from depotci.core.buildopts.plan_outputs import plan_outputs

    opts = BuildOptions(context="/c", save=True, load=True, tags=("me/app:1",))
    out = plan_save(opts, DEPOT)
    assert (out.push, out.tags, out.load) == (False, ("me/app:1",), True)
    exporters = plan_outputs(out, BuilderInfo("buildkitd", True, ("linux/amd64",), "linux/amd64"), False).exporters
    assert [(e.type, e.output, dict(e.attrs)) for e in exporters] == [
        ("docker", "load", {"name": "me/app:1"}),  # the local image: the user's tag, never pushed
        ("image", "none", {"name": "reg/p:b1,reg/p:v1", "push": "true"}),  # the saved image: the Depot tags
    ]
