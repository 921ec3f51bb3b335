"""``depot bake`` from a request to a result, the one sequence every front end runs: the CLI
(``depotci.core.cli.bake``), the GitHub bake action and the GitLab bake component.

1. ``load_bake``: read the bake files (``-f`` names, else every default file present, relative to ``cwd``)
   and plan them (``plan_bake``); the CLI prints these errors bare, and ``--print`` stops here.
2. ``prepare_bake``: choose where to build — the Depot API when a token and a project resolve
   (``bake_api.bake_api_target``), else the BuildKit endpoint (refusing Depot-API-only flags,
   ``bake.refuse_api``) — and map every target to its build (``plan_builds``).
3. ``run_prepared_bake``: build (``bake_api.run_bake_api`` or ``bake.run_bake_build``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from depotci.core.errors import DepotError

if TYPE_CHECKING:
    from depotci.core.bake.model import BakePlan
    from depotci.core.bake.to_build import TargetBuild
    from depotci.core.commands.bake import BakeResult
    from depotci.core.commands.bake_api import BakeApiTarget

__all__ = [
    "DEFAULT_FILES",
    "BakeRequest",
    "LoadedBake",
    "PreparedBake",
    "load_bake",
    "prepare_bake",
    "read_bake_files",
    "read_dotenv",
    "run_prepared_bake",
]

# the order the real CLI reads them in when no -f is given (every one that exists is used)
DEFAULT_FILES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-bake.json",
    "docker-bake.override.json",
    "docker-bake.hcl",
    "docker-bake.override.hcl",
)


@dataclass(frozen=True)
class BakeRequest:
    """What ``depot bake``'s flags ask for (argparse destinations as field names). ``metadata_file`` is
    relative to the bake's directory; ``buildkit_host`` is the endpoint of a bake on the direct builder
    ("": ``BUILDKIT_HOST``, ``DOCKER_HOST``, the local Docker socket)."""

    targets: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    pull: bool = False
    no_cache: bool = False
    push: bool = False
    load: bool = False
    sbom: str | None = None
    provenance: str | None = None
    build_platform: str = "dynamic"
    progress: str = "auto"
    metadata_file: str = ""
    token: str = field(default="", repr=False)
    project: str = ""
    lint: bool = False
    save: bool = False
    save_tag: tuple[str, ...] = ()
    sbom_dir: str = ""
    buildkit_host: str = ""

    @classmethod
    def from_namespace(cls, ns: Any) -> BakeRequest:
        """The request of a namespace parsed by ``depot bake``'s parser (``depotci.core.cli.bake``)."""
        return cls(
            targets=tuple(ns.targets), files=tuple(ns.files), overrides=tuple(ns.overrides), pull=ns.pull,
            no_cache=ns.no_cache, push=ns.push, load=ns.load, sbom=ns.sbom, provenance=ns.provenance,
            build_platform=ns.build_platform, progress=ns.progress, metadata_file=ns.metadata_file,
            token=ns.token, project=ns.project, lint=ns.lint, save=ns.save, save_tag=tuple(ns.save_tag),
            sbom_dir=ns.sbom_dir,
        )

    def api_flags(self) -> dict[str, object]:
        """The Depot-API flags keyed by argparse destination (``bake_api_target``/``refuse_api``)."""
        return {
            "lint": self.lint, "project": self.project, "save": self.save, "save_tag": list(self.save_tag),
            "sbom_dir": self.sbom_dir, "token": self.token,
        }


@dataclass(frozen=True)
class LoadedBake:
    """The bake files as read (name as given, bytes) and their plan; ``cwd`` is the bake's directory."""

    cwd: str
    files: tuple[tuple[str, bytes], ...]
    plan: BakePlan

    @property
    def paths(self) -> tuple[str, ...]:
        """The bake files as absolute paths (stdin left out)."""
        return tuple(os.path.normpath(os.path.join(self.cwd, n)) for n, _ in self.files if n != "-")

    @property
    def dirs(self) -> list[str]:
        """Where the project config is looked up: the bake files' directories, else ``cwd``."""
        return sorted({os.path.dirname(p) for p in self.paths}) or [self.cwd]


