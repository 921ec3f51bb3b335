from __future__ import annotations

import io
from pathlib import Path

import pytest
from depotci.actions.outputs import Workflow, escape_data, escape_property


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [("a%b", "a%25b", "a%25b"), ("l1\nl2\r", "l1%0Al2%0D", "l1%0Al2%0D"), ("a:b,c", "a:b,c", "a%3Ab%2Cc")],
)
def test_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


@pytest.mark.parametrize(
    ("name", "message", "props", "line"),
    [
        ("error", "boom\nmore", {"file": "a,b.txt", "line": 3}, "::error file=a%2Cb.txt,line=3::boom%0Amore\n"),
        ("warning", "w", {"file": "", "line": 0, "title": ""}, "::warning::w\n"),
        ("error", "x::y", {"title": "t"}, "::error title=t::x:\u200b:y\n"),
        ("error", "x::y", {}, "::error::x::y\n"),
    ],
)
def test_command(name: str, message: str, props: dict[str, str | int], line: str) -> None:
    log = io.StringIO()
    Workflow(log).command(name, message, **props)
    assert log.getvalue() == line


def test_mask_each_line_once() -> None:
    log = io.StringIO()
    wf = Workflow(log)
    wf.mask("one\ntwo\n\n")
    wf.mask("one")
    assert log.getvalue() == "::add-mask::one\n::add-mask::two\n"


def test_group() -> None:
    log = io.StringIO()
    with Workflow(log).group("Build"):
        log.write("inside\n")
    assert log.getvalue() == "::group::Build\ninside\n::endgroup::\n"


def test_outputs_and_summary_files(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary"
    wf = Workflow(io.StringIO(), output_file=str(out), summary_file=str(summary))
    wf.set_output("metadata", '{\n  "a": 1\n}')
    wf.set_output("digest", "")
    wf.summary("## hi\n")
    lines = out.read_text().split("\n")
    delim = lines[0].removeprefix("metadata<<")
    assert delim.startswith("ghadelimiter_")
    assert lines[1:5] == ["{", '  "a": 1', "}", delim]
    assert lines[5].startswith("digest<<") and lines[6] == "" and lines[7] == lines[5].removeprefix("digest<<")
    assert summary.read_text() == "## hi\n"


def test_output_without_a_file_goes_to_the_log() -> None:
    log = io.StringIO()
    Workflow(log).set_output("digest", "sha256:x")
    assert log.getvalue() == "digest=sha256:x\n"
