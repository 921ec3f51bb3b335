"""``--metadata-file`` parity with buildx 0.13.1 (``$DEPOTCI_BUILDX``, the builder environment's
``docker-buildx``) building the same context on the same daemon: the same keys, values of the same shape."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import Registry, depot_env, run_depot, unique

pytestmark = pytest.mark.integration

DOCKERFILE = 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo built > /built.txt"]\n'
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def _shape(value: Any) -> Any:
    """What must match between the two files: types, digest-ness of strings, keys of objects."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str):
        return "digest" if DIGEST.match(value) else "str"
    return type(value).__name__


def _flags(case: str, who: str, registry: Registry, tmp_path: Path) -> list[str]:
    name = unique(f"meta-{who}")
    return {
        "--load -t": ["--load", "-t", f"depotci-test/{name}:v1"],
        "--push -t": ["--push", "-t", f"{registry.host}/depotci/{name}:v1"],
        "-t only": ["-t", f"depotci-test/{name}:v1"],
        "no output": [],
        "--output type=local": ["--output", f"type=local,dest={tmp_path / who}"],
        "--output type=registry": ["--output", f"type=registry,name={registry.host}/depotci/{name}:v1"],
    }[case]


@pytest.mark.parametrize(
    "case", ["--load -t", "--push -t", "-t only", "no output", "--output type=local", "--output type=registry"]
)
def test_metadata_file_matches_buildx(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], registry: Registry, make_context, tmp_path: Path, case: str
) -> None:
    ctx = make_context({"Dockerfile": DOCKERFILE})
    env = depot_env(builder_env)
    theirs, ours = tmp_path / "buildx.json", tmp_path / "depot.json"
    common = ["--progress=plain", "--network", "none"]
    bx = subprocess.run(
        [builder_env["DEPOTCI_BUILDX"], "build", *common, "--metadata-file", str(theirs),
         *_flags(case, "buildx", registry, tmp_path), str(ctx)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert bx.returncode == 0, bx.stderr
    out = run_depot(["build", *common, "--metadata-file", str(ours), *_flags(case, "depot", registry, tmp_path), str(ctx)], env)
    assert out.returncode == 0, out.stderr

    want, got = json.loads(theirs.read_text()), json.loads(ours.read_text())
    assert sorted(got) == sorted(want)
    assert _shape(got) == _shape(want)
    assert re.match(r"^default/default/[0-9a-z]+$", got["buildx.build.ref"])
    if "containerimage.digest" in want:
        # same context, same daemon: the very same image
        assert got["containerimage.descriptor"]["digest"] == got["containerimage.digest"]
        assert got["containerimage.descriptor"]["size"] == want["containerimage.descriptor"]["size"]
    if case.startswith("--push") or case.endswith("registry"):
        repo, _, tag = got["image.name"].removeprefix(f"{registry.host}/").rpartition(":")
        digest, _ = registry.manifest(repo, tag)
        assert got["containerimage.digest"] == digest
