"""moby/patternmatcher (v0.6, as vendored by BuildKit v0.13), compiled once to Python regexes.

Each pattern is trimmed, ``filepath.Clean``-ed (a trailing ``/`` goes, a leading one stays), split into
its ``!`` exclusion flag and text, checked with ``filepath.Match`` and classified like upstream:

- *exact*   no wildcard: string equality;
- *prefix*  text ending in ``**`` with no wildcard before: ``startswith`` (``foo/**`` needs ``foo/``);
- *suffix*  text starting with ``**`` and no other wildcard: ``endswith`` (``**/foo`` also matches
  ``foo``; note ``**foo`` matches ``xfoo`` here, as upstream);
- *regexp*  everything else: ``*`` is ``[^/]*``, ``?`` is ``[^/]``, ``**`` is ``(.*/)?``, ``[...]``
  passes through, ``\\x`` escapes; the regex text is the same as Go's, matched with ``fullmatch``.

Later patterns win: a path matches when the last pattern that matched it is not an exclusion.
``matches`` is ``MatchesUsingParentResults``: given the ``MatchInfo`` of the parent directory, patterns
that matched the parent count as matching the child without being re-evaluated.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from depotci.core.buildkit.session import gopath
from depotci.core.errors import InputError

__all__ = ["MatchInfo", "Pattern", "PatternMatcher", "compile_pattern"]

#: per pattern: did it match this path (or, via the parent, an ancestor)?
MatchInfo = tuple[bool, ...]

_REGEX_ESCAPE = frozenset(".+()|{}$")
# Go RE2 escapes with the same meaning in Python's re (ASCII mode); \z is Python's \Z
_LETTER_ESCAPES = {c: "\\" + c for c in "dDsSwWbBAafnrtv"} | {"z": r"\Z"}


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled pattern: the cleaned text (without ``!``), its kind and the Python regex used."""

    text: str
    exclusion: bool
    kind: str  # "exact" | "prefix" | "suffix" | "regexp"
    regex: str
    fullmatch: Callable[[str], object] = field(repr=False, compare=False)

    def matches(self, path: str) -> bool:
        """Does this pattern alone match ``path`` (slash-separated, relative)?"""
        return self.fullmatch(path) is not None

    def without_trailing_glob(self) -> str:
        """fsutil's ``patternWithoutTrailingGlob``: the text minus a trailing ``/**`` then ``/*``."""
        text = self.text.removesuffix("/**")
        return text.removesuffix("/*")


def _translate(text: str) -> tuple[str, str]:
    """Port of ``Pattern.compile``: returns (kind, Go regex body without the ``^``/``$`` anchors)."""
    out: list[str] = []
    kind = "exact"
    pos, n, it = 0, len(text), 0
    while pos < n:
        ch = text[pos]
        pos += 1
        if ch == "*":
            if pos < n and text[pos] == "*":
                pos += 1
                if pos < n and text[pos] == "/":
                    pos += 1
                if pos >= n:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        out.append(".*")
                        kind = "regexp"
                else:
                    out.append("(.*/)?")
                    kind = "regexp"
                if it == 0:
                    kind = "suffix"
            else:
                out.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            out.append("[^/]")
            kind = "regexp"
        elif ch in _REGEX_ESCAPE:
            out.append("\\" + ch)
        elif ch == "\\":
            if pos < n:
                nxt = text[pos]
                pos += 1
                if nxt.isascii() and nxt.isalnum():
                    if nxt not in _LETTER_ESCAPES:
                        raise InputError(f"invalid pattern {text!r}: unsupported escape '\\{nxt}'")
                    out.append(_LETTER_ESCAPES[nxt])
                else:
                    out.append(re.escape(nxt))
                kind = "regexp"
            else:
                out.append(r"\\")
        elif ch in "[]":
            out.append(ch)
            kind = "regexp"
        else:
            out.append(ch)  # raw, like Go: "^" keeps its regex meaning in both engines
        it += 1
    return kind, "".join(out)


