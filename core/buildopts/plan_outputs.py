"""Outputs → exporters, with buildx v0.13's rules (``RunBuild`` push/load shorthands, ``toSolveOpt``
exporter setup) and its docker-driver rule: on a dockerd, ``type=image`` and a docker load become the
``moby`` exporter.

Our one deliberate change: several moby exporters (``--load --push``, or two image outputs) are merged
into one. buildx sends two, and on the containerd store the second fails with ``image "…" already
exists``; one moby exporter with ``push=true`` both stores the image in the engine and pushes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from depotci.core.buildopts.fields import parse_go_bool
from depotci.core.buildopts.model import BuildOptions, ExportSpec, attrs_of
from depotci.core.buildopts.plan_model import BuilderInfo, Exporter
from depotci.core.errors import UnsupportedError, UsageError

__all__ = ["OutputsPlan", "graph_driver", "plan_outputs"]


def graph_driver(what: str) -> str:
    """The reason text for a feature a graph-driver dockerd lacks."""
    return (
        f"{what} not supported by this dockerd (it uses the graph driver; turn on the containerd image store)"
    )


MANIFEST_LISTS = "the docker exporter cannot export manifest lists (several platforms or attestations)"


@dataclass(frozen=True)
class OutputsPlan:
    """Exporters, image names the caller pushes itself, and warnings."""

    exporters: tuple[Exporter, ...]
    engine_push: tuple[str, ...]
    warnings: tuple[str, ...]


def _with(spec: ExportSpec, **attrs: str) -> ExportSpec:
    return ExportSpec(spec.type, attrs_of({**dict(spec.attrs), **attrs}), spec.dest)


def _requested(opts: BuildOptions, builder: BuilderInfo, warnings: list[str]) -> list[ExportSpec]:
    specs = list(opts.outputs)
    if opts.push:
        if any(s.type == "image" for s in specs):
            specs = [_with(s, push="true") if s.type == "image" else s for s in specs]
        else:
            specs.append(ExportSpec("image", (("push", "true"),)))
    if opts.load and not any(s.type == "docker" and s.dest == "" for s in specs):
        specs.append(ExportSpec("docker"))
    if not specs and not opts.no_default_load:
        if builder.kind == "dockerd":
            specs.append(ExportSpec("image"))
        else:
            warnings.append(
                "no output specified: the build result will only remain in the build cache; "
                "use --push to push the image or --load to load it into docker"
            )
    return specs


def _named(spec: ExportSpec, opts: BuildOptions) -> dict[str, str]:
    attrs = dict(spec.attrs)
    if opts.tags and spec.type in ("image", "oci", "docker") and not spec.own_name:
        attrs["name"] = ",".join(opts.tags)
    elif spec.type == "image" and not attrs.get("name") and parse_go_bool(attrs.get("push", "")):
        raise UsageError("pushing needs an image name: add -t/--tag (or name= to the image --output)")
    info = opts.build_arg("BUILDKIT_INLINE_BUILDINFO_ATTRS")
    if info is not None and spec.type in ("image", "oci", "docker"):
        attrs["buildinfo-attrs"] = info
    for ann in opts.annotations:
        attrs[ann.exporter_key()] = ann.value
    return attrs


def _exporter(
    spec: ExportSpec, attrs: dict[str, str], opts: BuildOptions, builder: BuilderInfo, user_attests: bool
) -> Exporter:
    many = len(opts.platforms) > 1 or user_attests
    dockerd = builder.kind == "dockerd"
    if spec.type == "docker" and spec.dest == "":
        if many and not builder.containerd_store:
            raise UnsupportedError(f"--load: {MANIFEST_LISTS}")
        if not dockerd:
            return Exporter("docker", attrs, "load")
        spec = ExportSpec("image", spec.attrs)
    if spec.type in ("oci", "docker") and not builder.full_featured:
        raise UnsupportedError(f"--output type={spec.type}: {graph_driver(spec.type + ' tarballs are')}")
    if spec.type == "docker" and many:
        raise UnsupportedError(f"--output type=docker: {MANIFEST_LISTS}; use type=oci")
    if spec.type == "image":
        if not dockerd:
            return Exporter("image", attrs)
        if parse_go_bool(attrs.get("push", "")) and parse_go_bool(attrs.get("push-by-digest", "")):
            raise UnsupportedError("--output push-by-digest=true is not supported by a dockerd builder")
        return Exporter("moby", attrs)
    if spec.dest == "-":
        return Exporter(spec.type, attrs, "stdout")
    as_dir = spec.type == "local" or (
        spec.type in ("oci", "docker") and parse_go_bool(attrs.get("tar", "")) is False
    )
    return Exporter(spec.type, attrs, "dir" if as_dir else "file", spec.dest)


def _merge_moby(exporters: list[Exporter]) -> list[Exporter]:
    mobys = [e for e in exporters if e.type == "moby"]
    if len(mobys) < 2:
        return exporters
    names: list[str] = []
    push = False
    rest: dict[str, str] = {}
    for e in mobys:
        names += [n for n in e.attrs.get("name", "").split(",") if n and n not in names]
        push = push or bool(parse_go_bool(e.attrs.get("push", "")))
        for key, value in e.attrs.items():
            if key in ("name", "push"):
                continue
            if rest.get(key, value) != value:
                raise UnsupportedError(f"image outputs with different {key}= values cannot go to one dockerd")
            rest[key] = value
    merged = Exporter(
        "moby", {**rest, **({"name": ",".join(names)} if names else {}), **({"push": "true"} if push else {})}
    )
    before = next(i for i, e in enumerate(exporters) if e.type == "moby")
    kept = [e for e in exporters if e.type != "moby"]
    kept.insert(before, merged)
    return kept


def plan_outputs(opts: BuildOptions, builder: BuilderInfo, user_attests: bool) -> OutputsPlan:
    """Exporters for ``opts`` on ``builder``; ``user_attests`` is True when attestations were asked for."""
    warnings: list[str] = []
    if opts.annotations and not builder.full_featured:
        raise UnsupportedError(f"--annotation: {graph_driver('annotations are')}")
    specs = _requested(opts, builder, warnings)
    exporters = [
        _exporter(s, _named(s, opts), opts, builder, user_attests) for s in specs if s.type != "cacheonly"
    ]
    exporters = _merge_moby(exporters)
    # BuildKit merges the exporters' responses, the later one winning a key: a docker load goes first so
    # that with --push --load the registry's digest is the one reported (buildx's order reports the
    # tarball's, which differs once attestations make the pushed image an index)
    exporters.sort(key=lambda e: e.output != "load")
    engine_push: list[str] = []
    if builder.kind == "dockerd" and not builder.containerd_store:
        for e in exporters:
            if e.type == "moby" and parse_go_bool(e.attrs.get("push", "")):
                engine_push += [n for n in e.attrs.get("name", "").split(",") if n]
    return OutputsPlan(tuple(exporters), tuple(engine_push), tuple(warnings))
