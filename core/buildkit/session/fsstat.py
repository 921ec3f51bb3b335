"""One walked entry as fsutil's ``mkstat`` describes it (``Stat`` in fsutil's wire protocol)."""

from __future__ import annotations

import errno
import os
import stat as _st
from dataclasses import dataclass

from depotci.core.buildkit.session.gomode import MODE_DIR, MODE_TYPE, dev_major, dev_minor, fsutil_mode
from depotci.core.errors import InputError

__all__ = ["FileStat", "Vanished", "make_stat", "read_xattrs"]

_IFMT = 0o170000
_NO_XATTRS = frozenset({errno.ENOTSUP, errno.EOPNOTSUPP})
_GONE = frozenset({errno.ENOENT, errno.ENOTDIR})


@dataclass(frozen=True, slots=True)
class FileStat:
    """One entry of a walk, as sent in a STAT packet.

    ``mode`` is Go's ``os.FileMode`` (see ``gomode``); ``size`` is 0 for directories; a regular file
    with a ``linkname`` is a hardlink to that earlier path. ``abspath`` is where to read the file;
    ``xattrs`` are (name, value) pairs sorted by name.
    """

    path: str
    mode: int
    uid: int
    gid: int
    size: int
    mod_time: int
    linkname: str = ""
    devmajor: int = 0
    devminor: int = 0
    abspath: str = ""
    xattrs: tuple[tuple[str, bytes], ...] = ()

    def is_regular(self) -> bool:
        """A regular file, i.e. one whose data the daemon can request (fsutil ``fileCanRequestData``)."""
        return not self.mode & MODE_TYPE

    def is_dir(self) -> bool:
        """A directory."""
        return bool(self.mode & MODE_DIR)


class Vanished(Exception):
    """The entry disappeared while it was being read (fsutil turns this into ``SkipDir``)."""


def _fail(path: str, what: str, exc: OSError) -> InputError:
    return InputError(f"cannot {what} {path!r}: {(exc.strerror or str(exc)).lower()}")


def read_xattrs(path: str) -> tuple[tuple[str, bytes], ...]:
    """fsutil ``loadXattr``: all extended attributes of ``path`` (not followed) but ``com.apple.*``."""
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in _NO_XATTRS:
            return ()
        if exc.errno in _GONE:
            raise Vanished from None
        raise _fail(path, "list extended attributes of", exc) from None
    if not names:
        return ()
    out = []
    for name in sorted(names):
        if name.startswith("com.apple."):
            continue
        try:
            out.append((name, os.getxattr(path, name, follow_symlinks=False)))
        except OSError:
            continue
    return tuple(out)


def make_stat(entry: os.DirEntry[str], rel: str, seen: dict[int, str]) -> FileStat:
    """fsutil ``mkstat`` for a directory entry; ``seen`` maps inode -> first path (hardlinks)."""
    path = entry.path
    try:
        st = entry.stat(follow_symlinks=False)
    except (FileNotFoundError, NotADirectoryError):
        raise Vanished from None
    except OSError as exc:
        raise _fail(path, "stat", exc) from None
    m = st.st_mode
    fmt = m & _IFMT
    if fmt == _st.S_IFDIR:
        return FileStat(
            rel, fsutil_mode(m), st.st_uid, st.st_gid, 0, st.st_mtime_ns, "", 0, 0, path, read_xattrs(path)
        )
    linkname = ""
    major = minor = 0
    if m & 0o060000 and st.st_rdev:  # Go tests the S_IFBLK|S_IFCHR bits, not the type
        major, minor = dev_major(st.st_rdev), dev_minor(st.st_rdev)
    if st.st_nlink > 1:
        first = seen.get(st.st_ino)
        if first is None:
            seen[st.st_ino] = rel
        else:
            linkname = first
    if fmt == _st.S_IFLNK:
        try:
            linkname = os.readlink(path)
        except (FileNotFoundError, NotADirectoryError):
            raise Vanished from None
        except OSError as exc:
            raise _fail(path, "read symlink", exc) from None
    return FileStat(
        rel,
        fsutil_mode(m),
        st.st_uid,
        st.st_gid,
        st.st_size,
        st.st_mtime_ns,
        linkname,
        major,
        minor,
        path,
        read_xattrs(path),
    )
