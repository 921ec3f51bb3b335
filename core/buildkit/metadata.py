"""``--metadata-file``: the exporter response in the shape buildx writes it.

Every ExporterResponse key is kept; values that are base64 of a non-empty JSON object are decoded
(``containerimage.descriptor``, ``containerimage.buildinfo``), the rest stay strings. Written atomically,
mode 0644, 2-space indent, keys sorted, with Go's HTML escaping — byte-compatible with buildx 0.13.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from depotci.core.buildkit.progress.model import Range, VertexWarning
from depotci.core.errors import InputError

__all__ = [
    "decode_exporter_response",
    "go_json",
    "pushed_with_moby",
    "read_json_object",
    "read_metadata_file",
    "warnings_json",
    "write_metadata_file",
]


def decode_exporter_response(resp: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in resp.items():
        try:
            raw = base64.b64decode(value, validate=True)
            decoded = json.loads(raw)
        except (binascii.Error, ValueError):
            out[key] = value
            continue
        out[key] = decoded if isinstance(decoded, dict) and decoded else value
    return out


def pushed_with_moby(resp: Mapping[str, str]) -> dict[str, str]:
    """The response as buildx's docker driver leaves it after a push (``build.go``, after ``docker push``):
    ``containerimage.config.digest`` defaults to the image digest the daemon reported ("old daemons might
    not have containerimage.config.digest set"); ``containerimage.digest`` is then the digest in the
    registry, which on the containerd image store is that same digest."""
    out = dict(resp)
    if "containerimage.config.digest" not in out and "containerimage.digest" in out:
        out["containerimage.config.digest"] = out["containerimage.digest"]
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _position(line: int, character: int) -> dict[str, int]:
    return {k: v for k, v in (("line", line), ("character", character)) if v}


def _range_json(r: Range) -> dict[str, Any]:
    return {
        "start": _position(r.start_line, r.start_character),
        "end": _position(r.end_line, r.end_character),
    }


def warnings_json(warnings: Sequence[VertexWarning]) -> list[dict[str, Any]]:
    """``buildx.build.warnings``: BuildKit's ``client.VertexWarning`` list as buildx (≥ 0.15, with
    ``BUILDX_METADATA_WARNINGS``) marshals it — Go field order, ``omitempty``, byte fields in base64."""
    out: list[dict[str, Any]] = []
    for w in warnings:
        item: dict[str, Any] = {"vertex": w.vertex}
        if w.level:
            item["level"] = w.level
        if w.short:
            item["short"] = _b64(w.short)
        if w.detail:
            item["detail"] = [_b64(d) for d in w.detail]
        if w.url:
            item["url"] = w.url
        if w.source is not None:
            src = (
                ("filename", w.source.filename),
                ("data", _b64(w.source.data) if w.source.data else ""),
                ("language", w.source.language),
            )
            item["sourceInfo"] = {k: v for k, v in src if v}
        if w.ranges:
            item["range"] = [_range_json(r) for r in w.ranges]
        out.append(item)
    return out


def go_json(obj: Any) -> str:
    """``json.MarshalIndent(obj, "", "  ")`` as Go prints it: top-level keys sorted, HTML escaped."""
    if isinstance(obj, dict):
        obj = {k: obj[k] for k in sorted(obj)}
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def write_metadata_file(path: str, data: Mapping[str, Any]) -> None:
    """Write ``data`` atomically: a temp file beside ``path``, then rename."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = ""
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".metadata-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(go_json(dict(data)))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise InputError(f"cannot write metadata file '{path}': {exc.strerror}") from None


def read_metadata_file(path: str) -> dict[str, Any]:
    """A metadata file written by ``write_metadata_file`` (also after a partly failed bake, which writes
    the targets that finished); ``{}`` when it is missing or not a JSON object."""
    return read_json_object(path)


def read_json_object(path: str) -> dict[str, Any]:
    """The JSON object in the file ``path``; ``{}`` when it is missing, unreadable or not an object."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
