"""The ``depot build`` flag set (argparse) and its one-time conversion into ``BuildOptions``.

Names, short flags, repeatability and defaults mirror ``depot build --help``: ``stringArray`` flags are
repeatable (``action="append"``); ``strings`` flags (``--add-host``, ``--allow``) are repeatable *and*
comma-separated. ``--buildkit-host`` is ours (an explicit BuildKit endpoint; the caller also reads
``BUILDKIT_HOST``).
"""

from __future__ import annotations

import argparse

from depotci.core.buildopts.options import options_from_args

__all__ = ["add_build_flags", "options_from_args"]


def _array(parser: argparse.ArgumentParser, *names: str, doc: str, metavar: str = "stringArray") -> None:
    parser.add_argument(*names, action="append", default=None, metavar=metavar, help=doc)


def _string(parser: argparse.ArgumentParser, *names: str, doc: str, default: str | None = "") -> None:
    parser.add_argument(*names, default=default, metavar="string", help=doc)


def _switch(parser: argparse.ArgumentParser, *names: str, doc: str) -> None:
    parser.add_argument(*names, action="store_true", help=doc)


def add_build_flags(parser: argparse.ArgumentParser) -> None:
    """Add every ``depot build`` flag plus the positional ``CONTEXT`` (a path, a URL or ``-``)."""
    p = parser
    _array(p, "--add-host", metavar="strings", doc='Add a custom host-to-IP mapping (format: "host:ip")')
    _array(
        p,
        "--allow",
        metavar="strings",
        doc='Allow extra privileged entitlement (e.g., "network.host", "security.insecure")',
    )
    _array(p, "--annotation", doc="Add annotation to the image")
    _array(p, "--attest", doc='Attestation parameters (format: "type=sbom,generator=image")')
    _array(p, "--build-arg", doc="Set build-time variables")
    _array(p, "--build-context", doc="Additional build contexts (e.g., name=path)")
    _string(
        p,
        "--build-platform",
        default=None,
        doc='Run builds on this platform ("dynamic", "linux/amd64", "linux/arm64") (default "dynamic")',
    )
    _string(
        p,
        "--buildkit-host",
        default=None,
        doc="BuildKit endpoint to build on: unix://, tcp:// or docker:// (env BUILDKIT_HOST)",
    )
    _array(
        p, "--cache-from", doc='External cache sources (e.g., "user/app:cache", "type=local,src=path/to/dir")'
    )
    _array(
        p,
        "--cache-to",
        doc='Cache export destinations (e.g., "user/app:cache", "type=local,dest=path/to/dir")',
    )
    _string(p, "--cgroup-parent", doc="Optional parent cgroup for the container")
    _string(p, "-f", "--file", doc='Name of the Dockerfile (default: "PATH/Dockerfile")')
    _string(p, "--iidfile", doc="Write the image ID to the file")
    _array(p, "--label", doc="Set metadata for an image")
    _switch(p, "--lint", doc="Lint Dockerfiles")
    _string(
        p,
        "--lint-fail-on",
        default="error",
        doc='controls lint severity that fails the build ("info", "warn", "error", "none") (default "error")',
    )
    _switch(p, "--load", doc='Shorthand for "--output=type=docker"')
    _string(p, "--metadata-file", doc="Write build result metadata to the file")
    _string(
        p,
        "--network",
        default="default",
        doc='Set the networking mode for the "RUN" instructions during build (default "default")',
    )
    _switch(p, "--no-cache", doc="Do not use cache when building the image")
    _array(p, "--no-cache-filter", doc="Do not cache specified stages")
    _array(p, "-o", "--output", doc='Output destination (format: "type=local,dest=path")')
    _array(p, "--platform", doc="Set target platform for build")
    _string(
        p,
        "--progress",
        default="auto",
        doc='Set type of progress output ("auto", "plain", "tty"). Use plain to show container '
        'output (default "auto")',
    )
    _string(p, "--project", doc="Depot project ID")
    _string(p, "--provenance", doc='Shorthand for "--attest=type=provenance"')
    _switch(p, "--pull", doc="Always attempt to pull all referenced images")
    _switch(p, "--push", doc='Shorthand for "--output=type=registry"')
    _switch(p, "-q", "--quiet", doc="Suppress the build output and print image ID on success")
    _switch(p, "--save", doc="Saves the build to the depot registry")
    _array(p, "--save-tag", doc="Additional custom tag for the saved image, use with --save")
    _string(p, "--sbom", doc='Shorthand for "--attest=type=sbom"')
    _string(p, "--sbom-dir", doc="directory to store SBOM attestations")
    _array(p, "--secret", doc='Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")')
    p.add_argument("--shm-size", default="", metavar="bytes", help='Size of "/dev/shm"')
    _array(
        p,
        "--ssh",
        doc="SSH agent socket or keys to expose to the build "
        '(format: "default|<id>[=<socket>|<key>[,<key>]]")',
    )
    _array(p, "-t", "--tag", doc='Name and optionally a tag (format: "name:tag")')
    _string(p, "--target", doc="Set the target build stage to build")
    _string(p, "--token", doc="Depot token")
    _array(p, "--ulimit", metavar="ulimit", doc="Ulimit options (default [])")
    p.add_argument(
        "context", metavar="PATH | URL | -", help="build context: a directory, a git/http URL, or -"
    )
