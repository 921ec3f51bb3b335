"""Go's ``os.FileMode`` encoding, as fsutil puts it in ``Stat.mode``.

fsutil's ``mkstat`` stores ``uint32(fi.Mode())``: the type and special bits live in the high bits
(directory 1<<31 ... irregular 1<<19), the permission bits in the low nine. It then clears the socket
bit ("archive/tar.FileInfoHeader does not handle it"), so a socket is sent with permission bits only.
Device numbers use Go's (glibc-compatible, 32-bit) ``major``/``minor`` split of ``st_rdev``.
"""

from __future__ import annotations

import stat as _st

__all__ = [
    "MODE_APPEND",
    "MODE_CHAR_DEVICE",
    "MODE_DEVICE",
    "MODE_DIR",
    "MODE_EXCLUSIVE",
    "MODE_IRREGULAR",
    "MODE_NAMED_PIPE",
    "MODE_PERM",
    "MODE_SETGID",
    "MODE_SETUID",
    "MODE_SOCKET",
    "MODE_STICKY",
    "MODE_SYMLINK",
    "MODE_TEMPORARY",
    "MODE_TYPE",
    "dev_major",
    "dev_minor",
    "fsutil_mode",
    "go_file_mode",
    "unix_mode",
]

MODE_DIR = 1 << 31
MODE_APPEND = 1 << 30
MODE_EXCLUSIVE = 1 << 29
MODE_TEMPORARY = 1 << 28
MODE_SYMLINK = 1 << 27
MODE_DEVICE = 1 << 26
MODE_NAMED_PIPE = 1 << 25
MODE_SOCKET = 1 << 24
MODE_SETUID = 1 << 23
MODE_SETGID = 1 << 22
MODE_CHAR_DEVICE = 1 << 21
MODE_STICKY = 1 << 20
MODE_IRREGULAR = 1 << 19
MODE_PERM = 0o777
#: Go's ``fs.ModeType``: a mode with none of these bits is a regular file (fsutil's
#: ``fileCanRequestData``).
MODE_TYPE = (
    MODE_DIR | MODE_SYMLINK | MODE_NAMED_PIPE | MODE_SOCKET | MODE_DEVICE | MODE_CHAR_DEVICE | MODE_IRREGULAR
)

_TYPE_BITS = {
    _st.S_IFREG: 0,
    _st.S_IFDIR: MODE_DIR,
    _st.S_IFLNK: MODE_SYMLINK,
    _st.S_IFIFO: MODE_NAMED_PIPE,
    _st.S_IFSOCK: MODE_SOCKET,
    _st.S_IFBLK: MODE_DEVICE,
    _st.S_IFCHR: MODE_DEVICE | MODE_CHAR_DEVICE,
}

# memo: st_mode -> fsutil mode; a tree has only a handful of distinct st_mode values
_FSUTIL_CACHE: dict[int, int] = {}


def go_file_mode(st_mode: int) -> int:
    """Go's ``FileMode`` for a Unix ``st_mode`` (os/stat_linux.go ``fillFileStatFromSys``)."""
    mode = (st_mode & MODE_PERM) | _TYPE_BITS.get(_st.S_IFMT(st_mode), 0)
    if st_mode & _st.S_ISGID:
        mode |= MODE_SETGID
    if st_mode & _st.S_ISUID:
        mode |= MODE_SETUID
    if st_mode & _st.S_ISVTX:
        mode |= MODE_STICKY
    return mode


def fsutil_mode(st_mode: int) -> int:
    """``Stat.mode`` as fsutil sends it: Go's ``FileMode`` with the socket bit cleared."""
    mode = _FSUTIL_CACHE.get(st_mode)
    if mode is None:
        mode = _FSUTIL_CACHE[st_mode] = go_file_mode(st_mode) & ~MODE_SOCKET
    return mode


def unix_mode(go_mode: int) -> int:
    """The Unix ``st_mode`` for a Go ``FileMode`` (the inverse of ``go_file_mode``)."""
    mode = go_mode & MODE_PERM
    if go_mode & MODE_DIR:
        mode |= _st.S_IFDIR
    elif go_mode & MODE_SYMLINK:
        mode |= _st.S_IFLNK
    elif go_mode & MODE_NAMED_PIPE:
        mode |= _st.S_IFIFO
    elif go_mode & MODE_SOCKET:
        mode |= _st.S_IFSOCK
    elif go_mode & MODE_DEVICE:
        mode |= _st.S_IFCHR if go_mode & MODE_CHAR_DEVICE else _st.S_IFBLK
    else:
        mode |= _st.S_IFREG
    if go_mode & MODE_SETUID:
        mode |= _st.S_ISUID
    if go_mode & MODE_SETGID:
        mode |= _st.S_ISGID
    if go_mode & MODE_STICKY:
        mode |= _st.S_ISVTX
    return mode


def dev_major(rdev: int) -> int:
    """Go fsutil's ``major``: ``(dev >> 8) & 0xfff``."""
    return (rdev >> 8) & 0xFFF


def dev_minor(rdev: int) -> int:
    """Go fsutil's ``minor``: ``(dev & 0xff) | ((dev >> 12) & 0xfff00)``."""
    return (rdev & 0xFF) | ((rdev >> 12) & 0xFFF00)
