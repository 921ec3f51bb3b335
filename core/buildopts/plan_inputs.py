"""Build inputs → frontend attrs and session dirs (buildx v0.13 ``LoadInputs``, without its disk access).

Not done here, because they need the disk or stdin: buildx's existence check of the context directory,
its ``dockerfile`` lower-case fallback, sniffing stdin for a tar archive, and resolving
``oci-layout://`` contexts (refused for now).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from depotci.core.buildopts.model import BuildOptions
from depotci.core.buildopts.remote import is_remote_url
from depotci.core.errors import UnsupportedError, UsageError

__all__ = ["InputsPlan", "local_dockerfile", "plan_inputs"]

CONTEXTS_CAP = "moby.buildkit.frontend.contexts+forward"


@dataclass(frozen=True)
class InputsPlan:
    """The input part of a solve: frontend attrs, FileSync dirs and the stdin flags."""

    attrs: dict[str, str]
    local_dirs: dict[str, str]
    dockerfile_stdin: bool
    context_stdin: bool


def local_dockerfile(opts: BuildOptions) -> str:
    """The Dockerfile on disk a build reads (as given: relative to the working directory or absolute), or
    ``""`` when it comes from stdin, a URL or inside a remote context."""
    ctx, df = opts.context, opts.dockerfile
    if df == "-" or ctx == "-" or df.startswith(("http://", "https://")):
        return ""
    if is_remote_url(ctx):
        return df if df and os.path.isabs(df) else ""
    return df or os.path.join(ctx, "Dockerfile")


def _main_inputs(opts: BuildOptions, attrs: dict[str, str], local: dict[str, str]) -> None:
    ctx, df = opts.context, opts.dockerfile
    if df.startswith(("http://", "https://")):
        raise UnsupportedError(f"-f '{df}': a Dockerfile from an http(s) URL is not supported yet")
    filename = "Dockerfile"
    if ctx == "-" and df == "-":
        raise UsageError("invalid --file value '-': the build context is already read from stdin")
    if ctx == "-":
        if df not in ("", "-"):
            filename = df  # a path inside the archive on stdin
    elif is_remote_url(ctx):
        attrs["context"] = ctx
        if df not in ("", "-") and os.path.isabs(df):
            local["dockerfile"], filename = os.path.split(df)
            attrs["dockerfilekey"] = "dockerfile"
        elif df not in ("", "-"):
            filename = df  # a path inside the repository
    else:
        local["context"] = ctx
        if df == "":
            local["dockerfile"] = ctx
        elif df != "-":
            local["dockerfile"], filename = os.path.split(df)
    if df == "-":
        attrs["dockerfilekey"] = "dockerfile"
    attrs["filename"] = filename


def _named_contexts(opts: BuildOptions, attrs: dict[str, str], local: dict[str, str]) -> None:
    for nc in opts.build_contexts:
        shown = f"{nc.name}={nc.value}"
        if nc.value.startswith("target:"):
            raise UsageError(
                f"invalid --build-context value '{shown}': target '{nc.value[7:]}' does not exist "
                "(target: contexts refer to bake targets)"
            )
        if nc.value.startswith("oci-layout://"):
            raise UnsupportedError(f"--build-context '{shown}': oci-layout:// contexts are not supported yet")
        if nc.value.startswith("docker-image://") or is_remote_url(nc.value):
            attrs[f"context:{nc.name}"] = nc.value
            continue
        local_name = f"_{nc.name}" if nc.name in ("context", "dockerfile") else nc.name
        local[local_name] = nc.value
        attrs[f"context:{nc.name}"] = f"local:{local_name}"
    if opts.build_contexts:
        attrs["frontend.caps"] = CONTEXTS_CAP


def plan_inputs(opts: BuildOptions) -> InputsPlan:
    """Frontend attrs (``filename``, ``dockerfilekey``, ``context``, ``context:NAME``, ``frontend.caps``)
    and FileSync dirs (``context``, ``dockerfile``, one per local named context) for ``opts``."""
    attrs: dict[str, str] = {}
    local: dict[str, str] = {}
    _main_inputs(opts, attrs, local)
    _named_contexts(opts, attrs, local)
    return InputsPlan(attrs, local, opts.dockerfile == "-", opts.context == "-")
