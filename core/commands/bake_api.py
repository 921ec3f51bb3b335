"""``depot bake`` through the Depot API (specs/depot-api.md §2.2, §5): one build per project.

Targets are grouped by project (their own ``project_id``, else the ``--project``/``DEPOT_PROJECT_ID``/
``depot.json`` default; a dependency that names no project builds in each project that uses it). Every
group is one CreateBuild (command BAKE, one ``BuildOptions`` per target with ``target_name``), created in
order, each printing ``[depot] build: <url>``; then the groups run concurrently, each on its own builder
(``ApiBuild.builder``: the same lifecycle as ``depot build``) with its own ``BakeRun``, all drawing on one
printer. Each group sends its own FinishBuild when its targets are done; the ``Build Summary: <url>`` lines
follow the progress, in the order the builds finished. Every target's ``--metadata-file`` entry gains
``depot.build`` ``{buildID, projectID}``; the top-level ``depot.build`` (``{buildID, projectID, targets}``)
is the last finished build's, as the Go CLI's last writer.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TextIO

from depotci.core.auth.project import ResolvedProject, resolve_project
from depotci.core.auth.token import MISSING_TOKEN, ResolvedToken, resolve_token
from depotci.core.bake.to_build import TargetBuild
from depotci.core.buildkit.progress import Printer, render_warnings
from depotci.core.buildkit.session.auth import Credentials, host_credentials
from depotci.core.buildopts.save import plan_save
from depotci.core.commands.bake import BakeResult, render_failures, start_run
from depotci.core.commands.bake_report import TargetFailure, bake_error
from depotci.core.commands.build import BuildResult
from depotci.core.commands.build_api import api_client, build_options_message, builder_arch
from depotci.core.commands.build_api_node import ApiBuild
from depotci.core.commands.build_inputs import LocalInputs
from depotci.core.commands.save_help import render_save_help, wants_save_help
from depotci.core.errors import AuthError, DepotError, UnsupportedError, UsageError

__all__ = [
    "BakeApiTarget", "BakeGroup", "bake_api_target", "bake_options", "group_targets", "run_bake_api", "saved_builds",
]

# Depot API flags the bake API path does not implement yet, as (flag, argparse dest)
_NOT_YET = (("--lint", "lint"), ("--sbom-dir", "sbom_dir"))
_JOIN_STEP = 0.2


@dataclass(frozen=True)
class BakeApiTarget:
    """Where a bake through the API goes: the API root, the token, and the default project (None: every
    target must name its own)."""

    url: str
    token: ResolvedToken
    default: ResolvedProject | None
    save: bool = False
    save_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class BakeGroup:
    """The targets of one Depot build (in bake order)."""

    project_id: str
    targets: tuple[str, ...]


def bake_api_target(
    flags: Mapping[str, object], env: Mapping[str, str], project_ids: Sequence[str], dirs: Sequence[str]
) -> BakeApiTarget | None:
    """The API target when a token resolves and a project does (the default, or a target's own
    ``project_ids``), None for a bake on the direct builder. ``flags`` maps argparse dests to values:
    ``--token``/``--project`` ask for the API explicitly (a missing token is then an error); ``--save``/
    ``--save-tag`` go with the target; ``--lint`` and ``--sbom-dir`` are refused on the API path."""
    from depotci.core.api.base_url import api_url

    token_flag, project_flag = str(flags.get("token") or ""), str(flags.get("project") or "")
    explicit = bool(token_flag or project_flag)
    token = resolve_token(token_flag, env)
    if token is None:
        if explicit:
            raise AuthError(MISSING_TOKEN)
        return None
    default = resolve_project(project_flag, env, list(dirs))
    if default is None and not any(project_ids) and not explicit:
        return None
    for flag, dest in _NOT_YET:
        if flags.get(dest):
            raise UnsupportedError(f"{flag} is not supported through the Depot API yet")
    save_tags = flags.get("save_tag") or ()
    return BakeApiTarget(
        api_url(env), token, default, save=bool(flags.get("save")),
        save_tags=tuple(str(t) for t in save_tags) if isinstance(save_tags, (list, tuple)) else (),
    )


def group_targets(builds: Mapping[str, TargetBuild], default_project: str) -> list[BakeGroup]:
    """One group per project, in the order of each project's first target (pure).

    A target without ``project_id`` takes ``default_project``, except a dependency built only for others
    (``linked``), which builds in each project of the targets that use it. Raises UsageError when a target
    has no project, UnsupportedError when a ``target:`` context names a target of another project.
    """
    dependents: dict[str, list[str]] = {name: [] for name in builds}
    for b in builds.values():
        for dep in b.dependencies:
            dependents.setdefault(dep, []).append(b.name)
    memo: dict[str, tuple[str, ...]] = {}

    def projects(name: str) -> tuple[str, ...]:
        if name not in memo:
            b = builds[name]
            if b.project_id:
                memo[name] = (b.project_id,)
            elif b.linked and dependents[name]:
                memo[name] = tuple(dict.fromkeys(p for user in dependents[name] for p in projects(user)))
            elif default_project:
                memo[name] = (default_project,)
            else:
                raise UsageError(
                    f"Project ID is missing for target {name}, please specify with --project, DEPOT_PROJECT_ID, "
                    "or run `depot init`"
                )
        return memo[name]

    groups: dict[str, list[str]] = {}
    for name in builds:
        for project in projects(name):
            groups.setdefault(project, []).append(name)
    for project, names in groups.items():
        for name in names:
            for dep in builds[name].dependencies:
                if project not in projects(dep):
                    raise UnsupportedError(
                        f'target "{name}" of project {project} uses target "{dep}" of project {projects(dep)[0]}: '
                        "a target: context must name a target of the same project"
                    )
    return [BakeGroup(project, tuple(names)) for project, names in groups.items()]


def bake_options(
    group: BakeGroup, builds: Mapping[str, TargetBuild], *, push: bool, load: bool,
    save: bool = False, save_tags: tuple[str, ...] = (),
) -> list[Any]:
    """The CreateBuild ``BuildOptions`` of ``group``: command BAKE, one per target, ``target_name`` set,
    ``push``/``load`` the command's flags; ``save``/``save_tags`` on the requested targets (dependencies
    are not saved)."""
    return [
        build_options_message(
            builds[n].options if builds[n].linked else replace(builds[n].options, save=save, save_tags=save_tags),
            bake_target=n, push=push, load=load,
        )
        for n in group.targets
    ]


def saved_builds(
    builds: Mapping[str, TargetBuild], tags: Sequence[str], *, push: bool
) -> dict[str, TargetBuild]:
    """``builds`` with every requested target saved under ``tags`` suffixed ``-<target>`` (``plan_save``;
    ``push``: the command's ``--push``); dependencies unchanged (pure)."""
    out = dict(builds)
    for name, b in builds.items():
        if not b.linked:
            opts = replace(b.options, save=True)
            out[name] = replace(b, options=plan_save(opts, tags, target=name, push=push or opts.push))
    return out


class _GroupRun:
    """One group's thread: its builder, its BakeRun on the shared printer, and what came of it."""

    def __init__(
        self, group: BakeGroup, build: ApiBuild, builds: Mapping[str, TargetBuild], env: Mapping[str, str], *,
        arch: str, printer: Printer, multi: bool, stderr: TextIO, on_done: Callable[[_GroupRun], None],
        save: bool = False, push: bool = False,
    ) -> None:
        self.group, self.build, self.env, self.arch = group, build, env, arch
        self.builds = {name: builds[name] for name in group.targets}
        self.save = save
        self.registry_hosts: dict[str, Credentials] = {}
        if save:  # requested targets go to the Depot registry with this build's tags and credentials
            tags, credentials = build.save_target()
            self.builds = saved_builds(self.builds, tags, push=push)
            self.registry_hosts = host_credentials(credentials)
        self.printer, self.multi, self.stderr, self.on_done = printer, multi, stderr, on_done
        self.results: dict[str, BuildResult] = {}
        self.failures: dict[str, TargetFailure] = {}
        self.warnings: list[str] = []
        self.error: DepotError | None = None  # the group failed as a whole (no builder, bad input, canceled)
        self.crash: BaseException | None = None

    def run(self) -> None:
        inputs = LocalInputs()
        failed: DepotError | None = None
        try:
            with self.build.builder(self.arch) as conn:
                run = start_run(
                    conn, self.builds, self.env, inputs, stderr=self.stderr, progress="auto",
                    description="", warn=self.warnings.append, printer=self.printer, multi=self.multi,
                    registry_hosts=self.registry_hosts,
                )
                try:
                    run.run_targets()
                finally:
                    run.close()
                run.raise_crash()
                self.results, self.failures = dict(run.results), dict(run.failures)
                if self.failures:  # FinishBuild gets the group's error
                    failed = bake_error(self.failures, len(self.builds))
                    raise failed
        except DepotError as exc:
            if exc is not failed:
                self.error, self.failures = exc, {}
        except BaseException as exc:  # noqa: BLE001 - re-raised by run_bake_api once every group is done
            self.crash = exc
        finally:
            inputs.close()
            for result in self.results.values():
                result.metadata["depot.build"] = {"buildID": self.build.build_id, "projectID": self.build.project_id}
            self.on_done(self)

    def save_help(self) -> str:
        """The save help of this group's build ("" when it did not save or did not succeed)."""
        if not self.save or self.error is not None or self.failures or not self.results:
            return ""
        requested = [n for n in self.group.targets if not self.builds[n].linked]
        return render_save_help(self.build.project_id, self.build.build_id, requested, self.build.save_target()[0])

    def summary(self) -> dict[str, Any]:
        """The top-level ``depot.build`` this group's build writes."""
        requested = [n for n in self.group.targets if not self.builds[n].linked] or sorted(self.results)
        return {"buildID": self.build.build_id, "projectID": self.build.project_id, "targets": requested}


def _run_all(runs: Sequence[_GroupRun]) -> None:
    threads = [threading.Thread(target=r.run, name=f"bake-build-{i}", daemon=True) for i, r in enumerate(runs)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(_JOIN_STEP)
    except KeyboardInterrupt:
        for r in runs:
            r.build.cancel()
        for t in threads:
            t.join(10)
        raise


def run_bake_api(
    builds: Mapping[str, TargetBuild],
    env: Mapping[str, str],
    target: BakeApiTarget,
    *,
    progress: str = "auto",
    metadata_file: str = "",
    push: bool = False,
    load: bool = False,
    stderr: TextIO | None = None,
) -> BakeResult:
    """Bake ``builds`` through the API as above; raises like ``run_bake_build`` once every build has
    finished (a build that failed as a whole raises its own error first)."""
    from depotci.core.buildkit.metadata import write_metadata_file
    from depotci.core.commands.bake_exec import bake_printer, ticking
    from depotci.core.commands.build_solve import warnings_metadata

    err = stderr or sys.stderr
    groups = group_targets(builds, target.default.project_id if target.default else "")
    if not groups:
        return BakeResult()
    arch = builder_arch(builds[groups[0].targets[0]].options, env)
    for warning in target.default.warnings if target.default else ():
        err.write(f"WARNING: {warning}\n")
    links = not env.get("DEPOT_NO_SUMMARY_LINK")
    with api_client(target.url) as api:
        created: list[ApiBuild] = []
        try:
            for g in groups:
                options = bake_options(g, builds, push=push, load=load, save=target.save, save_tags=target.save_tags)
                created.append(ApiBuild.create(api, target.token.token, g.project_id, options))
                if links:
                    err.write(f"[depot] build: {created[-1].url}\n")
                    err.flush()
        except BaseException:
            for b in created:
                b.finish(canceled=True)
            raise
        printer = bake_printer(progress, err, env, f'building with "depot" instance using depot driver ({arch})')
        done: list[_GroupRun] = []
        lock = threading.Lock()

        def on_done(r: _GroupRun) -> None:
            with lock:
                done.append(r)

        runs = [
            _GroupRun(
                g, b, builds, env, arch=arch, printer=printer, multi=len(builds) > 1, stderr=err, on_done=on_done,
                save=target.save, push=push,
            )
            for g, b in zip(groups, created, strict=True)
        ]
        with ticking(printer):
            _run_all(runs)
    err.write("".join(line for r in runs for line in r.warnings))
    err.write(render_warnings(printer.warnings(), mode=printer.mode))
    result = BakeResult()
    for r in runs:
        result.results.update(r.results)
        result.failures.update(r.failures)
    render_failures(printer, result.failures, list(builds), err)
    errors = [r for r in runs if r.error is not None]
    for r in errors[1:]:
        err.write(f"ERROR: build {r.build.url}: {r.error}\n")
    if links:
        err.write("".join(f"\nBuild Summary: {r.build.url}\n" for r in done))
    if wants_save_help(env, progress):
        err.write("".join(r.save_help() for r in done))
    err.flush()
    if metadata_file and result.results:
        data: dict[str, Any] = {name: r.metadata for name, r in sorted(result.results.items())}
        data["depot.build"] = [r for r in done if r.results][-1].summary()
        data.update(warnings_metadata(env, printer.warnings()))
        write_metadata_file(metadata_file, data)
    for r in runs:
        if r.crash is not None:
            raise r.crash
    if errors and errors[0].error is not None:
        raise errors[0].error
    if result.failures:
        raise bake_error(result.failures, len(builds))
    return result
