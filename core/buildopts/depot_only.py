"""Flags that only make sense against the Depot API, refused in one place until they are wired.

``--project``/``--token`` (Depot auth), ``--save``/``--save-tag`` (the Depot registry), ``--lint``
(Depot's hadolint+semgrep step) and ``--sbom-dir`` (SBOMs the Depot builder returns) have no meaning for
a direct BuildKit build. ``--project``/``--token`` select the API path (``depotci.core.commands.build_api``),
which does not call ``refuse_depot_api_flags``; on the direct path they are still refused.
"""

from __future__ import annotations

from depotci.core.buildopts.model import BuildOptions
from depotci.core.errors import UnsupportedError

__all__ = ["depot_api_flags", "refuse_depot_api_flags"]


def depot_api_flags(opts: BuildOptions) -> tuple[str, ...]:
    """The Depot-API-only flags set in ``opts``, in help order."""
    used = (
        ("--lint", opts.lint),
        ("--project", bool(opts.project)),
        ("--save", opts.save),
        ("--save-tag", bool(opts.save_tags)),
        ("--sbom-dir", bool(opts.sbom_dir)),
        ("--token", bool(opts.token)),
    )
    return tuple(flag for flag, on in used if on)


def refuse_depot_api_flags(opts: BuildOptions) -> None:
    """Raise ``UnsupportedError`` naming the first Depot-API-only flag that is set."""
    flags = depot_api_flags(opts)
    if flags:
        raise UnsupportedError(f"{flags[0]} needs the Depot API (not yet supported)")
