"""``depot build`` flags → frozen ``BuildOptions`` → a pure ``SolvePlan`` (buildx v0.13 semantics).

parser = argparse.ArgumentParser(); add_build_flags(parser)
opts = options_from_args(parser.parse_args(argv), os.environ, os.getcwd())
plan = plan_solve(opts, BuilderInfo(kind="dockerd", containerd_store=True, ...))
"""

from __future__ import annotations

from depotci.core.buildopts.flags import add_build_flags, options_from_args
from depotci.core.buildopts.model import (
    Annotation,
    AttestSpec,
    BuildOptions,
    CacheEntry,
    ExportSpec,
    HostEntry,
    NamedContext,
    Platform,
    SecretSpec,
    SSHSpec,
    Ulimit,
)
from depotci.core.buildopts.plan import cache_imports_attr, plan_solve
from depotci.core.buildopts.plan_model import BuilderInfo, Exporter, SolvePlan

__all__ = [
    "Annotation",
    "AttestSpec",
    "BuildOptions",
    "BuilderInfo",
    "CacheEntry",
    "ExportSpec",
    "Exporter",
    "HostEntry",
    "NamedContext",
    "Platform",
    "SSHSpec",
    "SecretSpec",
    "SolvePlan",
    "Ulimit",
    "add_build_flags",
    "cache_imports_attr",
    "options_from_args",
    "plan_solve",
]
