"""The client-side walk behind FileSync.DiffCopy, in exactly fsutil's order and with its filtering.

Port of fsutil's ``filterFS.Walk`` over ``fs.Walk`` (``filepath.WalkDir``), as vendored by BuildKit
v0.13 (fsutil 7525a1af2bb5, patternmatcher v0.6):

- The root is resolved (``EvalSymlinks``) and must be a directory; it is never sent itself.
- Each directory's entries are visited in byte order of their names, and a directory's subtree right
  after it: ``a``, ``a/x``, ``a.txt`` (so full paths are *not* globally sorted). Symlinks are not
  followed.
- Include patterns (plus the targets of ``followpaths``, see ``followlinks``): an entry is sent only
  if it matches; a directory that does not match is still descended (and sent lazily, just before
  its first sent descendant) unless all include patterns are plain prefixes and none lies inside it.
- Exclude patterns: an entry that matches is not sent; a matching directory is skipped entirely
  unless an ``!`` exception could match inside it (any exception with a wildcard disables that
  shortcut), in which case it is descended and sent lazily like above.
- Per entry: Go ``FileMode`` bits (socket bit cleared, so a socket looks like an empty regular file;
  reading it fails, and fsutil then sends empty data), uid/gid, size (0 for directories; the link
  length for symlinks), mtime in ns, the link target, device numbers, xattrs (except ``com.apple.*``).
  A file whose inode was already sent (``st_nlink > 1``) gets ``linkname`` = the first path: a
  hardlink, which the daemon recreates without requesting its data.
- An entry that vanishes while being read is dropped (fsutil's ``SkipDir``; for a file this also
  drops the rest of its directory). An unreadable directory fails the walk, unless it is only being
  descended for include/exception patterns and the error is "permission denied".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from depotci.core.buildkit.session.followlinks import dedupe_paths, follow_links
from depotci.core.buildkit.session.fsstat import FileStat, Vanished, make_stat
from depotci.core.buildkit.session.patterns import MatchInfo, PatternMatcher
from depotci.core.errors import InputError

__all__ = ["FileStat", "WalkFilter", "walk"]

_PATTERN_CHARS = frozenset("*[]?^\\")


@dataclass(frozen=True)
class WalkFilter:
    """The daemon's request: ``include-patterns``, ``exclude-patterns`` and ``followpaths``."""

    include_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    followpaths: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    inc: PatternMatcher | None
    exc: PatternMatcher | None
    inc_prefixes: tuple[str, ...] | None  # None: some include has a wildcard, always descend
    exc_prefixes: tuple[str, ...] | None  # None: some exception has a wildcard, always descend


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _list_dir(path: str) -> list[os.DirEntry[str]]:
    with os.scandir(path) as it:
        entries = list(it)
    entries.sort(key=_name)
    names = "".join(map(_name, entries))
    if not names.isascii():
        try:
            names.encode()
        except UnicodeEncodeError:  # undecodable bytes: sort by the raw bytes, like Go
            entries.sort(key=lambda e: os.fsencode(e.name))
    return entries


def _prefixes(m: PatternMatcher, exclusion: bool) -> tuple[str, ...] | None:
    pats = [p.without_trailing_glob() for p in m.patterns if p.exclusion == exclusion]
    if any(_PATTERN_CHARS.intersection(p) for p in pats):
        return None
    return tuple(p + "/" for p in pats)


def _plan(root: str, flt: WalkFilter) -> _Plan:
    includes: list[str] | None = list(flt.include_patterns)
    if flt.followpaths:
        targets = follow_links(root, flt.followpaths)
        if targets is not None:
            includes = dedupe_paths([*(includes or []), *targets])
    try:
        inc = PatternMatcher(includes) if includes else None
    except InputError as exc:
        raise InputError(f"bad include patterns for {root!r}: {exc}") from None
    try:
        exc_m = PatternMatcher(flt.exclude_patterns) if flt.exclude_patterns else None
    except InputError as exc:
        raise InputError(f"bad exclude patterns for {root!r}: {exc}") from None
    return _Plan(
        inc,
        exc_m,
        _prefixes(inc, False) if inc else None,
        _prefixes(exc_m, True) if exc_m else None,
    )


