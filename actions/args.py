"""Inputs → the ``depot build`` / ``depot bake`` argument vector (pure). The vector is parsed by the CLI's
own flag set, so the actions build exactly the options the CLI builds from the same flags.

Secret values never enter the vector: ``secrets`` entries come back as ``(id, value)`` pairs that the
caller writes to private temp files and passes as ``--secret id=ID,src=FILE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from depotci.actions.env import GitHubEnv
from depotci.actions.inputs import BakeInputs, BuildPushInputs
from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.errors import UnsupportedError, UsageError

__all__ = ["PlannedArgs", "bake_argv", "build_argv", "provenance_value", "render_context"]

DEFAULT_CONTEXT = "{{defaultContext}}"


@dataclass(frozen=True)
class PlannedArgs:
    """The argument vector, the secret values to materialise, values to mask, and bake's extra env."""

    argv: tuple[str, ...]
    secret_values: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    masks: tuple[str, ...] = field(default=(), repr=False)
    env: tuple[tuple[str, str], ...] = ()


def render_context(value: str, gh: GitHubEnv) -> str:
    """Replace the ``{{defaultContext}}`` template variable (docker's Handlebars context)."""
    return value.replace(DEFAULT_CONTEXT, gh.git_context) if DEFAULT_CONTEXT in value else value


def provenance_value(raw: str, gh: GitHubEnv, *, docker_export: bool, env: Mapping[str, str]) -> str:
    """The ``--provenance`` value (specs/ci-plugins.md §1.1): booleans become ``builder-id=<run URL>`` or
    ``false``, attributes gain ``builder-id`` unless present; empty picks the anchors' default (min +
    inline-only for a private repository, max for a public one), or nothing for a docker export or with
    ``BUILDX_NO_DEFAULT_ATTESTATIONS``."""
    builder_id = f"builder-id={gh.run_url}" if gh.run_url else ""
    if raw:
        b = parse_go_bool(raw)
        if b is False:
            return "false"
        if b is True:
            return builder_id or "true"
        if "builder-id=" in raw or not builder_id:
            return raw
        return f"{raw},{builder_id}"
    if docker_export or env.get("BUILDX_NO_DEFAULT_ATTESTATIONS"):
        return ""
    base = "mode=min,inline-only=true" if gh.is_private_repo else "mode=max"
    return f"{base},{builder_id}" if builder_id else base


def _repeat(flag: str, values: tuple[str, ...]) -> list[str]:
    return [a for v in values for a in (flag, v)]


def _key_value(input_name: str, item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"invalid input '{input_name}' entry '{item.split(chr(10))[0]}': expected KEY=VALUE")
    return key.strip(), value


def _depot_flags(inp: BuildPushInputs | BakeInputs) -> list[str]:
    argv: list[str] = []
    if inp.project:
        argv += ["--project", inp.project]
    if inp.build_platform:
        argv += ["--build-platform", inp.build_platform]
    if inp.lint:
        argv.append("--lint")
    if inp.lint_fail_on:
        argv += ["--lint-fail-on", inp.lint_fail_on]
    if inp.save:
        argv.append("--save")
    argv += _repeat("--save-tag", inp.save_tags)
    if inp.sbom_dir:
        argv += ["--sbom-dir", inp.sbom_dir]
    argv += [f"--{name}" for name in ("load", "push", "pull", "no-cache") if getattr(inp, name.replace("-", "_"))]
    return argv


def _refuse_call(call: str) -> None:
    if call and call != "build":
        raise UnsupportedError(f"input 'call' ('{call}') is not supported yet: only 'build' runs")


