"""Image-name flag values: ``-t/--tag``, ``--build-context`` and ``--annotation`` (buildx v0.13)."""

from __future__ import annotations

import re

from depotci.core.buildopts.fields import absolute, bad_value
from depotci.core.buildopts.model import Annotation, NamedContext
from depotci.core.buildopts.platforms import host_platform, parse_platform
from depotci.core.buildopts.reference import InvalidReference, familiar_name, validate_reference
from depotci.core.buildopts.remote import is_remote_url

__all__ = ["parse_annotation", "parse_build_context", "parse_tag"]

_PASSTHROUGH_PREFIXES = ("docker-image://", "target:", "oci-layout://")


def parse_build_context(value: str, cwd: str) -> NamedContext:
    """``--build-context NAME=VALUE``: VALUE is a directory, ``docker-image://REF``, ``target:NAME``,
    ``oci-layout://PATH`` or a git/http URL. NAME is normalised like an image name."""
    name, sep, target = value.partition("=")
    if not sep:
        raise bad_value("--build-context", value, "expected NAME=PATH|docker-image://REF|URL")
    try:
        name = familiar_name(name)
    except InvalidReference as exc:
        raise bad_value("--build-context", value, f"invalid context name '{name}': {exc}") from None
    if target.startswith(_PASSTHROUGH_PREFIXES) or is_remote_url(target):
        return NamedContext(name, target)
    if target == "":
        raise bad_value("--build-context", value, "the path is empty")
    return NamedContext(name, absolute(target, cwd))


_ANNOTATION = re.compile(r"^(?:([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?:)?(\S+)$")
_ANNOTATION_TYPES = ("", "index", "index-descriptor", "manifest", "manifest-descriptor")


def parse_annotation(value: str) -> Annotation:
    """``--annotation [TYPE[\\[PLATFORM\\]]:]KEY=VALUE`` (buildx v0.13 ``ParseAnnotations``)."""
    form = "expected [type[platform]:]key=value"
    key, sep, val = value.partition("=")
    if not sep:
        raise bad_value("--annotation", value, form)
    m = _ANNOTATION.match(key)
    if m is None:
        raise bad_value("--annotation", value, form)
    typ, plat, name = m.group(1) or "", m.group(2) or "", m.group(3)
    if typ not in _ANNOTATION_TYPES:
        raise bad_value(
            "--annotation",
            value,
            f"unknown type '{typ}'; expected index, index-descriptor, manifest or manifest-descriptor",
        )
    platform = parse_platform(plat, host=host_platform(), flag="--annotation") if plat else None
    return Annotation(key=name, value=val, type=typ, platform=platform)


def parse_tag(value: str) -> str:
    """``-t/--tag``: a valid image reference (``name[:tag][@digest]``), returned as given."""
    try:
        validate_reference(value)
    except InvalidReference as exc:
        raise bad_value("--tag", value, f"{exc}; expected name[:tag]") from None
    return value
