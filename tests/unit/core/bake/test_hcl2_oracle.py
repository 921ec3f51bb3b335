"""Differential test: our HCL parser against python-hcl2 (a test-time oracle only).

Our hand-written parser is on the hot path because python-hcl2 is ~20x too slow for big bake files and
gives no positions; here both parse the same files and must agree on the structure (block types and
labels in order, attribute names, and the value of every literal).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from depotci.core.bake.hcl.body import Body
from depotci.core.bake.hcl.diag import Diag
from depotci.core.bake.hcl.nodes import Lit, Node, Obj, Tuple
from depotci.core.bake.hcl.parser import parse_hcl

SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "conformance" / "bake"
HERE = Path(__file__).parent
EXPR = "<expr>"

hcl2_missing = importlib.util.find_spec("hcl2") is None


def _files() -> list[Path]:
    out = sorted(SHARED.glob("*/*.hcl")) if SHARED.is_dir() else []
    return out + sorted((HERE / "cases").glob("*/*.hcl"))


def _mine_value(node: Node, text: str) -> Any:
    if isinstance(node, Lit):
        src = text[node.start : node.end]
        if isinstance(node.value, str) and (
            "\\" in src or "$${" in src or "%%{" in src or src.startswith("<<")
        ):
            return EXPR
        v = node.value
        return float(v) if type(v).__name__ == "Decimal" else v
    if isinstance(node, Tuple):
        return [_mine_value(i, text) for i in node.items]
    if isinstance(node, Obj):
        out = {}
        for k, v in node.items:
            if not isinstance(k, Lit):
                return EXPR
            out[str(k.value)] = _mine_value(v, text)
        return out
    return EXPR


def _mine(body: Body, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {name: _mine_value(a.expr, text) for name, a in body.attrs.items()}
    for b in body.blocks:
        d: dict[str, Any] = _mine(b.body, text)
        for label in reversed(b.labels):
            d = {label: d}
        out.setdefault(b.type, []).append(d)
    return out


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _theirs(v: Any) -> Any:
    if isinstance(v, dict):
        return {_unquote(k): _theirs(x) for k, x in v.items() if k != "__is_block__"}
    if isinstance(v, list):
        return [_theirs(x) for x in v]
    if isinstance(v, str):
        plain = "${" not in v and "%{" not in v and "\\" not in v and not v.startswith(('"<<', "<<"))
        if len(v) >= 2 and v[0] == v[-1] == '"' and plain:
            return v[1:-1]
        return EXPR
    return v


@pytest.mark.skipif(hcl2_missing, reason="python-hcl2 not installed (test-time oracle)")
@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_structure_matches_python_hcl2(path: Path) -> None:
    import hcl2

    text = path.read_text(encoding="utf-8")
    try:
        theirs = _theirs(hcl2.loads(text))
    except Exception:  # noqa: BLE001 - the oracle rejects it: so must we
        with pytest.raises(Diag):
            parse_hcl(path.name, text)
        return
    assert _mine(parse_hcl(path.name, text), text) == theirs


@pytest.mark.skipif(hcl2_missing, reason="python-hcl2 not installed (test-time oracle)")
@pytest.mark.parametrize("n", [5, 40])
def test_generated_bench_files_match_python_hcl2(n: int) -> None:
    import hcl2

    sys.path.insert(0, str(HERE.parents[3] / "bench"))
    try:
        from bake_print import generate
    finally:
        sys.path.pop(0)
    text = generate(n)
    assert _mine(parse_hcl("gen.hcl", text), text) == _theirs(hcl2.loads(text))
