"""List and boolean inputs, read the way the GitHub actions read theirs (specs/ci-plugins.md §1.1), so a
pipeline moved from GitHub keeps its values.

GitLab has ``type: array`` inputs, but an array placed inside a job variable is turned into text
differently by GitLab (JSON-like) and by gitlab-ci-local (comma-joined, losing commas inside items), so
list inputs are strings: one item per line, or comma-separated, with double quotes around an item that
holds commas or line breaks (``""`` is a literal quote). Modes:

* CSV (default): newlines and commas both separate items.
* ``ignore_comma``: one item per line; commas stay inside the item (``type=registry,ref=x``).
* ``quote=False``: quotes are plain characters (``--set`` values that buildx re-parses itself).

Items are trimmed; empty items are dropped.
"""

from __future__ import annotations

from depotci.core.errors import UsageError

__all__ = ["parse_bool", "parse_list"]

_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def _records(text: str, quote: bool) -> list[list[str]]:
    """csv-parse with relaxed quotes: a record per line, a field per comma, quoted fields may span lines."""
    records: list[list[str]] = []
    fields: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    at_field_start = True
    while i < n:
        c = text[i]
        if quote and c == '"' and at_field_start:
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            at_field_start = False
            continue
        if c == ",":
            fields.append("".join(buf))
            buf, at_field_start = [], True
        elif c in "\r\n":
            if c == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            fields.append("".join(buf))
            records.append(fields)
            fields, buf, at_field_start = [], [], True
        else:
            buf.append(c)
            at_field_start = False
        i += 1
    if buf or fields or not at_field_start:
        fields.append("".join(buf))
        records.append(fields)
    return [r for r in records if r != [""]]


def parse_list(text: str, *, ignore_comma: bool = False, quote: bool = True) -> list[str]:
    """The items of a list input by the rules in the module docstring."""
    items: list[str] = []
    for record in _records(text, quote):
        items.extend([",".join(record)] if ignore_comma else record)
    return [s.strip() for s in items if s.strip()]


def parse_bool(name: str, text: str, default: bool = False) -> bool:
    """A boolean input: ``true``/``false`` (also ``True``/``TRUE``...); empty is ``default``."""
    value = text.strip()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"invalid input {name} '{value}': expected true or false")
