"""Shared fixtures. The builder environment (dockerd + registry) is started once per session by the
project's own script, and left running for the next session (``scripts/builder stop`` ends it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def builder_env() -> dict[str, str]:
    """Start (or reuse) scripts/builder and return the variables it exports."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "builder"), "start"], capture_output=True, text=True, timeout=600
    )
    if out.returncode != 0:
        pytest.fail(f"scripts/builder start failed: {out.stderr.strip()[-2000:]}")
    env: dict[str, str] = {}
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = value
    return env


@pytest.fixture(scope="session")
def busybox() -> Path:
    path = Path("/bin/busybox")
    if not path.exists():
        pytest.fail("busybox-static is not installed (scripts/builder fetch installs it)")
    return path


@pytest.fixture
def make_context(tmp_path: Path, busybox: Path):  # type: ignore[no-untyped-def]
    """Write a build context with busybox and the given files; returns its path."""

    def make(files: dict[str, str | bytes], name: str = "ctx") -> Path:
        ctx = tmp_path / name
        ctx.mkdir()
        shutil.copy(busybox, ctx / "busybox")
        for rel, content in files.items():
            p = ctx / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content)
        return ctx

    return make


@pytest.fixture(scope="session")
def engine(builder_env: dict[str, str]):  # type: ignore[no-untyped-def]
    from support import Engine

    e = Engine(builder_env)
    yield e
    e.client.close()


@pytest.fixture(scope="session")
def registry(builder_env: dict[str, str]):  # type: ignore[no-untyped-def]
    from support import Registry

    r = Registry(builder_env)
    yield r
    r.client.close()