def _secrets(inp: BuildPushInputs, context: str, gh: GitHubEnv) -> tuple[list[str], list[tuple[str, str]]]:
    argv: list[str] = []
    values = [_key_value("secrets", s) for s in inp.secrets]
    for item in inp.secret_envs:
        key, var = _key_value("secret-envs", item)
        argv += ["--secret", f"id={key},env={var}"]
    for item in inp.secret_files:
        key, path = _key_value("secret-files", item)
        argv += ["--secret", f"id={key},src={path}"]
    has_git_auth = any(k == "GIT_AUTH_TOKEN" or k.startswith("GIT_AUTH_TOKEN.") for k, _ in values)
    if inp.github_token and gh.git_context and context.startswith(gh.git_context.split("#")[0]) and not has_git_auth:
        host = gh.server_url.split("://", 1)[-1]
        values.append((f"GIT_AUTH_TOKEN.{host}", inp.github_token))
    return argv, values


def build_argv(inp: BuildPushInputs, gh: GitHubEnv, env: Mapping[str, str]) -> PlannedArgs:
    """The ``depot build`` vector for ``inp`` (context last); raises UsageError/UnsupportedError."""
    _refuse_call(inp.call)
    context = render_context(inp.context, gh) if inp.context else gh.git_context or "."
    argv = ["--progress", "plain"]
    if inp.file:
        argv += ["--file", inp.file]
    argv += _repeat("--tag", inp.tags)
    if inp.target:
        argv += ["--target", inp.target]
    if inp.platforms:
        argv += ["--platform", ",".join(inp.platforms)]
    for flag, items in (
        ("--build-arg", inp.build_args), ("--label", inp.labels), ("--annotation", inp.annotations),
        ("--attest", inp.attests), ("--add-host", inp.add_hosts), ("--allow", inp.allow),
        ("--cache-from", inp.cache_from), ("--cache-to", inp.cache_to),
        ("--no-cache-filter", inp.no_cache_filters), ("--output", inp.outputs), ("--ssh", inp.ssh),
        ("--ulimit", inp.ulimit),
    ):
        argv += _repeat(flag, items)
    argv += _repeat("--build-context", tuple(render_context(c, gh) for c in inp.build_contexts))
    for flag, value in (("--cgroup-parent", inp.cgroup_parent), ("--network", inp.network),
                        ("--shm-size", inp.shm_size), ("--sbom", inp.sbom)):
        if value:
            argv += [flag, value]
    docker_export = inp.load or any(o.replace(" ", "").startswith("type=docker") for o in inp.outputs)
    provenance = provenance_value(inp.provenance, gh, docker_export=docker_export, env=env)
    if provenance and not any("type=provenance" in a for a in inp.attests):
        argv += ["--provenance", provenance]
    argv += _depot_flags(inp)
    secret_argv, values = _secrets(inp, context, gh)
    argv += secret_argv
    masks = tuple(line for _, v in values for line in v.splitlines() if line.strip())
    return PlannedArgs(tuple([*argv, context]), tuple(values), masks)


def bake_argv(inp: BakeInputs, gh: GitHubEnv, env: Mapping[str, str]) -> PlannedArgs:
    """The ``depot bake`` vector for ``inp`` (targets last; ``default`` when none), and ``vars`` as
    environment overrides (a bake variable reads its value from the variable of the same name)."""
    _refuse_call(inp.call)
    if inp.allow:
        raise UnsupportedError("input 'allow' is not supported by bake yet")
    if inp.source and "://" in inp.source:
        raise UnsupportedError(f"input 'source' ('{inp.source}'): remote bake definitions are not supported yet")
    argv = ["--progress", "plain"]
    argv += _repeat("--file", inp.files)
    argv += _repeat("--set", inp.set)
    for flag, value in (("--provenance", provenance_value(inp.provenance, gh, docker_export=inp.load, env=env)),
                        ("--sbom", inp.sbom)):
        if value:
            argv += [flag, value]
    argv += _depot_flags(inp)
    extra_env = tuple(_key_value("vars", v) for v in inp.vars)
    return PlannedArgs(tuple([*argv, *(inp.targets or ("default",))]), env=extra_env)
