"""List and boolean inputs, read like the GitHub actions read theirs."""

from __future__ import annotations

import pytest
from depotci.core.ci_lists import parse_bool_input, parse_list
from depotci.core.errors import UsageError


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("", {}, []),
        ("a,b\nc", {}, ["a", "b", "c"]),
        ("  a , b  \n\n\nc  ", {}, ["a", "b", "c"]),
        ("a\r\nb", {}, ["a", "b"]),
        ('"x,y",z', {}, ["x,y", "z"]),
        ('"say ""hi"""', {}, ['say "hi"']),
        ('"line1\nline2",b', {}, ["line1\nline2", "b"]),
        ('ab"c', {}, ['ab"c']),
        ("type=registry,ref=x\ntype=gha", {"ignore_comma": True}, ["type=registry,ref=x", "type=gha"]),
        ('KEY="a,b"', {"ignore_comma": True}, ['KEY="a,b"']),
        ('"KEY=a,b"', {"ignore_comma": True}, ["KEY=a,b"]),
        ('"KEY=l1\nl2"\nX=1', {"ignore_comma": True}, ["KEY=l1\nl2", "X=1"]),
        ('t.output="type=image,name=a"', {"ignore_comma": True, "quote": False}, ['t.output="type=image,name=a"']),
        ('"a,b"', {"quote": False}, ['"a', 'b"']),
    ],
)
def test_parse_list(text: str, kwargs: dict[str, bool], expected: list[str]) -> None:
    assert parse_list(text, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [("true", False, True), ("TRUE", False, True), ("True", False, True), ("false", True, False),
     ("FALSE", True, False), ("", True, True), ("  ", False, False), (" true ", False, True)],
)
def test_parse_bool(text: str, default: bool, expected: bool) -> None:
    assert parse_bool_input("push", text, default) is expected


@pytest.mark.parametrize("text", ["yes", "1", "tRue", "on"])
def test_parse_bool_refuses_other_words(text: str) -> None:
    with pytest.raises(UsageError, match=rf"invalid input 'push' value '{text}': expected true or false"):
        parse_bool_input("push", text)
