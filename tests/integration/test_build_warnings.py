"""BuildKit warnings in ``--metadata-file``: ``buildx.build.warnings`` when ``BUILDX_METADATA_WARNINGS`` is
true (buildx ≥ 0.15's key and shape, ci-plugins.md §3.3: what docker's actions turn into annotations), and
absent without it (buildx 0.13.1 on this machine never writes it; the real depot CLI 2.102 neither).
The Dockerfile frontend of dockerd 26.1 warns about an empty continuation line, with its position."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from support import depot_env, run_depot, unique

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch\nCOPY hello.txt \\\n\n  /hello.txt\n"  # line 3: empty continuation (reported at 4)
CLEAN = "FROM scratch\nCOPY hello.txt /again.txt\n"


def _ctx(tmp_path: Path) -> Path:
    ctx = tmp_path / unique("warn")
    (ctx / "sub").mkdir(parents=True)
    (ctx / "sub" / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "clean.Dockerfile").write_text(CLEAN)
    (ctx / "hello.txt").write_text("hi\n")
    return ctx


def _check_warning(found: list[dict[str, Any]]) -> None:
    assert len(found) == 1, found
    w = found[0]
    assert list(w) == ["vertex", "level", "short", "detail", "url", "sourceInfo", "range"]  # Go field order
    assert w["vertex"].startswith("sha256:")
    assert base64.b64decode(w["short"]).decode().startswith("Empty continuation line found in: COPY hello.txt")
    assert [base64.b64decode(d).decode() for d in w["detail"]] == ["Empty continuation lines will become errors in a future release"]
    assert w["sourceInfo"]["filename"] == "Dockerfile"
    assert base64.b64decode(w["sourceInfo"]["data"]).decode() == DOCKERFILE
    assert w["range"] == [{"start": {"line": 4}, "end": {"line": 4}}]


def test_build_writes_warnings_with_the_switch(builder_env: dict[str, str], tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    meta = tmp_path / "meta.json"
    out = run_depot(["build", "--progress=plain", "-f", str(ctx / "sub" / "Dockerfile"), "--metadata-file", str(meta),
                     str(ctx)], depot_env(builder_env, BUILDX_METADATA_WARNINGS="true"))
    assert out.returncode == 0, out.stderr
    _check_warning(json.loads(meta.read_text())["buildx.build.warnings"])


@pytest.mark.parametrize("value", [None, "false", "maybe"])
def test_no_warnings_key_without_the_switch(builder_env: dict[str, str], tmp_path: Path, value: str | None) -> None:
    ctx = _ctx(tmp_path)
    meta = tmp_path / "meta.json"
    extra = {"BUILDX_METADATA_WARNINGS": value} if value is not None else {}
    out = run_depot(["build", "--progress=plain", "-f", str(ctx / "sub" / "Dockerfile"), "--metadata-file", str(meta),
                     str(ctx)], depot_env(builder_env, **extra))
    assert out.returncode == 0, out.stderr
    assert "1 warning found" in out.stderr
    assert "buildx.build.warnings" not in json.loads(meta.read_text())


def test_bake_puts_warnings_at_the_top_level(builder_env: dict[str, str], tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    (ctx / "docker-bake.hcl").write_text(
        'group "default" { targets = ["warns", "clean"] }\n'
        'target "warns" { dockerfile = "sub/Dockerfile" }\n'
        'target "clean" { dockerfile = "clean.Dockerfile" }\n'
    )
    meta = tmp_path / "meta.json"
    out = run_depot(["bake", "--progress=plain", "--metadata-file", str(meta)], depot_env(builder_env,
                    BUILDX_METADATA_WARNINGS="1"), cwd=ctx)
    assert out.returncode == 0, out.stderr
    data = json.loads(meta.read_text())
    assert sorted(data) == ["buildx.build.warnings", "clean", "warns"]
    assert "buildx.build.warnings" not in data["warns"]
    _check_warning(data["buildx.build.warnings"])
