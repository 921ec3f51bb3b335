"""Bake targets on shared sessions: dir names, session packing, dependency inputs, export-vertex digests,
and planning one target (``depotci.core.commands.bake_targets`` / ``bake.prepare_target``)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from depotci.core.bake.model import ResolvedTarget
from depotci.core.bake.to_build import target_build
from depotci.core.buildkit.progress import SolveStatus, Vertex, VertexLog, VertexStatus, VertexWarning
from depotci.core.buildkit.session.filesend import OutputTarget
from depotci.core.buildopts.model import Platform
from depotci.core.buildopts.plan_inputs import CONTEXTS_CAP
from depotci.core.buildopts.plan_model import BuilderInfo, SolvePlan
from depotci.core.commands.bake import prepare_target
from depotci.core.commands.bake_targets import (
    SessionNeeds,
    TargetSolve,
    dependency_inputs,
    pack_sessions,
    remap_status,
    session_names,
    session_vertices,
)
from depotci.core.commands.build_inputs import LocalInputs
from depotci.core.errors import InputError

BUILDER = BuilderInfo("dockerd", True, ("linux/amd64",), "linux/amd64")


@pytest.mark.parametrize(
    ("dirs", "attrs", "want_dirs", "want_attrs"),
    [
        (
            {"context": "/c", "dockerfile": "/c"},
            {"filename": "Dockerfile"},
            {"context": "/c", "dockerfile:web": "/c"},
            {"filename": "Dockerfile", "dockerfilekey": "dockerfile:web"},
        ),
        (
            {"context": "/c", "dockerfile": "/d", "src": "/s", "_context": "/x"},
            {"dockerfilekey": "dockerfile", "context:src": "local:src", "context:context": "local:_context", "context:img": "docker-image://a"},
            {"context": "/c", "dockerfile:web": "/d", "src:web": "/s", "_context:web": "/x"},
            {
                "dockerfilekey": "dockerfile:web",
                "context:src": "local:src:web",
                "context:context": "local:_context:web",
                "context:img": "docker-image://a",
            },
        ),
        ({}, {"context": "https://github.com/a/b.git"}, {}, {"context": "https://github.com/a/b.git"}),
    ],
)
def test_session_names(dirs: dict[str, str], attrs: dict[str, str], want_dirs: dict[str, str], want_attrs: dict[str, str]) -> None:
    assert session_names("web", dirs, attrs) == (want_dirs, want_attrs)


def _solve(name: str, **needs: object) -> TargetSolve:
    build = target_build(ResolvedTarget(name), cwd="/w", env={}, host=Platform("linux", "amd64"))
    plan = SolvePlan("dockerfile.v0", {}, (), (), (), (), {}, (), ())
    return TargetSolve(build, plan, {}, SessionNeeds(**needs))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("solves", "groups"),
    [
        (
            [_solve("a", dirs={"context": "/c", "dockerfile:a": "/c"}), _solve("b", dirs={"context": "/c", "dockerfile:b": "/d"})],
            [["a", "b"]],
        ),
        (
            [
                _solve("a", dirs={"context": "/c"}),
                _solve("b", dirs={"context": "/other"}),
                _solve("c", dirs={"context": "/c"}),
                _solve("d", dirs={}),
            ],
            [["a", "c", "d"], ["b"]],
        ),
        (
            [_solve("a", secrets={"t": b"1"}), _solve("b", secrets={"t": b"2"}), _solve("c", secrets={"t": b"1", "u": b"3"})],
            [["a", "c"], ["b"]],
        ),
        (
            [_solve("a", agents={"default": "/s1"}), _solve("b", agents={"default": "/s2"})],
            [["a"], ["b"]],
        ),
        (
            [
                _solve("a", outputs={0: OutputTarget("dir", "/o1")}),
                _solve("b", outputs={1: OutputTarget("file", "/o2")}),
                _solve("c", outputs={0: OutputTarget("dir", "/o3")}),
            ],
            [["a", "b"], ["c"]],
        ),
    ],
)
def test_pack_sessions(solves: list[TargetSolve], groups: list[list[str]]) -> None:
    packed = pack_sessions(solves)
    assert [names for _, names in packed] == groups
    for needs, names in packed:
        for ts in solves:
            if ts.name in names:
                assert needs.fits(ts.needs)


def test_pack_sessions_merges_needs() -> None:
    (needs, _), = pack_sessions([_solve("a", dirs={"context": "/c"}, secrets={"x": b"1"}), _solve("b", dirs={"dockerfile:b": "/d"})])
    assert (needs.dirs, needs.secrets) == ({"context": "/c", "dockerfile:b": "/d"}, {"x": b"1"})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("definitions", "metadata", "attrs", "inputs"),
    [
        (
            {"": b"DEF"},
            {"containerimage.config": b"{cfg}", "refs.platforms": b"x"},
            {
                "frontend.caps": CONTEXTS_CAP,
                "context:base": "input:base",
                "input-metadata:base": json.dumps({"containerimage.config": _b64(b"{cfg}")}, separators=(",", ":")),
            },
            {"base": b"DEF"},
        ),
        ({"": b"DEF"}, {}, {"frontend.caps": CONTEXTS_CAP, "context:base": "input:base"}, {"base": b"DEF"}),
        (
            {"linux/arm64": b"A", "linux/amd64": b"B"},
            {
                "containerimage.config/linux/amd64": b"c1",
                "containerimage.buildinfo/linux/amd64": b"b1",
                "containerimage.config/linux/arm64": b"c2",
            },
            {
                "frontend.caps": CONTEXTS_CAP,
                "context:base::linux/amd64": "input:base::linux/amd64",
                "context:base::linux/arm64": "input:base::linux/arm64",
                "input-metadata:base::linux/amd64": json.dumps(
                    {"containerimage.buildinfo": _b64(b"b1"), "containerimage.config": _b64(b"c1")}, separators=(",", ":")
                ),
                "input-metadata:base::linux/arm64": json.dumps({"containerimage.config": _b64(b"c2")}, separators=(",", ":")),
            },
            {"base::linux/amd64": b"B", "base::linux/arm64": b"A"},
        ),
    ],
)
def test_dependency_inputs(definitions: dict[str, bytes], metadata: dict[str, bytes], attrs: dict[str, str], inputs: dict[str, bytes]) -> None:
    assert dependency_inputs("base", "base", definitions, metadata) == (attrs, inputs)


def _d(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("exporters", "caches", "expected"),
    [
        (0, 0, {}),
        (1, 0, {_d("S-export-0"): _d("S-web-export-0")}),
        (2, 1, {_d("S-export-0"): _d("S-web-export-0"), _d("S-export-1"): _d("S-web-export-1"), _d("S-cache-0"): _d("S-web-cache-0")}),
    ],
)
def test_session_vertices(exporters: int, caches: int, expected: dict[str, str]) -> None:
    assert session_vertices("S", "web", exporters, caches) == expected


def test_remap_status_rewrites_every_vertex_reference() -> None:
    status = SolveStatus(
        vertexes=(Vertex("old", "exporting to image", inputs=("old", "x")), Vertex("x", "RUN")),
        statuses=(VertexStatus("id", "old"),),
        logs=(VertexLog("old", b"line"),),
        warnings=(VertexWarning("old", b"w"),),
    )
    out = remap_status(status, {"old": "new"})
    assert [v.digest for v in out.vertexes] == ["new", "x"]
    assert out.vertexes[0].inputs == ("new", "x")
    assert (out.statuses[0].vertex, out.logs[0].vertex, out.warnings[0].vertex) == ("new", "new", "new")
    assert remap_status(status, {}) is status


@pytest.fixture
def inputs() -> Iterator[LocalInputs]:
    li = LocalInputs()
    yield li
    li.close()


def _ctx(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "tok").write_text("s3cret")
    return tmp_path


def test_prepare_target(tmp_path: Path, inputs: LocalInputs) -> None:
    ctx = _ctx(tmp_path)
    t = ResolvedTarget("web", context=str(ctx), secrets=({"id": "tok", "src": str(ctx / "tok")},), outputs=({"dest": "out", "type": "local"},))
    ts = prepare_target(target_build(t, cwd=str(ctx), env={}), BUILDER, {}, inputs)
    assert ts.needs.dirs == {"context": str(ctx), "dockerfile:web": str(ctx)}
    assert ts.attrs["dockerfilekey"] == "dockerfile:web"
    assert ts.needs.secrets == {"tok": b"s3cret"}
    assert ts.needs.outputs == {0: OutputTarget("dir", str(ctx / "out"))}
    assert ts.user_dirs() == {"context": str(ctx), "dockerfile": str(ctx)}


def test_prepare_target_inline_dockerfile(tmp_path: Path, inputs: LocalInputs) -> None:
    t = ResolvedTarget("web", context=str(tmp_path), dockerfile_inline="FROM scratch\nLABEL a=b\n")
    ts = prepare_target(target_build(t, cwd=str(tmp_path), env={}), BUILDER, {}, inputs)
    served = Path(ts.needs.dirs["dockerfile:web"])
    assert served != tmp_path
    assert (served / ts.attrs["filename"]).read_text() == "FROM scratch\nLABEL a=b\n"
    assert ts.attrs["dockerfilekey"] == "dockerfile:web"
    inputs.close()
    assert not served.exists()


def test_prepare_target_project_id_does_not_reach_the_builder(tmp_path: Path, inputs: LocalInputs) -> None:
    t = ResolvedTarget("web", context=str(_ctx(tmp_path)), project_id="p1")
    ts = prepare_target(target_build(t, cwd=str(tmp_path), env={}), BUILDER, {}, inputs)
    assert ts.build.project_id == "p1"


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (ResolvedTarget("web", dockerfile="Missing"), InputError, 'target "web": Dockerfile '),
        (ResolvedTarget("web", secrets=({"id": "x", "src": "nope"},)), InputError, "target \"web\": secret 'x': cannot read"),
        # a local cache directory that is a file
        (ResolvedTarget("web", cache_to=({"dest": "tok", "type": "local"},)), InputError, 'target "web": --cache-to type=local,dest='),
    ],
)
def test_prepare_target_errors_name_the_target(
    tmp_path: Path, inputs: LocalInputs, target: ResolvedTarget, error: type[Exception], message: str
) -> None:
    _ctx(tmp_path)
    with pytest.raises(error) as exc:
        prepare_target(target_build(target, cwd=str(tmp_path), env={}), BUILDER, {}, inputs)
    assert str(exc.value).startswith(message)


def test_target_result_counts_the_targets_dirs() -> None:
    from depotci.core.commands.bake_exec import target_result

    ts = _solve("web", dirs={"context": "/c", "dockerfile:web": "/c"})
    r = target_result(ts, {"containerimage.digest": "sha256:1"}, "REF", {"context": 10, "dockerfile:web": 2, "dockerfile:api": 5})
    assert (r.bytes_sent, r.dirs_sent, r.ref, r.digest) == (12, {"context": 10, "dockerfile:web": 2}, "REF", "sha256:1")
    assert r.metadata == {"buildx.build.ref": "default/default/REF", "containerimage.digest": "sha256:1"}
