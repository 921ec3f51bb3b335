"""``depot build --progress=plain`` against ``docker buildx build --progress=plain`` (0.13.1) on one daemon.

Both build the same contexts; their stderr is compared after normalising what differs between any two
runs of the same tool: durations, log timestamps, digests, the random build-arg values, and a status
line printed open in one batch and finished in the next (buildx's own batching does that at random).
Batching still depends on timing, so each comparison is tried up to three times.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DEPOT = str(Path(sys.executable).with_name("depot"))
ATTEMPTS = 3


def dockerfile(script: str) -> str:
    return (
        "FROM scratch\n"
        "COPY busybox nonce /bin/\n"
        "ARG R=1\n"
        f'RUN --network=none ["/bin/busybox","sh","-c","{script}"]\n'
    )


OK = dockerfile("echo one $R; echo two $R")
FAIL = dockerfile("echo one $R; echo two; exit 3")


def normalise(text: str) -> str:
    """Blank out what differs between runs of the same tool."""
    out: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"sha256:[0-9a-f]{64}", "sha256:<D>", line)
        line = re.sub(r"RND[0-9a-f]+", "RND<R>", line)
        line = re.sub(r"^(#\d+) DONE \d+\.\ds$", r"\1 DONE <T>", line)
        line = re.sub(r"^(#\d+) \d+\.\d+ ", r"\1 <E> ", line)  # a log line
        line = re.sub(r"^\d+\.\d+( |$)", r"<E>\1", line)  # a log line in the error block
        line = re.sub(r"^(#\d+ .*?) \d+\.\ds( done)?$", r"\1\2", line)  # a status's time
        if out and line.endswith(" done") and out[-1] == line[: -len(" done")]:
            out.pop()
        out.append(line)
    return "\n".join(out) + "\n"


def split_failure(text: str) -> tuple[str, str]:
    """The output before the final error line, and that line."""
    body, _, last = text.rstrip("\n").rpartition("\n")
    return body + "\n", last


@pytest.fixture
def tools(builder_env: dict[str, str]) -> Callable[[str, Path, str], subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUILDKIT_", "BUILDX_", "DEPOT_"))}
    env.update(builder_env)

    def run(tool: str, ctx: Path, arg: str) -> subprocess.CompletedProcess[str]:
        exe = builder_env["DEPOTCI_BUILDX"] if tool == "buildx" else DEPOT
        cmd = [exe, "build", "--progress=plain", "--build-arg", f"R={arg}", str(ctx)]
        return subprocess.run(cmd, env=env, cwd=ctx.parent, capture_output=True, text=True, timeout=300)

    return run


def rnd() -> str:
    return "RND" + uuid.uuid4().hex[:12]


@pytest.mark.parametrize(
    "name,content,cached,fails",
    [
        ("cached rebuild", OK, True, False),
        ("run with output", OK, False, False),
        ("failing run", FAIL, False, True),
    ],
)
def test_plain_progress_matches_buildx(
    tools: Callable[[str, Path, str], subprocess.CompletedProcess[str]],
    make_context: Callable[..., Path],
    name: str,
    content: str,
    cached: bool,
    fails: bool,
) -> None:
    # a nonce keeps the COPY step from being shared with other builds on the daemon
    ctx = make_context({"Dockerfile": content, "nonce": uuid.uuid4().hex}, name="ctx")
    warm = rnd()
    for tool in ("buildx", "depot"):  # both tools' context caches warm, the COPY (and RUN) cached
        tools(tool, ctx, warm)
    expected = actual = ""
    for _ in range(ATTEMPTS):
        bx = tools("buildx", ctx, warm if cached else rnd())
        ours = tools("depot", ctx, warm if cached else rnd())
        assert (bx.returncode != 0, ours.returncode != 0) == (fails, fails), (bx.stderr, ours.stderr)
        expected, actual = normalise(bx.stderr), normalise(ours.stderr)
        if fails:
            (expected, bx_last), (actual, our_last) = split_failure(expected), split_failure(actual)
            # buildx ends with its ERROR line, depot with its own error line carrying the same message
            assert bx_last.startswith("ERROR: failed to solve: "), bx_last
            assert our_last.startswith("error: ") and our_last.endswith(bx_last[len("ERROR: ") :]), our_last
            assert re.search(r"^------\n > \[2/2\] RUN .*:\n<E> one RND<R>\n<E> two\n------\n", expected, re.M)
        if expected == actual:
            break
    assert actual == expected
