"""Job results as GitLab artifacts: the dotenv report later jobs read through ``needs``, the metadata JSON,
and the annotations report that links the build.

Dotenv names (``<P>`` is the ``output-prefix`` input, ``DEPOTCI`` by default; not ``DEPOT`` so a later
``depot`` command does not pick them up as its own ``DEPOT_*`` settings):

=====================  ======================================================================
``<P>_DIGEST``          ``containerimage.digest``: the pushed manifest (or index) digest
``<P>_IMAGE_ID``        the image config digest (the index digest for a multi-platform build)
``<P>_IMAGE_REF``       ``<first tag>@<digest>`` when the build had a tag and a digest
``<P>_BUILD_ID``        ``depot.build.buildID`` (builds through the Depot API)
``<P>_PROJECT_ID``      ``depot.build.projectID``
``<P>_BUILD_URL``       the build's page
``<P>_METADATA``        path of the metadata JSON artifact, relative to the project dir
``<P>_<T>_DIGEST``      bake: each target ``T``'s digest (upper case, other characters → ``_``)
=====================  ======================================================================

GitLab's rules (``doc/ci/yaml/artifacts_reports.md``): names of letters, digits and ``_``; no empty,
multi-line or space-containing values; ≤ 5 KiB; at most 20 variables on a default self-managed instance.
A value that breaks a rule is left out with a warning rather than failing the job.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from depotci.core.buildkit.metadata import go_json

__all__ = [
    "MAX_DOTENV_BYTES",
    "MAX_DOTENV_VARS",
    "annotations_report",
    "bake_outputs",
    "build_outputs",
    "dotenv_text",
    "write_json",
    "write_text",
]

MAX_DOTENV_BYTES = 5 * 1024
MAX_DOTENV_VARS = 20
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _depot_build(metadata: Mapping[str, Any]) -> Mapping[str, Any]:
    value = metadata.get("depot.build")
    return value if isinstance(value, dict) else {}


def _image_ref(tags: tuple[str, ...], digest: str) -> str:
    if not tags or not digest:
        return ""
    name = tags[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:  # drop the tag: name@digest pins the manifest
        name = name[:colon]
    return f"{name}@{digest}"


def build_outputs(
    prefix: str, metadata: Mapping[str, Any], *, tags: tuple[str, ...], build_url: str, metadata_path: str
) -> dict[str, str]:
    """The scalar results of one build, by the names in the module docstring (empty values included)."""
    digest = str(metadata.get("containerimage.digest") or "")
    image_id = str(metadata.get("containerimage.config.digest") or digest)
    depot = _depot_build(metadata)
    return {
        f"{prefix}_DIGEST": digest,
        f"{prefix}_IMAGE_ID": image_id,
        f"{prefix}_IMAGE_REF": _image_ref(tags, digest),
        f"{prefix}_BUILD_ID": str(depot.get("buildID") or ""),
        f"{prefix}_PROJECT_ID": str(depot.get("projectID") or ""),
        f"{prefix}_BUILD_URL": build_url,
        f"{prefix}_METADATA": metadata_path,
    }


def _target_key(name: str) -> str:
    return re.sub(r"[^A-Z0-9_]", "_", name.upper())


def bake_outputs(prefix: str, metadata: Mapping[str, Any], *, build_url: str, metadata_path: str) -> dict[str, str]:
    """The scalar results of a bake: build id/project id/link, the metadata path and one digest per target."""
    depot = _depot_build(metadata)
    out = {
        f"{prefix}_BUILD_ID": str(depot.get("buildID") or ""),
        f"{prefix}_PROJECT_ID": str(depot.get("projectID") or ""),
        f"{prefix}_BUILD_URL": build_url,
        f"{prefix}_METADATA": metadata_path,
    }
    for target in sorted(metadata):
        entry = metadata[target]
        if isinstance(entry, dict) and "containerimage.digest" in entry:
            out[f"{prefix}_{_target_key(target)}_DIGEST"] = str(entry["containerimage.digest"])
    return out


def dotenv_text(values: Mapping[str, str]) -> tuple[str, list[str]]:
    """The dotenv file for ``values`` (empty values skipped) and a warning per value left out."""
    lines: list[str] = []
    warnings: list[str] = []
    size = 0
    for key, value in values.items():
        if value == "":
            continue
        if not _KEY.match(key):
            warnings.append(f"dotenv: left out '{key}': names may only hold letters, digits and '_'")
            continue
        if any(c.isspace() for c in value):
            warnings.append(f"dotenv: left out {key}: the value holds spaces or line breaks")
            continue
        line = f"{key}={value}\n"
        if len(lines) >= MAX_DOTENV_VARS or size + len(line.encode()) > MAX_DOTENV_BYTES:
            warnings.append(f"dotenv: left out {key}: GitLab's limit of {MAX_DOTENV_VARS} variables or 5 KiB was reached")
            continue
        lines.append(line)
        size += len(line.encode())
    return "".join(lines), warnings


def annotations_report(build_url: str, build_id: str) -> dict[str, list[dict[str, Any]]]:
    """``artifacts:reports:annotations`` with a link to the build (empty when there is no link)."""
    if not build_url:
        return {"depot": []}
    label = f"Depot build {build_id}" if build_id else "Depot build"
    return {"depot": [{"external_link": {"label": label, "url": build_url}}]}


def write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path``, creating its directory."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def write_json(path: str, value: Any, *, go_style: bool = False) -> None:
    """Write ``value`` as JSON (``go_style``: buildx's metadata-file layout)."""
    text = go_json(value) if go_style else json.dumps(value, indent=2)
    write_text(path, text + "\n")
