"""Small text helpers shared by the flag parsers: Go-style CSV records and booleans, error lines."""

from __future__ import annotations

import os
from collections.abc import Mapping

from depotci.core.errors import UsageError

__all__ = ["absolute", "bad_value", "env_flag", "parse_go_bool", "split_csv", "split_string_slice"]


def bad_value(flag: str, value: str, reason: str) -> UsageError:
    """The one-line error for a malformed flag value: ``invalid --flag value 'v': reason``."""
    return UsageError(f"invalid {flag} value '{value}': {reason}")


def split_csv(flag: str, value: str) -> list[str]:
    """Split one CSV record like Go's ``encoding/csv`` (quoted fields, ``""`` escapes, no bare quotes)."""
    if value == "":
        raise bad_value(flag, value, "the value is empty")
    if "\n" in value or "\r" in value:
        raise bad_value(flag, value, "line breaks are not allowed")
    fields: list[str] = []
    i, n = 0, len(value)
    while True:
        if i < n and value[i] == '"':
            buf: list[str] = []
            i += 1
            while True:
                j = value.find('"', i)
                if j < 0:
                    raise bad_value(flag, value, 'a quoted field is not closed with "')
                buf.append(value[i:j])
                i = j + 1
                if i < n and value[i] == '"':
                    buf.append('"')
                    i += 1
                    continue
                if i < n and value[i] != ",":
                    raise bad_value(flag, value, 'extraneous " in a quoted field')
                break
            fields.append("".join(buf))
        else:
            j = value.find(",", i)
            field = value[i:] if j < 0 else value[i:j]
            if '"' in field:
                raise bad_value(flag, value, f"bare \" in the unquoted field '{field}'")
            fields.append(field)
            i = n if j < 0 else j
        if i >= n:
            return fields
        i += 1  # skip the comma; a trailing comma yields a final empty field
        if i == n:
            fields.append("")
            return fields


def split_string_slice(flag: str, values: list[str] | tuple[str, ...]) -> list[str]:
    """Expand a pflag ``strings`` flag: every occurrence is itself comma-separated (CSV)."""
    out: list[str] = []
    for value in values:
        if value == "":
            continue
        out.extend(split_csv(flag, value))
    return out


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A boolean environment switch (``BUILDX_NO_DEFAULT_LOAD``...): unset or empty is False."""
    value = env.get(name, "")
    if value == "":
        return False
    b = parse_go_bool(value)
    if b is None:
        raise UsageError(f"invalid {name} value '{value}': expected true or false")
    return b


def parse_go_bool(value: str) -> bool | None:
    """Go's ``strconv.ParseBool``: True/False, or None when the text is not a boolean."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def absolute(path: str, cwd: str) -> str:
    """``path`` made absolute against ``cwd`` and normalised (no disk access)."""
    return os.path.normpath(os.path.join(cwd, path))
