"""Issue 4 benchmark: the cost of going through our depot-server, and ours vs the real depot CLI.

Starts a depot-server (fresh data dir, free loopback ports) in front of the running builder environment
(``scripts/builder start``), then times no-change rebuilds of a tiny ``FROM scratch`` context:

  direct      our ``depot build`` straight to the builder (no token/project)
  ours-api    our ``depot build`` through the server and its mTLS gateway
  real-api    the real Go depot CLI 2.102.12 (``scripts/peers``) through the same server and builder

Runs alternate (direct, ours-api, real-api, direct, ...) after one untimed warm-up each, and prints the
median wall time of each and the ratios ours-api/direct and ours-api/real-api.

    .venv/bin/python bench/api_overhead.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOCKERFILE = "FROM scratch\nCOPY hello.txt /\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:2])}: {out.stderr.strip()[-800:]}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    started = subprocess.run([str(REPO / "scripts" / "builder"), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        print(f"skipped: the builder environment did not start: {started.stderr.strip()[-300:]}")
        return 0
    peers = subprocess.run([str(REPO / "scripts" / "peers")], capture_output=True, text=True)
    real = peers.stdout.strip().splitlines()[-1] if peers.returncode == 0 else ""
    sock = next(line.split("unix://", 1)[1] for line in started.stdout.splitlines() if "DOCKER_HOST=" in line)
    work = Path(tempfile.mkdtemp(prefix="depotci-bench-"))
    ctx = work / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "hello.txt").write_text("hello\n")
    data = work / "server"
    admin = [str(BIN / "depot-server")]
    project = subprocess.run([*admin, "project", "create", "bench", "--data-dir", str(data)],
                             capture_output=True, text=True, check=True).stdout.strip()
    token = subprocess.run([*admin, "token", "create", "--data-dir", str(data)],
                           capture_output=True, text=True, check=True).stdout.strip()
    port, gport = _free_port(), _free_port()
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen(
            [*admin, "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{port}", "--gateway-listen",
             f"127.0.0.1:{gport}", "--builder", f"amd64=docker://unix://{sock},capacity=4"],
            stdout=log, stderr=log, start_new_session=True,
        )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DEPOT_", "BUILDKIT_", "DOCKER_"))}
        base.update(HOME=str(work / "home"), DEPOTCI_BUILDER_DIR=str(Path(sock).parent))
        direct_env = dict(base, DOCKER_HOST=f"unix://{sock}")
        api_env = dict(base, DEPOT_API_URL=f"http://127.0.0.1:{port}", DEPOT_TOKEN=token, DEPOT_PROJECT_ID=project,
                       DEPOT_NO_UPDATE_NOTIFIER="1", DEPOT_ERROR_TELEMETRY="0", DEPOT_DISABLE_OTEL="1")
        ours = [str(BIN / "depot"), "build", "--progress=quiet", str(ctx)]
        cases = {"direct": (ours, direct_env), "ours-api": (ours, api_env)}
        if real:
            cases["real-api"] = ([real, "build", "--progress=quiet", str(ctx)], api_env)
        else:
            print("real-api: skipped: scripts/peers could not install the real depot CLI")
        times: dict[str, list[float]] = {name: [] for name in cases}
        for cmd, env in cases.values():
            _run(cmd, env)  # warm-up: fills the build cache and the peers' page cache
        for _ in range(args.runs):
            for name, (cmd, env) in cases.items():
                times[name].append(_run(cmd, env))
        med = {name: statistics.median(ts) for name, ts in times.items()}
        print(f"no-change rebuild of a tiny FROM scratch context, median of {args.runs} runs:")
        for name, m in med.items():
            print(f"  {name:9s} {m * 1000:7.0f} ms   (min {min(times[name]) * 1000:.0f} ms)")
        print(f"  ratio ours-api / direct   = {med['ours-api'] / med['direct']:.2f}")
        if "real-api" in med:
            print(f"  ratio ours-api / real-api = {med['ours-api'] / med['real-api']:.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
