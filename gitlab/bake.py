"""``depotci-gitlab bake``: inputs → the core's bake (``depotci.core.commands.bake_run``) → GitLab artifacts.

Same artifacts as ``build`` (``metadata.json`` is the per-target map, plus ``depot.build`` for a bake
through the Depot API; the dotenv report has one ``<P>_<TARGET>_DIGEST`` per target). ``workdir`` is where
bake files are read and relative paths start. Authentication is the build job's (``gitlab.oidc``: the
``token`` input, then the job's ID token ``DEPOT_OIDC_TOKEN``, handed to the core as ``DEPOT_TOKEN``); the
core then bakes through the Depot API when a project resolves too (the ``project`` input,
``DEPOT_PROJECT_ID``, ``depot.json`` or a target's ``project_id``; one build per project), else on the
BuildKit endpoint. The setup section says which. With ``oidc: false`` the ID token is hidden from the core
too (its own token order reads ``DEPOT_OIDC_TOKEN`` in GitLab jobs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

from depotci.core.buildkit.metadata import read_metadata_file
from depotci.core.buildopts.plan_inputs import local_dockerfile
from depotci.core.commands.bake_run import BakeRequest, PreparedBake
from depotci.core.diagnostics import from_error, read_dockerfiles, run_warnings
from depotci.core.errors import DepotError
from depotci.gitlab.build import OutputPaths, core_env, finish_reports, watch_build_link, write_outputs
from depotci.gitlab.env import GitLabEnv
from depotci.gitlab.inputs import BAKE_INPUTS, Inputs, read_inputs
from depotci.gitlab.log import MaskedStream, section
from depotci.gitlab.oidc import OIDC_VARIABLE, describe, resolve_credentials
from depotci.gitlab.options import provenance_value
from depotci.gitlab.outputs import bake_outputs

__all__ = ["bake_request", "describe_route", "run_bake_job"]


def bake_request(inputs: Inputs, *, job_url: str, metadata_file: str) -> BakeRequest:
    """The core's bake request for the job's inputs (provenance's ``builder-id`` is the job URL). The token
    is not in it: it reaches the core as ``DEPOT_TOKEN`` (``core_env``), as for ``build``."""
    return BakeRequest(
        targets=inputs.items("targets"),
        files=inputs.items("files"),
        overrides=inputs.items("set"),
        pull=inputs.flag("pull"),
        no_cache=inputs.flag("no-cache"),
        push=inputs.flag("push"),
        load=inputs.flag("load"),
        sbom=inputs.text("sbom") or None,
        provenance=provenance_value(inputs.text("provenance"), job_url) or None,
        build_platform=inputs.text("build-platform") or "dynamic",
        progress="plain",
        metadata_file=metadata_file,
        project=inputs.text("project"),
        lint=inputs.flag("lint"),
        save=inputs.flag("save"),
        save_tag=inputs.items("save-tags"),
        sbom_dir=inputs.text("sbom-dir"),
    )


def describe_route(prepared: PreparedBake) -> str:
    """One log line saying where the bake runs (never a token)."""
    api = prepared.api
    if api is None:
        return (
            "route: the BuildKit endpoint (BUILDKIT_HOST, DOCKER_HOST or the local Docker socket); the Depot API "
            "needs a token and a project"
        )
    project = f"project {api.default.project_id} (from {api.default.source})" if api.default else "each target's project_id"
    return f"route: the Depot API at {api.url}, {project}, one build per project"


def run_bake_job(env: Mapping[str, str], cwd: str, stdout: TextIO, stderr: TextIO) -> int:
    """Run the bake job; returns the exit code (1 when a target failed). Input errors raise DepotError."""
    from depotci.core.commands import bake_run

    genv = GitLabEnv.from_env(env, cwd)
    inputs = read_inputs(BAKE_INPUTS, env)
    err = MaskedStream(stderr)
    err.mask(inputs.text("token"), env.get("DEPOT_TOKEN", ""), env.get(OIDC_VARIABLE, ""))
    creds = resolve_credentials(inputs.text("token"), inputs.flag("oidc"), env)
    link = watch_build_link(err)
    paths = OutputPaths.for_job(env, genv)
    os.makedirs(paths.root, exist_ok=True)
    cenv = core_env(inputs, env, creds)
    if not inputs.flag("oidc"):  # else the core's own GitLab OIDC source would still read it
        cenv.pop(OIDC_VARIABLE, None)
    workdir = os.path.normpath(os.path.join(cwd, inputs.text("workdir")))
    request = bake_request(inputs, job_url=genv.job_url, metadata_file=paths.metadata)
    with section(err.text, "depotci_setup", "depotci: auth and bake plan", collapsed=True):
        err.write(describe(creds, env) + "\n")
        prepared = bake_run.prepare_bake(request, cenv, workdir)
        err.write(describe_route(prepared) + "\n")
        err.write(f"workdir: {genv.relative(workdir, cwd) or '.'}; targets: {', '.join(prepared.builds)}\n")
    paths_read = prepared.loaded.paths
    fallback = paths_read[0] if paths_read else os.path.join(workdir, "docker-bake.hcl")
    dockerfiles = [os.path.join(workdir, df) for b in prepared.builds.values() if (df := local_dockerfile(b.options))]
    try:
        with section(err.text, "depotci_bake", "depot bake"):
            bake_run.run_prepared_bake(prepared, cenv, stderr=err.text)
    except DepotError as exc:
        err.flush()
        diags = [from_error(exc), *run_warnings(read_metadata_file(paths.metadata), exc, read_dockerfiles(dockerfiles))]
        finish_reports(paths, diags, genv, cwd, fallback, err.text, link_url=link.get("url", ""))
        err.flush()
        return 1
    metadata = read_metadata_file(paths.metadata)
    values = bake_outputs(
        inputs.text("output-prefix"), metadata, build_url=link.get("url", ""),
        metadata_path=os.path.relpath(paths.metadata, genv.project_dir),
    )
    write_outputs(paths, values, err.text)
    build_id = values.get(f"{inputs.text('output-prefix')}_BUILD_ID", "")
    finish_reports(
        paths, run_warnings(metadata, None, read_dockerfiles(dockerfiles)), genv, cwd, fallback, err.text, link_url=link.get("url", ""), build_id=build_id
    )
    err.flush()
    stdout.flush()
    return 0

