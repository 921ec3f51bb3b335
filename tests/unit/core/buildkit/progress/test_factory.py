"""Which printer --progress picks."""

from __future__ import annotations

import io

import pytest
from depotci.core.buildkit.progress import (
    PlainPrinter,
    QuietPrinter,
    SolveStatus,
    TtyPrinter,
    Vertex,
    is_terminal,
    make_printer,
    select_mode,
)
from depotci.core.errors import UsageError


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "mode,terminal,env,ci_plain,expected",
    [
        ("auto", True, {}, True, "tty"),
        ("auto", False, {}, True, "plain"),
        ("auto", True, {"CI": "true"}, True, "plain"),
        ("auto", True, {"CI": ""}, True, "tty"),
        ("auto", True, {"CI": "1"}, False, "tty"),  # bake keeps auto in CI
        ("auto", True, {"BUILDKIT_PROGRESS": "plain"}, True, "plain"),
        ("auto", False, {"BUILDKIT_PROGRESS": "quiet"}, True, "quiet"),
        ("auto", False, {"BUILDKIT_PROGRESS": "auto"}, True, "plain"),
        ("auto", True, {"CI": "1", "BUILDKIT_PROGRESS": "tty"}, True, "plain"),
        ("plain", True, {}, True, "plain"),
        ("tty", False, {"CI": "1"}, True, "tty"),
        ("quiet", True, {"BUILDKIT_PROGRESS": "tty"}, True, "quiet"),
    ],
)
def test_select_mode(mode: str, terminal: bool, env: dict[str, str], ci_plain: bool, expected: str) -> None:
    assert select_mode(mode, terminal=terminal, env=env, ci_plain=ci_plain) == expected


@pytest.mark.parametrize(
    "mode,env,message",
    [
        ("fancy", {}, "invalid --progress value 'fancy': expected auto, plain, tty or quiet"),
        ("auto", {"BUILDKIT_PROGRESS": "json"}, "invalid BUILDKIT_PROGRESS value 'json'"),
    ],
)
def test_select_mode_rejects_unknown_values(mode: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        select_mode(mode, terminal=False, env=env)


@pytest.mark.parametrize(
    "mode,stream,env,kind",
    [
        ("auto", FakeTerminal(), {}, TtyPrinter),
        ("auto", io.StringIO(), {}, PlainPrinter),
        ("auto", FakeTerminal(), {"CI": "true"}, PlainPrinter),
        ("tty", io.StringIO(), {}, TtyPrinter),
        ("quiet", FakeTerminal(), {}, QuietPrinter),
    ],
)
def test_make_printer_kind(mode: str, stream: io.StringIO, env: dict[str, str], kind: type) -> None:
    printer = make_printer(mode, stream, env=env, description="d")
    assert isinstance(printer, kind)
    assert printer.mode == {TtyPrinter: "tty", PlainPrinter: "plain", QuietPrinter: "quiet"}[kind]


def test_quiet_prints_nothing_but_remembers() -> None:
    out = io.StringIO()
    printer = make_printer("quiet", out, env={}, description="d", prefix="web")
    printer.update(
        SolveStatus(vertexes=[Vertex("sha256:a", "[1/1] RUN x", started=1.0, completed=2.0, error="bad")])
    )
    printer.close()
    assert out.getvalue() == ""
    failed = printer.failed_vertex()
    assert failed is not None and failed.name == "[web 1/1] RUN x"
    assert printer.vertex_name("sha256:a") == "[web 1/1] RUN x"
    assert printer.error_logs("sha256:a") == []


def test_plain_printer_gets_description_and_prefix() -> None:
    out = io.StringIO()
    printer = make_printer("plain", out, env={}, description='building with "x" instance', prefix="api")
    printer.update(
        SolveStatus(vertexes=[Vertex("sha256:a", "exporting to image", started=1.0, completed=1.5)])
    )
    printer.close()
    assert out.getvalue() == '#0 building with "x" instance\n\n#1 [api] exporting to image\n#1 DONE 0.5s\n'


class Closed(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(
    "stream,expected", [(FakeTerminal(), True), (io.StringIO(), False), (Closed(), False)]
)
def test_is_terminal(stream: io.StringIO, expected: bool) -> None:
    assert is_terminal(stream) is expected
