"""``depotci-gitlab bake``: inputs → the core's bake planner and executor → GitLab artifacts.

Same artifacts as ``build`` (``metadata.json`` is the per-target map, the dotenv report has one
``<P>_<TARGET>_DIGEST`` per target). ``workdir`` is where bake files are read and relative paths start.
The core bakes on a BuildKit endpoint only (not through the Depot API yet): Depot-API inputs (``token``,
``project``, ``lint``, ``save``...) are refused by the core, and the job's ID token is not used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TextIO

from depotci.core.diagnostics import from_error, from_metadata_warnings
from depotci.core.errors import DepotError
from depotci.gitlab.build import OutputPaths, core_env, finish_reports, watch_build_link, write_outputs
from depotci.gitlab.env import GitLabEnv
from depotci.gitlab.inputs import BAKE_INPUTS, Inputs, read_inputs
from depotci.gitlab.log import MaskedStream, section
from depotci.gitlab.oidc import OIDC_VARIABLE
from depotci.gitlab.options import provenance_value
from depotci.gitlab.outputs import annotations_report, bake_outputs, write_json

__all__ = ["api_flags", "run_bake_job"]


def api_flags(inputs: Inputs) -> dict[str, object]:
    """The Depot-API-only inputs, keyed like ``depot bake``'s argparse destinations (for ``refuse_api``)."""
    return {
        "lint": inputs.flag("lint"),
        "project": inputs.text("project"),
        "save": inputs.flag("save"),
        "save_tag": list(inputs.items("save-tags")),
        "sbom_dir": inputs.text("sbom-dir"),
        "token": inputs.text("token"),
    }


def _dotenv(workdir: str) -> dict[str, str]:
    from depotci.core.bake.compose import parse_dotenv

    try:
        with open(os.path.join(workdir, ".env"), encoding="utf-8") as fh:
            return parse_dotenv(fh.read())
    except OSError:
        return {}


def _plan(inputs: Inputs, env: Mapping[str, str], workdir: str, job_url: str) -> tuple[Any, list[str]]:
    from depotci.core.bake.plan import PlanOptions, plan_bake
    from depotci.core.cli.bake import read_bake_files

    files = read_bake_files(list(inputs.items("files")), workdir)
    provenance = provenance_value(inputs.text("provenance"), job_url) or None
    opts = PlanOptions(
        pull=inputs.flag("pull"), no_cache=inputs.flag("no-cache"), push=inputs.flag("push"),
        sbom=inputs.text("sbom") or None, provenance=provenance,
        dotenv=_dotenv(workdir) if any(not n.endswith((".hcl", ".json")) for n, _ in files) else {},
    )
    plan = plan_bake(files, list(inputs.items("targets")), list(inputs.items("set")), env, opts)
    return plan, [os.path.join(workdir, n) for n, _ in files if n != "-"]


def run_bake_job(env: Mapping[str, str], cwd: str, stdout: TextIO, stderr: TextIO) -> int:
    """Run the bake job; returns the exit code (1 when a target failed). Input errors raise DepotError."""
    from depotci.core.bake.to_build import plan_builds
    from depotci.core.commands.bake import refuse_api, run_bake_build

    genv = GitLabEnv.from_env(env, cwd)
    inputs = read_inputs(BAKE_INPUTS, env)
    err = MaskedStream(stderr)
    err.mask(inputs.text("token"), env.get("DEPOT_TOKEN", ""), env.get(OIDC_VARIABLE, ""))
    link = watch_build_link(err)
    paths = OutputPaths.for_job(env, genv)
    os.makedirs(paths.root, exist_ok=True)
    cenv = core_env(inputs, env)
    workdir = os.path.normpath(os.path.join(cwd, inputs.text("workdir")))
    with section(err.text, "depotci_setup", "depotci: bake plan", collapsed=True):
        if env.get(OIDC_VARIABLE) and inputs.flag("oidc"):
            err.write(f"auth: {OIDC_VARIABLE} is not used: bake builds on the BuildKit endpoint, not the Depot API\n")
        plan, files = _plan(inputs, cenv, workdir, genv.job_url)
        refuse_api(api_flags(inputs), cenv, [t.project_id for t in plan.targets.values()], sorted({os.path.dirname(f) for f in files}) or [workdir])
        builds = plan_builds(plan, cwd=workdir, env=cenv, load=inputs.flag("load"))
        err.write(f"workdir: {genv.relative(workdir, cwd) or '.'}; targets: {', '.join(builds)}\n")
    fallback = files[0] if files else os.path.join(workdir, "docker-bake.hcl")
    try:
        with section(err.text, "depotci_bake", "depot bake"):
            run_bake_build(builds, cenv, progress="plain", metadata_file=paths.metadata, stderr=err.text)
    except DepotError as exc:
        err.flush()
        finish_reports(paths, [from_error(exc)], genv, cwd, fallback, err.text)
        write_json(paths.annotations, annotations_report(link.get("url", ""), ""))
        err.flush()
        return 1
    metadata = _read_json(paths.metadata)
    values = bake_outputs(
        inputs.text("output-prefix"), metadata, build_url=link.get("url", ""),
        metadata_path=os.path.relpath(paths.metadata, genv.project_dir),
    )
    write_outputs(paths, values, err.text)
    finish_reports(paths, from_metadata_warnings(metadata), genv, cwd, fallback, err.text)
    write_json(paths.annotations, annotations_report(link.get("url", ""), values.get(f"{inputs.text('output-prefix')}_BUILD_ID", "")))
    err.flush()
    stdout.flush()
    return 0


def _read_json(path: str) -> dict[str, Any]:
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
