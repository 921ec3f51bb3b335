"""``depotci-github bake``: the bake action. Inputs → the ``depot bake`` flag set → the core's bake
(``depotci.core.commands.bake_run``: plan, choose the route, build) → per-target outputs and summary rows.

Authentication is the build-push action's (``actions.auth``: the ``token`` input, ``DEPOT_TOKEN``, the
GitHub OIDC exchange, then ``buildkit-host`` or the default builder). A token the action resolved asks
for the Depot API explicitly (as ``--token`` does): every target then needs a project (the ``project``
input, ``DEPOT_PROJECT_ID``, ``depot.json`` or the target's ``project_id``); one Depot build runs per
project. Without a token the bake runs on ``buildkit-host`` or the default builder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TextIO, cast

from depotci.actions.annotations import error_annotation, warning_annotations
from depotci.actions.args import bake_argv
from depotci.actions.auth import Auth, OidcExchange, github_oidc, resolve_auth
from depotci.actions.env import GitHubEnv
from depotci.actions.inputs import BakeInputs, deprecations, read_bake_inputs
from depotci.actions.outputs import Workflow
from depotci.actions.progress import ProgressTap
from depotci.actions.report import annotate, depot_ids, error_excerpt, publish_outputs
from depotci.actions.summary import TargetResult, render_summary
from depotci.core.buildkit.metadata import read_metadata_file
from depotci.core.buildopts.plan_inputs import local_dockerfile
from depotci.core.commands.bake_run import BakeRequest
from depotci.core.errors import DepotError, InputError, UsageError

__all__ = ["bake_namespace", "bake_request", "run_bake_action", "target_digests"]

_LINK = re.compile(r"^\[depot\] build: (\S+)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"invalid action inputs: {message}")


def bake_namespace(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with the ``depot bake`` flag set, exactly as the CLI does."""
    from depotci.core.cli.bake import register

    root = _Parser(prog="depot", add_help=False)
    register(root.add_subparsers(dest="command", parser_class=_Parser))
    return root.parse_args(["bake", *argv])


def bake_request(argv: list[str], auth: Auth, *, metadata_file: str) -> BakeRequest:
    """The core's request for ``argv`` with ``auth`` applied: a token goes as ``--token`` (the Depot API),
    an endpoint as the direct builder's ``buildkit_host``."""
    request = replace(BakeRequest.from_namespace(bake_namespace(argv)), metadata_file=metadata_file)
    if auth.mode == "token":
        return replace(request, token=auth.token)
    return replace(request, buildkit_host=auth.buildkit_host)


def target_digests(metadata: Mapping[str, Any]) -> dict[str, str]:
    """Target name → ``containerimage.digest`` ("" when it has none); ``depot.build`` is not a target."""
    return {
        name: str(m.get("containerimage.digest", ""))
        for name, m in metadata.items()
        if isinstance(m, dict) and name != "depot.build"
    }


class _BakeTap(ProgressTap):
    """The progress tap, also keeping every build link (a bake makes one Depot build per project)."""

    def __init__(self, target: TextIO) -> None:
        super().__init__(target)
        self.links: list[str] = []

    def _line(self, line: str) -> None:
        super()._line(line)
        if m := _LINK.match(line):
            self.links.append(m.group(1))


def _workdir(cwd: str, inputs: BakeInputs) -> str:
    name = "source" if inputs.source else "workdir"
    value = inputs.source or inputs.workdir
    path = os.path.normpath(os.path.join(cwd, value))
    if not os.path.isdir(path):
        raise InputError(f"invalid input '{name}' ('{value}'): not a directory")
    return path



def run_bake_action(env: Mapping[str, str], wf: Workflow, *, cwd: str, oidc: OidcExchange = github_oidc) -> int:
    """Run the bake action; returns the exit code (build errors are annotated, not raised)."""
    from depotci.core.commands import bake_run

    gh = GitHubEnv.from_env(env)
    inputs = read_bake_inputs(env)
    for message in deprecations(inputs):
        wf.command("warning", message)
    planned = bake_argv(inputs, gh, env)
    auth = resolve_auth(inputs.token, inputs.buildkit_host, env, gh, wf, oidc)
    wf.log.write(f"Authenticating with: {auth.source}\n")
    bake_env = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    bake_env.update(planned.env)
    bake_env.setdefault("BUILDX_METADATA_WARNINGS", "true")
    workdir = _workdir(cwd, inputs)
    tap = _BakeTap(wf.log)
    failure: DepotError | None = None
    builds: Mapping[str, Any] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="depotci-bake-", dir=gh.runner_temp or None) as tmp:
        metadata_file = os.path.join(tmp, "metadata.json")
        request = bake_request(list(planned.argv), auth, metadata_file=metadata_file)
        with wf.group("Bake"):
            try:
                prepared = bake_run.prepare_bake(request, bake_env, workdir)
                builds = prepared.builds
                bake_run.run_prepared_bake(prepared, bake_env, stderr=cast(TextIO, tap))
            except DepotError as exc:
                failure = exc
        metadata = read_metadata_file(metadata_file)
    duration = time.monotonic() - started
    rows = _rows(builds, metadata, failure, duration, tap)
    build_id, project_id = depot_ids(metadata)
    publish_outputs(wf, {
        "metadata": json.dumps(metadata, indent=2) if metadata else "",
        "digests": json.dumps(target_digests(metadata), sort_keys=True), "build-id": build_id, "project-id": project_id,
    })
    dockerfiles = [local_dockerfile(b.options) for b in builds.values()]
    warnings = warning_annotations(metadata, tap.counts.warnings, dockerfiles, workspace=gh.workspace, cwd=workdir,
                                   failure=failure)
    if gh.checks_annotations:
        annotate(wf, warnings)
    if failure is not None:
        annotate(wf, [error_annotation(failure, workspace=gh.workspace, cwd=workdir, title="Bake failed")])
    wf.summary(render_summary("Depot bake summary", rows, warnings=[w.one_line() for w in warnings]))
    return 0 if failure is None else 1


def _build_link(tap: _BakeTap, build_id: str) -> str:
    if len(tap.links) == 1:
        return tap.links[0]
    return next((url for url in tap.links if build_id and url.rstrip("/").endswith(f"/{build_id}")), "")


def _rows(
    builds: Mapping[str, Any], metadata: Mapping[str, Any], failure: DepotError | None, duration: float, tap: _BakeTap
) -> list[TargetResult]:
    names = list(builds) or list(target_digests(metadata)) or ["bake"]
    rows = []
    for name in names:
        meta = metadata.get(name)
        ok = isinstance(meta, dict)
        depot = meta.get("depot.build") if isinstance(meta, dict) else None
        build_id = str(depot.get("buildID") or "") if isinstance(depot, dict) else ""
        tags = tuple(getattr(getattr(builds.get(name), "options", None), "tags", ()) or ())
        rows.append(TargetResult(
            name=name, ok=ok, duration=duration, cached=len(tap.counts.cached) if len(names) == 1 else 0,
            steps=tap.counts.total if len(names) == 1 else 0,
            digest=str(meta.get("containerimage.digest", "")) if ok and meta else "", tags=tags,
            build_url=_build_link(tap, build_id), build_id=build_id,
            error="" if ok or failure is None else error_excerpt(failure),
        ))
    return rows
