"""``depotci-github build``: the build-push action. Inputs → the CLI's ``BuildOptions`` → core
``run_build`` → outputs, annotations and the summary row. No build logic lives here."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TextIO, cast

from depotci.actions.annotations import error_annotation, warning_annotations
from depotci.actions.args import PlannedArgs, build_argv
from depotci.actions.auth import Auth, OidcExchange, github_oidc, resolve_auth
from depotci.actions.env import GitHubEnv
from depotci.actions.inputs import deprecations, read_build_push_inputs
from depotci.actions.outputs import Workflow
from depotci.actions.progress import ProgressTap
from depotci.actions.report import annotate, depot_ids, error_excerpt, publish_outputs
from depotci.actions.summary import TargetResult, render_summary
from depotci.core.buildopts.model import BuildOptions
from depotci.core.buildopts.plan_inputs import local_dockerfile
from depotci.core.errors import DepotError, UsageError

__all__ = ["NOTHING_EXPORTED", "build_options", "core_build", "run_build_push"]

Builder = Callable[..., Any]


def _write_secrets(planned: PlannedArgs, tmp: str) -> list[str]:
    argv: list[str] = []
    for i, (key, value) in enumerate(planned.secret_values):
        path = os.path.join(tmp, f"secret-{i}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value)
        argv += ["--secret", f"id={key},src={path}"]
    return argv


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit 2
        raise UsageError(f"invalid action inputs: {message}")


def build_options(argv: list[str], env: Mapping[str, str], cwd: str, auth: Auth) -> BuildOptions:
    """Parse ``argv`` with the ``depot build`` flag set, exactly as the CLI does, then apply ``auth``."""
    from depotci.core.buildopts.flags import add_build_flags, options_from_args

    parser = _Parser(prog="depot build", add_help=False)
    add_build_flags(parser)
    if auth.mode == "endpoint":
        argv = ["--buildkit-host", auth.buildkit_host, *argv]
    opts = options_from_args(parser.parse_args(argv), env, cwd)
    return replace(opts, token=auth.token) if auth.mode == "token" else opts


def core_build(opts: BuildOptions, env: Mapping[str, str], *, stdout: TextIO, stderr: TextIO) -> Any:
    """Core ``run_build``; with a token from the action, straight through the Depot API.

    ``plan_solve`` refuses ``token``/``project`` in the options even on the API path, so the API target is
    resolved here (the project from the input, ``DEPOT_PROJECT_ID`` or ``depot.json``; none lets the
    server use the token's project) and the options go on without them.
    """
    from depotci.core.commands.build import run_build

    if not opts.token:
        return run_build(opts, env, stdout=stdout, stderr=stderr)
    from depotci.core.api.base_url import api_url
    from depotci.core.auth.project import resolve_project
    from depotci.core.auth.token import ResolvedToken
    from depotci.core.commands.build_api import ApiTarget, run_build_api

    dirs = [opts.context] if os.path.isabs(opts.context) else [os.getcwd()]
    target = ApiTarget(api_url(env), ResolvedToken(opts.token, "action"), resolve_project(opts.project, env, dirs))
    return run_build_api(replace(opts, token="", project=""), env, target, stdout=stdout, stderr=stderr)


NOTHING_EXPORTED = (
    "the build exported no image (no push, load or outputs), so the digest and imageid outputs are empty: "
    "set push: true, load: true or outputs"
)


def run_build_push(
    env: Mapping[str, str], wf: Workflow, *, cwd: str, build: Builder | None = None, oidc: OidcExchange = github_oidc
) -> int:
    """Run the build-push action; returns the exit code (errors are annotated, not raised)."""
    build = build or core_build
    gh = GitHubEnv.from_env(env)
    inputs = read_build_push_inputs(env)
    for message in deprecations(inputs):
        wf.command("warning", message)
    planned = build_argv(inputs, gh, env)
    for value in planned.masks:
        wf.mask(value)
    auth = resolve_auth(inputs.token, inputs.buildkit_host, env, gh, wf, oidc)
    wf.log.write(f"Authenticating with: {auth.source}\n")
    build_env = dict(env)
    build_env.setdefault("BUILDX_METADATA_WARNINGS", "true")
    with tempfile.TemporaryDirectory(prefix="depotci-build-push-", dir=gh.runner_temp or None) as tmp:
        argv = [*planned.argv[:-1], *_write_secrets(planned, tmp), planned.argv[-1]]
        opts = build_options(argv, build_env, cwd, auth)
        tap = ProgressTap(wf.log)
        started = time.monotonic()
        failure: DepotError | None = None
        result: Any = None
        with wf.group("Build"):
            try:
                result = build(opts, build_env, stdout=cast(TextIO, tap), stderr=cast(TextIO, tap))
            except DepotError as exc:
                failure = exc
        duration = time.monotonic() - started
    counts = tap.counts
    metadata: dict[str, Any] = dict(result.metadata) if result is not None else {}
    build_id, project_id = depot_ids(metadata)
    row = TargetResult(
        name=inputs.target or "default", ok=failure is None, duration=duration, cached=len(counts.cached),
        steps=counts.total, digest=result.digest if result is not None else "", tags=opts.tags,
        build_url=counts.build_url, build_id=build_id, error=error_excerpt(failure) if failure else "",
    )
    if result is not None:
        publish_outputs(wf, {
            "imageid": result.image_id, "digest": result.digest,
            "metadata": json.dumps(metadata, indent=2) if metadata else "",
            "build-id": build_id, "project-id": project_id,
        })
    if result is not None and not result.digest:
        wf.command("warning", NOTHING_EXPORTED)
    warnings = warning_annotations(metadata, counts.warnings, [local_dockerfile(opts)], workspace=gh.workspace, cwd=cwd,
                                   failure=failure)
    if gh.checks_annotations:
        annotate(wf, warnings)
    if failure is not None:
        annotate(wf, [error_annotation(failure, workspace=gh.workspace, cwd=cwd, title="Build failed")])
    wf.summary(render_summary("Depot build summary", [row], warnings=[w.one_line() for w in warnings]))
    return 0 if failure is None else 1
