"""Benchmark ``depot bake --print``: ours vs the real depot CLI vs ``docker buildx bake --print``.

Generates bake files of 300, 1,000 and 3,000 target blocks (variables, a user function, inherits,
interpolation, and a 2x2 matrix on every tenth target), runs each tool on the same files alternately and
prints wall time, peak RSS (from ``wait4``) and the ratios against ours.

    .venv/bin/python bench/bake_print.py [--runs N] [--sizes 300,1000,3000]

Peers: the real CLI from ``npm install --prefix /tmp/depotcli @depot/cli-linux-x64@0.0.1-cli.2.102.12``
(override with DEPOT_REAL), buildx at /tmp/depotci-builder/root/usr/libexec/docker/cli-plugins/docker-buildx
(override with BUILDX). A missing peer prints ``skipped: <why>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["generate", "main"]

REPO = Path(__file__).resolve().parents[1]
OURS = Path(sys.executable).parent / "depot"
REAL = Path(os.environ.get("DEPOT_REAL", "/tmp/depotcli/node_modules/@depot/cli-linux-x64/bin/depot"))
BUILDX = Path(
    os.environ.get("BUILDX", "/tmp/depotci-builder/root/usr/libexec/docker/cli-plugins/docker-buildx")
)

HEADER = """variable "REGISTRY" {
  default = "registry.example.com/acme"
}

variable "TAG" {
  default = "latest"
}

variable "GO_VERSION" {
  default = "1.22"
}

function "image" {
  params = [name, tag]
  result = "${REGISTRY}/${name}:${tag}"
}

target "_common" {
  args = {
    GO_VERSION = GO_VERSION
    BUILDKIT_INLINE_CACHE = "1"
  }
  labels = {
    "org.opencontainers.image.vendor" = "Acme"
  }
  platforms = ["linux/amd64"]
}
"""

PLAIN = """
target "svc-{i}" {{
  inherits   = ["_common"]
  context    = "./services/svc-{i}"
  dockerfile = "Dockerfile"
  tags       = [image("svc-{i}", TAG), "${{REGISTRY}}/svc-{i}:${{GO_VERSION}}"]
  args = {{
    SERVICE = "svc-{i}"
    INDEX   = "{i}"
  }}
  labels = {{
    "org.opencontainers.image.title" = upper("svc-{i}")
  }}
  cache-from = ["type=registry,ref=${{REGISTRY}}/cache:svc-{i}"]
}}
"""

MATRIX = """
target "mx-{i}" {{
  name     = "mx-{i}-${{replace(go, ".", "-")}}-${{flavor}}"
  inherits = ["_common"]
  matrix = {{
    go     = ["1.21", "1.22"]
    flavor = ["alpine", "debian"]
  }}
  context = "./services/mx-{i}"
  args = {{
    GO_VERSION = go
    FLAVOR     = flavor
  }}
  tags = [image("mx-{i}", "${{go}}-${{flavor}}")]
}}
"""


def generate(n: int) -> str:
    """A bake file with ``n`` target blocks (every tenth a 2x2 matrix) and a default group of all."""
    blocks = [HEADER]
    names = []
    for i in range(n):
        if i % 10 == 9:
            blocks.append(MATRIX.format(i=i))
        else:
            blocks.append(PLAIN.format(i=i))
        names.append(f"mx-{i}" if i % 10 == 9 else f"svc-{i}")
    blocks.append('\ngroup "default" {\n  targets = [' + ", ".join(f'"{x}"' for x in names) + "]\n}\n")
    return "".join(blocks)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, peak RSS MiB, exit code and stdout of one run."""
    out = cwd / "out.json"
    t0 = time.perf_counter()
    with open(out, "wb") as fh:
        proc_pid = os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, fh.fileno(), 1),
                (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
            ],
        )
    _, status, usage = os.wait4(proc_pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, code, out.read_bytes()


def _normalized(out: bytes) -> object:
    """The plan with group member lists sorted: Go orders matrix-generated names randomly."""
    import json

    try:
        plan = json.loads(out)
    except ValueError:
        return out
    for g in plan.get("group", {}).values():
        g["targets"] = sorted(g["targets"])
    return plan


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="300,1000,3000")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    tools: dict[str, list[str]] = {"ours": [str(OURS), "bake", "--print"]}
    skipped = []
    if REAL.exists():
        tools["depot"] = [str(REAL), "bake", "--print"]
    else:
        skipped.append(
            f"depot: skipped: {REAL} not found (npm install --prefix /tmp/depotcli @depot/cli-linux-x64@0.0.1-cli.2.102.12)"
        )
    if BUILDX.exists():
        tools["buildx"] = [str(BUILDX), "bake", "--print"]
    else:
        skipped.append(f"buildx: skipped: {BUILDX} not found")
    for line in skipped:
        print(line)
    print(
        f"{'blocks':>6} {'tool':>7} {'wall s (median)':>16} {'peak MiB':>9} {'wall vs ours':>13} {'same output':>12}"
    )
    with tempfile.TemporaryDirectory(prefix="bakebench-") as td:
        for n in sizes:
            work = Path(td) / f"n{n}"
            work.mkdir()
            (work / "docker-bake.hcl").write_text(generate(n), encoding="utf-8")
            home = work / "home"
            home.mkdir()
            cfg = work / "dockercfg"
            cfg.mkdir()
            env = {"HOME": str(home), "PATH": f"{OURS.parent}:/usr/bin:/bin", "DOCKER_CONFIG": str(cfg)}
            os.chdir(work)
            walls: dict[str, list[float]] = {t: [] for t in tools}
            rss: dict[str, list[float]] = {t: [] for t in tools}
            outputs: dict[str, bytes] = {}
            for _ in range(args.runs):
                for name, cmd in tools.items():
                    wall, peak, code, out = _run(cmd, work, env)
                    if code != 0:
                        print(f"{n:>6} {name:>7} failed with exit code {code}")
                        break
                    walls[name].append(wall)
                    rss[name].append(peak)
                    outputs[name] = out
            base = statistics.median(walls["ours"]) if walls["ours"] else float("nan")
            for name in tools:
                if not walls[name]:
                    continue
                med = statistics.median(walls[name])
                same = (
                    "yes"
                    if _normalized(outputs.get(name, b"")) == _normalized(outputs.get("ours", b""))
                    else "no"
                )
                print(f"{n:>6} {name:>7} {med:>16.3f} {max(rss[name]):>9.1f} {med / base:>12.2f}x {same:>12}")
            os.chdir(REPO)
            shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
