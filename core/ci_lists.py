"""How CI list and boolean inputs are parsed (specs/ci-plugins.md §1.1): the GitHub anchors' rules,
reproduced exactly, and used by the GitLab components too so a pipeline moved from GitHub keeps its values.
Provider-neutral text parsing: it knows no CI variables.

The toolkit feeds the whole input to csv-parse (``relaxQuotes``, ``relaxColumnCount``, ``skipEmptyLines``):
each line is a record, commas separate fields, double quotes delimit a field that may hold commas and
newlines (``""`` is a literal quote), and a quote inside an unquoted field is literal. Then:

* CSV mode: a one-field record is split on every comma (even when it was quoted), several fields are
  taken as they are; so newlines and commas both separate items.
* ``ignore_comma``: one item per record; several fields are re-joined with ``,`` (quotes gone, commas kept).
* ``quote=False``: quotes are not special at all (passed through verbatim).

Items are trimmed and empty items dropped.
"""

from __future__ import annotations

import csv
import io

from depotci.core.errors import UsageError

__all__ = ["parse_bool_input", "parse_list"]

_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def parse_list(raw: str, *, ignore_comma: bool = False, quote: bool = True) -> list[str]:
    """The items of a list input, by the rules above."""
    if raw.strip() == "":
        return []
    text = io.StringIO(raw, newline="")
    if quote:
        reader = csv.reader(text, quoting=csv.QUOTE_MINIMAL, doublequote=True, strict=False)
    else:
        reader = csv.reader(text, quoting=csv.QUOTE_NONE, strict=False)
    items: list[str] = []
    for record in reader:
        if not record or record == [""]:
            continue
        if len(record) == 1:
            items.extend([record[0]] if ignore_comma else record[0].split(","))
        elif ignore_comma:
            items.append(",".join(record))
        else:
            items.extend(record)
    return [s for s in (item.strip() for item in items) if s]


def parse_bool_input(name: str, raw: str, default: bool = False) -> bool:
    """``@actions/core.getBooleanInput``: only true|True|TRUE|false|False|FALSE; empty is ``default``."""
    value = raw.strip()
    if value == "":
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UsageError(f"invalid input '{name}' value '{value}': expected true or false")
