"""Flag value parsers with buildx v0.13 semantics; each raises a one-line ``UsageError`` naming the flag.

Output, cache and attestation parsers live in ``parse_outputs``, image-name ones (``--tag``,
``--build-context``, ``--annotation``) in ``parse_images`` and platforms in ``platforms``; they are
re-exported here so callers have one place to import parsers from.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from depotci.core.buildopts.fields import absolute, bad_value, split_csv
from depotci.core.buildopts.model import HostEntry, SecretSpec, SSHSpec, Ulimit
from depotci.core.buildopts.parse_images import parse_annotation, parse_build_context, parse_tag
from depotci.core.buildopts.parse_outputs import (
    canonicalize_attest,
    parse_attests,
    parse_cache_entry,
    parse_output,
)
from depotci.core.buildopts.platforms import host_platform, parse_platforms

__all__ = [
    "canonicalize_attest",
    "host_platform",
    "parse_add_host",
    "parse_allow",
    "parse_annotation",
    "parse_attests",
    "parse_build_context",
    "parse_cache_entry",
    "parse_key_values",
    "parse_network",
    "parse_output",
    "parse_platforms",
    "parse_secret",
    "parse_shm_size",
    "parse_ssh",
    "parse_tag",
    "parse_ulimit",
]

SECRET_FORM = "expected id=ID[,src=PATH|env=VAR][,type=file|env]"


def parse_key_values(
    flag: str, values: tuple[str, ...] | list[str], env: Mapping[str, str] | None
) -> tuple[tuple[str, str], ...]:
    """``--build-arg`` / ``--label`` (buildx ``listToMap``): ``K=V``; a bare ``K`` takes ``env[K]`` when
    ``env`` is given (dropped when unset), else the empty string. Later keys win; order is kept."""
    out: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if key == "":
            raise bad_value(flag, value, "the key is empty; expected KEY=VALUE or KEY")
        if sep:
            out[key] = val
        elif env is None:
            out[key] = ""
        elif key in env:
            out[key] = env[key]
    return tuple(out.items())


def parse_secret(value: str, env: Mapping[str, str], cwd: str) -> SecretSpec:
    """``--secret id=x[,src=path|env=VAR][,type=file|env]`` (buildx ``parseSecret`` + BuildKit's store).

    With neither src nor env, BuildKit reads the variable named like the id when it is set, else the file
    named like the id; that choice is made here, with ``env``.
    """
    typ = sid = src = var = ""
    for field in split_csv("--secret", value):
        key, sep, val = field.partition("=")
        if not sep:
            raise bad_value("--secret", value, f"'{field}' is not a key=value pair; {SECRET_FORM}")
        key = key.lower()
        if key == "type":
            if val not in ("file", "env"):
                raise bad_value("--secret", value, f"unsupported secret type '{val}'; {SECRET_FORM}")
            typ = val
        elif key == "id":
            sid = val
        elif key in ("source", "src"):
            src = val
        elif key == "env":
            var = val
        else:
            raise bad_value("--secret", value, f"unexpected key '{key}'; {SECRET_FORM}")
    if typ == "env" and not var:
        var, src = src, ""
    if not sid:
        raise bad_value("--secret", value, f"the id is missing; {SECRET_FORM}")
    if not src and not var:
        if sid in env:
            var = sid
        else:
            src = sid
    if var:
        return SecretSpec(id=sid, env=var)
    return SecretSpec(id=sid, src=absolute(src, cwd))


def parse_ssh(value: str, env: Mapping[str, str], cwd: str) -> SSHSpec:
    """``--ssh default|ID[=SOCKET|KEY[,KEY]]``; no paths means the agent at ``$SSH_AUTH_SOCK``."""
    sid, sep, rest = value.partition("=")
    paths = rest.split(",") if sep else []
    if paths in ([], [""]):
        sock = env.get("SSH_AUTH_SOCK", "")
        if not sock:
            raise bad_value("--ssh", value, "no socket or key given and SSH_AUTH_SOCK is not set")
        paths = [sock]
    if "" in paths:
        raise bad_value("--ssh", value, "empty path; expected default|ID[=SOCKET|KEY[,KEY]]")
    return SSHSpec(id=sid or "default", paths=tuple(absolute(p, cwd) for p in paths))


def parse_add_host(value: str) -> HostEntry:
    """One ``--add-host`` entry: ``host:ip`` or ``host=ip``; ``ip`` may be ``host-gateway`` or ``[v6]``."""
    host, sep, ip = value.partition("=")
    if not sep:
        host, sep, ip = value.partition(":")
    if not sep or not host or not ip:
        raise bad_value("--add-host", value, "expected host:ip")
    if ip == "host-gateway":
        return HostEntry(host, ip)
    if len(ip) > 2 and ip[0] == "[" and ip[-1] == "]":
        ip = ip[1:-1]
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise bad_value("--add-host", value, f"'{ip}' is not an IP address; expected host:ip") from None
    return HostEntry(host, ip)


_ULIMIT_NAMES = frozenset(
    [
        "core",
        "cpu",
        "data",
        "fsize",
        "locks",
        "memlock",
        "msgqueue",
        "nice",
        "nofile",
        "nproc",
        "rss",
        "rtprio",
        "rttime",
        "sigpending",
        "stack",
    ]
)
_INT = re.compile(r"^[+-]?[0-9]+$")


def parse_ulimit(value: str) -> Ulimit:
    """``--ulimit name=soft[:hard]`` (go-units ``ParseUlimit``); hard defaults to soft."""
    name, sep, limits = value.partition("=")
    form = "expected name=soft[:hard], e.g. nofile=1024:2048"
    if not sep:
        raise bad_value("--ulimit", value, form)
    if name not in _ULIMIT_NAMES:
        raise bad_value("--ulimit", value, f"unknown ulimit type '{name}'; {form}")
    parts = limits.split(":")
    if len(parts) > 2 or not all(_INT.match(p) for p in parts):
        raise bad_value("--ulimit", value, form)
    soft = int(parts[0])
    hard = int(parts[1]) if len(parts) == 2 else soft
    if hard != -1 and soft > hard:
        raise bad_value("--ulimit", value, f"the soft limit {soft} is above the hard limit {hard}")
    return Ulimit(name, soft, hard)


_SIZE = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.)\s?([A-Za-z]*)$")
_BINARY = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_shm_size(value: str) -> int:
    """``--shm-size`` in docker units (go-units ``RAMInBytes``): ``64m``, ``1g``, ``512kb``, ``1GiB``."""
    form = "expected a size such as 64m, 1g or 2147483648"
    m = _SIZE.match(value)
    if m is None:
        raise bad_value("--shm-size", value, form)
    size, suffix = float(m.group(1)), m.group(2).lower()
    if suffix in ("", "b"):
        return int(size)
    mul = _BINARY.get(suffix[0])
    if mul is None or suffix[1:] not in ("", "b", "ib"):
        raise bad_value("--shm-size", value, f"unknown unit '{m.group(2)}'; {form}")
    return int(size * mul)


def parse_network(value: str) -> str:
    """``--network``: ``default`` (or empty), ``host`` or ``none`` — the only modes BuildKit supports."""
    if value in ("", "default"):
        return "default"
    if value in ("host", "none"):
        return value
    raise bad_value("--network", value, "expected default, host or none (BuildKit supports no other modes)")


_ENTITLEMENTS = ("network.host", "security.insecure")


def parse_allow(values: list[str]) -> tuple[str, ...]:
    """``--allow`` entitlements (already comma-split); duplicates are dropped."""
    out: list[str] = []
    for value in values:
        if value not in _ENTITLEMENTS:
            raise bad_value("--allow", value, "expected network.host or security.insecure")
        if value not in out:
            out.append(value)
    return tuple(out)
