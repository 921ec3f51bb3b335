"""``depotci-gitlab build``: inputs → ``BuildOptions`` → the core's ``run_build`` → GitLab artifacts.

Writes into the output dir (``DEPOTCI_OUTPUT_DIR``, ``.depotci`` by default, relative to the project dir):
``metadata.json`` (buildx metadata, with ``depot.build``), ``build.env`` (dotenv report),
``gl-code-quality-report.json`` (always, empty when clean) and ``annotations.json`` (the build link).
A failed build still writes the code-quality report and exits 1.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from typing import TextIO

from depotci.core.buildopts.plan_inputs import local_dockerfile
from depotci.core.diagnostics import Diagnostic, from_error, read_dockerfiles, run_warnings
from depotci.core.errors import DepotError
from depotci.gitlab.env import GitLabEnv
from depotci.gitlab.inputs import BUILD_INPUTS, Inputs, read_inputs
from depotci.gitlab.log import MaskedStream, section
from depotci.gitlab.oidc import Credentials, describe, resolve_credentials
from depotci.gitlab.options import build_options, secret_values
from depotci.gitlab.outputs import annotations_report, build_outputs, dotenv_text, write_json, write_text
from depotci.gitlab.reports import code_quality, render_line

__all__ = ["OutputPaths", "core_env", "run_build_job"]

_BUILD_LINK = re.compile(r"^\[depot\] build: (\S+)")


class OutputPaths:
    """The artifact files of one job under ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.metadata = os.path.join(root, "metadata.json")
        self.dotenv = os.path.join(root, "build.env")
        self.code_quality = os.path.join(root, "gl-code-quality-report.json")
        self.annotations = os.path.join(root, "annotations.json")

    @classmethod
    def for_job(cls, env: Mapping[str, str], genv: GitLabEnv) -> OutputPaths:
        """``DEPOTCI_OUTPUT_DIR`` (relative to the project dir), else ``.depotci``."""
        return cls(os.path.join(genv.project_dir, env.get("DEPOTCI_OUTPUT_DIR") or ".depotci"))


def core_env(inputs: Inputs, env: Mapping[str, str], creds: Credentials | None = None) -> dict[str, str]:
    """The environment handed to the core: the job's, with ``api-url`` as ``DEPOT_API_URL`` and the chosen
    token as ``DEPOT_TOKEN``. The token goes there rather than into ``--token`` because the core treats
    ``--token`` as a request for the API even without a project, and its planner refuses it."""
    out = dict(env)
    out.setdefault(
        "BUILDX_METADATA_WARNINGS", "true"
    )  # warnings with their Dockerfile lines, for code quality
    if inputs.text("api-url"):
        out["DEPOT_API_URL"] = inputs.text("api-url")
    if creds is not None:
        out["DEPOT_TOKEN"] = creds.token
    if not inputs.flag("oidc"):
        # `oidc: false`: the core's own OIDC lookup must not pick the ID token up either
        out.pop("DEPOT_OIDC_TOKEN", None)
    return out


def watch_build_link(stream: MaskedStream) -> dict[str, str]:
    """Record the ``[depot] build: <url>`` line the core prints; returns the dict it fills (``url``)."""
    found: dict[str, str] = {}

    def watch(line: str) -> None:
        m = _BUILD_LINK.match(line.strip())
        if m and "url" not in found:
            found["url"] = m.group(1)

    stream.watchers.append(watch)
    return found


def finish_reports(
    paths: OutputPaths,
    diags: list[Diagnostic],
    genv: GitLabEnv,
    cwd: str,
    fallback: str,
    log: TextIO,
    *,
    link_url: str,
    build_id: str = "",
) -> None:
    """Log each diagnostic and write the code-quality and annotations reports (always, so the
    artifacts exist, on success and failure alike)."""
    for d in diags:
        log.write(render_line(d, genv, cwd) + "\n")
    write_json(paths.code_quality, code_quality(diags, genv, cwd, fallback))
    write_json(paths.annotations, annotations_report(link_url, build_id))


def run_build_job(env: Mapping[str, str], cwd: str, stdout: TextIO, stderr: TextIO) -> int:
    """Run the build job; returns the exit code (1 for a failed build). Input errors raise DepotError."""
    from depotci.core.commands.build import run_build

    genv = GitLabEnv.from_env(env, cwd)
    inputs = read_inputs(BUILD_INPUTS, env)
    out = MaskedStream(stdout)
    err = MaskedStream(stderr)
    creds: Credentials | None = resolve_credentials(inputs.text("token"), inputs.flag("oidc"), env)
    for stream in (out, err):
        stream.mask(*secret_values(inputs), *([creds.token] if creds else []), env.get("DEPOT_TOKEN", ""))
    link = watch_build_link(err)
    paths = OutputPaths.for_job(env, genv)
    os.makedirs(paths.root, exist_ok=True)
    cenv = core_env(inputs, env, creds)
    with tempfile.TemporaryDirectory(prefix="depotci-secrets-") as secret_dir:
        with section(err.text, "depotci_setup", "depotci: inputs and auth", collapsed=True):
            err.write(describe(creds, env) + "\n")
            opts = build_options(
                inputs, cenv, cwd, job_url=genv.job_url, secret_dir=secret_dir,
                metadata_file=paths.metadata,
            )
            err.write(f"context: {genv.relative(opts.context, cwd) or '.'}\n")
            err.write(f"tags: {', '.join(opts.tags) or '(none)'}; push: {str(opts.push).lower()}\n")
        fallback = opts.dockerfile or os.path.join(opts.context, "Dockerfile")
        try:
            with section(err.text, "depotci_build", "depot build"):
                result = run_build(opts, cenv, stdout=out.text, stderr=err.text)
        except DepotError as exc:
            err.flush()
            diags = [from_error(exc), *run_warnings({}, exc, read_dockerfiles([local_dockerfile(opts)]))]
            finish_reports(paths, diags, genv, cwd, fallback, err.text, link_url=link.get("url", ""))
            err.flush()
            return 1
    metadata = result.metadata  # the core wrote it to paths.metadata (--metadata-file)
    values = build_outputs(
        inputs.text("output-prefix"), metadata, tags=opts.tags, build_url=link.get("url", ""),
        metadata_path=os.path.relpath(paths.metadata, genv.project_dir),
    )
    write_outputs(paths, values, err.text)
    if not result.digest:
        prefix = inputs.text("output-prefix")
        err.write(f"WARNING: the build exported no image (push, load and outputs are off), so {prefix}_DIGEST and "
                  f"{prefix}_IMAGE_ID are not set: set push: true, load: true or outputs\n")
    build_id = str((metadata.get("depot.build") or {}).get("buildID", ""))
    warnings = run_warnings(metadata, None, read_dockerfiles([local_dockerfile(opts)]))
    finish_reports(paths, warnings, genv, cwd, fallback, err.text, link_url=link.get("url", ""), build_id=build_id)
    err.flush()
    out.flush()
    return 0


def write_outputs(paths: OutputPaths, values: Mapping[str, str], log: TextIO) -> None:
    """Write the dotenv report and list what later jobs get, in a collapsed section."""
    text, warnings = dotenv_text(values)
    write_text(paths.dotenv, text)
    with section(log, "depotci_outputs", "depotci: outputs (dotenv report)", collapsed=True):
        log.write(text)
        for w in warnings:
            log.write(f"WARNING: {w}\n")
