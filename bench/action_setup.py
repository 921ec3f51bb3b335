"""Issue 6 benchmark: the build-push action's set-up overhead under act (host mode), from the start of
the action's step to the first request to the builder, cold (empty install cache: the first job on a
runner) and warm (the install reused).

A fixture repository holds the actions and a workflow with two steps: the first writes a timestamp (the
moment the action's step is about to start), the second is ``uses: ./`` with ``buildkit-host`` pointing at
a loopback TCP listener owned by this script, which records the moment of its first connection (the
first request to the builder) and closes it (the build then fails; that is not measured). Overhead =
first connection - timestamp. ``--runs`` cold runs (each with a fresh install cache and a fresh HOME, so
pip's download cache is empty too) and warm runs (one cache).

    .venv/bin/python bench/action_setup.py [--runs 3]

Needs the CI tools (``scripts/ci-tools``) and PyPI for the cold installs (the dependencies are
downloaded: cold figures measure the network as much as the action).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = """name: bench
on: workflow_dispatch
permissions:
  contents: read
jobs:
  bench:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4.3.0
        with:
          persist-credentials: false
      - run: python3 -c 'import time; print(time.time())' > "$STAMP_FILE"
        env:
          STAMP_FILE: ${{ vars.STAMP_FILE }}
      - uses: ./
        with:
          context: examples/github/app
          buildkit-host: ${{ vars.BUILDKIT }}
"""


class FirstConnection:
    """A loopback listener that records when its first connection arrives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.at: float | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.at is None:
                self.at = time.time()
            conn.close()


def _repo(dest: Path) -> Path:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "integration")]
    from test_github_support import make_repo

    repo = make_repo(dest)
    (repo / "bench.yml").write_text(WORKFLOW)
    return repo


def _once(repo: Path, act: Path, cache: Path, work: Path, home: Path) -> float:
    """One act run; ``home`` holds pip's download cache, so a fresh one is a runner that has never
    downloaded the dependencies."""
    listener = FirstConnection()
    stamp = work / "stamp"
    cmd = [str(act), "workflow_dispatch", "-W", "bench.yml", "-P", "ubuntu-latest=-self-hosted", "--no-cache-server",
           "--action-cache-path", str(work / "act-cache"), "--var", f"STAMP_FILE={stamp}",
           "--var", f"BUILDKIT=tcp://127.0.0.1:{listener.port}", "--env", f"DEPOTCI_ACTION_CACHE={cache}"]
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin:" + str(Path(sys.executable).parent), "HOME": str(home)}
    out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    listener.sock.close()
    if listener.at is None or not stamp.exists():
        raise SystemExit(f"no request reached the builder:\n{out.stdout[-3000:]}{out.stderr[-2000:]}")
    return listener.at - float(stamp.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tools = subprocess.run([str(REPO / "scripts" / "ci-tools")], capture_output=True, text=True, check=True)
    act = Path(tools.stdout.strip().splitlines()[-1]) / "act"
    work = Path(tempfile.mkdtemp(prefix="depotci-bench-action-"))
    try:
        repo = _repo(work / "repo")
        cold = []
        for i in range(args.runs):
            cache = work / f"cold-{i}"
            cold.append(_once(repo, act, cache, work, work / f"home-{i}"))
        warm_cache = work / "cold-0"
        warm = [_once(repo, act, warm_cache, work, work / "home-0") for _ in range(args.runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, values, target in (("cold", cold, 5.0), ("warm", warm, 1.5)):
        print(f"{name}: median {statistics.median(values):.2f} s  range {min(values):.2f}-{max(values):.2f} s"
              f"  (target < {target} s)  runs: {', '.join(f'{v:.2f}' for v in values)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
