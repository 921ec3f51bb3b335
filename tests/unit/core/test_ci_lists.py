from __future__ import annotations

import pytest
from depotci.core.ci_lists import parse_bool_input, parse_list
from depotci.core.errors import UsageError


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        ("", {}, []),
        ("  \n\n", {}, []),
        ("a,b\nc", {}, ["a", "b", "c"]),
        ("a, b ,,\n\n c ", {}, ["a", "b", "c"]),
        ('"a,b"', {}, ["a", "b"]),  # a lone quoted field is still split on commas (toolkit quirk)
        ('"a,b",c', {}, ["a,b", "c"]),
        ("type=registry,ref=x\nfoo", {"ignore_comma": True}, ["type=registry,ref=x", "foo"]),
        ('"type=registry,ref=x"', {"ignore_comma": True}, ["type=registry,ref=x"]),
        ('"K=line1\nline2"\nB=2', {"ignore_comma": True}, ["K=line1\nline2", "B=2"]),
        ('"say ""hi"""', {"ignore_comma": True}, ['say "hi"']),
        ('a"b,c', {}, ['a"b', "c"]),  # relaxQuotes: a quote inside an unquoted field is literal
        ('type=image,"name=a,b"', {"ignore_comma": True, "quote": False}, ['type=image,"name=a,b"']),
        ("x=1\ny=2", {"ignore_comma": True, "quote": False}, ["x=1", "y=2"]),
    ],
)
def test_parse_list(raw: str, kwargs: dict[str, bool], expected: list[str]) -> None:
    assert parse_list(raw, **kwargs) == expected


@pytest.mark.parametrize(
    ("raw", "default", "expected"),
    [("true", False, True), ("True", False, True), ("TRUE", False, True), ("false", True, False),
     ("FALSE", True, False), ("", True, True), ("  ", False, False), (" true ", False, True)],
)
def test_parse_bool_input(raw: str, default: bool, expected: bool) -> None:
    assert parse_bool_input("push", raw, default) is expected


@pytest.mark.parametrize("raw", ["yes", "1", "tRue", "on"])
def test_parse_bool_input_refuses_other_spellings(raw: str) -> None:
    with pytest.raises(UsageError, match=f"invalid input 'push' value '{raw}': expected true or false"):
        parse_bool_input("push", raw)
