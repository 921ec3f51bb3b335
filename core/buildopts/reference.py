"""Image references, checked with the grammar of ``github.com/distribution/reference``.

Used for ``-t`` (buildx runs ``reference.Parse`` on each tag) and for ``--build-context`` names
(``ParseNormalizedNamed`` + ``FamiliarString`` without ``:latest``).
"""

from __future__ import annotations

import re

__all__ = ["InvalidReference", "familiar_name", "validate_reference"]

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|{_IPV6})"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$", re.ASCII)
_NAME_MAX = 255


class InvalidReference(ValueError):
    """A reference does not follow the grammar; ``str()`` is the reason."""


def validate_reference(ref: str) -> tuple[str, str, str]:
    """Split ``ref`` into (name, tag, digest) or raise ``InvalidReference`` (``reference.Parse``)."""
    if ref == "":
        raise InvalidReference("repository name must have at least one component")
    m = _REFERENCE.match(ref)
    if m is None:
        if _REFERENCE.match(ref.lower()) is not None:
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference("invalid reference format")
    name, tag, digest = m.group(1), m.group(2) or "", m.group(3) or ""
    if len(name) > _NAME_MAX:
        raise InvalidReference(f"repository name must not be more than {_NAME_MAX} characters")
    return name, tag, digest


def _split_domain(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    if not sep or (not any(c in first for c in ".:") and first != "localhost" and first.lower() == first):
        domain, remainder = "docker.io", name
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    return domain, remainder


def familiar_name(ref: str) -> str:
    """``reference.FamiliarString(ParseNormalizedNamed(ref))`` with a trailing ``:latest`` removed."""
    name, tag, digest = validate_reference(ref)
    domain, path = _split_domain(name)
    if domain == "docker.io":
        short = path.removeprefix("library/")
        out = short if "/" not in short else path
    else:
        out = f"{domain}/{path}"
    if tag:
        out += f":{tag}"
    if digest:
        out += f"@{digest}"
    return out.removesuffix(":latest")
