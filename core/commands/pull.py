"""``depot pull [buildID] [--project] [-t tag]... [--target T]... [--platform P] [--progress]``: pull a saved
build into the local Docker Engine (specs/depot-api.md §6.3), the way the real CLI does it:

GetPullInfo(buildID) with the user/project token → the saved reference and pull credentials → the Engine
pulls it (``POST /images/create`` with ``X-Registry-Auth``) → the user tags are added, the saved tag kept.
A bake build pulls ``<reference>-<target>`` per target (``--target`` narrows them); with several targets the
user tags become ``<tag>-<target>``. The progress is one step, as the real CLI prints it:

    #1 pulling <user tags>
    #1 already exists <layer> done
    #1 DONE 0.1s
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from depotci.core.auth.session import require_token
from depotci.core.errors import InputError, UnsupportedError

__all__ = ["PullPlan", "plan_pulls", "pull"]

_BAKE = 2  # depot.cli.v1.Command.COMMAND_BAKE


@dataclass(frozen=True)
class PullPlan:
    """One image to pull: the saved ``reference`` and the user ``tags`` it gets."""

    reference: str
    tags: tuple[str, ...]


def plan_pulls(info: Any, build_id: str, tags: Sequence[str], targets: Sequence[str]) -> list[PullPlan]:
    """What to pull for a GetPullInfo answer (pure). InputError when the build was not saved or a
    ``--target`` is not one of the build's."""
    options = list(info.options)
    if not info.save_for_load and not any(o.save for o in options):
        raise InputError(f"build {build_id} was not saved: build with --save to pull it")
    built = [o.target_name for o in options if o.command == _BAKE and o.target_name]
    if not built:
        return [PullPlan(info.reference, tuple(tags))]
    unknown = [t for t in targets if t not in built]
    if unknown:
        raise InputError(f"--target '{unknown[0]}' is not a target of build {build_id} (it built {', '.join(built)})")
    chosen = [t for t in built if t in targets] if targets else built
    suffix = len(chosen) > 1
    return [PullPlan(f"{info.reference}-{t}", tuple(f"{tag}-{t}" if suffix else tag for tag in tags)) for t in chosen]


def _layer_lines(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """The final status of each layer, as ``<status> <id> done`` lines."""
    final: dict[str, str] = {}
    for msg in messages:
        layer, status = str(msg.get("id") or ""), str(msg.get("status") or "")
        if layer and status and not status.startswith(("Pulling from", "Digest:", "Status:")):
            final[layer] = status.lower()
    return [f"{status} {layer} done" for layer, status in final.items()]


def pull(
    build_id: str, token_flag: str, tags: Sequence[str], targets: Sequence[str], platform: str,
    progress: str, env: Mapping[str, str], stderr: TextIO,
) -> int:
    """Pull the saved build ``build_id``; returns 0 (errors raise DepotError)."""
    from depotci.core.api.build_service import BuildAPI
    from depotci.core.auth import session
    from depotci.core.buildkit.dockerapi import local_engine

    if not build_id:
        raise InputError("depot pull needs a build ID (the one `depot build --save` printed)")
    if ":" in build_id:
        raise UnsupportedError(f"depot pull '{build_id}': pulling by tag is not supported yet; pass the build ID")
    token = require_token(token_flag, env)
    with session.api_client(env) as client:
        info = BuildAPI(client).get_pull_info(token, build_id)
    plans = plan_pulls(info, build_id, tags, targets)
    engine = local_engine(env, "depot pull")
    quiet = progress == "quiet"
    for step, plan in enumerate(plans, 1):
        started = time.monotonic()
        if not quiet:
            stderr.write(f"#{step} pulling {','.join(plan.tags)}\n")
            stderr.flush()
        messages = engine.pull(plan.reference, info.username, info.password, platform)
        for tag in plan.tags:
            engine.tag(plan.reference, tag)
        if not quiet:
            stderr.write("".join(f"#{step} {line}\n" for line in _layer_lines(messages)))
            stderr.write(f"#{step} DONE {time.monotonic() - started:.1f}s\n")
    return 0
