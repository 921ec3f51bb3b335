"""Run every recorded ``depot bake --print`` case of ../shared/conformance/bake against our ``depot``.

Each case runs in a copy of its folder with a clean environment (empty HOME, minimal PATH, the case's
``env``). Successful cases must match stdout byte for byte (or one of ``expected.variants.json``); error
cases must exit 1 with empty stdout and one stderr line naming the same problem.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES_DIR = SHARED / "conformance" / "bake"
DEPOT = Path(sys.executable).parent / "depot"

CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []


def _read(case: Path, name: str) -> str:
    p = case / name
    return p.read_text(encoding="utf-8") if p.exists() else ""


def _run(case: Path, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    work = tmp_path / "case"
    shutil.copytree(case, work)
    for p in [work, *work.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{DEPOT.parent}:/usr/bin:/bin"}
    for line in _read(case, "env").splitlines():
        if "=" in line:
            k, _, v = line.partition("=")
            env[k] = v
    argv = shlex.split(_read(case, "cmd"))
    assert argv[0] == "depot"
    return subprocess.run(
        [str(DEPOT), *argv[1:]], cwd=work, env=env, capture_output=True, timeout=60, check=False
    )


@pytest.mark.skipif(not CASES, reason=f"conformance cases not found at {CASES_DIR}")
@pytest.mark.parametrize("name", CASES)
def test_bake_case(name: str, tmp_path: Path) -> None:
    case = CASES_DIR / name
    res = _run(case, tmp_path)
    out, err = res.stdout.decode(), res.stderr.decode()
    want_code = int(_read(case, "expected.exit_code").strip() or "0")
    if name.startswith("E"):
        assert res.returncode == want_code == 1
        assert out == ""
        assert err.count("\n") == 1, err
        assert err == _read(case, "expected.stderr")
        return
    variants_file = case / "expected.variants.json"
    if variants_file.exists():
        variants = json.loads(variants_file.read_text(encoding="utf-8"))
        assert any(
            out == v["stdout"] and err == v["stderr"] and res.returncode == v["exit_code"] for v in variants
        ), out
        return
    assert (res.returncode, err) == (want_code, _read(case, "expected.stderr"))
    assert out == _read(case, "expected.stdout")


def test_cases_present_or_skipped() -> None:
    """Documents where the cases come from; fails only if the folder exists but holds no case."""
    if CASES_DIR.is_dir():
        assert CASES, f"{CASES_DIR} holds no case"
    else:
        pytest.skip(f"shared folder missing: {CASES_DIR}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
