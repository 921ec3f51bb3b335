"""Collapsible section markers and the masking stream."""

from __future__ import annotations

import io

import pytest
from depotci.gitlab.log import MaskedStream, section, section_end, section_start


@pytest.mark.parametrize(
    ("name", "header", "collapsed", "expected"),
    [
        ("depotci_build", "depot build", False, "\x1b[0Ksection_start:1700000000:depotci_build\r\x1b[0Kdepot build\n"),
        ("setup", "inputs", True, "\x1b[0Ksection_start:1700000000:setup[collapsed=true]\r\x1b[0Kinputs\n"),
        ("bad name:x", "h", False, "\x1b[0Ksection_start:1700000000:bad_name_x\r\x1b[0Kh\n"),
    ],
)
def test_section_start(name: str, header: str, collapsed: bool, expected: str) -> None:
    assert section_start(name, header, collapsed=collapsed, now=1_700_000_000.4) == expected


def test_section_end() -> None:
    assert section_end("a.b-c", now=1_700_000_001) == "\x1b[0Ksection_end:1700000001:a.b-c\r\x1b[0K\n"


def test_section_closes_when_the_body_raises() -> None:
    out = io.StringIO()
    with pytest.raises(ValueError), section(out, "s", "header"):
        out.write("body\n")
        raise ValueError("boom")
    text = out.getvalue()
    assert text.index("section_start:") < text.index("body") < text.index("section_end:")
    assert text.count("section_end:") == 1 and text.endswith(":s\r\x1b[0K\n")


@pytest.mark.parametrize(
    ("secrets", "writes", "expected"),
    [
        (["s3cret-token"], ["auth with s3cret-token\n"], "auth with [MASKED]\n"),
        (["s3cret-token"], ["auth with s3cr", "et-token done\n"], "auth with [MASKED] done\n"),
        (["line-one\nline-two"], ["x line-two y\n"], "x [MASKED] y\n"),
        (["abc"], ["abc is too short to mask\n"], "abc is too short to mask\n"),
        (["token-1", "token-1-longer"], ["token-1-longer\n"], "[MASKED]\n"),
        ([], ["no newline at the end"], "no newline at the end"),
    ],
)
def test_masked_stream(secrets: list[str], writes: list[str], expected: str) -> None:
    target = io.StringIO()
    stream = MaskedStream(target)
    stream.mask(*secrets)
    for w in writes:
        stream.write(w)
    stream.flush()
    assert target.getvalue() == expected


def test_masked_stream_holds_partial_lines_and_reports_lines() -> None:
    target = io.StringIO()
    stream = MaskedStream(target)
    seen: list[str] = []
    stream.watchers.append(seen.append)
    stream.write("[depot] build: http://x/b/1")
    assert target.getvalue() == ""
    stream.write("\nnext\n")
    assert target.getvalue() == "[depot] build: http://x/b/1\nnext\n"
    assert seen == ["[depot] build: http://x/b/1", "next"]
    assert stream.text is stream and not stream.isatty()