def _resolve_root(root: str) -> str:
    try:
        real = os.path.realpath(root, strict=True)
        if not os.path.isdir(real):
            raise InputError(f"cannot read local directory {root!r}: not a directory")
        os.scandir(real).close()
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(f"cannot read local directory {root!r}: {reason}") from None
    return real


def walk(root: str, flt: WalkFilter) -> Iterator[FileStat]:
    """Yield the entries of ``root`` that ``flt`` selects, in fsutil order (see the module doc).

    Raises ``InputError`` at once for an unreadable root or a malformed pattern, and while iterating
    for a directory that cannot be read.
    """
    real = _resolve_root(root)
    plan = _plan(real, flt)
    return _walk(real, plan)


def _read_children(path: str, rel: str, descend_only: bool) -> list[os.DirEntry[str]]:
    try:
        return _list_dir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        if descend_only and isinstance(exc, PermissionError):
            return []
        reason = (exc.strerror or str(exc)).lower()
        raise InputError(f"cannot read directory {rel!r} in the local directory: {reason}") from None


class _Frame:
    """A directory being walked: its sorted entries, the next index, its matcher infos."""

    __slots__ = ("entries", "entry", "exc_info", "inc_info", "index", "prefix")

    def __init__(
        self,
        entries: list[os.DirEntry[str]],
        prefix: str,
        inc_info: MatchInfo | None,
        exc_info: MatchInfo | None,
        entry: os.DirEntry[str] | None,
    ) -> None:
        self.entries = entries
        self.index = 0
        self.prefix = prefix  # "" for the root, else "rel/path/"
        self.inc_info = inc_info
        self.exc_info = exc_info
        self.entry = entry


def _walk(root: str, plan: _Plan) -> Iterator[FileStat]:
    inc, exc = plan.inc, plan.exc
    inc_prefixes, exc_prefixes = plan.inc_prefixes, plan.exc_prefixes
    exc_has_exceptions = exc is not None and exc.exclusions
    seen: dict[int, str] = {}
    stack = [_Frame(_read_children(root, ".", False), "", None, None, None)]
    emitted = 1  # stack[:emitted] have been sent (the root frame counts as sent)
    while stack:
        frame = stack[-1]
        entries = frame.entries
        i = frame.index
        if i >= len(entries):
            stack.pop()
            emitted = min(emitted, len(stack))
            continue
        frame.index = i + 1
        entry = entries[i]
        rel = frame.prefix + entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        skip = False
        inc_info: MatchInfo | None = None
        exc_info: MatchInfo | None = None
        if inc is not None:
            m, inc_info = inc.matches(rel, frame.inc_info)
            if not m:
                if is_dir and inc_prefixes is not None:
                    d = rel + "/"
                    if not any(p.startswith(d) for p in inc_prefixes):
                        continue
                skip = True
        if exc is not None:
            m, exc_info = exc.matches(rel, frame.exc_info)
            if m:
                if is_dir and exc_prefixes is not None:
                    if not exc_has_exceptions:
                        continue
                    d = rel + "/"
                    if not any(p.startswith(d) for p in exc_prefixes):
                        continue
                skip = True
        if not skip:
            try:
                st = make_stat(entry, rel, seen)
                parents = [make_stat(f.entry, f.prefix[:-1], seen) for f in stack[emitted:] if f.entry]
            except Vanished:
                if not is_dir:
                    frame.index = len(entries)  # SkipDir on a file skips the rest of its directory
                continue
            yield from parents
            emitted = len(stack)
            yield st
        if is_dir:
            children = _read_children(entry.path, rel, skip)
            stack.append(_Frame(children, rel + "/", inc_info, exc_info, entry))
            if not skip:
                emitted = len(stack)
