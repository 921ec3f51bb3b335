"""The API build lifecycle shared by build and bake (``ApiBuild``), and ``run_bake_api``'s sequence with
the builders and solves faked: one CreateBuild per project, links first and summaries last, one
FinishBuild per build with its outcome, ``depot.build`` in the metadata."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from depotci.core._gen.depot.cli.v1 import build_pb2
from depotci.core.auth.project import ResolvedProject
from depotci.core.auth.token import ResolvedToken
from depotci.core.bake.to_build import TargetBuild
from depotci.core.buildopts.model import BuildOptions
from depotci.core.commands import bake_api
from depotci.core.commands.bake_api import BakeApiTarget, run_bake_api
from depotci.core.commands.bake_report import TargetFailure
from depotci.core.commands.build import BuildResult
from depotci.core.commands.build_api_node import ApiBuild
from depotci.core.errors import BuilderError, BuildFailed, DepotError, InputError
from google.protobuf.timestamp_pb2 import Timestamp


class _Client:
    def client_stream(self, path: str, requests: Any, response_type: Any, *, token: str = "", timeout: float | None = None) -> Any:
        for _ in requests:
            pass
        return response_type()


class _API:
    def __init__(self, cancel_after: float | None = None) -> None:
        self.client = _Client()
        self.created: list[tuple[str, list[str]]] = []
        self.finished: list[tuple[str, str | None, bool]] = []
        self.cancel_after = cancel_after
        self._lock = threading.Lock()

    def create_build(self, token: str, project_id: str, options: list[Any]) -> Any:
        with self._lock:
            self.created.append((project_id, [o.target_name for o in options]))
            n = len(self.created)
        return build_pb2.CreateBuildResponse(build_id=f"b{n}", build_token=f"bt{n}", build_url=f"http://api/b{n}", project_id="")

    def get_buildkit_connection(self, token: str, build_id: str, platform: int) -> Any:
        active = build_pb2.GetBuildKitConnectionResponse.ActiveConnection(endpoint="tcp://127.0.0.1:1")
        return build_pb2.GetBuildKitConnectionResponse(active=active)

    def report_build_health(self, token: str, build_id: str, platform: int) -> Any:
        resp = build_pb2.ReportBuildHealthResponse()
        if self.cancel_after is not None:
            resp.cancels_at.CopyFrom(Timestamp(seconds=int(time.time() - 10)))
        return resp

    def finish_build(self, token: str, build_id: str, *, error: str | None = None, canceled: bool = False) -> None:
        with self._lock:
            self.finished.append((build_id, error, canceled))


class _Conn:
    def __init__(self) -> None:
        self.control = object()
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
def conns(monkeypatch: pytest.MonkeyPatch) -> list[_Conn]:
    made: list[_Conn] = []

    def connect(endpoint: Any, timeout: float = 0) -> _Conn:
        made.append(_Conn())
        return made[-1]

    monkeypatch.setattr("depotci.core.buildkit.connection.connect", connect)
    return made


def _created(api: _API) -> ApiBuild:
    return ApiBuild.create(api, "user-token", "p", [])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body_error", "expected_finish", "raised"),
    [
        (None, ("b1", None, False), None),
        (InputError("bad context"), ("b1", "bad context", False), "bad context"),
        (KeyboardInterrupt(), ("b1", None, True), None),
    ],
)
def test_builder_finishes_once_with_the_outcome(
    conns: list[_Conn], body_error: BaseException | None, expected_finish: tuple[str, str | None, bool], raised: str | None
) -> None:
    api = _API()
    build = _created(api)
    try:
        with build.builder("amd64") as conn:
            assert conn is conns[0]
            if body_error is not None:
                raise body_error
    except KeyboardInterrupt:
        pass
    except DepotError as exc:
        assert str(exc) == raised
    else:
        assert raised is None
    build.finish()  # a second finish is a no-op
    assert api.finished == [expected_finish]
    assert conns[0].closed.is_set()


@pytest.mark.parametrize(("by_api", "message"), [(True, "by the Depot API"), (False, "by an interrupt")])
def test_cancels_close_the_builder_and_finish_canceled(conns: list[_Conn], by_api: bool, message: str) -> None:
    api = _API(cancel_after=0 if by_api else None)
    build = _created(api)
    with pytest.raises(BuilderError, match=f"build b1 was canceled {message}"), build.builder("amd64") as conn:
        if not by_api:
            build.cancel()
        assert conn.closed.wait(5)  # type: ignore[attr-defined]
        raise BuilderError("the builder went away")
    assert (api.finished, build.outcome) == ([("b1", None, True)], "canceled")


class _Run:
    """A BakeRun stand-in: targets named bad* fail, the others succeed."""

    def __init__(self, builds: Mapping[str, TargetBuild]) -> None:
        self.results: dict[str, BuildResult] = {}
        self.failures: dict[str, TargetFailure] = {}
        for name in builds:
            if name.startswith("bad"):
                self.failures[name] = TargetFailure(BuildFailed(f"{name} broke"))
            else:
                self.results[name] = BuildResult({"containerimage.digest": f"sha256:{name}"}, {}, "ref")

    def run_targets(self) -> None:
        time.sleep(0.05)

    def close(self) -> None:
        pass

    def raise_crash(self) -> None:
        pass


@pytest.fixture
def fake_bake(monkeypatch: pytest.MonkeyPatch, conns: list[_Conn]) -> _API:
    api = _API()

    @contextmanager
    def client(url: str) -> Iterator[_API]:
        yield api

    monkeypatch.setattr(bake_api, "api_client", client)
    monkeypatch.setattr(bake_api, "start_run", lambda conn, builds, *a, **k: _Run(builds))
    return api


def _builds(*specs: tuple[str, str]) -> dict[str, TargetBuild]:
    return {name: TargetBuild(name, BuildOptions(context="/c", project=project)) for name, project in specs}


_TARGET = BakeApiTarget("http://api", ResolvedToken("user-token", "DEPOT_TOKEN"), ResolvedProject("dflt", "env"))


def test_two_projects_make_two_builds_with_links_and_metadata(fake_bake: _API, tmp_path: Path) -> None:
    err = io.StringIO()
    meta = tmp_path / "meta.json"
    result = run_bake_api(
        _builds(("app", ""), ("other", "p2")), {}, _TARGET, progress="plain", metadata_file=str(meta), stderr=err
    )
    assert sorted(fake_bake.created) == [("dflt", ["app"]), ("p2", ["other"])]
    assert sorted(fake_bake.finished) == [("b1", None, False), ("b2", None, False)]
    lines = [line for line in err.getvalue().splitlines() if line]
    assert lines[:2] == ["[depot] build: http://api/b1", "[depot] build: http://api/b2"]
    assert sorted(lines[-2:]) == ["Build Summary: http://api/b1", "Build Summary: http://api/b2"]
    data = json.loads(meta.read_text())
    assert data["app"]["depot.build"] == {"buildID": "b1", "projectID": "dflt"}
    assert data["other"]["depot.build"] == {"buildID": "b2", "projectID": "p2"}
    assert data["other"]["containerimage.digest"] == "sha256:other"
    assert data["depot.build"]["buildID"] in ("b1", "b2") and len(data["depot.build"]["targets"]) == 1
    assert sorted(result.results) == ["app", "other"]


def test_a_failing_target_fails_its_build_only(fake_bake: _API, tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(BuildFailed, match='target "bad" failed: bad broke'):
        run_bake_api(_builds(("bad", "p1"), ("good", "p2")), {"DEPOT_NO_SUMMARY_LINK": "1"}, _TARGET, progress="plain", stderr=err)
    assert sorted(fake_bake.finished) == [("b1", "bad broke", False), ("b2", None, False)]
    assert "[depot] build:" not in err.getvalue() and "Build Summary" not in err.getvalue()


def test_a_failed_create_cancels_the_builds_already_created(fake_bake: _API, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = fake_bake.create_build

    def create(token: str, project_id: str, options: list[Any]) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise DepotError("not_found: project 'p2' not found")
        return real(token, project_id, options)

    monkeypatch.setattr(fake_bake, "create_build", create)
    with pytest.raises(DepotError, match="project 'p2' not found"):
        run_bake_api(_builds(("a", "p1"), ("b", "p2")), {}, _TARGET, stderr=io.StringIO())
    assert fake_bake.finished == [("b1", None, True)]
