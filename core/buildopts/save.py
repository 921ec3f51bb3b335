"""``--save`` planning (specs/depot-api.md §5, §6.3): the build options that push a saved build to the
Depot registry with the tags the API handed out (``CreateBuildResponse.additional_tags``). Pure.

The image export gets ``push=true`` (one is added when no image output was asked for). When the user did
not ask to push, the user tags are replaced by the Depot tags, so they are never pushed — except with
``--load``, where the user's tags name the local image and a separate image export pushes the Depot tags;
with ``--push`` the Depot tags follow the user's. Bake suffixes every Depot tag with ``-<target>``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.buildopts.model import BuildOptions, ExportSpec, attrs_of

__all__ = ["plan_save", "target_tags"]


def target_tags(tags: Sequence[str], target: str = "") -> tuple[str, ...]:
    """``tags`` as a bake ``target`` saves them (each suffixed ``-<target>``), unchanged for a build."""
    return tuple(f"{t}-{target}" if target else t for t in tags)


def _pushes(opts: BuildOptions) -> bool:
    return opts.push or any(o.type == "image" and parse_go_bool(o.attr("push")) for o in opts.outputs)


def plan_save(opts: BuildOptions, depot_tags: Sequence[str], *, target: str = "", push: bool | None = None) -> BuildOptions:
    """``opts`` for a saved build: pushed, named with ``depot_tags`` (bake: suffixed ``-<target>``) in place
    of the user tags, or after them when the user pushes (``--push``, an image output with ``push=true``;
    ``push`` overrides ``opts.push``). The Depot-only ``save``/``save_tags`` are always consumed: without
    ``save`` (save tags alone save nothing, as in the real CLI) or without tags nothing else changes."""
    consumed = dataclasses.replace(opts, save=False, save_tags=())
    if not opts.save or not depot_tags:
        return consumed
    user_push = _pushes(opts if push is None else dataclasses.replace(opts, push=push))
    saved = target_tags(depot_tags, target)
    if not user_push and opts.load:
        # the user's tags go to the local load only; the saved image is pushed under the Depot tags
        pushed = ExportSpec("image", attrs_of({"name": ",".join(saved), "push": "true"}), own_name=True)
        return dataclasses.replace(consumed, outputs=(*opts.outputs, pushed))
    tags = tuple(dict.fromkeys((*opts.tags, *saved))) if user_push else saved
    return dataclasses.replace(consumed, push=True, tags=tags)
