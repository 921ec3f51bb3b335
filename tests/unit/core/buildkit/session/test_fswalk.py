"""The FileSync walker: fsutil order, include/exclude/followpaths filtering, Go mode bits."""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from depotci.core.buildkit.session import fswalk, gomode
from depotci.core.buildkit.session.followlinks import dedupe_paths, follow_links
from depotci.core.buildkit.session.fsstat import Vanished
from depotci.core.buildkit.session.fswalk import FileStat, WalkFilter, walk
from depotci.core.errors import InputError

ALL = [
    "B",
    "_",
    "a",
    "a/sub",
    "a/sub/deep.txt",
    "a/x",
    "a-b",
    "a.txt",
    "dangling",
    "empty",
    "exec.sh",
    "fifo",
    "hard1",
    "hard2",
    "link-dir",
    "link-file",
    "node_modules",
    "node_modules/keep",
    "node_modules/keep/k.js",
    "node_modules/pkg",
    "node_modules/pkg/p.js",
    "sock",
]


def _write(path: Path, data: str = "x", mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data)
    path.chmod(mode)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "ctx"
    root.mkdir()
    for name in ["B", "_", "a-b", "a/x", "node_modules/keep/k.js", "node_modules/pkg/p.js"]:
        _write(root / name)
    _write(root / "a.txt", "hello")
    _write(root / "a/sub/deep.txt")
    _write(root / "exec.sh", "#!/bin/sh\n", 0o755)
    _write(root / "hard1", "12345")
    os.link(root / "hard1", root / "hard2")
    (root / "empty").mkdir()
    (root / "link-file").symlink_to("a.txt")
    (root / "link-dir").symlink_to("a")
    (root / "dangling").symlink_to("nope")
    os.mkfifo(root / "fifo", 0o640)
    monkeypatch.chdir(root)  # bind the socket by a short relative name
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("sock")
    for d in [root, *[p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()]]:
        d.chmod(0o755)
    yield root
    sock.close()


NO_FILTER = WalkFilter()


def _paths(root: Path, flt: WalkFilter = NO_FILTER) -> list[str]:
    return [st.path for st in walk(str(root), flt)]


def _by_path(root: Path) -> dict[str, FileStat]:
    return {st.path: st for st in walk(str(root), WalkFilter())}


def test_no_filter_order_is_fsutil_order(tree: Path) -> None:
    # names byte-sorted per directory, each directory's subtree right after it: "a/x" before "a-b"
    assert _paths(tree) == ALL


@pytest.mark.parametrize(
    ("name", "mode", "size", "linkname"),
    [
        ("a", gomode.MODE_DIR | 0o755, 0, ""),
        ("a.txt", 0o644, 5, ""),
        ("exec.sh", 0o755, 10, ""),
        ("link-file", gomode.MODE_SYMLINK | 0o777, 5, "a.txt"),
        ("link-dir", gomode.MODE_SYMLINK | 0o777, 1, "a"),
        ("dangling", gomode.MODE_SYMLINK | 0o777, 4, "nope"),
        ("fifo", gomode.MODE_NAMED_PIPE | 0o640, 0, ""),
        ("hard1", 0o644, 5, ""),
        ("hard2", 0o644, 5, "hard1"),  # hardlink to the first path sent; fsutil keeps the size
    ],
)
def test_stat_fields(tree: Path, name: str, mode: int, size: int, linkname: str) -> None:
    st = _by_path(tree)[name]
    real = os.lstat(tree / name)
    assert (st.mode, st.size, st.linkname) == (mode, size, linkname)
    assert (st.uid, st.gid, st.mod_time) == (real.st_uid, real.st_gid, real.st_mtime_ns)
    assert st.abspath == os.path.join(os.path.realpath(tree), name)
    assert (st.devmajor, st.devminor) == (0, 0)


def test_socket_is_sent_without_its_type_bit(tree: Path) -> None:
    st = _by_path(tree)["sock"]
    assert st.mode & gomode.MODE_SOCKET == 0
    assert st.mode == stat.S_IMODE(os.lstat(tree / "sock").st_mode)
    assert st.is_regular() and not st.is_dir()


