"""Context transfer counters, through the in-process API (``run_build``) against the real builder: the
first build sends every file, a no-change rebuild sends no context file, and a change sends only what
changed — and the daemon's copy is still right afterwards."""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from support import depot_env

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch\nCOPY . /ctx/\n"


def _build(builder_env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    from depotci.core.buildopts.flags import add_build_flags
    from depotci.core.buildopts.options import options_from_args
    from depotci.core.commands.build import run_build

    parser = argparse.ArgumentParser()
    add_build_flags(parser)
    env = depot_env(builder_env)
    opts = options_from_args(parser.parse_args(["--progress=quiet", *args]), env, os.getcwd())
    out, err = io.StringIO(), io.StringIO()
    return run_build(opts, env, stdout=out, stderr=err)


def _files() -> dict[str, bytes]:
    """50 files of 1-3 KiB in 5 directories, each with its own content."""
    return {
        f"dir{i % 5}/file{i:02d}.txt": (f"file {i}\n".encode() * (100 + 37 * i))[: 1024 + 41 * i]
        for i in range(50)
    }


def _regular_sizes(ctx: Path) -> dict[str, int]:
    return {str(p.relative_to(ctx)): p.stat().st_size for p in ctx.rglob("*") if p.is_file()}


def _modify(ctx: Path) -> tuple[int, str]:
    new = b"changed and longer than before\n" * 64
    (ctx / "dir3/file13.txt").write_bytes(new)
    return len(new), "dir3/file13.txt"


def _modify_same_size(ctx: Path) -> tuple[int, str]:
    p = ctx / "dir2/file07.txt"
    data = p.read_bytes()
    p.write_bytes(data[::-1])
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 1_000_000_000))
    return len(data), "dir2/file07.txt"


def _add(ctx: Path) -> tuple[int, str]:
    data = b"a new file\n" * 100
    (ctx / "dir4/new.txt").write_bytes(data)
    return len(data), "dir4/new.txt"


def _delete(ctx: Path) -> tuple[int, str]:
    (ctx / "dir1/file21.txt").unlink()
    return 0, ""


@pytest.mark.parametrize(
    "change",
    [_modify, _modify_same_size, _add, _delete],
    ids=["modify one file", "modify one file, same size", "add one file", "delete one file"],
)
def test_rebuild_sends_only_what_changed(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], make_context, tmp_path: Path, change: Callable[[Path], tuple[int, str]]
) -> None:
    ctx: Path = make_context({"Dockerfile": DOCKERFILE, **_files()})
    sizes = _regular_sizes(ctx)
    assert len(sizes) == 52  # the 50 files, the Dockerfile and busybox

    first = _build(builder_env, "--output", "type=cacheonly", str(ctx))
    assert first.files_sent == len(sizes) + 1  # every context file, and the Dockerfile for the frontend
    assert first.dirs_sent == {"context": sum(sizes.values()), "dockerfile": sizes["Dockerfile"]}
    assert first.bytes_sent == sum(sizes.values()) + sizes["Dockerfile"]

    # BuildKit's Dockerfile frontend reads the Dockerfile with local.differ=none, so the daemon pulls it
    # again on every build (buildx too); the context itself must not move at all
    dockerfile = sizes["Dockerfile"]
    again = _build(builder_env, "--output", "type=cacheonly", str(ctx))
    assert again.dirs_sent == {"dockerfile": dockerfile}
    assert (again.bytes_sent, again.files_sent) == (dockerfile, 1)

    nbytes, rel = change(ctx)
    dest = tmp_path / "out"
    changed = _build(builder_env, "--output", f"type=local,dest={dest}", str(ctx))
    assert changed.dirs_sent == ({"context": nbytes} if rel else {}) | {"dockerfile": dockerfile}
    assert changed.bytes_sent == nbytes + dockerfile
    assert changed.files_sent == (2 if rel else 1)
    # what the daemon built from its updated copy is the context as it is now
    assert _regular_sizes(dest / "ctx") == _regular_sizes(ctx)
    for name in _regular_sizes(ctx):
        assert (dest / "ctx" / name).read_bytes() == (ctx / name).read_bytes(), name
