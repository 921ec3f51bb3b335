"""Go's ``path/filepath`` on Unix, the parts fsutil and patternmatcher rely on: ``Clean``, ``Join`` and
``Match`` (the glob matcher, including its ``ErrBadPattern`` checks), ported rune for rune.
"""

from __future__ import annotations

import posixpath

__all__ = ["BadPatternError", "clean", "contains_wildcards", "join", "match"]


class BadPatternError(ValueError):
    """Go's ``filepath.ErrBadPattern``: the glob is malformed."""

    def __init__(self) -> None:
        super().__init__("syntax error in pattern")


def clean(path: str) -> str:
    """``filepath.Clean``: lexically shortest equivalent path; ``""`` becomes ``"."``."""
    out = posixpath.normpath(path)
    # POSIX keeps exactly two leading slashes; Go does not
    return out[1:] if out.startswith("//") else out


def join(*elems: str) -> str:
    """``filepath.Join``: join the non-empty elements with ``/`` and clean; ``""`` if all are empty."""
    parts = [e for e in elems if e]
    return clean("/".join(parts)) if parts else ""


def contains_wildcards(name: str) -> bool:
    """fsutil's ``containsWildcards``: an unescaped ``*``, ``?`` or ``[``."""
    i, n = 0, len(name)
    while i < n:
        ch = name[i]
        if ch == "\\":
            i += 1
        elif ch in "*?[":
            return True
        i += 1
    return False


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    inrange = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n:
                i += 1
        elif ch == "[":
            inrange = True
        elif ch == "]":
            inrange = False
        elif ch == "*" and not inrange:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise BadPatternError
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPatternError
    r, rest = chunk[0], chunk[1:]
    if not rest:
        raise BadPatternError
    return r, rest


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    """Go's ``matchChunk``; raises ``BadPatternError`` even after a mismatch, like Go."""
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        ch = chunk[0]
        if ch == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = False
            if chunk.startswith("^"):
                negated, chunk = True, chunk[1:]
            matched, nrange = False, 0
            while True:
                if chunk.startswith("]") and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if r and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif ch == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if ch == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise BadPatternError
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    return (s, True) if not failed else ("", False)


def match(pattern: str, name: str) -> bool:
    """``filepath.Match``: does ``name`` match the shell glob ``pattern``? Raises ``BadPatternError``."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            # a trailing * matches the rest of the string unless it has a /
            return "/" not in name
        t, ok = _match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if star:
            found = False
            i = 0
            while i < len(name) and name[i] != "/":
                t, ok = _match_chunk(chunk, name[i + 1 :])
                if ok and not (not pattern and t):
                    name, found = t, True
                    break
                i += 1
            if found:
                continue
        # before returning false, check that the rest of the pattern is syntactically valid
        while pattern:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return not name