@pytest.mark.parametrize(
    ("name", "regular", "is_dir"),
    [
        ("a.txt", True, False),
        ("hard2", True, False),
        ("a", False, True),
        ("fifo", False, False),
        ("link-file", False, False),
    ],
)
def test_kind_helpers(tree: Path, name: str, regular: bool, is_dir: bool) -> None:
    st = _by_path(tree)[name]
    assert (st.is_regular(), st.is_dir()) == (regular, is_dir)


@pytest.mark.parametrize(
    ("flt", "want"),
    [
        (
            WalkFilter(exclude_patterns=("node_modules",)),
            [p for p in ALL if not p.startswith("node_modules")],
        ),
        (WalkFilter(exclude_patterns=("a/",)), [p for p in ALL if p != "a" and not p.startswith("a/")]),
        (
            WalkFilter(exclude_patterns=("**/*.txt", "hard*")),
            [p for p in ALL if not p.endswith(".txt") and not p.startswith("hard")],
        ),
        (WalkFilter(exclude_patterns=("*", "!a.txt")), ["a.txt"]),
        (
            WalkFilter(exclude_patterns=("*", "!node_modules/keep")),
            ["node_modules", "node_modules/keep", "node_modules/keep/k.js"],
        ),
        (
            WalkFilter(exclude_patterns=("node_modules", "!node_modules/keep")),
            [p for p in ALL if not p.startswith("node_modules/pkg")],
        ),
        (WalkFilter(exclude_patterns=("a", "!a/sub/*.txt")), [p for p in ALL if p not in ("a/x",)]),
        (WalkFilter(exclude_patterns=("a", "!a/s*/deep.txt")), [p for p in ALL if p != "a/x"]),
        (
            WalkFilter(exclude_patterns=("a", "!a/sub/deep.txt", "a/sub/deep.txt")),
            [p for p in ALL if p != "a" and not p.startswith("a/")],
        ),
        (WalkFilter(include_patterns=("a/sub",)), ["a", "a/sub", "a/sub/deep.txt"]),
        (WalkFilter(include_patterns=("a/sub/",)), ["a", "a/sub", "a/sub/deep.txt"]),
        (WalkFilter(include_patterns=("*.txt",)), ["a.txt"]),
        (WalkFilter(include_patterns=("**/*.txt",)), ["a", "a/sub", "a/sub/deep.txt", "a.txt"]),
        (
            WalkFilter(include_patterns=("**/k.js", "B")),
            ["B", "node_modules", "node_modules/keep", "node_modules/keep/k.js"],
        ),
        (WalkFilter(include_patterns=("a",), exclude_patterns=("a/x",)), ["a", "a/sub", "a/sub/deep.txt"]),
        (WalkFilter(include_patterns=("a", "!a/sub")), ["a", "a/x"]),
        (
            WalkFilter(include_patterns=("node_modules/**",)),
            [
                "node_modules",
                "node_modules/keep",
                "node_modules/keep/k.js",
                "node_modules/pkg",
                "node_modules/pkg/p.js",
            ],
        ),
        (WalkFilter(include_patterns=("/B",)), []),  # patternmatcher keeps the leading slash
        (WalkFilter(include_patterns=(".",)), []),
        (WalkFilter(include_patterns=("missing",)), []),
        (WalkFilter(followpaths=("Dockerfile",)), []),
        (WalkFilter(followpaths=("a.txt", "B")), ["B", "a.txt"]),
        (WalkFilter(followpaths=("link-file",)), ["a.txt", "link-file"]),
        (WalkFilter(followpaths=("link-dir/x",)), ["a", "a/x", "link-dir"]),
        (WalkFilter(followpaths=("dangling",)), ["dangling"]),
        (
            WalkFilter(followpaths=("link-*",)),
            ["a", "a/sub", "a/sub/deep.txt", "a/x", "a.txt", "link-dir", "link-file"],
        ),
        (WalkFilter(followpaths=(".",)), ALL),
        (WalkFilter(followpaths=("./a/../B",)), ["B"]),
        (WalkFilter(include_patterns=("B",), followpaths=("a.txt",)), ["B", "a.txt"]),
        (WalkFilter(include_patterns=(".",), followpaths=("a.txt",)), ALL),  # dedupe: "." = no filter
        (WalkFilter(exclude_patterns=("a.txt",), followpaths=("link-file",)), ["link-file"]),
    ],
)
def test_filters(tree: Path, flt: WalkFilter, want: list[str]) -> None:
    assert _paths(tree, flt) == want


