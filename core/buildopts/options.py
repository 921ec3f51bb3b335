"""``argparse.Namespace`` (from ``add_build_flags``) → ``BuildOptions``, every value parsed exactly once.

No disk access: paths are only made absolute against ``cwd``. The environment is passed in, never read
from ``os.environ``: bare ``--build-arg K``, bare secret ids, ``--ssh default`` (``SSH_AUTH_SOCK``),
``DOCKER_DEFAULT_PLATFORM``, ``SOURCE_DATE_EPOCH``, ``DEPOT_BUILD_PLATFORM``, ``BUILDX_NO_DEFAULT_LOAD``
and ``BUILDX_NO_DEFAULT_ATTESTATIONS`` are looked up in ``env``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import cast

from depotci.core.buildopts.fields import absolute, bad_value, env_flag, split_string_slice
from depotci.core.buildopts.model import BuildOptions, CacheEntry, ExportSpec, Platform, Progress, SSHSpec
from depotci.core.buildopts.parse import (
    canonicalize_attest,
    host_platform,
    parse_add_host,
    parse_allow,
    parse_annotation,
    parse_attests,
    parse_build_context,
    parse_cache_entry,
    parse_key_values,
    parse_network,
    parse_output,
    parse_platforms,
    parse_secret,
    parse_shm_size,
    parse_ssh,
    parse_tag,
    parse_ulimit,
)
from depotci.core.buildopts.remote import is_git_ssh, is_remote_url
from depotci.core.errors import UsageError

__all__ = ["options_from_args"]

_PROGRESS = ("auto", "plain", "tty", "quiet", "rawjson")
_LINT_FAIL_ON = ("info", "warn", "error", "none")
_BUILD_PLATFORMS = ("dynamic", "linux/amd64", "linux/arm64")


def _list(ns: argparse.Namespace, name: str) -> list[str]:
    return list(getattr(ns, name, None) or [])


def _context(ns: argparse.Namespace, cwd: str) -> tuple[str, str]:
    context = str(ns.context)
    dockerfile = str(getattr(ns, "file", "") or "")
    if context == "":
        raise UsageError(
            'the build context is empty; pass a directory (e.g. "." for the current one), a URL or -'
        )
    if context == "-":
        if dockerfile == "-":
            raise bad_value("--file", "-", "the build context is already read from stdin")
        return context, dockerfile
    if is_remote_url(context):
        return context, dockerfile
    if dockerfile not in ("", "-") and not dockerfile.startswith(("http://", "https://")):
        dockerfile = absolute(dockerfile, cwd)
    return absolute(context, cwd), dockerfile


def _outputs(ns: argparse.Namespace, cwd: str, iidfile: str) -> tuple[ExportSpec, ...]:
    outputs = tuple(parse_output(v, cwd) for v in _list(ns, "output"))
    if sum(1 for o in outputs if o.dest == "-") > 1:
        raise UsageError("invalid --output values: more than one output writes to stdout")
    if iidfile and any(o.type in ("local", "tar") for o in outputs):
        raise UsageError("--iidfile cannot be used with a local or tar --output (there is no image ID)")
    return outputs


def _ssh(ns: argparse.Namespace, env: Mapping[str, str], cwd: str, context: str) -> tuple[SSHSpec, ...]:
    specs: list[SSHSpec] = []
    for value in _list(ns, "ssh"):
        spec = parse_ssh(value, env, cwd)
        if any(s.id == spec.id for s in specs):
            raise bad_value("--ssh", value, f"the id '{spec.id}' is already used")
        specs.append(spec)
    if not specs and is_git_ssh(context) and env.get("SSH_AUTH_SOCK"):
        specs.append(SSHSpec("default", (absolute(env["SSH_AUTH_SOCK"], cwd),)))
    return tuple(specs)


def _caches(ns: argparse.Namespace, flag: str, cwd: str) -> tuple[CacheEntry, ...]:
    name = flag.removeprefix("--").replace("-", "_")
    return tuple(e for v in _list(ns, name) for e in parse_cache_entry(flag, v, cwd))


def _progress(ns: argparse.Namespace) -> tuple[Progress, bool]:
    progress, quiet = str(ns.progress or "auto"), bool(ns.quiet)
    if progress not in _PROGRESS:
        raise bad_value("--progress", progress, "expected auto, plain, tty, quiet or rawjson")
    if quiet:
        if progress not in ("auto", "quiet"):
            raise UsageError(f"--progress={progress} and --quiet cannot be used together")
        progress = "quiet"
    return cast(Progress, progress), quiet


def options_from_args(
    ns: argparse.Namespace, env: Mapping[str, str], cwd: str, *, host: Platform | None = None
) -> BuildOptions:
    """Parse every flag value of ``ns`` once into a frozen ``BuildOptions``.

    ``host`` is the client platform used for ``--platform local`` and one-word platforms (``arm64``);
    by default the machine this runs on, like buildx. Raises ``UsageError`` for any malformed value.
    """
    host = host or host_platform()
    context, dockerfile = _context(ns, cwd)
    iidfile = absolute(ns.iidfile, cwd) if ns.iidfile else ""

    build_args = dict(parse_key_values("--build-arg", _list(ns, "build_arg"), env))
    if env.get("SOURCE_DATE_EPOCH") and "SOURCE_DATE_EPOCH" not in build_args:
        build_args["SOURCE_DATE_EPOCH"] = env["SOURCE_DATE_EPOCH"]

    platforms = _list(ns, "platform")
    if not platforms and env.get("DOCKER_DEFAULT_PLATFORM"):
        platforms = [env["DOCKER_DEFAULT_PLATFORM"]]

    no_cache_filter = tuple(_list(ns, "no_cache_filter"))
    if ns.no_cache and no_cache_filter:
        raise UsageError("--no-cache and --no-cache-filter cannot be used together")

    attest_values, attest_flags = _list(ns, "attest"), ["--attest"] * len(_list(ns, "attest"))
    for kind in ("provenance", "sbom"):
        if getattr(ns, kind, ""):
            attest_values.append(canonicalize_attest(kind, getattr(ns, kind)))
            attest_flags.append(f"--{kind}")

    secrets = {s.id: s for s in (parse_secret(v, env, cwd) for v in _list(ns, "secret"))}
    contexts = {c.name: c for c in (parse_build_context(v, cwd) for v in _list(ns, "build_context"))}
    ulimits = {u.name: u for u in (parse_ulimit(v) for v in _list(ns, "ulimit"))}

    progress, quiet = _progress(ns)
    lint_fail_on = str(ns.lint_fail_on or "error")
    if lint_fail_on not in _LINT_FAIL_ON:
        raise bad_value("--lint-fail-on", lint_fail_on, "expected info, warn, error or none")
    build_platform = ns.build_platform or env.get("DEPOT_BUILD_PLATFORM") or "dynamic"
    if build_platform not in _BUILD_PLATFORMS:
        raise bad_value("--build-platform", build_platform, "expected dynamic, linux/amd64 or linux/arm64")

    return BuildOptions(
        context=context,
        dockerfile=dockerfile,
        tags=tuple(parse_tag(t) for t in _list(ns, "tag")),
        target=str(ns.target or ""),
        platforms=parse_platforms(platforms, host=host),
        build_args=tuple(build_args.items()),
        labels=parse_key_values("--label", _list(ns, "label"), None),
        secrets=tuple(secrets.values()),
        ssh=_ssh(ns, env, cwd, context),
        outputs=_outputs(ns, cwd, iidfile),
        push=bool(ns.push),
        load=bool(ns.load),
        cache_from=_caches(ns, "--cache-from", cwd),
        cache_to=_caches(ns, "--cache-to", cwd),
        no_cache=bool(ns.no_cache),
        no_cache_filter=no_cache_filter,
        pull=bool(ns.pull),
        build_contexts=tuple(contexts.values()),
        attests=parse_attests(attest_values, attest_flags),
        annotations=tuple(parse_annotation(v) for v in _list(ns, "annotation")),
        allow=parse_allow(split_string_slice("--allow", _list(ns, "allow"))),
        network=parse_network(str(ns.network)),
        add_hosts=tuple(parse_add_host(v) for v in split_string_slice("--add-host", _list(ns, "add_host"))),
        ulimits=tuple(sorted(ulimits.values(), key=lambda u: u.name)),
        shm_size=parse_shm_size(ns.shm_size) if ns.shm_size else 0,
        cgroup_parent=str(ns.cgroup_parent or ""),
        iidfile=iidfile,
        metadata_file=absolute(ns.metadata_file, cwd) if ns.metadata_file else "",
        quiet=quiet,
        progress=progress,
        buildkit_host=str(ns.buildkit_host or ""),
        no_default_load=env_flag(env, "BUILDX_NO_DEFAULT_LOAD"),
        no_default_attestations=env_flag(env, "BUILDX_NO_DEFAULT_ATTESTATIONS"),
        project=str(ns.project or ""),
        token=str(ns.token or ""),
        save=bool(ns.save),
        save_tags=tuple(_list(ns, "save_tag")),
        lint=bool(ns.lint),
        lint_fail_on=lint_fail_on,
        sbom_dir=absolute(ns.sbom_dir, cwd) if ns.sbom_dir else "",
        build_platform=build_platform,
    )