def compile_pattern(raw: str) -> Pattern | None:
    """Compile one pattern like ``patternmatcher.New`` does; ``None`` for a blank one."""
    text = raw.strip()
    if not text:
        return None
    text = gopath.clean(text)
    exclusion = text.startswith("!")
    if exclusion:
        if len(text) == 1:
            raise InputError('illegal exclusion pattern: "!"')
        text = text[1:]
    try:
        gopath.match(text, ".")
    except gopath.BadPatternError:
        raise InputError(f"invalid pattern {raw!r}: syntax error in pattern") from None
    kind, body = _translate(text)
    if kind == "exact":
        regex = re.escape(text)
    elif kind == "prefix":
        regex = re.escape(text[:-2]) + "(?s:.*)"
    elif kind == "suffix":
        suffix = text[2:]
        regex = "(?s:.*)" + re.escape(suffix)
        if suffix.startswith("/"):
            regex = f"(?:{regex}|{re.escape(suffix[1:])})"
    else:
        regex = body
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" for "[[" etc.
            compiled = re.compile(regex, re.ASCII)
    except re.error as exc:
        raise InputError(f"invalid pattern {raw!r}: {exc}") from None
    return Pattern(text, exclusion, kind, regex, compiled.fullmatch)


def _combined(patterns: list[Pattern]) -> Callable[[str], object]:
    if not patterns:
        return lambda _path: None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile("|".join(f"(?:{p.regex})" for p in patterns), re.ASCII).fullmatch


class PatternMatcher:
    """A compiled pattern list (``patternmatcher.PatternMatcher``); build once, match many paths."""

    __slots__ = ("_any_inclusion", "_checks", "_none", "exclusions", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        compiled = [p for p in map(compile_pattern, patterns) if p is not None]
        self.patterns: tuple[Pattern, ...] = tuple(compiled)
        self.exclusions: bool = any(p.exclusion for p in compiled)
        self._checks = tuple((p.fullmatch, p.exclusion) for p in compiled)
        self._none: MatchInfo = (False,) * len(compiled)
        # With no pattern matching the parent, a path can only match if an inclusion pattern matches
        # it: one combined regex rejects the common case in a single call.
        self._any_inclusion = _combined([p for p in compiled if not p.exclusion])

    def matches(self, path: str, parent_info: MatchInfo | None = None) -> tuple[bool, MatchInfo]:
        """``MatchesUsingParentResults``: (matched, this path's ``MatchInfo``).

        ``parent_info`` is the info returned for the parent directory; without it (``None`` or
        empty) each parent directory of ``path`` is tried against each pattern instead.
        """
        # fast reject: nothing matched the parent (or there is none) and no inclusion pattern matches
        no_parent_match = parent_info is self._none or (not parent_info and "/" not in path)
        if no_parent_match and self._any_inclusion(path) is None:
            return False, self._none
        if not parent_info:
            return self._matches_no_parent(path)
        matched = False
        info: list[bool] = []
        add = info.append
        for (fullmatch, exclusion), parent_matched in zip(self._checks, parent_info, strict=True):
            if parent_matched:
                add(True)
                matched = not exclusion
            elif exclusion != matched:
                add(False)
            elif fullmatch(path) is not None:
                add(True)
                matched = not exclusion
            else:
                add(False)
        return matched, self._intern(info)

    def _matches_no_parent(self, path: str) -> tuple[bool, MatchInfo]:
        parent = path.rpartition("/")[0]
        ancestors: list[str] = []
        if parent:
            parts = parent.split("/")
            ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        matched = False
        info: list[bool] = []
        for fullmatch, exclusion in self._checks:
            if exclusion != matched:
                info.append(False)
                continue
            hit = fullmatch(path) is not None or any(fullmatch(a) is not None for a in ancestors)
            info.append(hit)
            if hit:
                matched = not exclusion
        return matched, self._intern(info)

    def _intern(self, info: list[bool]) -> MatchInfo:
        return self._none if not any(info) else tuple(info)

    def matches_or_parent_matches(self, path: str) -> bool:
        """``MatchesOrParentMatches``: does ``path`` or one of its parent directories match?"""
        return self._matches_no_parent(path)[0]

    def __repr__(self) -> str:
        return f"PatternMatcher({[('!' if p.exclusion else '') + p.text for p in self.patterns]!r})"
