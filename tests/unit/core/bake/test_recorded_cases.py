"""Extra ``depot bake --print`` cases recorded from the real CLI (2.102.12), run in-process.

Each folder under ``cases/`` holds the bake files, ``cmd`` (and optional ``env``/``stdin``) and what the
real CLI printed: ``expected.stdout``/``expected.stderr``/``expected.exit_code``. They extend the shared
conformance set with more of the same kinds (matrix naming, typed variables, Compose mapping, stdin,
nested groups, --set keys and error positions).
"""

from __future__ import annotations

import io
import os
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from depotci.core.cli.main import main

CASES = Path(__file__).parent / "cases"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


@pytest.mark.parametrize("name", NAMES)
def test_recorded_case(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES / name
    work = tmp_path / "work"
    shutil.copytree(case, work)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    if (case / "env").exists():
        for line in (case / "env").read_text(encoding="utf-8").splitlines():
            k, _, v = line.partition("=")
            env[k] = v
    monkeypatch.setattr(os, "environ", env)
    monkeypatch.chdir(work)
    stdin = (case / "stdin").read_bytes() if (case / "stdin").exists() else b""
    monkeypatch.setattr(sys, "stdin", _Stdin(stdin))
    argv = shlex.split((case / "cmd").read_text(encoding="utf-8"))[1:]
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (
        int((case / "expected.exit_code").read_text()),
        (case / "expected.stderr").read_text(encoding="utf-8"),
    )
    assert out == (case / "expected.stdout").read_text(encoding="utf-8")
