"""``depotci-github bake``: the bake action. Inputs → the ``depot bake`` flag set → the same core sequence
the CLI runs (read files, plan, ``plan_builds``, ``run_bake_build``) → per-target outputs and summary rows.

Bake does not go through the Depot API yet (core refuses it), so a resolved Depot token is reported and
the bake runs on ``buildkit-host`` or the default builder; OIDC is not attempted for bake.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from typing import Any

from depotci.actions.annotations import error_annotation, warning_annotations
from depotci.actions.args import bake_argv
from depotci.actions.auth import resolve_auth
from depotci.actions.env import GitHubEnv
from depotci.actions.inputs import deprecations, read_bake_inputs
from depotci.actions.outputs import Workflow
from depotci.actions.progress import ProgressTap
from depotci.actions.report import annotate, depot_ids, error_excerpt, publish_outputs
from depotci.actions.summary import TargetResult, render_summary
from depotci.core.errors import DepotError, InputError, UsageError

__all__ = ["bake_namespace", "run_bake_action"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"invalid action inputs: {message}")


def bake_namespace(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with the ``depot bake`` flag set, exactly as the CLI does."""
    from depotci.core.cli.bake import register

    root = _Parser(prog="depot", add_help=False)
    register(root.add_subparsers(dest="command", parser_class=_Parser))
    return root.parse_args(["bake", *argv])


@contextlib.contextmanager
def _cwd(path: str) -> Iterator[None]:
    old = os.getcwd()
    try:
        os.chdir(path)
    except OSError as exc:
        raise InputError(f"invalid input 'workdir' ('{path}'): {exc.strerror}") from None
    try:
        yield
    finally:
        os.chdir(old)


def _bake(ns: argparse.Namespace, env: Mapping[str, str], stderr: Any, metadata_file: str, buildkit_host: str) -> Any:
    """The CLI's bake sequence (``depotci.core.cli.bake``) on the current directory."""
    from depotci.core.bake.plan import PlanOptions, plan_bake
    from depotci.core.bake.to_build import plan_builds
    from depotci.core.cli.bake import _dotenv, read_bake_files
    from depotci.core.commands.bake import refuse_api, run_bake_build

    files = read_bake_files(ns.files)
    opts = PlanOptions(
        pull=ns.pull, no_cache=ns.no_cache, push=ns.push, sbom=ns.sbom, provenance=ns.provenance,
        dotenv=_dotenv() if any(not n.endswith((".hcl", ".json")) for n, _ in files) else {},
    )
    plan = plan_bake(files, ns.targets, ns.overrides, env, opts)
    cwd = os.getcwd()
    dirs = sorted({os.path.dirname(os.path.abspath(n)) for n, _ in files if n != "-"}) or [cwd]
    refuse_api(vars(ns), env, [t.project_id for t in plan.targets.values()], dirs)
    builds = plan_builds(plan, cwd=cwd, env=env, load=ns.load)
    return builds, run_bake_build(
        builds, env, buildkit_host=buildkit_host, progress=ns.progress, metadata_file=metadata_file, stderr=stderr
    )


def _read_json(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def run_bake_action(env: Mapping[str, str], wf: Workflow, *, cwd: str) -> int:
    """Run the bake action; returns the exit code (build errors are annotated, not raised)."""
    gh = GitHubEnv.from_env(env)
    inputs = read_bake_inputs(env)
    for message in deprecations(inputs):
        wf.command("warning", message)
    planned = bake_argv(inputs, gh, env)
    auth = resolve_auth(inputs.token, inputs.buildkit_host, env, gh, wf, None)
    bake_env = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    if auth.mode == "token":
        wf.command("warning", f"bake through the Depot API is not supported yet: ignoring the token from {auth.source}")
        bake_env.pop("DEPOT_TOKEN", None)
    bake_env.update(planned.env)
    bake_env.setdefault("BUILDX_METADATA_WARNINGS", "true")
    workdir = os.path.join(cwd, inputs.source if inputs.source else inputs.workdir)
    ns = bake_namespace(list(planned.argv))
    tap = ProgressTap(wf.log)
    failure: DepotError | None = None
    builds: Mapping[str, Any] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="depotci-bake-", dir=gh.runner_temp or None) as tmp:
        metadata_file = os.path.join(tmp, "metadata.json")
        with wf.group("Bake"), _cwd(workdir):
            try:
                builds, _ = _bake(ns, bake_env, tap, metadata_file, auth.buildkit_host)
            except DepotError as exc:
                failure = exc
        metadata = _read_json(metadata_file)
    duration = time.monotonic() - started
    rows = _rows(builds, metadata, failure, duration, tap)
    digests = {name: str(m.get("containerimage.digest", "")) for name, m in metadata.items() if isinstance(m, dict)}
    build_id, project_id = depot_ids(metadata)
    publish_outputs(wf, {
        "metadata": json.dumps(metadata, indent=2) if metadata else "",
        "digests": json.dumps(digests, sort_keys=True), "build-id": build_id, "project-id": project_id,
    })
    annotate(wf, warning_annotations(metadata, tap.counts.warnings, ""))
    if failure is not None:
        annotate(wf, [error_annotation(failure, workspace=gh.workspace, cwd=workdir, title="Bake failed")])
    wf.summary(render_summary("Depot bake summary", rows))
    return 0 if failure is None else 1


def _rows(
    builds: Mapping[str, Any], metadata: Mapping[str, Any], failure: DepotError | None, duration: float, tap: ProgressTap
) -> list[TargetResult]:
    names = list(builds) or [n for n in metadata if isinstance(metadata[n], dict)] or ["bake"]
    rows = []
    for name in names:
        meta = metadata.get(name)
        ok = isinstance(meta, dict)
        tags = tuple(getattr(getattr(builds.get(name), "options", None), "tags", ()) or ())
        rows.append(TargetResult(
            name=name, ok=ok, duration=duration, cached=len(tap.counts.cached) if len(names) == 1 else 0,
            steps=tap.counts.total if len(names) == 1 else 0,
            digest=str(meta.get("containerimage.digest", "")) if ok and meta else "", tags=tags,
            build_url=tap.counts.build_url, error="" if ok or failure is None else error_excerpt(failure),
        ))
    return rows
