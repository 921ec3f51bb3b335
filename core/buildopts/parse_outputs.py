"""``--output``, ``--cache-from``/``--cache-to`` and ``--attest`` values (buildx ``ParseExports``,
``CreateExports``, ``ParseCacheEntry``, ``ParseAttests``)."""

from __future__ import annotations

from depotci.core.buildopts.fields import absolute, bad_value, parse_go_bool, split_csv
from depotci.core.buildopts.model import AttestSpec, CacheEntry, ExportSpec, attrs_of

__all__ = ["OUTPUT_TYPES", "canonicalize_attest", "parse_attests", "parse_cache_entry", "parse_output"]

OUTPUT_TYPES = ("image", "registry", "local", "tar", "oci", "docker", "cacheonly")
_OUTPUT_FORM = "expected type=TYPE[,key=value...], a directory, or - for a tar on stdout"


def parse_output(value: str, cwd: str) -> ExportSpec:
    """One ``-o/--output``. A bare ``dir`` is ``type=local,dest=dir``; ``-`` is a tar on stdout;
    ``type=registry`` becomes ``type=image,push=true``. File/dir destinations are checked and made
    absolute: local needs a directory dest; tar, oci and docker write a file (``tar=false``: a dir), with
    stdout as the default except for docker, whose missing dest means "load into the image store"."""
    fields = split_csv("--output", value)
    if len(fields) == 1 and fields[0] == value and not value.startswith("type="):
        if value == "-":
            return ExportSpec("tar", (), "-")
        return ExportSpec("local", (), absolute(value, cwd))
    typ = dest = ""
    attrs: dict[str, str] = {}
    for field in fields:
        key, sep, val = field.partition("=")
        if not sep:
            raise bad_value("--output", value, f"'{field}' is not a key=value pair; {_OUTPUT_FORM}")
        key = key.strip().lower()
        if key == "type":
            typ = val
        elif key == "dest":
            dest = val
        else:
            attrs[key] = val
    if not typ:
        raise bad_value("--output", value, f"the type is missing; {_OUTPUT_FORM}")
    if typ not in OUTPUT_TYPES:
        raise bad_value(
            "--output", value, f"unknown output type '{typ}'; expected one of {', '.join(OUTPUT_TYPES)}"
        )
    if typ == "registry":
        typ = "image"
        attrs.setdefault("push", "true")
    return ExportSpec(typ, attrs_of(attrs), _output_dest(value, typ, attrs, dest, cwd))


def _output_dest(value: str, typ: str, attrs: dict[str, str], dest: str, cwd: str) -> str:
    if typ in ("image", "cacheonly"):
        return ""
    as_dir = typ == "local"
    if typ in ("oci", "docker"):
        as_dir = parse_go_bool(attrs.get("tar", "")) is False
    if as_dir:
        if dest in ("", "-"):
            what = "stdout is not a directory" if dest == "-" else "dest is required"
            raise bad_value("--output", value, f"{what} for the {typ} exporter; expected dest=DIR")
        return absolute(dest, cwd)
    if dest == "" and typ != "docker":
        return "-"
    return dest if dest in ("", "-") else absolute(dest, cwd)


_CACHE_FORM = "expected REF or type=TYPE[,key=value...]"


def parse_cache_entry(flag: str, value: str, cwd: str) -> tuple[CacheEntry, ...]:
    """One ``--cache-from`` / ``--cache-to`` value. Plain refs (``user/app:cache[,other]``) become
    ``type=registry,ref=...`` entries; local caches need ``src`` (import) or ``dest`` (export), made
    absolute; registry caches need ``ref``."""
    fields = split_csv(flag, value)
    if all("=" not in f for f in fields):
        if "" in fields:
            raise bad_value(flag, value, f"empty reference; {_CACHE_FORM}")
        return tuple(CacheEntry("registry", (("ref", f),)) for f in fields)
    typ = ""
    attrs: dict[str, str] = {}
    for field in fields:
        key, sep, val = field.partition("=")
        if not sep:
            raise bad_value(flag, value, f"'{field}' is not a key=value pair; {_CACHE_FORM}")
        if key.lower() == "type":
            typ = val
        else:
            attrs[key.lower()] = val
    if not typ:
        raise bad_value(flag, value, f"the type is missing; {_CACHE_FORM}")
    if typ == "registry" and not attrs.get("ref"):
        raise bad_value(flag, value, "the registry cache needs ref=REF")
    if typ == "local":
        key = "src" if flag == "--cache-from" else "dest"
        if not attrs.get(key):
            raise bad_value(flag, value, f"the local cache needs {key}=DIR")
        attrs[key] = absolute(attrs[key], cwd)
    return (CacheEntry(typ, attrs_of(attrs)),)


def canonicalize_attest(attest_type: str, value: str) -> str:
    """buildx ``CanonicalizeAttest``: ``--provenance=true`` → ``type=provenance,disabled=false``,
    ``--sbom=generator=img`` → ``type=sbom,generator=img``; empty stays empty."""
    if value == "":
        return ""
    b = parse_go_bool(value)
    if b is not None:
        return f"type={attest_type},disabled={'false' if b else 'true'}"
    return f"type={attest_type},{value}"


def parse_attests(values: list[str], flags: list[str]) -> tuple[AttestSpec, ...]:
    """``--attest`` values (plus canonicalised ``--provenance``/``--sbom``); ``flags[i]`` names the flag
    that gave ``values[i]``. One entry per type; a second one is an error, as in buildx."""
    out: list[AttestSpec] = []
    for value, flag in zip(values, flags, strict=True):
        typ = ""
        disabled = False
        for field in split_csv(flag, value):
            key, sep, val = field.partition("=")
            if not sep:
                raise bad_value(flag, value, f"'{field}' is not a key=value pair; expected type=TYPE[,...]")
            key = key.strip().lower()
            if key == "type":
                typ = val
            elif key == "disabled":
                b = parse_go_bool(val)
                if b is None:
                    raise bad_value(flag, value, f"disabled must be true or false, not '{val}'")
                disabled = b
        if not typ:
            raise bad_value(flag, value, "the attestation type is missing; expected type=sbom|provenance")
        if any(a.type == typ for a in out):
            raise bad_value(flag, value, f"a {typ} attestation is already set (duplicate attestation)")
        out.append(AttestSpec(type=typ, value=value, disabled=disabled))
    return tuple(out)
