"""Parse the structured list attributes (cache-from/to, output, attest, secret, ssh) into printable maps.

Each entry is written either as a CSV string (``type=registry,ref=x``) or as an HCL object; both become an
ordered mapping the way buildx marshals it.
"""

from __future__ import annotations

import csv
from typing import Any

from depotci.core.bake.hcl.values import ConvertError
from depotci.core.bake.types import parse_bool

__all__ = ["Entry", "parse_entries", "parse_entry"]

Entry = dict[str, Any]


def _fields(s: str) -> list[str]:
    try:
        return next(csv.reader([s], skipinitialspace=False), [])
    except csv.Error as e:
        raise ConvertError(f"invalid value {s}: {e}") from None


def _kv(fields: list[str], lower: bool = True) -> list[tuple[str, str]]:
    out = []
    for f in fields:
        k, sep, v = f.partition("=")
        if not sep:
            raise ConvertError(f"invalid value {f}")
        out.append((k.strip().lower() if lower else k, v))
    return out


def _sorted(d: dict[str, Any]) -> Entry:
    return {k: d[k] for k in sorted(d)}


def _cache(raw: Any) -> Entry:
    if isinstance(raw, dict):
        return _sorted(dict(raw))
    fields = _fields(raw)
    if len(fields) == 1 and "=" not in fields[0]:
        return {"ref": fields[0], "type": "registry"}
    d = dict(_kv(fields))
    if not d.get("type"):
        raise ConvertError(f'type required form> "{raw}"')
    return _sorted(d)


def _output(raw: Any) -> Entry:
    if isinstance(raw, dict):
        return _sorted(dict(raw))
    fields = _fields(raw)
    if len(fields) == 1 and fields[0] == raw and not raw.startswith("type="):
        return {"dest": raw, "type": "tar" if raw == "-" else "local"}
    d = dict(_kv(fields))
    if not d.get("type"):
        raise ConvertError("type is required for output")
    return _sorted(d)


def _attest(raw: Any) -> Entry:
    d: dict[str, Any] = dict(raw) if isinstance(raw, dict) else dict(_kv(_fields(raw)))
    if not d.get("type"):
        raise ConvertError("attestation type not specified")
    if "disabled" in d:
        b = parse_bool(str(d["disabled"]).lower() if isinstance(d["disabled"], str) else str(d["disabled"]))
        if b is None:
            raise ConvertError(f"invalid value {d['disabled']}")
        if b:
            d["disabled"] = True
        else:
            del d["disabled"]
    return _sorted(d)


def _secret(raw: Any) -> Entry:
    if isinstance(raw, dict):
        d = {("src" if k in ("source", "src") else k): v for k, v in raw.items()}
        typ = d.pop("type", "")
    else:
        d = {}
        typ = ""
        for k, v in _kv(_fields(raw)):
            if k == "type":
                if v not in ("file", "env"):
                    raise ConvertError(f'unsupported secret type "{v}"')
                typ = v
            elif k in ("id", "env"):
                d[k] = v
            elif k in ("source", "src"):
                d["src"] = v
            else:
                raise ConvertError(f"unexpected key '{k}' in '{k}={v}'")
    if typ == "env" and not d.get("env"):
        src = d.pop("src", "")
        if src:
            d["env"] = src
    return {k: d[k] for k in ("id", "src", "env") if d.get(k)}


def _ssh(raw: Any) -> Entry:
    if isinstance(raw, dict):
        out: Entry = {"id": raw.get("id", "")}
        paths = raw.get("paths")
        if paths:
            out["paths"] = paths if isinstance(paths, list) else [paths]
        return out
    ident, sep, rest = raw.partition("=")
    out = {"id": ident}
    if sep and rest:
        out["paths"] = rest.split(",")
    return out


_PARSERS = {
    "cache-from": _cache,
    "cache-to": _cache,
    "output": _output,
    "attest": _attest,
    "secret": _secret,
    "ssh": _ssh,
}


def parse_entry(kind: str, raw: Any) -> Entry:
    """Parse one entry of field ``kind``; raise ConvertError on malformed text."""
    return _PARSERS[kind](raw)


def parse_entries(kind: str, raws: list[Any]) -> list[Entry]:
    """Parse, drop empty strings and remove duplicates; attestations are merged by type (last wins)."""
    out: list[Entry] = []
    for raw in raws:
        if raw == "":
            continue
        e = parse_entry(kind, raw)
        if kind == "attest":
            for i, prev in enumerate(out):
                if prev.get("type") == e.get("type"):
                    out[i] = e
                    break
            else:
                out.append(e)
        elif e not in out:
            out.append(e)
    return out
