"""Helpers for integration tests: run the real `depot` console script, talk to the Engine API and the
local registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEPOT = str(Path(sys.executable).with_name("depot"))
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def depot_env(builder_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUILDKIT_", "DEPOT_", "DOCKER_"))}
    env.update(builder_env)
    env.pop("CI", None)
    env.update(extra)
    return env


def run_depot(
    args: list[str], env: dict[str, str], cwd: Path | str | None = None, timeout: float = 300, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DEPOT, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin.decode() if stdin is not None else None,
    )


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Engine:
    """The Docker Engine API of the builder environment."""

    def __init__(self, builder_env: dict[str, str]) -> None:
        sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
        self.client = httpx.Client(transport=httpx.HTTPTransport(uds=sock), base_url="http://docker", timeout=60)

    def run(self, image: str, cmd: list[str] | None = None) -> tuple[int, bytes]:
        """Run a container (network none), wait, return (exit code, stdout+stderr)."""
        body: dict[str, Any] = {"Image": image, "HostConfig": {"NetworkMode": "none"}}
        if cmd is not None:
            body["Cmd"] = cmd
        r = self.client.post("/containers/create", json=body)
        r.raise_for_status()
        cid = r.json()["Id"]
        try:
            self.client.post(f"/containers/{cid}/start").raise_for_status()
            code = self.client.post(f"/containers/{cid}/wait").json()["StatusCode"]
            logs = self.client.get(f"/containers/{cid}/logs", params={"stdout": 1, "stderr": 1}).content
            return code, _demux(logs)
        finally:
            self.client.delete(f"/containers/{cid}", params={"force": 1})

    def image(self, name: str) -> dict[str, Any] | None:
        r = self.client.get(f"/images/{name}/json")
        return r.json() if r.status_code == 200 else None

    def export_files(self, image: str) -> dict[str, bytes]:
        """Every regular file of the image's filesystem (through a created container's export)."""
        import io
        import tarfile

        r = self.client.post("/containers/create", json={"Image": image, "Cmd": ["/x"]})
        r.raise_for_status()
        cid = r.json()["Id"]
        try:
            data = self.client.get(f"/containers/{cid}/export").content
        finally:
            self.client.delete(f"/containers/{cid}", params={"force": 1})
        out: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    f = tar.extractfile(m)
                    out[m.name] = f.read() if f else b""
        return out


def _demux(raw: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos + 8 <= len(raw) and raw[pos] in (0, 1, 2) and raw[pos + 1 : pos + 4] == b"\0\0\0":
        size = int.from_bytes(raw[pos + 4 : pos + 8], "big")
        out += raw[pos + 8 : pos + 8 + size]
        pos += 8 + size
    return bytes(out) if out or not raw else raw


class Registry:
    def __init__(self, builder_env: dict[str, str]) -> None:
        self.host = builder_env["DEPOTCI_REGISTRY"]
        self.client = httpx.Client(base_url=f"http://{self.host}", timeout=30)

    def manifest(self, repo: str, ref: str) -> tuple[str, dict[str, Any]]:
        """(Docker-Content-Digest, manifest JSON) for repo:ref."""
        r = self.client.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": MANIFEST_TYPES})
        r.raise_for_status()
        return r.headers["Docker-Content-Digest"], json.loads(r.content)

    def blob(self, repo: str, digest: str) -> bytes:
        r = self.client.get(f"/v2/{repo}/blobs/{digest}")
        r.raise_for_status()
        return r.content