def test_hardlink_target_must_have_been_sent(tree: Path) -> None:
    stats = {st.path: st for st in walk(str(tree), WalkFilter(exclude_patterns=("hard1",)))}
    assert "hard1" not in stats
    assert stats["hard2"].linkname == ""


def test_special_mode_bits(tmp_path: Path) -> None:
    (tmp_path / "sticky").mkdir()
    (tmp_path / "sticky").chmod(0o1777)
    _write(tmp_path / "suid", mode=0o4755)
    _write(tmp_path / "sgid", mode=0o2750)
    got = {st.path: st.mode for st in walk(str(tmp_path), WalkFilter())}
    assert got == {
        "sgid": gomode.MODE_SETGID | 0o750,
        "sticky": gomode.MODE_DIR | gomode.MODE_STICKY | 0o777,
        "suid": gomode.MODE_SETUID | 0o755,
    }


def test_char_device(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs CAP_MKNOD")
    os.chmod(tmp_path / "null", 0o666)
    (st,) = walk(str(tmp_path), WalkFilter())
    assert st.mode == gomode.MODE_DEVICE | gomode.MODE_CHAR_DEVICE | 0o666
    assert (st.devmajor, st.devminor) == (1, 3)


def test_xattrs(tmp_path: Path) -> None:
    _write(tmp_path / "f")
    try:
        os.setxattr(tmp_path / "f", "user.depot", b"v1")
    except OSError:
        pytest.skip("no user xattrs on this filesystem")
    (st,) = walk(str(tmp_path), WalkFilter())
    assert ("user.depot", b"v1") in st.xattrs


def test_names_sort_by_bytes(tmp_path: Path) -> None:
    for name in ["z", "Z", "é", "\ue000", "a"]:
        _write(tmp_path / name)
    with open(os.path.join(os.fsencode(tmp_path), b"\xff"), "w"):
        pass
    got = [os.fsencode(p) for p in _paths(tmp_path)]
    assert got == [b"Z", b"a", b"z", "é".encode(), "\ue000".encode(), b"\xff"]


def test_root_symlink_is_resolved(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(tree)
    stats = list(walk(str(tmp_path / "alias"), WalkFilter(include_patterns=("B",))))
    assert [(s.path, s.abspath) for s in stats] == [("B", str(tree.resolve() / "B"))]


@pytest.mark.parametrize("root", ["missing", "file"])
def test_bad_root(tmp_path: Path, root: str) -> None:
    _write(tmp_path / "file")
    with pytest.raises(InputError, match="cannot read local directory"):
        walk(str(tmp_path / root), WalkFilter())


@pytest.mark.parametrize("flt", [WalkFilter(exclude_patterns=("[",)), WalkFilter(include_patterns=("!",))])
def test_bad_patterns(tree: Path, flt: WalkFilter) -> None:
    with pytest.raises(InputError, match=r"bad (include|exclude) patterns"):
        walk(str(tree), flt)


@pytest.mark.parametrize(
    ("flt", "want"),
    [
        (WalkFilter(), InputError),  # a sent directory that cannot be read fails the walk
        (WalkFilter(include_patterns=("**/k.js",)), None),  # only descended for patterns: ignored
        (WalkFilter(exclude_patterns=("node_modules", "!node_modules/*/k.js")), None),
    ],
)
def test_unreadable_directory(
    tree: Path, monkeypatch: pytest.MonkeyPatch, flt: WalkFilter, want: type[Exception] | None
) -> None:
    real = fswalk._list_dir

    def deny(path: str) -> list[os.DirEntry[str]]:
        if path.endswith("node_modules/pkg"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(fswalk, "_list_dir", deny)
    if want is None:
        assert "node_modules/keep/k.js" in _paths(tree, flt)
    else:
        with pytest.raises(want, match="node_modules/pkg"):
            _paths(tree, flt)


@pytest.mark.parametrize(
    ("gone", "want"),
    [
        ("a/sub", ["B", "a", "a/x"]),  # a vanished directory is skipped
        ("a/sub/deep.txt", ["B", "a", "a/sub", "a/x"]),
        ("B", []),  # a vanished file: the rest of its directory is skipped too (fsutil SkipDir)
    ],
)
def test_vanished_entries(tree: Path, monkeypatch: pytest.MonkeyPatch, gone: str, want: list[str]) -> None:
    real = fswalk.make_stat

    def flaky(entry: os.DirEntry[str], rel: str, seen: dict[int, str]) -> FileStat:
        if rel == gone:
            raise Vanished
        return real(entry, rel, seen)

    monkeypatch.setattr(fswalk, "make_stat", flaky)
    flt = WalkFilter(include_patterns=("a", "B"))
    assert _paths(tree, flt) == want


@pytest.mark.parametrize(
    ("links", "paths", "want"),
    [
        ({"l1": "l2", "l2": "l1"}, ["l1"], ["l1", "l2"]),  # cycles terminate
        ({"abs": "/etc/passwd"}, ["abs"], ["abs", "etc/passwd"]),  # absolute targets stay in the root
        ({"up": "../../../x"}, ["up/y"], ["up", "x/y"]),  # ".." cannot climb out
        ({"self": "."}, ["self"], None),  # resolves to the root: no filter
        ({"l": "d"}, ["l/*.txt", "l"], ["d/*.txt", "l"]),
    ],
)
def test_follow_links(
    tmp_path: Path, links: dict[str, str], paths: list[str], want: list[str] | None
) -> None:
    (tmp_path / "d").mkdir()
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    assert follow_links(str(tmp_path), paths) == want


@pytest.mark.parametrize(
    ("paths", "want"),
    [
        (["a", "a/b", "b"], ["a", "b"]),
        (["/x", "a"], ["a"]),
        (["a", ".", "b"], None),
        (["b/c", "a", "a/d"], ["b/c", "a"]),
    ],
)
def test_dedupe_paths(paths: list[str], want: list[str] | None) -> None:
    assert dedupe_paths(paths) == want


@pytest.mark.parametrize(
    ("st_mode", "go"),
    [
        (stat.S_IFREG | 0o644, 0o644),
        (stat.S_IFDIR | 0o755, gomode.MODE_DIR | 0o755),
        (stat.S_IFLNK | 0o777, gomode.MODE_SYMLINK | 0o777),
        (stat.S_IFIFO | 0o600, gomode.MODE_NAMED_PIPE | 0o600),
        (stat.S_IFSOCK | 0o755, gomode.MODE_SOCKET | 0o755),
        (stat.S_IFBLK | 0o660, gomode.MODE_DEVICE | 0o660),
        (stat.S_IFCHR | 0o666, gomode.MODE_DEVICE | gomode.MODE_CHAR_DEVICE | 0o666),
        (stat.S_IFREG | 0o6755, gomode.MODE_SETUID | gomode.MODE_SETGID | 0o755),
        (stat.S_IFDIR | 0o1777, gomode.MODE_DIR | gomode.MODE_STICKY | 0o777),
    ],
)
def test_go_file_mode_round_trip(st_mode: int, go: int) -> None:
    assert gomode.go_file_mode(st_mode) == go
    assert gomode.unix_mode(go) == st_mode
    assert gomode.fsutil_mode(st_mode) == go & ~gomode.MODE_SOCKET


@pytest.mark.parametrize(
    ("rdev", "major", "minor"), [(os.makedev(8, 1), 8, 1), (os.makedev(259, 70000), 259, 70000)]
)
def test_device_numbers(rdev: int, major: int, minor: int) -> None:
    assert (gomode.dev_major(rdev), gomode.dev_minor(rdev)) == (major, minor)


def test_walk_speed(tmp_path: Path) -> None:
    for d in range(20):
        sub = tmp_path / f"d{d:02}"
        sub.mkdir()
        for f in range(100):
            (sub / f"f{f:03}.bin").write_bytes(b"x")
    flt = WalkFilter(exclude_patterns=("**/*.tmp", "d01", "!d01/f001.bin"))
    best = min(_timed(lambda: sum(1 for _ in walk(str(tmp_path), flt))) for _ in range(3))
    assert best < 0.25, f"2,000-file walk took {best * 1000:.0f} ms"


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start
