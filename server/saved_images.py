"""Saved images (``depot build --save``, specs/depot-api.md §6.3) on the server's registry: which
CreateBuild asks for a save, the tags a saved build gets and the credential the builder pushes with.

Pure: no store, no I/O. Bake's ``-<target>`` suffix is the CLI's job, the server returns one set of tags.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["PULL_USER", "parse_registry", "registry_credential", "save_requested", "saved_reference", "saved_tags"]

PULL_USER = "x-token"
# a docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def parse_registry(value: str) -> str:
    """``--registry HOST[:PORT]`` checked ("" stays "": no registry). Raises ValueError quoting a bad value."""
    host, sep, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    if not value:
        return ""
    if "/" in value or not host or (sep and not port.isdigit()) or not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", host):
        raise ValueError(f"invalid --registry '{value}': expected HOST[:PORT], e.g. 127.0.0.1:5000")
    return value


def save_requested(options: Sequence[Any]) -> bool:
    """True when any ``BuildOptions`` asks to save (``save``; save tags alone save nothing, as with the
    real CLI, which sends them without ``--save`` and ignores them)."""
    return any(o.save for o in options)


def saved_reference(registry: str, project_id: str, build_id: str) -> str:
    """``<registry>/<project>:<build>``: where a saved build lives."""
    return f"{registry}/{project_id}:{build_id}"


def saved_tags(registry: str, project_id: str, build_id: str, options: Sequence[Any]) -> list[str]:
    """The saved build's reference, then ``<registry>/<project>:<save-tag>`` for every distinct save tag of
    ``options`` in order. Raises ValueError quoting a save tag that is not a valid docker tag."""
    tags = [saved_reference(registry, project_id, build_id)]
    for opt in options:
        for tag in opt.save_tags:
            if not _TAG.fullmatch(tag):
                raise ValueError(
                    f"invalid save tag '{tag}': expected up to 128 letters, digits, '_', '.' or '-', "
                    "not starting with '.' or '-'"
                )
            ref = f"{registry}/{project_id}:{tag}"
            if ref not in tags:
                tags.append(ref)
    return tags


def registry_credential(build_token: str) -> str:
    """The ``additional_credentials`` token: base64 of ``x-token:<build token>``."""
    return base64.b64encode(f"{PULL_USER}:{build_token}".encode()).decode()
