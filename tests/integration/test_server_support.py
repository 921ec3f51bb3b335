"""Helpers for the server integration tests (no tests here): a real ``depot-server`` process on free
loopback ports, the real Go depot CLI, and a second, disposable builder environment."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = str(Path(sys.executable).with_name("depot-server"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def real_depot_cli() -> str:
    out = subprocess.run([str(ROOT / "scripts" / "peers")], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"scripts/peers failed: {out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


class ServerProc:
    """``depot-server serve`` with a fresh data dir, a project and an org token."""

    def __init__(
        self, data_dir: Path, builders: list[str], health_timeout: float = 30.0, extra_args: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        self.builders = builders
        self.health_timeout = health_timeout
        self.extra_args = extra_args  # more `serve` flags, e.g. ("--oidc-issuer", "github=URL")
        self.port = free_port()
        self.gateway_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.project = self.admin("project", "create", "demo")
        self.token = self.admin("token", "create")

    def admin(self, *args: str) -> str:
        out = subprocess.run([SERVER, *args[:2], *args[2:], "--data-dir", str(self.data_dir)],
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    def start(self) -> None:
        cmd = [SERVER, "serve", "--data-dir", str(self.data_dir), "--listen", f"127.0.0.1:{self.port}",
               "--gateway-listen", f"127.0.0.1:{self.gateway_port}", "--health-timeout", str(self.health_timeout), *self.extra_args]
        for b in self.builders:
            cmd += ["--builder", b]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"depot-server exited: {self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("depot-server did not listen within 20 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def env(self, base: dict[str, str], **extra: str) -> dict[str, str]:
        env = {k: v for k, v in base.items() if not k.startswith(("DEPOT_", "BUILDKIT_"))}
        env.update(DEPOT_API_URL=self.url, DEPOT_TOKEN=self.token, DEPOT_PROJECT_ID=self.project,
                   DEPOT_NO_UPDATE_NOTIFIER="1", DEPOT_ERROR_TELEMETRY="0", DEPOT_DISABLE_OTEL="1")
        env["HOME"] = str(self.data_dir / "home")
        env.update(extra)
        return env


class SpareBuilder:
    """A second builder environment (``scripts/builder`` in its own dir and registry port) that a test may
    kill; it reuses the main environment's unpacked packages."""

    def __init__(self, main_dir: str = "/tmp/depotci-builder") -> None:
        self.dir = tempfile.mkdtemp(prefix="dcb-", dir="/tmp")
        os.symlink(os.path.join(main_dir, "root"), os.path.join(self.dir, "root"))
        self.env = dict(os.environ, DEPOTCI_BUILDER_DIR=self.dir, DEPOTCI_REGISTRY_PORT=str(free_port()))
        out = subprocess.run([str(ROOT / "scripts" / "builder"), "start"], env=self.env,
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"spare builder failed to start: {out.stderr[-2000:]}")
        self.endpoint = f"docker://unix://{self.dir}/docker.sock"

    def kill(self) -> None:
        """SIGKILL dockerd and containerd (a builder machine dying), by their pid files."""
        for name in ("dockerd.pid", "dockerd.launcher.pid", "containerd.pid"):
            try:
                pid = int(Path(self.dir, name).read_text().strip())
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "builder"), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def serving(builder_env: dict[str, str], tmp_path: Path, capacity: int = 8, extra_args: tuple[str, ...] = ()) -> Iterator[ServerProc]:
    """A started depot-server (data in ``tmp_path/server``) whose one amd64 builder is the builder
    environment's dockerd; stopped on exit."""
    sock = builder_env["DOCKER_HOST"].removeprefix("unix://")
    srv = ServerProc(tmp_path / "server", [f"amd64=docker://unix://{sock},capacity={capacity}"], extra_args=extra_args)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