@dataclass(frozen=True)
class PreparedBake:
    """A bake ready to run: every target's build, and the API target (None: the direct builder)."""

    request: BakeRequest
    loaded: LoadedBake
    builds: Mapping[str, TargetBuild]
    api: BakeApiTarget | None


def read_bake_files(names: Sequence[str], cwd: str = ".") -> list[tuple[str, bytes]]:
    """Read ``-f`` files in order (``-`` is stdin, ``cwd://`` stripped) or every default file present."""
    out: list[tuple[str, bytes]] = []
    if not names:
        for n in DEFAULT_FILES:
            try:
                with open(os.path.join(cwd, n), "rb") as fh:
                    out.append((n, fh.read()))
            except FileNotFoundError:
                continue
        return out
    for n in names:
        n = n.removeprefix("cwd://")
        if n == "-":
            out.append((n, sys.stdin.buffer.read()))
            continue
        try:
            with open(os.path.join(cwd, n), "rb") as fh:
                out.append((n, fh.read()))
        except OSError as e:
            raise DepotError(f"open {n}: {(e.strerror or str(e)).lower()}") from None
    return out


def read_dotenv(cwd: str = ".") -> dict[str, str]:
    """The ``.env`` file of ``cwd`` (compose's variables), empty when there is none."""
    try:
        with open(os.path.join(cwd, ".env"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return {}
    from depotci.core.bake.compose import parse_dotenv

    return parse_dotenv(text)


def load_bake(request: BakeRequest, env: Mapping[str, str], cwd: str) -> LoadedBake:
    """Read and plan the bake files of ``request`` in ``cwd`` (``.env`` is read for compose files)."""
    from depotci.core.bake.plan import PlanOptions, plan_bake

    files = read_bake_files(request.files, cwd)
    opts = PlanOptions(
        pull=request.pull,
        no_cache=request.no_cache,
        push=request.push,
        sbom=request.sbom,
        provenance=request.provenance,
        dotenv=read_dotenv(cwd) if any(not n.endswith((".hcl", ".json")) for n, _ in files) else {},
    )
    plan = plan_bake(files, request.targets, request.overrides, env, opts)
    return LoadedBake(cwd, tuple(files), plan)


def prepare_bake(
    request: BakeRequest, env: Mapping[str, str], cwd: str, *, loaded: LoadedBake | None = None
) -> PreparedBake:
    """Load the bake (unless ``loaded`` is given), choose the Depot API or the direct builder, and map
    every target to its build. Raises DepotError (bad flags for the route, a missing token, bad targets)."""
    from depotci.core.bake.to_build import plan_builds
    from depotci.core.commands.bake import refuse_api
    from depotci.core.commands.bake_api import bake_api_target

    loaded = loaded or load_bake(request, env, cwd)
    flags = request.api_flags()
    project_ids = [t.project_id for t in loaded.plan.targets.values()]
    api = bake_api_target(flags, env, project_ids, loaded.dirs)
    if api is None:
        refuse_api(flags, env, project_ids, loaded.dirs)
    builds = plan_builds(loaded.plan, cwd=loaded.cwd, env=env, load=request.load, build_platform=request.build_platform)
    return PreparedBake(request, loaded, builds, api)


def run_prepared_bake(prepared: PreparedBake, env: Mapping[str, str], *, stderr: TextIO | None = None) -> BakeResult:
    """Build ``prepared`` (progress, links and failure blocks on ``stderr``, default ``sys.stderr``) and
    write ``--metadata-file``; raises like ``run_bake_build`` when a target failed."""
    from depotci.core.commands.bake import run_bake_build
    from depotci.core.commands.bake_api import run_bake_api

    req = prepared.request
    metadata_file = os.path.normpath(os.path.join(prepared.loaded.cwd, req.metadata_file)) if req.metadata_file else ""
    if prepared.api is not None:
        return run_bake_api(
            prepared.builds, env, prepared.api, progress=req.progress, metadata_file=metadata_file,
            push=req.push, load=req.load, stderr=stderr,
        )
    return run_bake_build(
        prepared.builds, env, buildkit_host=req.buildkit_host, progress=req.progress,
        metadata_file=metadata_file, stderr=stderr,
    )
