"""Local build inputs: stdin Dockerfile or tar context, context checks, secret values."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from depotci.core.buildopts.model import SecretSpec
from depotci.core.commands import build_inputs
from depotci.core.commands.build_inputs import LocalInputs, check_context, read_secret_values
from depotci.core.errors import InputError


@pytest.fixture
def inputs() -> Iterator[LocalInputs]:
    li = LocalInputs()
    yield li
    li.close()


def _tar(files: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _tree(root: str) -> dict[str, bytes]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = Path(p).read_bytes()
    return out


FILES = {"Dockerfile": b"FROM scratch\nCOPY app /\n", "app/main.py": b"print('hi')\n"}

COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda b: b,
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
}


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
@pytest.mark.parametrize("compression", list(COMPRESS))
def test_stdin_tar_context(inputs: LocalInputs, compression: str, fmt: int) -> None:
    data = COMPRESS[compression](_tar(FILES, fmt))
    ctx, dockerfile_dir = inputs.stdin_context(io.BytesIO(data))
    assert dockerfile_dir is None
    assert os.path.basename(ctx).startswith("depotci-context-")
    assert _tree(ctx) == FILES


@pytest.mark.parametrize(
    "data",
    [
        b"FROM busybox\nRUN echo hi\n",
        b"",
        b"# syntax=docker/dockerfile:1\n" + b"x" * 600,  # long enough to be checked for a tar header
    ],
)
def test_stdin_dockerfile_as_context(inputs: LocalInputs, data: bytes) -> None:
    ctx, dockerfile_dir = inputs.stdin_context(io.BytesIO(data))
    assert os.listdir(ctx) == []
    assert dockerfile_dir is not None and dockerfile_dir != ctx
    assert _tree(dockerfile_dir) == {"Dockerfile": data}


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.dev"])
def test_stdin_dockerfile(inputs: LocalInputs, name: str) -> None:
    d = inputs.stdin_dockerfile(io.BytesIO(b"FROM alpine\n"), name)
    assert os.path.basename(d).startswith("depotci-dockerfile-")
    assert _tree(d) == {name: b"FROM alpine\n"}


def test_stdin_dockerfile_default_name(inputs: LocalInputs) -> None:
    assert _tree(inputs.stdin_dockerfile(io.BytesIO(b"FROM a\n"))) == {"Dockerfile": b"FROM a\n"}


def test_close_removes_temp_dirs() -> None:
    li = LocalInputs()
    a = li.stdin_dockerfile(io.BytesIO(b"x"))
    b, c = li.stdin_context(io.BytesIO(b"FROM x\n"))
    assert c is not None
    assert all(os.path.isdir(p) for p in (a, b, c))
    li.close()
    assert not any(os.path.exists(p) for p in (a, b, c))
    li.close()  # twice is fine


def _unsafe_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return buf.getvalue()


def test_stdin_unsafe_archive(inputs: LocalInputs) -> None:
    with pytest.raises(InputError) as info:
        inputs.stdin_context(io.BytesIO(_unsafe_tar()))
    assert re.fullmatch(
        r"cannot unpack the context archive from stdin: '\.\./escape' would be extracted to '.*/escape', "
        r"which is outside the destination",
        str(info.value),
    )


GARBAGE_GZIP = b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data"


def test_stdin_garbage_archive(inputs: LocalInputs) -> None:
    with pytest.raises(InputError) as info:
        inputs.stdin_context(io.BytesIO(GARBAGE_GZIP))
    assert str(info.value).startswith("cannot unpack the context archive from stdin: ")
    assert "invalid block type" in str(info.value)


def test_stdin_garbage_archive_one_line(inputs: LocalInputs) -> None:
    with pytest.raises(InputError) as info:
        inputs.stdin_context(io.BytesIO(GARBAGE_GZIP))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "xz"])
def test_stdin_truncated_archive(inputs: LocalInputs, compression: str) -> None:
    data = COMPRESS[compression](_tar(FILES))
    with pytest.raises(InputError) as info:
        inputs.stdin_context(io.BytesIO(data[: len(data) // 2]))
    assert str(info.value).startswith("cannot unpack the context archive from stdin: ")


@pytest.fixture
def ctx(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "sub").mkdir()
    return root


def test_check_context_ok(ctx: Path) -> None:
    check_context(str(ctx), str(ctx / "Dockerfile"))


@pytest.mark.parametrize(
    ("context", "dockerfile", "message"),
    [
        ("{ctx}/missing", "{ctx}/Dockerfile", "build context '{ctx}/missing' does not exist"),
        ("{ctx}/Dockerfile", "{ctx}/Dockerfile", "build context '{ctx}/Dockerfile' is not a directory"),
        ("{ctx}", "{ctx}/Dockerfile.missing", "Dockerfile '{ctx}/Dockerfile.missing' does not exist"),
        ("{ctx}", "{ctx}/sub", "Dockerfile '{ctx}/sub' is a directory, expected a file"),
    ],
)
def test_check_context_errors(ctx: Path, context: str, dockerfile: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        check_context(context.format(ctx=ctx), dockerfile.format(ctx=ctx))
    assert str(info.value) == message.format(ctx=ctx)


def test_check_context_unreadable_context(ctx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root reads every directory, so the permission check is faked at the os.access seam
    monkeypatch.setattr(build_inputs.os, "access", lambda path, mode: path != str(ctx))
    with pytest.raises(InputError) as info:
        check_context(str(ctx), str(ctx / "Dockerfile"))
    assert str(info.value) == f"build context '{ctx}' is not readable"


def test_check_context_dockerfile_symlink_loop(ctx: Path, tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError) as info:
        check_context(str(ctx), str(loop))
    assert str(info.value) == f"Dockerfile '{loop}' does not exist"


def test_check_context_dockerfile_open_fails(ctx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = open

    def fake_open(path: str, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if path == str(ctx / "Dockerfile"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", fake_open)
    with pytest.raises(InputError) as info:
        check_context(str(ctx), str(ctx / "Dockerfile"))
    assert str(info.value) == f"Dockerfile '{ctx / 'Dockerfile'}' is not readable: Permission denied"


def test_read_secret_values(tmp_path: Path) -> None:
    (tmp_path / "npmrc").write_bytes(b"token\x00\xff\n")
    (tmp_path / "empty").write_bytes(b"")
    specs = [
        SecretSpec("npm", src=str(tmp_path / "npmrc")),
        SecretSpec("tok", env="GITHUB_TOKEN"),
        SecretSpec("blank", env="BLANK"),
        SecretSpec("none", src=str(tmp_path / "empty")),
    ]
    env = {"GITHUB_TOKEN": "ghp_é", "BLANK": ""}
    assert read_secret_values(specs, env) == {
        "npm": b"token\x00\xff\n",
        "tok": "ghp_é".encode(),
        "blank": b"",
        "none": b"",
    }


def test_read_secret_values_none() -> None:
    assert read_secret_values([], {}) == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SecretSpec("tok", env="MISSING_VAR"), "secret 'tok': environment variable MISSING_VAR is not set"),
        (SecretSpec("f", src="{tmp}/missing"), "secret 'f': cannot read '{tmp}/missing': No such file or directory"),
        (SecretSpec("d", src="{tmp}"), "secret 'd': cannot read '{tmp}': Is a directory"),
    ],
)
def test_read_secret_values_errors(tmp_path: Path, spec: SecretSpec, message: str) -> None:
    spec = SecretSpec(spec.id, src=spec.src.format(tmp=tmp_path), env=spec.env)
    with pytest.raises(InputError) as info:
        read_secret_values([spec], {"OTHER": "x"})
    assert str(info.value) == message.format(tmp=tmp_path)


def test_read_secret_values_fails_on_first_bad(tmp_path: Path) -> None:
    (tmp_path / "ok").write_text("ok")
    specs = [SecretSpec("a", src=str(tmp_path / "ok")), SecretSpec("b", env="NOPE"), SecretSpec("c", src="/nonexistent")]
    with pytest.raises(InputError) as info:
        read_secret_values(specs, {})
    assert str(info.value) == "secret 'b': environment variable NOPE is not set"
