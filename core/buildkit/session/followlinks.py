"""fsutil ``FollowLinks``: turn ``followpaths`` into include patterns, resolving symlinks on the way.

Each follow path is walked component by component from the context root. A component that is a
symlink is kept (so the link itself is sent) and its target, taken relative to the context root even
when absolute (``..`` cannot climb above it), is followed with the rest of the path. A component with
an unescaped glob (``*``, ``?``, ``[``) is matched with ``filepath.Match`` against the directory's
entries and every matching symlink is followed. What is left becomes an include pattern. The result
is sorted and deduplicated (``a/b`` is dropped after ``a``); a path resolving to the root itself
(``.``) means "no filter", returned as ``None``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from depotci.core.buildkit.session import gopath
from depotci.core.errors import InputError

__all__ = ["dedupe_paths", "follow_links"]


def dedupe_paths(paths: Iterable[str]) -> list[str] | None:
    """fsutil's ``dedupePaths`` (meant for a sorted list, but applied as-is): drop each path under the
    last kept one; ``None`` when one of them is ``.``. Like upstream, the first kept path is compared
    with ``""``, so leading paths starting with ``/`` are dropped.
    """
    out: list[str] = []
    last = ""
    for p in paths:
        if p == ".":
            return None
        if p.startswith(last + "/"):
            continue
        out.append(p)
        last = p
    return out


class _Resolver:
    def __init__(self, root: str) -> None:
        self.root = root
        self.resolved: set[str] = set()
        self.cache: dict[str, dict[str, os.DirEntry[str]]] = {}

    def list_dir(self, rel: str) -> dict[str, os.DirEntry[str]]:
        """Entries of a directory of the context (fsutil walks the unfiltered FS; no symlink follow)."""
        entries = self.cache.get(rel)
        if entries is not None:
            return entries
        entries = {}
        if rel != ".." and not rel.startswith("../"):
            path = self.root if rel == "." else os.path.join(self.root, rel)
            try:
                if not os.path.islink(path):
                    with os.scandir(path) as it:
                        entries = {e.name: e for e in it}
            except (FileNotFoundError, NotADirectoryError):
                pass
            except OSError as exc:
                raise InputError(
                    f"cannot read directory {path!r} while resolving followpaths: {exc.strerror}"
                ) from None
        self.cache[rel] = entries
        return entries

    def read_symlink(self, rel: str, allow_wildcard: bool) -> list[str] | None:
        parent, _, base = rel.rpartition("/")
        parent = parent or "."
        if allow_wildcard and gopath.contains_wildcards(base):
            out: list[str] | None = None
            for name in sorted(self.list_dir(parent)):
                try:
                    hit = gopath.match(base, name)
                except gopath.BadPatternError:
                    hit = False
                if hit:
                    res = self.read_symlink(gopath.join(parent, name), False)
                    if res:
                        out = (out or []) + res
            return out
        entry = self.list_dir(parent).get(base)
        if entry is None or not entry.is_symlink():
            return None
        try:
            link = gopath.clean(os.readlink(entry.path))
        except OSError as exc:
            raise InputError(f"cannot read symlink {entry.path!r}: {exc.strerror}") from None
        if link.startswith("/"):
            return [link]
        return [gopath.join("/", gopath.join(parent, link))]

    def append(self, p: str) -> None:
        p = gopath.join(".", p) or "."
        current = "."
        while True:
            first, sep, rest = p.partition("/")
            current = gopath.join(current, first)
            targets = self.read_symlink(current, True)
            p = rest if sep else ""
            if (not p or targets is not None) and current in self.resolved:
                return
            if targets is not None:
                self.resolved.add(current)
                for target in targets:
                    self.append(gopath.join(target, p))
                return
            if not p:
                self.resolved.add(current)
                return


def follow_links(root: str, paths: Iterable[str]) -> list[str] | None:
    """Resolve ``paths`` (relative to the directory ``root``) into sorted include patterns."""
    r = _Resolver(root)
    for p in paths:
        r.append(p)
    return dedupe_paths(sorted(r.resolved))
